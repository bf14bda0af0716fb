package store

import "os"

// SetCreateOpenFile replaces how create opens the new file, until the
// returned function restores it.
func SetCreateOpenFile(f func(string, int, os.FileMode) (*os.File, error)) (restore func()) {
	old := createOpenFile
	createOpenFile = f
	return func() { createOpenFile = old }
}
