package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// createOpenFile opens the new file for bbolt in create; tests replace it
// to inject a write failure.
var createOpenFile = os.OpenFile

// create makes a new state file at path: bbolt writes it under a
// temporary name in the same directory, and it is linked into place only
// once bbolt wrote its headers and init's transaction committed. A
// failure (a full disk) thus leaves nothing behind, rather than an empty
// file every later start refuses as damaged. If another process created
// the file meanwhile, theirs is kept.
func create(path string, bopts bolt.Options, init func(tx *bolt.Tx) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("state %s: cannot create it: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	bopts.OpenFile = createOpenFile
	db, err := openBolt(tmp, &bopts, true, init)
	if err == nil {
		err = db.Close()
	}
	if err != nil {
		return fmt.Errorf("state %s: cannot create it (nothing was left behind): %w", path, err)
	}
	err = os.Link(tmp, path)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil // created by another process meanwhile
	case err != nil:
		// A file system without hard links: rename, unless the file
		// appeared meanwhile.
		if _, serr := os.Lstat(path); serr == nil {
			return nil
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("state %s: cannot create it (nothing was left behind): %w", path, err)
		}
	}
	if !bopts.NoSync {
		syncDir(filepath.Dir(path))
	}
	return nil
}

// syncDir makes a new directory entry durable; a failure only risks the
// entry (the file is complete), so it is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
