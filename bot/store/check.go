package store

import (
	"context"
	"fmt"
	"io"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// CheckResult is what Check found.
type CheckResult struct {
	Bytes         int64 // the database's size
	Subscriptions int
	Days          int // digest days in the ledger
	Discussions   int
	// Problems say what is wrong where; none for a sound file.
	Problems []string
}

// Check runs bbolt's consistency check on the state (every page reachable
// exactly once, none both used and free, keys in order) and counts what
// it holds. A damaged file gives Problems and an error wrapping
// ErrDamaged that says what to do. It runs beside the bot's writes: in a
// write transaction, rolled back, which holds them off while it reads
// (bbolt's check reads the free list, which writes change: in a read
// transaction it raced them and took pages being written for damage).
// A database opened read-only has no writer to hold off.
func (s *DB) Check(ctx context.Context) (res CheckResult, err error) {
	if err := ctx.Err(); err != nil {
		return res, err
	}
	err = recoverDamage(s.path, func() error {
		return s.checkTx(func(tx *bolt.Tx) error {
			res.Bytes = tx.Size()
			for err := range tx.Check() {
				if len(res.Problems) < 20 {
					res.Problems = append(res.Problems, err.Error())
				}
			}
			count := func(b []byte) int {
				if bk := tx.Bucket(b); bk != nil {
					return bk.Stats().KeyN
				}
				return 0
			}
			res.Subscriptions, res.Days, res.Discussions = count(bSubscriptions), count(bDays), count(bDiscussions)
			return nil
		})
	})
	if err != nil {
		return res, err
	}
	if res.Problems != nil {
		return res, damaged(s.path, "bbolt's consistency check failed: "+strings.Join(res.Problems, "; "))
	}
	return res, nil
}

// checkTx runs fn in a transaction no write runs beside: a write
// transaction it rolls back, or a read one on a database opened read-only.
func (s *DB) checkTx(fn func(tx *bolt.Tx) error) error {
	if s.db.IsReadOnly() {
		return s.db.View(fn)
	}
	tx, err := s.db.Begin(true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// WriteBackup writes a consistent copy of the state to w, from one read
// transaction (bbolt's Tx.WriteTo): the bot goes on writing meanwhile.
// The copy is a state file of its own; size is its length, known before
// it is written.
func (s *DB) WriteBackup(ctx context.Context, w io.Writer, size func(int64)) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		if size != nil {
			size(tx.Size())
		}
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("state %s: writing a backup: %w", s.path, err)
	}
	return n, nil
}
