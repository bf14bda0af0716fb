package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/install"
)

// PutInstallation creates or replaces a workspace's installation.
func (s *Store) PutInstallation(ctx context.Context, in install.Installation) error {
	if err := in.Check(); err != nil {
		return fault.Wrap(fault.Invalid, err, "")
	}
	v, err := json.Marshal(in)
	if err != nil {
		return wrap(err, "encoding installation")
	}
	return s.do(ctx, "saving installation of "+in.Platform+" "+in.Team, func() error {
		_, err := s.pool.Exec(ctx, `INSERT INTO installations (platform, team, record) VALUES ($1, $2, $3)
ON CONFLICT (platform, team) DO UPDATE SET record = excluded.record`, in.Platform, in.Team, v)
		return err
	})
}

// Installation returns a workspace's installation; ok is false when there
// is none.
func (s *Store) Installation(ctx context.Context, platform, team string) (in install.Installation, ok bool, err error) {
	err = s.do(ctx, "reading installation of "+platform+" "+team, func() error {
		var v []byte
		err := s.pool.QueryRow(ctx, "SELECT record FROM installations WHERE platform = $1 AND team = $2", platform, team).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(v, &in); err != nil {
			return fmt.Errorf("installation %s %s: %w", platform, team, err)
		}
		ok = true
		return nil
	})
	return in, ok, err
}

// Installations returns every installation on a platform, by team id.
func (s *Store) Installations(ctx context.Context, platform string) ([]install.Installation, error) {
	var out []install.Installation
	err := s.do(ctx, "listing installations", func() error {
		out = nil
		rows, err := s.pool.Query(ctx, "SELECT team, record FROM installations WHERE platform = $1 ORDER BY team", platform)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var team string
			var v []byte
			if err := rows.Scan(&team, &v); err != nil {
				return err
			}
			var in install.Installation
			if err := json.Unmarshal(v, &in); err != nil {
				return fmt.Errorf("installation %s %s: %w", platform, team, err)
			}
			out = append(out, in)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteInstallation removes a workspace's installation; it reports
// whether there was one.
func (s *Store) DeleteInstallation(ctx context.Context, platform, team string) (bool, error) {
	var found bool
	err := s.do(ctx, "deleting installation of "+platform+" "+team, func() error {
		tag, err := s.pool.Exec(ctx, "DELETE FROM installations WHERE platform = $1 AND team = $2", platform, team)
		found = err == nil && tag.RowsAffected() > 0
		return err
	})
	return found, err
}
