package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/internal/records"
)

// micros is a duration as a whole number of microseconds (at least one),
// the resolution of PostgreSQL's timestamps.
func micros(d time.Duration) int64 { return max(d.Microseconds(), 1) }

// AcquireLease takes the lease when it is free, expired or already the
// holder's. The expiry is set on the database's clock; the returned
// lease's Deadline on the local one, from before the request was sent.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bot.Lease, bool, error) {
	sent := time.Now()
	if err := records.CheckLease(name, holder, ttl); err != nil {
		return bot.Lease{}, false, err
	}
	l := bot.Lease{Name: name, Holder: holder}
	var ok bool
	err := s.do(ctx, "acquiring lease "+name, func() error {
		// The holder's own unexpired lease keeps its token; any other
		// acquisition makes a new one.
		err := s.pool.QueryRow(ctx, `INSERT INTO leases AS l (name, holder, token, expires_at)
VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 microsecond')
ON CONFLICT (name) DO UPDATE SET
	holder = excluded.holder,
	token = CASE WHEN l.holder = excluded.holder AND l.expires_at > clock_timestamp() THEN l.token ELSE l.token + 1 END,
	expires_at = excluded.expires_at
WHERE l.holder = excluded.holder OR l.expires_at <= clock_timestamp()
RETURNING token`, name, holder, micros(ttl)).Scan(&l.Token)
		ok = err == nil
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // another holder has it
		}
		return err
	})
	if err != nil || !ok {
		return bot.Lease{}, false, err
	}
	l.Deadline = bot.LeaseDeadline(sent, ttl)
	return l, true, nil
}

// RenewLease extends a lease still held, unexpired, with its token.
func (s *Store) RenewLease(ctx context.Context, l bot.Lease, ttl time.Duration) (bot.Lease, error) {
	sent := time.Now()
	if err := records.CheckLease(l.Name, l.Holder, ttl); err != nil {
		return l, err
	}
	err := s.do(ctx, "renewing lease "+l.Name, func() error {
		tag, err := s.pool.Exec(ctx, `UPDATE leases SET expires_at = clock_timestamp() + $4 * interval '1 microsecond'
WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()`, l.Name, l.Holder, l.Token, micros(ttl))
		if err == nil && tag.RowsAffected() == 0 {
			return records.Lost(l)
		}
		return err
	})
	if err != nil {
		return l, err
	}
	l.Deadline = bot.LeaseDeadline(sent, ttl)
	return l, nil
}

// LeaseHeld reports whether l is held now, unexpired, by its holder with
// its token (on the database's clock): whether work done under it may
// still be under way.
func (s *Store) LeaseHeld(ctx context.Context, l bot.Lease) (bool, error) {
	var held bool
	err := s.do(ctx, "reading lease "+l.Name, func() error {
		err := s.pool.QueryRow(ctx, `SELECT holder = $2 AND token = $3 AND expires_at > clock_timestamp() FROM leases WHERE name = $1`,
			l.Name, l.Holder, l.Token).Scan(&held)
		if errors.Is(err, pgx.ErrNoRows) {
			held = false
			return nil
		}
		return err
	})
	return held, err
}

// ReleaseLease ends a lease at once; its token is kept for the next holder
// to exceed.
func (s *Store) ReleaseLease(ctx context.Context, l bot.Lease) error {
	return s.do(ctx, "releasing lease "+l.Name, func() error {
		_, err := s.pool.Exec(ctx, `UPDATE leases SET expires_at = clock_timestamp()
WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()`, l.Name, l.Holder, l.Token)
		return err
	})
}

// checkFence fails a transaction made under a lease (fence, when not nil:
// see Fenced) that is no longer held, unexpired, with its token. The row
// is read FOR SHARE: a takeover waits until this transaction ends.
func checkFence(ctx context.Context, tx pgx.Tx, fence *bot.Lease) error {
	if fence == nil {
		return nil
	}
	l := *fence
	var held bool
	err := tx.QueryRow(ctx, `SELECT holder = $2 AND token = $3 AND expires_at > clock_timestamp() FROM leases WHERE name = $1 FOR SHARE`,
		l.Name, l.Holder, l.Token).Scan(&held)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !held) {
		return records.Fenced(l)
	}
	return err
}

// sweepEvery is how many SeenWithin calls pass between two sweeps of
// expired seen keys (each sweep deletes a bounded number).
const sweepEvery = 128

// SeenWithin records key for ttl and reports whether it was recorded
// already and not expired (on the database's clock), in one statement: of
// replicas asking at once, one is told false.
func (s *Store) SeenWithin(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := records.CheckSeen(key, ttl); err != nil {
		return false, err
	}
	var fresh bool
	err := s.do(ctx, "recording a seen key", func() error {
		err := s.pool.QueryRow(ctx, `INSERT INTO seen_keys AS k (key, expires_at) VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE k.expires_at <= clock_timestamp()
RETURNING true`, key, micros(ttl)).Scan(&fresh)
		if errors.Is(err, pgx.ErrNoRows) {
			fresh = false
			return nil
		}
		return err
	})
	if err != nil {
		return false, err
	}
	if s.seenWrites.Add(1)%sweepEvery == 0 {
		// Expired keys are dead weight; one call in sweepEvery clears
		// some. A failure here changes nothing for the caller.
		_, _ = s.pool.Exec(ctx, `DELETE FROM seen_keys WHERE key IN (
	SELECT key FROM seen_keys WHERE expires_at <= clock_timestamp() ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`)
	}
	return !fresh, nil
}

// ForgetSeen drops a seen key.
func (s *Store) ForgetSeen(ctx context.Context, key string) error {
	return s.do(ctx, "forgetting a seen key", func() error {
		_, err := s.pool.Exec(ctx, "DELETE FROM seen_keys WHERE key = $1", key)
		return err
	})
}

// Cursor returns a source cursor.
func (s *Store) Cursor(ctx context.Context, name string) ([]byte, bool, error) {
	var v []byte
	var ok bool
	err := s.do(ctx, "reading cursor "+name, func() error {
		err := s.pool.QueryRow(ctx, "SELECT value FROM cursors WHERE name = $1", name).Scan(&v)
		ok = err == nil
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if ok && v == nil {
		v = []byte{}
	}
	return v, ok, err
}

// PutCursor creates or replaces a source cursor.
func (s *Store) PutCursor(ctx context.Context, name string, value []byte) error {
	return s.putCursor(ctx, name, value, nil)
}

// putCursor is PutCursor, fenced by the lease when fence is not nil.
func (s *Store) putCursor(ctx context.Context, name string, value []byte, fence *bot.Lease) error {
	if err := records.CheckCursor(name, value); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	return s.tx(ctx, "saving cursor "+name, func(tx pgx.Tx) error {
		if err := checkFence(ctx, tx, fence); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO cursors (name, value, updated_at) VALUES ($1, $2, clock_timestamp())
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value)
		return err
	})
}

// papersPerTx is how many papers one transaction of UpsertPapers writes at
// most: a bulk load commits (and wakes followers) as it goes.
const papersPerTx = 500

// UpsertPapers merges papers into the papers table: in each transaction,
// the feed's lock, then the stored records FOR UPDATE, merged in Go
// (paper.Merge); each changed paper gets the next sequence number and
// followers are notified at commit. Papers that do not normalise are
// reported in a fault.Invalid error; the others are written all the same.
func (s *Store) UpsertPapers(ctx context.Context, papers []paper.Paper) error {
	return s.upsertPapersFenced(ctx, papers, nil)
}

// upsertPapersFenced is UpsertPapers, fenced by the lease when fence is
// not nil.
func (s *Store) upsertPapersFenced(ctx context.Context, papers []paper.Paper, fence *bot.Lease) error {
	good, bad := records.NormalizePapers(papers)
	for len(good) > 0 {
		n := min(len(good), papersPerTx)
		if err := s.tx(ctx, "saving papers", func(tx pgx.Tx) error { return s.upsertPapers(ctx, tx, good[:n], fence) }); err != nil {
			return err
		}
		good = good[n:]
	}
	return bad
}

func (s *Store) upsertPapers(ctx context.Context, tx pgx.Tx, ps []paper.Paper, fence *bot.Lease) error {
	if err := checkFence(ctx, tx, fence); err != nil {
		return err
	}
	var last int64
	if err := tx.QueryRow(ctx, "SELECT last_seq FROM paper_feed FOR UPDATE").Scan(&last); err != nil {
		return err
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	stored := map[string]*paper.Paper{}
	rows, _ := tx.Query(ctx, "SELECT id, record FROM papers WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", ids)
	var id string
	var raw []byte
	if _, err := pgx.ForEachRow(rows, []any{&id, &raw}, func() error {
		var p paper.Paper
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("paper %q: %w", id, err)
		}
		stored[id] = &p
		return nil
	}); err != nil {
		return err
	}
	// Merge in order (a paper may come twice); write each changed one once.
	changed := map[string][]byte{}
	var order []string
	for _, p := range ps {
		merged, record, ch, err := records.MergePaper(stored[p.ID], p)
		if err != nil {
			return err
		}
		if !ch {
			continue
		}
		stored[p.ID] = &merged
		if _, ok := changed[p.ID]; !ok {
			order = append(order, p.ID)
		}
		changed[p.ID] = record
	}
	if len(order) == 0 {
		return nil
	}
	recs := make([]string, len(order))
	seqs := make([]int64, len(order))
	for i, id := range order {
		recs[i] = string(changed[id])
		seqs[i] = last + int64(i) + 1
	}
	if _, err := tx.Exec(ctx, `INSERT INTO papers (id, record, seq, updated_at)
SELECT id, record::jsonb, seq, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(id, record, seq)
ON CONFLICT (id) DO UPDATE SET record = excluded.record, seq = excluded.seq, updated_at = excluded.updated_at`, order, recs, seqs); err != nil {
		return err
	}
	last += int64(len(order))
	if _, err := tx.Exec(ctx, "UPDATE paper_feed SET last_seq = $1", last); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", s.channel, fmt.Sprint(last))
	return err
}

// PaperChanges returns up to limit changes after the given sequence
// number, in order.
func (s *Store) PaperChanges(ctx context.Context, after int64, limit int) ([]paper.Change, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []paper.Change
	err := s.do(ctx, "reading paper changes", func() error {
		rows, _ := s.pool.Query(ctx, "SELECT seq, record, updated_at FROM papers WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
		var err error
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (paper.Change, error) {
			var c paper.Change
			var raw []byte
			if err := r.Scan(&c.Seq, &raw, &c.UpdatedAt); err != nil {
				return c, err
			}
			if err := json.Unmarshal(raw, &c.Paper); err != nil {
				return c, fmt.Errorf("paper change %d: %w", c.Seq, err)
			}
			return c, nil
		})
		return err
	})
	return out, err
}

// WaitPapers returns the feed's last sequence number once it is past
// after: at once, or when a notification says a writer (on any replica)
// committed papers. It listens before it looks, so no write is missed. It
// holds one of the pool's connections while it waits (a follower that
// waits all the time wants pool_max_conns one larger).
func (s *Store) WaitPapers(ctx context.Context, after int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, wrap(err, "waiting for papers")
	}
	clean := false
	defer func() {
		if clean {
			conn.Release()
			return
		}
		// Listening, or broken: not for the pool to hand out again.
		conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return 0, wrap(err, "waiting for papers")
	}
	for {
		var last int64
		if err := conn.QueryRow(ctx, "SELECT last_seq FROM paper_feed").Scan(&last); err != nil {
			return 0, wrap(err, "waiting for papers")
		}
		if last > after {
			if _, err := conn.Exec(ctx, "UNLISTEN *"); err == nil {
				clean = true
			}
			return last, nil
		}
		if s.hooks.Waiting != nil {
			s.hooks.Waiting()
		}
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return last, ctx.Err()
			}
			return last, wrap(err, "waiting for papers")
		}
		if s.hooks.Notified != nil {
			s.hooks.Notified()
		}
	}
}
