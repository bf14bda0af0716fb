package pgstore

// Import: a bbolt state file's content (store.Snapshot) written to the
// database in one transaction, for `paperbot migrate-state`.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/store"
)

// ErrNotEmpty is returned by Import for a database that holds state
// already, when not told to replace it.
var ErrNotEmpty = errors.New("the database holds paperbot state already")

// notEmpty is ErrNotEmpty for one database: what it holds, said once (the
// message that wraps it begins with the same words).
type notEmpty struct{ where, held string }

func (e notEmpty) Error() string {
	return fmt.Sprintf("%s holds paperbot state already (%s)", e.where, e.held)
}

func (notEmpty) Is(target error) bool { return target == ErrNotEmpty }

// ErrInUse is returned by Import while a replica holds a lease on the
// database.
var ErrInUse = errors.New("paperbot replicas are running on the database")

// replaced are the tables Import fills, which Replace empties first.
var replaced = []string{"subscriptions", "digest_days", "digest_sent", "digest_seen", "discussions", "installations", "cursors", "marks", "seen_keys"}

// ImportOptions tune Import.
type ImportOptions struct {
	// Replace empties the tables Import fills before it writes (the
	// papers are merged into the table, as a refresh would, never
	// removed: replicas' indexes follow it). Without it, a database that
	// holds any state is refused with ErrNotEmpty.
	Replace bool
}

// Import writes a snapshot of a bbolt state into the database, in one
// transaction: all of it or, on any failure, nothing. It refuses while a
// lease is held (ErrInUse: replicas are running) and, unless
// opts.Replace, a database that holds state (ErrNotEmpty). It returns
// what the database held before.
func (s *Store) Import(ctx context.Context, snap *store.Snapshot, opts ImportOptions) (before store.Counts, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One import at a time, and none beside a migration.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
			return err
		}
		var name, holder string
		var until time.Time
		err := tx.QueryRow(ctx, "SELECT name, holder, expires_at FROM leases WHERE expires_at > clock_timestamp() ORDER BY name LIMIT 1").Scan(&name, &holder, &until)
		if err == nil {
			return fault.Wrap(fault.Invalid, fmt.Errorf("state %s: lease %q is held by %s until %s: %w", s.where, name, holder, until.Format(time.RFC3339), ErrInUse),
				"paperbot replicas are running on %s: stop every `paperbot serve` pointed at it, then migrate", s.where)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if before, err = counts(ctx, tx); err != nil {
			return err
		}
		if held := describe(before); held != "" && !opts.Replace {
			return fault.Wrap(fault.Invalid, notEmpty{s.where, held},
				"%s holds paperbot state already (%s): migrate into an empty database, or add --force to replace it", s.where, held)
		}
		if opts.Replace {
			if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(replaced, ", ")); err != nil {
				return err
			}
		}
		return importRows(ctx, tx, s, snap)
	})
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) && fe.Kind == fault.Invalid {
			return before, err
		}
		return before, wrap(err, "importing into "+s.where)
	}
	return before, nil
}

func importRows(ctx context.Context, tx pgx.Tx, s *Store, snap *store.Snapshot) error {
	copyRows := func(table string, cols []string, n int, row func(i int) ([]any, error)) error {
		if n == 0 {
			return nil
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, row))
		if err != nil {
			return fmt.Errorf("copying %s: %w", table, err)
		}
		return nil
	}
	js := func(v any) (json.RawMessage, error) { return json.Marshal(v) }
	if err := copyRows("subscriptions", []string{"platform", "channel", "record"}, len(snap.Subscriptions), func(i int) ([]any, error) {
		x := snap.Subscriptions[i]
		v, err := js(x)
		return []any{x.Platform, x.Channel, v}, err
	}); err != nil {
		return err
	}
	if err := copyRows("digest_days", []string{"platform", "channel", "date", "status", "record"}, len(snap.Days), func(i int) ([]any, error) {
		x := snap.Days[i]
		v, err := js(x)
		return []any{x.Platform, x.Channel, x.Date, string(x.Status), v}, err
	}); err != nil {
		return err
	}
	for table, rows := range map[string][]store.ChannelPaper{"digest_sent": snap.Sent, "digest_seen": snap.Seen} {
		if err := copyRows(table, []string{"platform", "channel", "paper_id", "date"}, len(rows), func(i int) ([]any, error) {
			x := rows[i]
			return []any{x.Platform, x.Channel, x.PaperID, x.Date}, nil
		}); err != nil {
			return err
		}
	}
	if err := copyRows("discussions", []string{"paper_id", "platform", "channel", "thread_id", "started", "record"}, len(snap.Discussions), func(i int) ([]any, error) {
		x := snap.Discussions[i]
		v, err := js(x)
		return []any{x.PaperID, x.Platform, x.Channel, x.ThreadID, x.Started, v}, err
	}); err != nil {
		return err
	}
	if err := copyRows("installations", []string{"platform", "team", "record"}, len(snap.Installations), func(i int) ([]any, error) {
		x := snap.Installations[i]
		v, err := js(x)
		return []any{x.Platform, x.Team, v}, err
	}); err != nil {
		return err
	}
	if err := copyRows("marks", []string{"platform", "team", "paper_id", "user_id", "kind", "detail", "at", "record"}, len(snap.Marks), func(i int) ([]any, error) {
		x := snap.Marks[i]
		v, err := js(x)
		return []any{x.Platform, x.Team, x.PaperID, x.User, string(x.Kind), x.Detail, x.At, v}, err
	}); err != nil {
		return err
	}
	now := time.Now()
	if err := copyRows("cursors", []string{"name", "value", "updated_at"}, len(snap.Cursors), func(i int) ([]any, error) {
		x := snap.Cursors[i]
		v := x.Value
		if v == nil {
			v = []byte{}
		}
		return []any{x.Name, v, now}, nil
	}); err != nil {
		return err
	}
	if err := copyRows("seen_keys", []string{"key", "expires_at"}, len(snap.SeenKeys), func(i int) ([]any, error) {
		return []any{snap.SeenKeys[i].Key, snap.SeenKeys[i].Expires}, nil
	}); err != nil {
		return err
	}
	for ps := snap.Papers; len(ps) > 0; {
		n := min(len(ps), papersPerTx)
		if err := s.upsertPapers(ctx, tx, ps[:n], nil); err != nil {
			return fmt.Errorf("copying papers: %w", err)
		}
		ps = ps[n:]
	}
	return nil
}

// Counts counts the records of each kind the database holds (seen keys:
// those not expired).
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	err := s.tx(ctx, "counting the state", func(tx pgx.Tx) error {
		var err error
		c, err = counts(ctx, tx)
		return err
	})
	return c, err
}

func counts(ctx context.Context, tx pgx.Tx) (store.Counts, error) {
	var c store.Counts
	err := tx.QueryRow(ctx, `SELECT
	(SELECT count(*) FROM subscriptions),
	(SELECT count(*) FROM digest_days),
	(SELECT count(*) FROM digest_days WHERE status = $1),
	(SELECT count(*) FROM digest_sent),
	(SELECT count(*) FROM digest_seen),
	(SELECT count(*) FROM discussions),
	(SELECT count(*) FROM installations),
	(SELECT count(*) FROM cursors),
	(SELECT count(*) FROM marks),
	(SELECT count(*) FROM seen_keys WHERE expires_at > clock_timestamp()),
	(SELECT count(*) FROM papers)`, string(digest.DayOpen)).Scan(
		&c.Subscriptions, &c.Days, &c.OpenDays, &c.Sent, &c.Seen, &c.Discussions, &c.Installations, &c.Cursors, &c.Marks, &c.SeenKeys, &c.Papers)
	return c, err
}

// describe names what a database holds ("3 subscriptions, 12 digest
// days"), leaving out seen keys (a replica that ran for a moment leaves
// some, and they expire); "" when it holds nothing.
func describe(c store.Counts) string {
	var parts []string
	for _, x := range []struct {
		n    int
		what string
	}{
		{c.Subscriptions, "subscriptions"}, {c.Days, "digest days"}, {c.Sent, "sent papers"}, {c.Seen, "trending-window records"},
		{c.Discussions, "discussions"}, {c.Installations, "installations"}, {c.Cursors, "source cursors"}, {c.Marks, "marks (saves and reactions)"}, {c.Papers, "papers"},
	} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	return strings.Join(parts, ", ")
}
