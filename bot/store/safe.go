package store

import (
	"errors"
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"

	"github.com/paperbot/paperbot/internal/boltfile"
)

// ErrDamaged is returned (wrapped, with what is wrong) by Open when the
// state file is empty, truncated or damaged: it is refused rather than
// taken as a new, empty state (which would forget the subscriptions and
// the ledger, and post papers again).
var ErrDamaged = errors.New("the state file is damaged")

// remedy says what to do about a damaged state file.
func remedy(path string) string {
	return fmt.Sprintf("stop paperbot and restore %s from a backup (`paperbot backup FILE` writes one); "+
		"or, to start over with no subscriptions and no digest history (papers already posted will be posted again), move it away", path)
}

// damaged is the error for a damaged state file at path.
func damaged(path, what string) error {
	return fmt.Errorf("state %s: %w: %s; %s", path, ErrDamaged, what, remedy(path))
}

// checkFile validates the state file at path before bbolt opens it: bbolt
// takes a 0-byte file for a new database, and panics on some truncated
// ones (reading a freelist page past the end of the file). An absent file
// is fine: it is a new state.
func checkFile(path string) error {
	err := boltfile.Check(path)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, boltfile.ErrDamaged):
		return damaged(path, err.Error())
	}
	return fmt.Errorf("state %s: %w", path, err)
}

// openBolt opens the file with bbolt and runs init in a transaction,
// turning a panic of bbolt's on a damaged file (its "assertion failed" and
// "invalid page" panics, or a fault reading its memory map) into an
// ErrDamaged error.
func openBolt(path string, opts *bolt.Options, update bool, init func(tx *bolt.Tx) error) (db *bolt.DB, err error) {
	err = recoverDamage(path, func() error {
		var err error
		if db, err = bolt.Open(path, 0o600, opts); err != nil {
			return err
		}
		if update {
			err = db.Update(init)
		} else {
			err = db.View(init)
		}
		return err
	})
	if err != nil && db != nil {
		db.Close()
		db = nil
	}
	return db, err
}

// recoverDamage runs fn, turning a panic of bbolt's on a damaged file into
// an ErrDamaged error.
func recoverDamage(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged(path, fmt.Sprint(r))
		}
	}()
	return fn()
}
