package store

// Export: everything in the state file that outlives the process, read in
// one transaction, for `paperbot migrate-state` to write to PostgreSQL
// (pgstore.Store.Import). Left out: leases (in the file they are one
// process's bookkeeping; replicas take their own) and seen keys already
// expired (forgotten anyway).

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/install"
	"github.com/paperbot/paperbot/bot/paper"
)

// ChannelPaper is a paper's date in a channel: in Snapshot.Sent, the day
// that (maybe) posted it; in Snapshot.Seen, the first day it was in the
// channel's trending window.
type ChannelPaper struct {
	Platform, Channel, PaperID, Date string
}

// Cursor is a source cursor.
type Cursor struct {
	Name  string
	Value []byte
}

// SeenKey is an event-dedupe or replay-guard key and when it expires.
type SeenKey struct {
	Key     string
	Expires time.Time
}

// Snapshot is the state's durable content, as Export read it.
type Snapshot struct {
	Subscriptions []digest.Subscription
	Days          []digest.Day
	Sent          []ChannelPaper
	Seen          []ChannelPaper
	Discussions   []bot.Discussion
	Installations []install.Installation
	Cursors       []Cursor
	// Marks are the team's saves and reactions (bot.MarkStore).
	Marks    []bot.Mark
	SeenKeys []SeenKey
	// Papers are in the order of the file's change feed.
	Papers []paper.Paper

	// Left out: seen keys already expired, and leases.
	ExpiredSeenKeys, Leases int
}

// Counts are how many records of each kind a state holds.
type Counts struct {
	Subscriptions, Days, OpenDays, Sent, Seen, Discussions, Installations, Cursors, Marks, SeenKeys, Papers int
}

// Counts counts the snapshot's records.
func (s *Snapshot) Counts() Counts {
	open := 0
	for _, d := range s.Days {
		if d.Status == digest.DayOpen {
			open++
		}
	}
	return Counts{
		Subscriptions: len(s.Subscriptions), Days: len(s.Days), OpenDays: open,
		Sent: len(s.Sent), Seen: len(s.Seen), Discussions: len(s.Discussions),
		Installations: len(s.Installations), Cursors: len(s.Cursors), Marks: len(s.Marks),
		SeenKeys: len(s.SeenKeys), Papers: len(s.Papers),
	}
}

// Export reads every record of the state in one read transaction; seen
// keys expired at now are counted, not read.
func (s *DB) Export(ctx context.Context, now time.Time) (*Snapshot, error) {
	out := &Snapshot{}
	err := s.view(ctx, "exporting the state", func(tx *bolt.Tx) error {
		if err := eachJSON(tx, bSubscriptions, &out.Subscriptions); err != nil {
			return err
		}
		if err := eachJSON(tx, bDays, &out.Days); err != nil {
			return err
		}
		if err := eachJSON(tx, bDiscussions, &out.Discussions); err != nil {
			return err
		}
		if err := eachJSON(tx, bInstallations, &out.Installations); err != nil {
			return err
		}
		if err := eachJSON(tx, bMarks, &out.Marks); err != nil {
			return err
		}
		var err error
		if out.Sent, err = channelPapers(tx, bSent); err != nil {
			return err
		}
		if out.Seen, err = channelPapers(tx, bSeen); err != nil {
			return err
		}
		if b := tx.Bucket(bCursors); b != nil {
			if err := b.ForEach(func(k, v []byte) error {
				out.Cursors = append(out.Cursors, Cursor{Name: string(k), Value: slices.Clone(v)})
				return nil
			}); err != nil {
				return err
			}
		}
		if b := tx.Bucket(bDedupe); b != nil {
			if err := b.ForEach(func(k, v []byte) error {
				if len(v) != 8 {
					return nil
				}
				exp := time.Unix(0, int64(binary.BigEndian.Uint64(v)))
				if !exp.After(now) {
					out.ExpiredSeenKeys++
					return nil
				}
				out.SeenKeys = append(out.SeenKeys, SeenKey{Key: string(k), Expires: exp})
				return nil
			}); err != nil {
				return err
			}
		}
		if b := tx.Bucket(bLeases); b != nil {
			out.Leases = b.Stats().KeyN
		}
		if sb, pb := tx.Bucket(bPaperSeq), tx.Bucket(bPapers); sb != nil && pb != nil {
			return sb.ForEach(func(_, id []byte) error {
				var r paperRow
				if err := json.Unmarshal(pb.Get(id), &r); err != nil {
					return fmt.Errorf("paper %q: %w", id, err)
				}
				out.Papers = append(out.Papers, r.Paper)
				return nil
			})
		}
		return nil
	})
	return out, empty(err)
}

// eachJSON decodes every value of a bucket (none when it does not exist).
func eachJSON[T any](tx *bolt.Tx, name []byte, out *[]T) error {
	b := tx.Bucket(name)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("%s %q: %w", name, k, err)
		}
		*out = append(*out, x)
		return nil
	})
}

// channelPapers reads a bucket of platform \0 channel \0 paper → date.
func channelPapers(tx *bolt.Tx, name []byte) ([]ChannelPaper, error) {
	var out []ChannelPaper
	err := tx.Bucket(name).ForEach(func(k, v []byte) error {
		parts := bytes.SplitN(k, []byte{0}, 3)
		if len(parts) != 3 {
			return fmt.Errorf("%s: key %q is not platform, channel and paper", name, k)
		}
		out = append(out, ChannelPaper{Platform: string(parts[0]), Channel: string(parts[1]), PaperID: string(parts[2]), Date: string(v)})
		return nil
	})
	return out, err
}
