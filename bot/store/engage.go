package store

// The team's marks on papers (bot.MarkStore): reactions and saves, one
// record per person, paper, kind and detail. Buckets (created on first
// write, so older files and read-only opens need nothing):
//
//	marks:  platform \0 team \0 paper \0 user \0 kind \0 detail → bot.Mark

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/store/internal/records"
)

var bMarks = []byte("marks")

var _ bot.MarkStore = (*DB)(nil)

func markKey(m bot.Mark) []byte {
	return key(m.Platform, m.Team, m.PaperID, m.User, string(m.Kind), m.Detail)
}

// AddMark records a mark; a mark already there is kept as it was.
func (s *DB) AddMark(ctx context.Context, m bot.Mark) (bool, error) {
	if err := records.CheckMark(m); err != nil {
		return false, err
	}
	v, err := json.Marshal(m)
	if err != nil {
		return false, wrap(err, "encoding a mark")
	}
	var added bool
	err = s.update(ctx, "recording a mark", func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bMarks)
		if err != nil {
			return err
		}
		k := markKey(m)
		if added = b.Get(k) == nil; !added {
			return nil
		}
		return b.Put(k, v)
	})
	return added, err
}

// RemoveMark removes the mark with m's key.
func (s *DB) RemoveMark(ctx context.Context, m bot.Mark) (bool, error) {
	if err := records.CheckMark(m); err != nil {
		return false, err
	}
	var removed bool
	err := s.update(ctx, "removing a mark", func(tx *bolt.Tx) error {
		b := tx.Bucket(bMarks)
		if b == nil {
			return nil
		}
		k := markKey(m)
		if removed = b.Get(k) != nil; !removed {
			return nil
		}
		return b.Delete(k)
	})
	return removed, err
}

// forMarks calls fn for each mark whose key starts with parts.
func forMarks(tx *bolt.Tx, fn func(bot.Mark) error, parts ...string) error {
	b := tx.Bucket(bMarks)
	if b == nil {
		return nil
	}
	p := prefix(parts...)
	if len(parts) == 0 {
		p = nil
	}
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		var m bot.Mark
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("mark %q: %w", k, err)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// MarksOf returns the marks of each paper in scope.
func (s *DB) MarksOf(ctx context.Context, scope bot.Scope, paperIDs ...string) (map[string][]bot.Mark, error) {
	out := map[string][]bot.Mark{}
	err := s.view(ctx, "reading marks", func(tx *bolt.Tx) error {
		for _, id := range slices.Compact(slices.Sorted(slices.Values(paperIDs))) {
			err := forMarks(tx, func(m bot.Mark) error {
				out[id] = append(out[id], m)
				return nil
			}, scope.Platform, scope.Team, id)
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, empty(err)
}

// AllMarksOf returns the marks of each paper in every scope. It reads the
// whole bucket: a team's reactions stay small for years.
func (s *DB) AllMarksOf(ctx context.Context, paperIDs ...string) (map[string][]bot.Mark, error) {
	want := map[string]bool{}
	for _, id := range paperIDs {
		want[id] = true
	}
	out := map[string][]bot.Mark{}
	err := s.view(ctx, "reading marks", func(tx *bolt.Tx) error {
		return forMarks(tx, func(m bot.Mark) error {
			if want[m.PaperID] {
				out[m.PaperID] = append(out[m.PaperID], m)
			}
			return nil
		})
	})
	return out, empty(err)
}

// MarksSince returns the marks in scope made at or after since, oldest first.
func (s *DB) MarksSince(ctx context.Context, scope bot.Scope, since time.Time) ([]bot.Mark, error) {
	var out []bot.Mark
	err := s.view(ctx, "reading marks", func(tx *bolt.Tx) error {
		return forMarks(tx, func(m bot.Mark) error {
			if !m.At.Before(since) {
				out = append(out, m)
			}
			return nil
		}, scope.Platform, scope.Team)
	})
	slices.SortStableFunc(out, func(a, b bot.Mark) int { return a.At.Compare(b.At) })
	return out, empty(err)
}

// SavedBy returns one person's saves in scope, newest first.
func (s *DB) SavedBy(ctx context.Context, scope bot.Scope, user string) ([]bot.Mark, error) {
	var out []bot.Mark
	err := s.view(ctx, "reading saved papers", func(tx *bolt.Tx) error {
		return forMarks(tx, func(m bot.Mark) error {
			if m.User == user && m.Kind == bot.MarkSave {
				out = append(out, m)
			}
			return nil
		}, scope.Platform, scope.Team)
	})
	slices.SortStableFunc(out, func(a, b bot.Mark) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(a.PaperID, b.PaperID))
	})
	return out, empty(err)
}

// DiscussionsByThread returns the discussions on a platform whose thread
// id is one of ids. It reads the whole discussions bucket, like
// RecentDiscussions.
func (s *DB) DiscussionsByThread(ctx context.Context, platform string, ids ...string) ([]bot.Discussion, error) {
	want := map[string]bool{}
	for _, id := range ids {
		if id != "" {
			want[id] = true
		}
	}
	var out []bot.Discussion
	if len(want) == 0 {
		return nil, nil
	}
	err := s.view(ctx, "reading discussions", func(tx *bolt.Tx) error {
		return tx.Bucket(bDiscussions).ForEach(func(k, v []byte) error {
			var d bot.Discussion
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("discussion %q: %w", k, err)
			}
			if d.Platform == platform && want[d.ThreadID] {
				out = append(out, d)
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b bot.Discussion) int { return a.Started.Compare(b.Started) })
	return out, empty(err)
}
