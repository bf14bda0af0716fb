package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
)

// rowsOf decodes every row's one JSON column.
func rowsOf[T any](rows pgx.Rows, what string) ([]T, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) {
		var v T
		var raw []byte
		if err := r.Scan(&raw); err != nil {
			return v, err
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return v, fmt.Errorf("%s: %w", what, err)
		}
		return v, nil
	})
}

// one decodes the first row's JSON column; ok is false when there is none.
func one[T any](ctx context.Context, s *Store, what, sql string, args ...any) (T, bool, error) {
	out, err := all[T](ctx, s, what, sql, args...)
	if err != nil || len(out) == 0 {
		var zero T
		return zero, false, err
	}
	return out[0], true, nil
}

// all decodes every row's JSON column.
func all[T any](ctx context.Context, s *Store, what, sql string, args ...any) ([]T, error) {
	var out []T
	err := s.do(ctx, what, func() error {
		rows, _ := s.pool.Query(ctx, sql, args...)
		var err error
		out, err = rowsOf[T](rows, what)
		return err
	})
	return out, err
}

// Subscriptions returns every subscription.
func (s *Store) Subscriptions(ctx context.Context) ([]digest.Subscription, error) {
	return all[digest.Subscription](ctx, s, "reading subscriptions",
		"SELECT record FROM subscriptions ORDER BY platform, channel")
}

// Subscription returns a channel's subscription.
func (s *Store) Subscription(ctx context.Context, platform, channel string) (digest.Subscription, bool, error) {
	return one[digest.Subscription](ctx, s, "reading a subscription",
		"SELECT record FROM subscriptions WHERE platform = $1 AND channel = $2", platform, channel)
}

// PutSubscription creates or replaces a channel's subscription.
func (s *Store) PutSubscription(ctx context.Context, sub digest.Subscription) error {
	if sub.Platform == "" || sub.Channel == "" {
		return fault.New(fault.Invalid, "a subscription needs a platform and a channel")
	}
	v, err := json.Marshal(sub)
	if err != nil {
		return wrap(err, "encoding a subscription")
	}
	return s.do(ctx, "saving a subscription", func() error {
		// One statement: the change and its notification commit together.
		_, err := s.pool.Exec(ctx, `WITH w AS (INSERT INTO subscriptions (platform, channel, record) VALUES ($1, $2, $3)
ON CONFLICT (platform, channel) DO UPDATE SET record = excluded.record RETURNING 1)
SELECT pg_notify($4, '') FROM w`, sub.Platform, sub.Channel, v, s.subsChannel())
		return err
	})
}

// DeleteSubscription removes a channel's subscription. The ledger and the
// channel's sent papers are kept: subscribing again never repeats a paper.
func (s *Store) DeleteSubscription(ctx context.Context, platform, channel string) (bool, error) {
	var had bool
	err := s.do(ctx, "deleting a subscription", func() error {
		tag, err := s.pool.Exec(ctx, `WITH d AS (DELETE FROM subscriptions WHERE platform = $1 AND channel = $2 RETURNING 1)
SELECT pg_notify($3, '') FROM d`, platform, channel, s.subsChannel())
		had = tag.RowsAffected() > 0
		return err
	})
	return had, err
}

// Day returns one channel's day.
func (s *Store) Day(ctx context.Context, platform, channel, date string) (digest.Day, bool, error) {
	return one[digest.Day](ctx, s, "reading the ledger",
		"SELECT record FROM digest_days WHERE platform = $1 AND channel = $2 AND date = $3", platform, channel, date)
}

// LastDay returns the channel's most recent day.
func (s *Store) LastDay(ctx context.Context, platform, channel string) (digest.Day, bool, error) {
	return one[digest.Day](ctx, s, "reading the ledger",
		"SELECT record FROM digest_days WHERE platform = $1 AND channel = $2 ORDER BY date DESC LIMIT 1", platform, channel)
}

// Days returns a channel's days, oldest first.
func (s *Store) Days(ctx context.Context, platform, channel string) ([]digest.Day, error) {
	return all[digest.Day](ctx, s, "reading the ledger",
		"SELECT record FROM digest_days WHERE platform = $1 AND channel = $2 ORDER BY date", platform, channel)
}

// OpenDays returns every day still being posted.
func (s *Store) OpenDays(ctx context.Context) ([]digest.Day, error) {
	return all[digest.Day](ctx, s, "reading the ledger",
		"SELECT record FROM digest_days WHERE status = 'open' ORDER BY platform, channel, date")
}

// Sent returns the papers that may have been posted to a channel.
func (s *Store) Sent(ctx context.Context, platform, channel string) ([]string, error) {
	var out []string
	err := s.do(ctx, "reading sent papers", func() error {
		rows, _ := s.pool.Query(ctx, "SELECT paper_id FROM digest_sent WHERE platform = $1 AND channel = $2 ORDER BY paper_id", platform, channel)
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}

// FirstSeen returns the first date each paper was in the channel's
// trending window.
func (s *Store) FirstSeen(ctx context.Context, platform, channel string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	err := s.do(ctx, "reading trending history", func() error {
		rows, _ := s.pool.Query(ctx, "SELECT paper_id, date FROM digest_seen WHERE platform = $1 AND channel = $2 AND paper_id = ANY($3::text[])", platform, channel, ids)
		var id, date string
		_, err := pgx.ForEachRow(rows, []any{&id, &date}, func() error {
			out[id] = date
			return nil
		})
		return err
	})
	return out, err
}

// DiscussionsOf returns the remembered threads of each paper that a
// requester in scope may see, oldest first.
func (s *Store) DiscussionsOf(ctx context.Context, scope bot.Scope, paperIDs ...string) (map[string][]bot.Discussion, error) {
	return s.discussionsOf(ctx, scope.Sees, paperIDs)
}

// AllDiscussionsOf returns the remembered threads of each paper on every
// platform, oldest first.
func (s *Store) AllDiscussionsOf(ctx context.Context, paperIDs ...string) (map[string][]bot.Discussion, error) {
	return s.discussionsOf(ctx, func(bot.Discussion) bool { return true }, paperIDs)
}

func (s *Store) discussionsOf(ctx context.Context, keep func(bot.Discussion) bool, paperIDs []string) (map[string][]bot.Discussion, error) {
	ids := slices.DeleteFunc(slices.Clone(paperIDs), func(id string) bool { return id == "" })
	out := map[string][]bot.Discussion{}
	if len(ids) == 0 {
		return out, nil
	}
	ds, err := all[bot.Discussion](ctx, s, "reading discussions",
		"SELECT record FROM discussions WHERE paper_id = ANY($1::text[]) ORDER BY paper_id, platform, channel, thread_id", ids)
	if err != nil {
		return out, err
	}
	for _, d := range ds {
		if keep(d) {
			out[d.PaperID] = append(out[d.PaperID], d)
		}
	}
	for _, l := range out {
		slices.SortStableFunc(l, func(a, b bot.Discussion) int { return a.Started.Compare(b.Started) })
	}
	return out, nil
}

// RecentDiscussions returns the discussions started at or after since,
// on every platform, oldest first.
func (s *Store) RecentDiscussions(ctx context.Context, since time.Time) ([]bot.Discussion, error) {
	// The column keeps microseconds: take a microsecond more and cut
	// exactly on the record's time.
	ds, err := all[bot.Discussion](ctx, s, "reading discussions",
		"SELECT record FROM discussions WHERE started >= $1 ORDER BY paper_id, platform, channel, thread_id", since.Add(-time.Microsecond))
	ds = slices.DeleteFunc(ds, func(d bot.Discussion) bool { return d.Started.Before(since) })
	slices.SortStableFunc(ds, func(a, b bot.Discussion) int { return a.Started.Compare(b.Started) })
	return ds, err
}

// SetReplyCount records a discussion's current reply count and the time of
// its last reply (in the record and in the last_reply column of migration
// 4). It reports false when the discussion is not known.
func (s *Store) SetReplyCount(ctx context.Context, d bot.Discussion, c bot.ReplyCount) (bool, error) {
	if c.Replies < 0 {
		return false, fault.New(fault.Invalid, "a reply count cannot be negative (%d)", c.Replies)
	}
	var last *time.Time
	if !c.Last.IsZero() {
		t := c.Last.UTC()
		last = &t
	}
	var ok bool
	err := s.do(ctx, "recording a reply count", func() error {
		tag, err := s.pool.Exec(ctx, `UPDATE discussions SET last_reply = $6,
record = CASE WHEN $6::timestamptz IS NULL THEN jsonb_set(record, '{Replies}', to_jsonb($5::integer)) - 'LastReply'
	ELSE jsonb_set(jsonb_set(record, '{Replies}', to_jsonb($5::integer)), '{LastReply}', to_jsonb($7::text)) END
WHERE paper_id = $1 AND platform = $2 AND channel = $3 AND thread_id = $4`,
			d.PaperID, d.Platform, d.Channel, d.ThreadID, c.Replies, last, c.Last.UTC().Format(time.RFC3339Nano))
		ok = tag.RowsAffected() > 0
		return err
	})
	return ok, err
}

// SetReplies records a discussion's current reply count. It reports
// false, storing nothing, when the discussion is not known.
func (s *Store) SetReplies(ctx context.Context, d bot.Discussion, replies int) (bool, error) {
	if replies < 0 {
		return false, fault.New(fault.Invalid, "a reply count cannot be negative (%d)", replies)
	}
	var ok bool
	err := s.do(ctx, "recording a reply count", func() error {
		tag, err := s.pool.Exec(ctx, `UPDATE discussions SET record = jsonb_set(record, '{Replies}', to_jsonb($5::integer))
WHERE paper_id = $1 AND platform = $2 AND channel = $3 AND thread_id = $4`, d.PaperID, d.Platform, d.Channel, d.ThreadID, replies)
		ok = tag.RowsAffected() > 0
		return err
	})
	return ok, err
}
