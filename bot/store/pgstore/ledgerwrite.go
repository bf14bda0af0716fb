package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/store/internal/records"
)

// Writing the ledger. The digest saves a channel's day before and after
// every step (about 24 saves for a day of five papers), so a save is one
// statement, one round trip, committed by itself: the fence check, the
// day, the sent papers, the window's first-seen dates and the day's
// discussions are parts of one WITH statement. Every part reads the fence
// (the lease row, FOR SHARE, when the write is fenced) and writes nothing
// when it is not held; the statement's answer says whether it was.
//
// What a save would write again costs little: a sent paper or a window
// paper already stored is an index probe (ON CONFLICT DO NOTHING), a
// discussion already stored as the merge would leave it is not rewritten
// (its merge, MergeDiscussion's, is done in SQL), and a window this Store
// already committed for the day is not sent again (windowCache).

// saveDayWith is the statement, for a fence given as its first CTE.
const saveDayWith = `WITH fence AS (%s),
day AS (INSERT INTO digest_days (platform, channel, date, status, record)
	SELECT $1, $2, $3, $4, $5 FROM fence
	ON CONFLICT (platform, channel, date) DO UPDATE SET status = excluded.status, record = excluded.record
	RETURNING 1),
sent AS (INSERT INTO digest_sent (platform, channel, paper_id, date)
	SELECT $1, $2, id, $3 FROM fence, unnest($6::text[]) AS id
	ON CONFLICT DO NOTHING RETURNING 1),
unsent AS (DELETE FROM digest_sent
	WHERE platform = $1 AND channel = $2 AND paper_id = ANY($7::text[]) AND date = $3 AND EXISTS (SELECT FROM fence)
	RETURNING 1),
seen AS (INSERT INTO digest_seen (platform, channel, paper_id, date)
	SELECT $1, $2, id, $3 FROM fence, unnest($8::text[]) AS id
	ON CONFLICT DO NOTHING RETURNING 1),
disc AS (INSERT INTO discussions AS o (paper_id, platform, channel, thread_id, started, record)
	SELECT x.paper_id, $1, $2, x.thread_id, x.started, x.record
	FROM fence, unnest($9::text[], $10::text[], $11::timestamptz[], $12::jsonb[]) AS x (paper_id, thread_id, started, record)
	ON CONFLICT (paper_id, platform, channel, thread_id) DO UPDATE
	SET started = CASE WHEN ` + startedKnown + ` THEN o.started ELSE excluded.started END, record = ` + mergedRecord + `
	WHERE o.record IS DISTINCT FROM ` + mergedRecord + `
	RETURNING 1)
SELECT EXISTS (SELECT FROM fence)`

// startedKnown is true when the stored discussion (o) has a start time.
const startedKnown = `coalesce(o.record->>'Started', '0001-01-01T00:00:00Z') <> '0001-01-01T00:00:00Z'`

// mergedRecord is records.MergeDiscussion in SQL: the new record
// (excluded) with the larger reply count, the stored last reply time when
// the new record has none, and the stored start time when there is one.
const mergedRecord = `(excluded.record
	|| jsonb_build_object('Replies', greatest((excluded.record->>'Replies')::integer, coalesce((o.record->>'Replies')::integer, 0)))
	|| CASE WHEN NOT excluded.record ? 'LastReply' AND o.record ? 'LastReply' THEN jsonb_build_object('LastReply', o.record->'LastReply') ELSE '{}'::jsonb END
	|| CASE WHEN ` + startedKnown + ` THEN jsonb_build_object('Started', o.record->'Started') ELSE '{}'::jsonb END)`

var (
	// saveDaySQL writes unfenced: the fence is one row, always there.
	saveDaySQL = strings.Replace(saveDayWith, "%s", "SELECT", 1)
	// saveDayFencedSQL writes only while the lease ($13, $14, $15) is held.
	saveDayFencedSQL = strings.Replace(saveDayWith, "%s",
		"SELECT FROM leases WHERE name = $13 AND holder = $14 AND token = $15 AND expires_at > clock_timestamp() FOR SHARE", 1)
)

// SaveDay writes a day and, in the same transaction, the channel's sent
// papers, the first-seen dates of its trending window and its
// discussions; it returns once the transaction is committed.
func (s *Store) SaveDay(ctx context.Context, d digest.Day) error {
	return s.saveDay(ctx, d, nil)
}

// saveDay is SaveDay, fenced by the lease when fence is not nil.
func (s *Store) saveDay(ctx context.Context, d digest.Day, fence *bot.Lease) error {
	if d.Platform == "" || d.Channel == "" || d.Date == "" {
		return fault.New(fault.Invalid, "a digest day needs a platform, a channel and a date")
	}
	v, err := json.Marshal(d)
	if err != nil {
		return wrap(err, "encoding a digest day")
	}
	sent, unsent := d.SentPapers()
	discussions := d.Discussions()
	what := "saving the digest of " + d.Channel + " on " + d.Date
	if !oneStatement(sent, unsent, discussions) {
		return s.tx(ctx, what, func(tx pgx.Tx) error {
			return saveDayTx(ctx, tx, d, v, sent, unsent, slices.Clone(d.Window), discussions, fence)
		})
	}
	dayKey := d.Platform + "\x00" + d.Channel + "\x00" + d.Date
	window := d.Window
	if s.windows.has(dayKey, window) {
		window = nil
	}
	n := len(discussions)
	paperIDs, threadIDs, started, recs := make([]string, n), make([]string, n), make([]time.Time, n), make([][]byte, n)
	for i, x := range discussions {
		_, rec, err := records.MergeDiscussion(x, nil)
		if err != nil {
			return wrap(err, "encoding a discussion")
		}
		paperIDs[i], threadIDs[i], started[i], recs[i] = x.PaperID, x.ThreadID, x.Started, rec
	}
	args := []any{d.Platform, d.Channel, d.Date, string(d.Status), v, nonNil(sent), nonNil(unsent), nonNil(window),
		paperIDs, threadIDs, started, recs}
	sql := saveDaySQL
	if fence != nil {
		sql = saveDayFencedSQL
		args = append(args, fence.Name, fence.Holder, fence.Token)
	}
	var held bool
	err = s.do(ctx, what, func() error {
		return s.pool.QueryRow(ctx, sql, args...).Scan(&held)
	})
	if err != nil {
		return err
	}
	if !held {
		return records.Fenced(*fence)
	}
	s.windows.put(dayKey, d.Window)
	return nil
}

// oneStatement reports whether a day can be written by the one statement:
// not when a paper is both sent and unsent, nor when two of its
// discussions are the same thread (a statement cannot write a row twice;
// the transaction applies them in order).
func oneStatement(sent, unsent []string, ds []bot.Discussion) bool {
	for _, id := range unsent {
		if slices.Contains(sent, id) {
			return false
		}
	}
	type key struct{ paper, thread string }
	seen := make(map[key]bool, len(ds))
	for _, x := range ds {
		k := key{x.PaperID, x.ThreadID}
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// saveDayTx writes a day statement by statement in tx, for the days the
// one statement cannot write (see oneStatement).
func saveDayTx(ctx context.Context, tx pgx.Tx, d digest.Day, v []byte, sent, unsent, window []string, discussions []bot.Discussion, fence *bot.Lease) error {
	if err := checkFence(ctx, tx, fence); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO digest_days (platform, channel, date, status, record) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (platform, channel, date) DO UPDATE SET status = excluded.status, record = excluded.record`,
		d.Platform, d.Channel, d.Date, string(d.Status), v); err != nil {
		return err
	}
	if len(sent) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO digest_sent (platform, channel, paper_id, date)
SELECT $1, $2, id, $4 FROM unnest($3::text[]) AS id ON CONFLICT DO NOTHING`, d.Platform, d.Channel, sent, d.Date); err != nil {
			return err
		}
	}
	if len(unsent) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM digest_sent WHERE platform = $1 AND channel = $2 AND paper_id = ANY($3::text[]) AND date = $4`,
			d.Platform, d.Channel, unsent, d.Date); err != nil {
			return err
		}
	}
	if len(window) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO digest_seen (platform, channel, paper_id, date)
SELECT $1, $2, id, $4 FROM unnest($3::text[]) AS id ON CONFLICT DO NOTHING`, d.Platform, d.Channel, window, d.Date); err != nil {
			return err
		}
	}
	return saveDiscussions(ctx, tx, discussions)
}

// saveDiscussions stores the threads a day started; one already known
// keeps its start time and the larger reply count.
func saveDiscussions(ctx context.Context, tx pgx.Tx, ds []bot.Discussion) error {
	for _, x := range ds {
		var old []byte
		err := tx.QueryRow(ctx, `SELECT record FROM discussions WHERE paper_id = $1 AND platform = $2 AND channel = $3 AND thread_id = $4 FOR UPDATE`,
			x.PaperID, x.Platform, x.Channel, x.ThreadID).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		x, v, err := records.MergeDiscussion(x, old)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO discussions (paper_id, platform, channel, thread_id, started, record) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (paper_id, platform, channel, thread_id) DO UPDATE SET started = excluded.started, record = excluded.record`,
			x.PaperID, x.Platform, x.Channel, x.ThreadID, x.Started, v); err != nil {
			return err
		}
	}
	return nil
}

// windowCacheMax bounds the days a windowCache remembers; past it, it
// starts again empty.
const windowCacheMax = 1 << 14

// windowCache remembers the trending window this Store last committed for
// each day. The first-seen dates are only ever added (ON CONFLICT DO
// NOTHING; nothing deletes them but migrate-state, which replaces the
// whole ledger), so a window committed once is in digest_seen for good,
// and a save of the same day with the same window need not send it again:
// the digest saves a day some 24 times with the window of its plan.
type windowCache struct {
	mu   sync.Mutex
	days map[string]string
}

func windowValue(window []string) string { return strings.Join(window, "\x00") }

func (c *windowCache) has(day string, window []string) bool {
	if len(window) == 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.days[day]
	return ok && w == windowValue(window)
}

func (c *windowCache) put(day string, window []string) {
	if len(window) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil || len(c.days) >= windowCacheMax {
		c.days = make(map[string]string)
	}
	c.days[day] = windowValue(window)
}
