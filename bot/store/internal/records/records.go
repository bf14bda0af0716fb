// Package records holds the rules both state backends (bot/store, bbolt;
// bot/store/pgstore, PostgreSQL) apply to what they are given, so that they
// agree: which papers are accepted and how a stored one is merged, and the
// checks of leases, seen keys and cursors.
package records

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// MaxKey is the longest lease name, holder, seen key or cursor name
// accepted, in bytes.
const MaxKey = 1024

// MaxCursor is the largest cursor value accepted, in bytes.
const MaxCursor = 1 << 20

// NormalizePapers returns the papers that normalise (paper.Normalize), in
// order, and a fault.Invalid error naming each one that does not (its
// position, id or title, field and reason), or nil. The good ones are
// meant to be written all the same.
func NormalizePapers(papers []paper.Paper) ([]paper.Paper, error) {
	good := make([]paper.Paper, 0, len(papers))
	var bad []error
	for i, p := range papers {
		if err := p.Normalize(); err != nil {
			name := p.ID
			if name == "" {
				name = p.Title
			}
			if len(name) > 80 {
				name = name[:80] + "…"
			}
			bad = append(bad, fmt.Errorf("paper %d (%q): %w", i+1, name, err))
			continue
		}
		good = append(good, p)
	}
	if len(bad) == 0 {
		return good, nil
	}
	return good, fault.Wrap(fault.Invalid, errors.Join(bad...), "%d of %d papers were not stored", len(bad), len(papers))
}

// MergePaper merges a new record of a paper into the stored one (nil when
// there is none) with paper.Merge, and reports whether the stored record
// changes, by its JSON encoding.
func MergePaper(stored *paper.Paper, p paper.Paper) (merged paper.Paper, record []byte, changed bool, err error) {
	merged = p
	var before []byte
	if stored != nil {
		merged = paper.Merge(*stored, p)
		if before, err = json.Marshal(stored); err != nil {
			return merged, nil, false, err
		}
	}
	if record, err = json.Marshal(merged); err != nil {
		return merged, nil, false, err
	}
	return merged, record, stored == nil || !bytes.Equal(before, record), nil
}

// MergeDiscussion returns the record to store for a discussion a digest
// day started, given the one stored under its key (nil when none): a
// thread already known keeps its start time and the larger reply count
// (SetReplies may have counted replies since).
func MergeDiscussion(x bot.Discussion, stored []byte) (bot.Discussion, []byte, error) {
	if stored != nil {
		var prev bot.Discussion
		if json.Unmarshal(stored, &prev) == nil {
			x.Replies = max(x.Replies, prev.Replies)
			if x.LastReply.IsZero() {
				x.LastReply = prev.LastReply
			}
			if !prev.Started.IsZero() {
				x.Started = prev.Started
			}
		}
	}
	v, err := json.Marshal(x)
	return x, v, err
}

// CheckLease checks an acquisition's or renewal's arguments.
func CheckLease(name, holder string, ttl time.Duration) error {
	switch {
	case name == "" || holder == "":
		return fault.New(fault.Invalid, "a lease needs a name and a holder (name %q, holder %q)", name, holder)
	case len(name) > MaxKey || len(holder) > MaxKey:
		return fault.New(fault.Invalid, "a lease's name and holder are at most %d bytes", MaxKey)
	case ttl < time.Millisecond:
		return fault.New(fault.Invalid, "lease %q: a lease lasts at least a millisecond (ttl %v)", name, ttl)
	}
	return nil
}

// CheckSeen checks SeenWithin's arguments.
func CheckSeen(key string, ttl time.Duration) error {
	switch {
	case key == "":
		return fault.New(fault.Invalid, "a seen key cannot be empty")
	case len(key) > MaxKey:
		return fault.New(fault.Invalid, "a seen key is at most %d bytes (got %d)", MaxKey, len(key))
	case ttl <= 0:
		return fault.New(fault.Invalid, "seen key %q: the ttl must be positive (got %v)", key, ttl)
	}
	return nil
}

// CheckCursor checks PutCursor's arguments.
func CheckCursor(name string, value []byte) error {
	switch {
	case name == "":
		return fault.New(fault.Invalid, "a cursor needs a name")
	case len(name) > MaxKey:
		return fault.New(fault.Invalid, "a cursor's name is at most %d bytes (got %d)", MaxKey, len(name))
	case len(value) > MaxCursor:
		return fault.New(fault.Invalid, "cursor %q: a value is at most %d bytes (got %d)", name, MaxCursor, len(value))
	}
	return nil
}

// Fenced is the error of a write whose lease is no longer held.
func Fenced(l bot.Lease) error {
	return fmt.Errorf("lease %q (token %d of %s): %w", l.Name, l.Token, l.Holder, bot.ErrFenced)
}

// Lost is the error of a renewal of a lease no longer held.
func Lost(l bot.Lease) error {
	return fmt.Errorf("lease %q (token %d of %s): %w", l.Name, l.Token, l.Holder, bot.ErrLeaseLost)
}
