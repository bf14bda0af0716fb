package store

// Installations (OAuth installs of the app, bot/install): one bucket,
// created on first write (an older paperbot ignores it):
//
//	installations: platform \0 team → install.Installation (JSON; the
//	               credentials in it sealed by the caller's keyring)

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/install"
)

var bInstallations = []byte("installations")

// PutInstallation creates or replaces a workspace's installation.
func (s *DB) PutInstallation(ctx context.Context, in install.Installation) error {
	if err := in.Check(); err != nil {
		return fault.Wrap(fault.Invalid, err, "")
	}
	v, err := json.Marshal(in)
	if err != nil {
		return wrap(err, "encoding installation")
	}
	return s.update(ctx, "saving installation of "+in.Platform+" "+in.Team, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bInstallations)
		if err != nil {
			return err
		}
		return b.Put(key(in.Platform, in.Team), v)
	})
}

// Installation returns a workspace's installation; ok is false when there
// is none.
func (s *DB) Installation(ctx context.Context, platform, team string) (in install.Installation, ok bool, err error) {
	err = s.view(ctx, "reading installation of "+platform+" "+team, func(tx *bolt.Tx) error {
		b := tx.Bucket(bInstallations)
		if b == nil {
			return nil
		}
		v := b.Get(key(platform, team))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &in); err != nil {
			return fmt.Errorf("installation %s %s: %w", platform, team, err)
		}
		ok = true
		return nil
	})
	return in, ok, empty(err)
}

// Installations returns every installation on a platform, by team id.
func (s *DB) Installations(ctx context.Context, platform string) ([]install.Installation, error) {
	var out []install.Installation
	err := s.view(ctx, "listing installations", func(tx *bolt.Tx) error {
		b := tx.Bucket(bInstallations)
		if b == nil {
			return nil
		}
		p := prefix(platform)
		c := b.Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			var in install.Installation
			if err := json.Unmarshal(v, &in); err != nil {
				return fmt.Errorf("installation %q: %w", k, err)
			}
			out = append(out, in)
		}
		return nil
	})
	return out, empty(err)
}

// DeleteInstallation removes a workspace's installation; it reports
// whether there was one.
func (s *DB) DeleteInstallation(ctx context.Context, platform, team string) (bool, error) {
	var found bool
	err := s.update(ctx, "deleting installation of "+platform+" "+team, func(tx *bolt.Tx) error {
		b := tx.Bucket(bInstallations)
		if b == nil {
			return nil
		}
		k := key(platform, team)
		found = b.Get(k) != nil
		return b.Delete(k)
	})
	return found, err
}
