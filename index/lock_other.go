//go:build !unix

package index

import "os"

// canLock: flock is not available here; creating directories are removed
// only by age.
const canLock = false

func tryLock(*os.File) bool { return true }
