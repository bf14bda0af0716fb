// Package store keeps paperbot's durable state in one bbolt file: the
// digest subscriptions, the post ledger and the paper-to-thread links. It
// implements the interfaces the core declares (digest.Store, which
// includes bot.Discussions); the core never imports it.
//
// Every write is one bbolt transaction, synced to disk before it returns.
// Layout (bucket: key → value, values JSON):
//
//	meta:          "version" → schema version
//	subscriptions: platform \0 channel → digest.Subscription
//	days:          platform \0 channel \0 date → digest.Day
//	open:          platform \0 channel \0 date → "" (days with status open)
//	sent:          platform \0 channel \0 paper → date of the day that (maybe) posted it
//	seen:          platform \0 channel \0 paper → first date in the channel's trending window
//	discussions:   paper \0 platform \0 channel \0 thread → bot.Discussion
package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/store/internal/records"
)

// schemaVersion is the layout this code reads and writes.
const schemaVersion = 1

var (
	bMeta          = []byte("meta")
	bSubscriptions = []byte("subscriptions")
	bDays          = []byte("days")
	bOpen          = []byte("open")
	bSent          = []byte("sent")
	bSeen          = []byte("seen")
	bDiscussions   = []byte("discussions")
	allBuckets     = [][]byte{bMeta, bSubscriptions, bDays, bOpen, bSent, bSeen, bDiscussions}
)

// Options tune Open.
type Options struct {
	// ReadOnly opens the file shared, for inspection while nothing writes
	// (`paperbot digest --dry-run`). A running bot holds the file
	// exclusively, so a read-only open then fails with ErrLocked.
	ReadOnly bool
	// LockTimeout is how long to wait for another process holding the
	// file (default 2s).
	LockTimeout time.Duration
	// NoSync skips fsync on commit: for tests and benchmarks only (a
	// crash of the machine may lose the last writes).
	NoSync bool
}

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("the state file is in use by another paperbot process")

// DB is the state store.
type DB struct {
	db   *bolt.DB
	path string
	// papers wakes WaitPapers (shared.go).
	papers signal
}

var (
	_ digest.Store    = (*DB)(nil)
	_ bot.Discussions = (*DB)(nil)
)

// Open opens (or creates) the state file at path.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	bopts := &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync, FreelistType: bolt.FreelistMapType}
	init := checkVersion
	if !opts.ReadOnly {
		init = func(tx *bolt.Tx) error {
			for _, b := range allBuckets {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			if v := tx.Bucket(bMeta).Get([]byte("version")); v == nil {
				return tx.Bucket(bMeta).Put([]byte("version"), []byte(strconv.Itoa(schemaVersion)))
			}
			return checkVersion(tx)
		}
	}
	if !opts.ReadOnly {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			if err := create(path, *bopts, init); err != nil {
				return nil, err
			}
		}
	}
	db, err := openBolt(path, bopts, !opts.ReadOnly, init)
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("state %s: %w", path, ErrLocked)
		}
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrChecksum) || errors.Is(err, bolterrors.ErrVersionMismatch) {
			return nil, damaged(path, err.Error())
		}
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	s := &DB{db: db, path: path}
	return s, nil
}

func checkVersion(tx *bolt.Tx) error {
	m := tx.Bucket(bMeta)
	if m == nil {
		return nil // an empty file opened read-only
	}
	v, err := strconv.Atoi(string(m.Get([]byte("version"))))
	if err != nil {
		return fmt.Errorf("unreadable schema version %q", m.Get([]byte("version")))
	}
	if v > schemaVersion {
		return fmt.Errorf("written by a newer paperbot (schema %d; this one knows %d)", v, schemaVersion)
	}
	return nil
}

// Close closes the file.
func (s *DB) Close() error { return s.db.Close() }

// Path is the file's path.
func (s *DB) Path() string { return s.path }

func key(parts ...string) []byte {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.Bytes()
}

// prefix is key(parts...) + "\0": every key under parts.
func prefix(parts ...string) []byte { return append(key(parts...), 0) }

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fault.Wrap(fault.Internal, fmt.Errorf("state: %s: %w", what, err), "")
}

func (s *DB) view(ctx context.Context, what string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return wrap(s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bDays) == nil {
			return errEmpty
		}
		return fn(tx)
	}), what)
}

// errEmpty: a read-only open of a file that was never written.
var errEmpty = errors.New("no state yet")

func (s *DB) update(ctx context.Context, what string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return wrap(s.db.Update(fn), what)
}

// empty turns errEmpty into "nothing found".
func empty(err error) error {
	if errors.Is(err, errEmpty) {
		return nil
	}
	return err
}

// Subscriptions returns every subscription.
func (s *DB) Subscriptions(ctx context.Context) ([]digest.Subscription, error) {
	var out []digest.Subscription
	err := s.view(ctx, "reading subscriptions", func(tx *bolt.Tx) error {
		return tx.Bucket(bSubscriptions).ForEach(func(k, v []byte) error {
			var sub digest.Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return fmt.Errorf("subscription %q: %w", k, err)
			}
			out = append(out, sub)
			return nil
		})
	})
	return out, empty(err)
}

// Subscription returns a channel's subscription.
func (s *DB) Subscription(ctx context.Context, platform, channel string) (digest.Subscription, bool, error) {
	var sub digest.Subscription
	var ok bool
	err := s.view(ctx, "reading a subscription", func(tx *bolt.Tx) error {
		v := tx.Bucket(bSubscriptions).Get(key(platform, channel))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &sub)
	})
	return sub, ok, empty(err)
}

// PutSubscription creates or replaces a channel's subscription.
func (s *DB) PutSubscription(ctx context.Context, sub digest.Subscription) error {
	if sub.Platform == "" || sub.Channel == "" {
		return fault.New(fault.Invalid, "a subscription needs a platform and a channel")
	}
	v, err := json.Marshal(sub)
	if err != nil {
		return wrap(err, "encoding a subscription")
	}
	return s.update(ctx, "saving a subscription", func(tx *bolt.Tx) error {
		return tx.Bucket(bSubscriptions).Put(key(sub.Platform, sub.Channel), v)
	})
}

// DeleteSubscription removes a channel's subscription. The ledger and the
// channel's sent papers are kept: subscribing again never repeats a paper.
func (s *DB) DeleteSubscription(ctx context.Context, platform, channel string) (bool, error) {
	var had bool
	err := s.update(ctx, "deleting a subscription", func(tx *bolt.Tx) error {
		b := tx.Bucket(bSubscriptions)
		k := key(platform, channel)
		had = b.Get(k) != nil
		return b.Delete(k)
	})
	return had, err
}

// Day returns one channel's day.
func (s *DB) Day(ctx context.Context, platform, channel, date string) (digest.Day, bool, error) {
	var d digest.Day
	var ok bool
	err := s.view(ctx, "reading the ledger", func(tx *bolt.Tx) error {
		v := tx.Bucket(bDays).Get(key(platform, channel, date))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &d)
	})
	return d, ok, empty(err)
}

// LastDay returns the channel's most recent day.
func (s *DB) LastDay(ctx context.Context, platform, channel string) (digest.Day, bool, error) {
	var d digest.Day
	var ok bool
	err := s.view(ctx, "reading the ledger", func(tx *bolt.Tx) error {
		p := prefix(platform, channel)
		c := tx.Bucket(bDays).Cursor()
		// Keys under p sort by date; step back from just past them.
		end := append(slices.Clone(p[:len(p)-1]), 1)
		var k, v []byte
		if k, _ = c.Seek(end); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		if k == nil || !bytes.HasPrefix(k, p) {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &d)
	})
	return d, ok, empty(err)
}

// Days returns a channel's days, oldest first.
func (s *DB) Days(ctx context.Context, platform, channel string) ([]digest.Day, error) {
	var out []digest.Day
	err := s.view(ctx, "reading the ledger", func(tx *bolt.Tx) error {
		p := prefix(platform, channel)
		c := tx.Bucket(bDays).Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			var d digest.Day
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("day %q: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	return out, empty(err)
}

// OpenDays returns every day still being posted.
func (s *DB) OpenDays(ctx context.Context) ([]digest.Day, error) {
	var out []digest.Day
	err := s.view(ctx, "reading the ledger", func(tx *bolt.Tx) error {
		days := tx.Bucket(bDays)
		return tx.Bucket(bOpen).ForEach(func(k, _ []byte) error {
			v := days.Get(k)
			if v == nil {
				return nil
			}
			var d digest.Day
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("day %q: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, empty(err)
}

// SaveDay writes a day and, in the same transaction, the channel's sent
// papers, the first-seen dates of its trending window and its
// discussions. Concurrent calls (many channels posting at once) share
// one transaction and one fsync (bbolt's Batch); each call returns only
// once its day is on disk.
func (s *DB) SaveDay(ctx context.Context, d digest.Day) error {
	return s.saveDay(ctx, d, nil)
}

// saveDay is SaveDay, fenced by the lease when fence is not nil.
func (s *DB) saveDay(ctx context.Context, d digest.Day, fence *bot.Lease) error {
	if d.Platform == "" || d.Channel == "" || d.Date == "" {
		return fault.New(fault.Invalid, "a digest day needs a platform, a channel and a date")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err := json.Marshal(d)
	if err != nil {
		return wrap(err, "encoding a digest day")
	}
	sent, unsent := d.SentPapers()
	discussions := d.Discussions()
	dk := key(d.Platform, d.Channel, d.Date)
	date := []byte(d.Date)
	return wrap(s.db.Batch(func(tx *bolt.Tx) error {
		if err := checkFence(tx, fence); err != nil {
			return err
		}
		if err := tx.Bucket(bDays).Put(dk, v); err != nil {
			return err
		}
		open := tx.Bucket(bOpen)
		if d.Status == digest.DayOpen {
			if err := open.Put(dk, nil); err != nil {
				return err
			}
		} else if err := open.Delete(dk); err != nil {
			return err
		}
		sb := tx.Bucket(bSent)
		for _, id := range sent {
			k := key(d.Platform, d.Channel, id)
			if sb.Get(k) == nil {
				if err := sb.Put(k, date); err != nil {
					return err
				}
			}
		}
		for _, id := range unsent {
			k := key(d.Platform, d.Channel, id)
			if bytes.Equal(sb.Get(k), date) {
				if err := sb.Delete(k); err != nil {
					return err
				}
			}
		}
		seen := tx.Bucket(bSeen)
		for _, id := range d.Window {
			k := key(d.Platform, d.Channel, id)
			if seen.Get(k) == nil {
				if err := seen.Put(k, date); err != nil {
					return err
				}
			}
		}
		db := tx.Bucket(bDiscussions)
		for _, x := range discussions {
			k := key(x.PaperID, x.Platform, x.Channel, x.ThreadID)
			_, v, err := records.MergeDiscussion(x, db.Get(k))
			if err != nil {
				return err
			}
			if err := db.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	}), "saving the digest of "+d.Channel+" on "+d.Date)
}

// Sent returns the papers that may have been posted to a channel.
func (s *DB) Sent(ctx context.Context, platform, channel string) ([]string, error) {
	var out []string
	err := s.view(ctx, "reading sent papers", func(tx *bolt.Tx) error {
		p := prefix(platform, channel)
		c := tx.Bucket(bSent).Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			out = append(out, string(k[len(p):]))
		}
		return nil
	})
	return out, empty(err)
}

// FirstSeen returns the first date each paper was in the channel's
// trending window.
func (s *DB) FirstSeen(ctx context.Context, platform, channel string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	err := s.view(ctx, "reading trending history", func(tx *bolt.Tx) error {
		b := tx.Bucket(bSeen)
		for _, id := range ids {
			if v := b.Get(key(platform, channel, id)); v != nil {
				out[id] = string(v)
			}
		}
		return nil
	})
	return out, empty(err)
}

// DiscussionsOf returns the remembered threads of each paper that a
// requester in scope may see (started on the same platform, in the same
// workspace or guild), oldest first.
func (s *DB) DiscussionsOf(ctx context.Context, scope bot.Scope, paperIDs ...string) (map[string][]bot.Discussion, error) {
	return s.discussionsOf(ctx, scope.Sees, paperIDs)
}

// AllDiscussionsOf returns the remembered threads of each paper on every
// platform, oldest first: for the team's engagement in the trending score,
// never for showing to a requester (DiscussionsOf).
func (s *DB) AllDiscussionsOf(ctx context.Context, paperIDs ...string) (map[string][]bot.Discussion, error) {
	return s.discussionsOf(ctx, func(bot.Discussion) bool { return true }, paperIDs)
}

func (s *DB) discussionsOf(ctx context.Context, keep func(bot.Discussion) bool, paperIDs []string) (map[string][]bot.Discussion, error) {
	out := map[string][]bot.Discussion{}
	done := map[string]bool{}
	err := s.view(ctx, "reading discussions", func(tx *bolt.Tx) error {
		c := tx.Bucket(bDiscussions).Cursor()
		for _, id := range paperIDs {
			if id == "" || done[id] {
				continue
			}
			done[id] = true
			p := prefix(id)
			for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
				var d bot.Discussion
				if err := json.Unmarshal(v, &d); err != nil {
					return fmt.Errorf("discussion %q: %w", k, err)
				}
				if keep(d) {
					out[id] = append(out[id], d)
				}
			}
			slices.SortStableFunc(out[id], func(a, b bot.Discussion) int { return a.Started.Compare(b.Started) })
		}
		return nil
	})
	return out, empty(err)
}

var _ digest.ReplyStore = (*DB)(nil)

// RecentDiscussions returns the discussions started at or after since,
// on every platform, oldest first. It reads the whole discussions bucket:
// a few discussions a day per channel stay small for years.
func (s *DB) RecentDiscussions(ctx context.Context, since time.Time) ([]bot.Discussion, error) {
	var out []bot.Discussion
	err := s.view(ctx, "reading discussions", func(tx *bolt.Tx) error {
		return tx.Bucket(bDiscussions).ForEach(func(k, v []byte) error {
			var d bot.Discussion
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("discussion %q: %w", k, err)
			}
			if !d.Started.Before(since) {
				out = append(out, d)
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b bot.Discussion) int { return a.Started.Compare(b.Started) })
	return out, empty(err)
}

// SetReplyCount records a discussion's current reply count and the time
// of its last reply (both may go back: replies can be deleted). It reports
// false, storing nothing, when the discussion is not known.
func (s *DB) SetReplyCount(ctx context.Context, d bot.Discussion, c bot.ReplyCount) (bool, error) {
	last := c.Last.UTC()
	return s.setReplies(ctx, d, c.Replies, &last)
}

// SetReplies records a discussion's current reply count (it may go down:
// replies can be deleted), keeping its last reply's time. It reports
// false, storing nothing, when the discussion (paper, platform, channel,
// thread) is not known.
func (s *DB) SetReplies(ctx context.Context, d bot.Discussion, replies int) (bool, error) {
	return s.setReplies(ctx, d, replies, nil)
}

// setReplies stores a known discussion's reply count and, when last is
// not nil, its last reply's time; an unchanged discussion is not written.
func (s *DB) setReplies(ctx context.Context, d bot.Discussion, replies int, last *time.Time) (bool, error) {
	if replies < 0 {
		return false, fault.New(fault.Invalid, "a reply count cannot be negative (%d)", replies)
	}
	var ok bool
	err := s.update(ctx, "recording a reply count", func(tx *bolt.Tx) error {
		b := tx.Bucket(bDiscussions)
		k := key(d.PaperID, d.Platform, d.Channel, d.ThreadID)
		v := b.Get(k)
		if v == nil {
			return nil
		}
		var cur bot.Discussion
		if err := json.Unmarshal(v, &cur); err != nil {
			return fmt.Errorf("discussion %q: %w", k, err)
		}
		ok = true
		next := cur
		next.Replies = replies
		if last != nil {
			next.LastReply = *last
		}
		if next.Replies == cur.Replies && next.LastReply.Equal(cur.LastReply) {
			return nil
		}
		nv, err := json.Marshal(next)
		if err != nil {
			return err
		}
		return b.Put(k, nv)
	})
	return ok, err
}
