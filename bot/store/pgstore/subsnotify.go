package pgstore

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Subscription changes are announced (pg_notify, at the commit of the
// write) on a channel of the schema's own, so that the digest scheduler on
// the replica holding the digest lease looks at the subscriptions again at
// once when a channel subscribes on another replica, instead of on its
// next pass.

// subsChannel is the notification channel of subscription changes.
func (s *Store) subsChannel() string {
	return "paperbot_subs_" + strings.TrimPrefix(s.channel, "paperbot_papers_")
}

// WatchSubscriptions calls changed whenever a subscription is created,
// changed or removed by any process on this database, and once as soon as
// it listens (a change made before then is not missed), until ctx ends. It
// holds a connection of its own, outside the pool. When that connection
// breaks it connects again (after 1 s, doubling up to 30 s), logging the
// failure on log, and calls changed once more when it listens again: a
// change made meanwhile is not missed either. It returns nil when ctx
// ends.
func (s *Store) WatchSubscriptions(ctx context.Context, changed func(), log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	backoff := time.Second
	for ctx.Err() == nil {
		err := s.watchOnce(ctx, changed)
		if ctx.Err() != nil {
			break
		}
		log.WarnContext(ctx, "watching subscription changes: the connection failed; connecting again", "err", wrap(err, "watching subscriptions"), "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		backoff = min(2*backoff, 30*time.Second)
	}
	return nil
}

// watchOnce listens on one connection until it fails or ctx ends.
func (s *Store) watchOnce(ctx context.Context, changed func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.subsChannel()}.Sanitize()); err != nil {
		return err
	}
	changed()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		changed()
	}
}
