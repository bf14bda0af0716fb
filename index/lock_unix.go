//go:build unix

package index

import (
	"os"
	"syscall"
)

// canLock: creating directories are told abandoned by their locks.
const canLock = true

// tryLock takes an exclusive lock on f without waiting (flock, as bbolt
// locks its files).
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
