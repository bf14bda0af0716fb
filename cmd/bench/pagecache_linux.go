package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// dropFromPageCache asks the kernel to drop the page cache of every file
// at path (a file, or a directory's files), so that a process started next
// reads them from disk as after a restart. It returns the bytes covered.
func dropFromPageCache(path string) (int64, error) {
	var total int64
	drop := func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			total += fi.Size()
		}
		// POSIX_FADV_DONTNEED (4): clean pages of the file are dropped.
		if _, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, 4, 0, 0); e != 0 {
			return &os.PathError{Op: "fadvise", Path: p, Err: e}
		}
		return nil
	}
	if err := filepath.WalkDir(path, drop); err != nil {
		return total, err
	}
	// SQLite's write-ahead log beside a database file.
	if _, err := os.Stat(path + "-wal"); err == nil {
		if err := filepath.WalkDir(path+"-wal", drop); err != nil {
			return total, err
		}
	}
	return total, nil
}
