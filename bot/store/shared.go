package store

// What replicas share, in one process: leases, seen keys (event dedupe),
// source cursors and the papers table with its change feed. bot/store/pgstore
// shares them between processes; here they keep the same contract for the
// one process that holds the file, so that the same code runs on both and
// one test suite (bot/store/storetest) holds both to it.
//
// More buckets (created on first write, so that older files and read-only
// opens need nothing; an older paperbot ignores them):
//
//	leases:      name → {holder, token, held}
//	dedupe:      key → expiry (8 bytes, Unix nanoseconds, big-endian)
//	dedupe_exp:  expiry ‖ key → "" (oldest first, for the sweep)
//	cursors:     name → value
//	papers:      id → {seq, updated_at, paper}
//	paper_seq:   seq (8 bytes, big-endian) → id (the change feed)

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/internal/records"
)

var (
	bLeases    = []byte("leases")
	bDedupe    = []byte("dedupe")
	bDedupeExp = []byte("dedupe_exp")
	bCursors   = []byte("cursors")
	bPapers    = []byte("papers")
	bPaperSeq  = []byte("paper_seq")
)

var _ bot.Leases = (*DB)(nil)

// leaseRecord is a lease as stored.
type leaseRecord struct {
	Holder string `json:"holder"`
	Token  int64  `json:"token"`
	// Held is false once released.
	Held bool `json:"held"`
}

// heldAs reports whether the lease is held by l's holder with l's token.
func (r leaseRecord) heldAs(l bot.Lease) bool {
	return r.Held && r.Holder == l.Holder && r.Token == l.Token
}

func readLease(b *bolt.Bucket, name string) (leaseRecord, error) {
	var r leaseRecord
	if b == nil {
		return r, nil
	}
	v := b.Get([]byte(name))
	if v == nil {
		return r, nil
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("lease %q: %w", name, err)
	}
	return r, nil
}

func writeLease(tx *bolt.Tx, name string, r leaseRecord) error {
	b, err := tx.CreateBucketIfNotExists(bLeases)
	if err != nil {
		return err
	}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put([]byte(name), v)
}

// AcquireLease grants the lease at once: this process holds the file, so
// there is no other replica to wait for. A holder other than the current
// one gets a new token (the old holder's renewals and fenced writes then
// fail); the current holder keeps its token.
func (s *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bot.Lease, bool, error) {
	sent := time.Now()
	if err := records.CheckLease(name, holder, ttl); err != nil {
		return bot.Lease{}, false, err
	}
	l := bot.Lease{Name: name, Holder: holder}
	err := s.update(ctx, "acquiring lease "+name, func(tx *bolt.Tx) error {
		r, err := readLease(tx.Bucket(bLeases), name)
		if err != nil {
			return err
		}
		if !r.Held || r.Holder != holder {
			r = leaseRecord{Holder: holder, Token: r.Token + 1, Held: true}
			if err := writeLease(tx, name, r); err != nil {
				return err
			}
		}
		l.Token = r.Token
		return nil
	})
	if err != nil {
		return bot.Lease{}, false, err
	}
	l.Deadline = bot.LeaseDeadline(sent, ttl)
	return l, true, nil
}

// RenewLease extends a lease still held with its token.
func (s *DB) RenewLease(ctx context.Context, l bot.Lease, ttl time.Duration) (bot.Lease, error) {
	sent := time.Now()
	if err := records.CheckLease(l.Name, l.Holder, ttl); err != nil {
		return l, err
	}
	err := s.view(ctx, "renewing lease "+l.Name, func(tx *bolt.Tx) error {
		r, err := readLease(tx.Bucket(bLeases), l.Name)
		if err != nil {
			return err
		}
		if !r.heldAs(l) {
			return records.Lost(l)
		}
		return nil
	})
	if err != nil {
		return l, empty(err)
	}
	l.Deadline = bot.LeaseDeadline(sent, ttl)
	return l, nil
}

// ReleaseLease gives the lease up; its token is kept for the next holder
// to exceed.
func (s *DB) ReleaseLease(ctx context.Context, l bot.Lease) error {
	return s.update(ctx, "releasing lease "+l.Name, func(tx *bolt.Tx) error {
		r, err := readLease(tx.Bucket(bLeases), l.Name)
		if err != nil || !r.heldAs(l) {
			return err
		}
		r.Held = false
		return writeLease(tx, l.Name, r)
	})
}

// checkFence fails a write made under a lease (fence, when not nil: see
// Fenced) that is no longer held with its token.
func checkFence(tx *bolt.Tx, fence *bot.Lease) error {
	if fence == nil {
		return nil
	}
	l := *fence
	r, err := readLease(tx.Bucket(bLeases), l.Name)
	if err != nil {
		return err
	}
	if !r.heldAs(l) {
		return records.Fenced(l)
	}
	return nil
}

// sweepSeen is how many expired seen keys one SeenWithin forgets at most.
const sweepSeen = 64

// SeenWithin records key for ttl and reports whether it was recorded
// already and not expired. Expired keys are forgotten a few at a time.
func (s *DB) SeenWithin(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := records.CheckSeen(key, ttl); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var seen bool
	err := s.db.Batch(func(tx *bolt.Tx) error {
		seen = false
		now := time.Now().UnixNano()
		b, err := tx.CreateBucketIfNotExists(bDedupe)
		if err != nil {
			return err
		}
		exp, err := tx.CreateBucketIfNotExists(bDedupeExp)
		if err != nil {
			return err
		}
		// Forget the oldest expired keys.
		c := exp.Cursor()
		for i, k := 0, []byte(nil); i < sweepSeen; i++ {
			if k, _ = c.First(); len(k) < 8 || int64(binary.BigEndian.Uint64(k)) > now {
				break
			}
			if err := b.Delete(k[8:]); err != nil {
				return err
			}
			if err := exp.Delete(k); err != nil {
				return err
			}
		}
		k := []byte(key)
		if v := b.Get(k); len(v) == 8 {
			at := int64(binary.BigEndian.Uint64(v))
			if at > now {
				seen = true
				return nil
			}
			if err := exp.Delete(append(slice8(at), k...)); err != nil {
				return err
			}
		}
		until := now + int64(ttl)
		if err := b.Put(k, slice8(until)); err != nil {
			return err
		}
		return exp.Put(append(slice8(until), k...), nil)
	})
	return seen, wrap(err, "recording a seen key")
}

func slice8(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

// ForgetSeen drops a seen key.
func (s *DB) ForgetSeen(ctx context.Context, key string) error {
	return s.update(ctx, "forgetting a seen key", func(tx *bolt.Tx) error {
		b := tx.Bucket(bDedupe)
		if b == nil {
			return nil
		}
		k := []byte(key)
		v := b.Get(k)
		if len(v) != 8 {
			return nil
		}
		if exp := tx.Bucket(bDedupeExp); exp != nil {
			if err := exp.Delete(append(append([]byte{}, v...), k...)); err != nil {
				return err
			}
		}
		return b.Delete(k)
	})
}

// Cursor returns a source cursor.
func (s *DB) Cursor(ctx context.Context, name string) ([]byte, bool, error) {
	var out []byte
	var ok bool
	err := s.view(ctx, "reading cursor "+name, func(tx *bolt.Tx) error {
		if b := tx.Bucket(bCursors); b != nil {
			if v := b.Get([]byte(name)); v != nil {
				out, ok = append([]byte{}, v...), true
			}
		}
		return nil
	})
	return out, ok, empty(err)
}

// PutCursor creates or replaces a source cursor.
func (s *DB) PutCursor(ctx context.Context, name string, value []byte) error {
	return s.putCursor(ctx, name, value, nil)
}

// putCursor is PutCursor, fenced by the lease when fence is not nil.
func (s *DB) putCursor(ctx context.Context, name string, value []byte, fence *bot.Lease) error {
	if err := records.CheckCursor(name, value); err != nil {
		return err
	}
	return s.update(ctx, "saving cursor "+name, func(tx *bolt.Tx) error {
		if err := checkFence(tx, fence); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bCursors)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), append([]byte{}, value...))
	})
}

// paperRow is a paper as stored.
type paperRow struct {
	Seq       int64       `json:"seq"`
	UpdatedAt time.Time   `json:"updated_at"`
	Paper     paper.Paper `json:"paper"`
}

// UpsertPapers merges papers into the papers table (paper.Merge with the
// stored record), giving each changed paper the next sequence number, in
// one transaction. Papers that do not normalise are reported in a
// fault.Invalid error; the others are written all the same.
func (s *DB) UpsertPapers(ctx context.Context, papers []paper.Paper) error {
	return s.upsertPapers(ctx, papers, nil)
}

// upsertPapers is UpsertPapers, fenced by the lease when fence is not nil.
func (s *DB) upsertPapers(ctx context.Context, papers []paper.Paper, fence *bot.Lease) error {
	good, bad := records.NormalizePapers(papers)
	if len(good) == 0 {
		return bad
	}
	err := s.update(ctx, "saving papers", func(tx *bolt.Tx) error {
		if err := checkFence(tx, fence); err != nil {
			return err
		}
		pb, err := tx.CreateBucketIfNotExists(bPapers)
		if err != nil {
			return err
		}
		sb, err := tx.CreateBucketIfNotExists(bPaperSeq)
		if err != nil {
			return err
		}
		now := time.Now()
		for _, p := range good {
			var stored *paper.Paper
			var old paperRow
			if v := pb.Get([]byte(p.ID)); v != nil {
				if err := json.Unmarshal(v, &old); err != nil {
					return fmt.Errorf("paper %q: %w", p.ID, err)
				}
				stored = &old.Paper
			}
			merged, _, changed, err := records.MergePaper(stored, p)
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
			seq, err := sb.NextSequence()
			if err != nil {
				return err
			}
			if stored != nil {
				if err := sb.Delete(slice8(old.Seq)); err != nil {
					return err
				}
			}
			v, err := json.Marshal(paperRow{Seq: int64(seq), UpdatedAt: now, Paper: merged})
			if err != nil {
				return err
			}
			if err := pb.Put([]byte(p.ID), v); err != nil {
				return err
			}
			if err := sb.Put(slice8(int64(seq)), []byte(p.ID)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.papers.wake()
	return bad
}

// PaperChanges returns up to limit changes after the given sequence
// number, in order.
func (s *DB) PaperChanges(ctx context.Context, after int64, limit int) ([]paper.Change, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []paper.Change
	err := s.view(ctx, "reading paper changes", func(tx *bolt.Tx) error {
		sb, pb := tx.Bucket(bPaperSeq), tx.Bucket(bPapers)
		if sb == nil || pb == nil {
			return nil
		}
		c := sb.Cursor()
		for k, id := c.Seek(slice8(max(after+1, 0))); k != nil && len(out) < limit; k, id = c.Next() {
			var r paperRow
			if err := json.Unmarshal(pb.Get(id), &r); err != nil {
				return fmt.Errorf("paper %q: %w", id, err)
			}
			out = append(out, paper.Change{Seq: r.Seq, Paper: r.Paper, UpdatedAt: r.UpdatedAt})
		}
		return nil
	})
	return out, empty(err)
}

// lastPaperSeq is the feed's last sequence number (0 when empty).
func (s *DB) lastPaperSeq(ctx context.Context) (int64, error) {
	var last int64
	err := s.view(ctx, "reading paper changes", func(tx *bolt.Tx) error {
		if sb := tx.Bucket(bPaperSeq); sb != nil {
			if k, _ := sb.Cursor().Last(); len(k) == 8 {
				last = int64(binary.BigEndian.Uint64(k))
			}
		}
		return nil
	})
	return last, empty(err)
}

// WaitPapers returns the feed's last sequence number once it is past
// after: at once, or when this process writes papers (it is the only
// writer of the file).
func (s *DB) WaitPapers(ctx context.Context, after int64) (int64, error) {
	for {
		woken := s.papers.wait()
		last, err := s.lastPaperSeq(ctx)
		if err != nil || last > after {
			return last, err
		}
		select {
		case <-woken:
		case <-ctx.Done():
			return last, ctx.Err()
		}
	}
}

// signal wakes every waiter at once. The zero value is ready.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed by the next wake.
func (g *signal) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	return g.ch
}

func (g *signal) wake() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
}
