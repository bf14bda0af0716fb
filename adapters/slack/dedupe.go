package slack

import (
	"context"
	"log/slog"
	"time"
)

// SeenStore is memory of keys shared by the replicas of a deployment (a
// PostgreSQL-backed state store implements it; bot/store too, for one
// process): with several replicas behind one Events API URL, a retry of an
// event may reach another replica than the first delivery did, so the
// event_id seen set must be shared. A key is namespaced by its user
// ("slack-event:Ev0123"); a replay guard keeps (timestamp, signature) pairs
// in the same store under its own prefix, with the signature window as ttl.
type SeenStore interface {
	// SeenWithin records key for ttl and reports whether it was already
	// recorded and had not expired, atomically: of two replicas asking
	// at once, exactly one is told false.
	SeenWithin(ctx context.Context, key string, ttl time.Duration) (seen bool, err error)
	// ForgetSeen drops key, recorded for work that was then refused, so
	// that a retry is taken.
	ForgetSeen(ctx context.Context, key string) error
}

// eventTTL is how long an event_id is remembered: Slack retries an event
// up to three times over about five minutes.
const eventTTL = time.Hour

// eventSeen remembers the event_ids handled: in this process (seenSet) or
// in the replicas' shared store.
type eventSeen interface {
	Seen(ctx context.Context, id string) (bool, error)
	Forget(ctx context.Context, id string)
	Len() int
}

// newEventSeen is the shared store when there is one, else local.
func newEventSeen(store SeenStore, local *seenSet, log *slog.Logger) eventSeen {
	if store == nil {
		return localSeen{local}
	}
	return sharedSeen{store, log}
}

type localSeen struct{ *seenSet }

func (l localSeen) Seen(_ context.Context, id string) (bool, error) { return l.seenSet.Seen(id), nil }
func (l localSeen) Forget(_ context.Context, id string)             { l.seenSet.Forget(id) }

// sharedSeen keys event_ids "slack-event:ID" in the store.
type sharedSeen struct {
	store SeenStore
	log   *slog.Logger
}

func (s sharedSeen) Seen(ctx context.Context, id string) (bool, error) {
	return s.store.SeenWithin(ctx, "slack-event:"+id, eventTTL)
}

// Forget drops the id so that Slack's retry is taken; a failure (logged)
// leaves the retry dropped as a duplicate.
func (s sharedSeen) Forget(ctx context.Context, id string) {
	if err := s.store.ForgetSeen(context.WithoutCancel(ctx), "slack-event:"+id); err != nil {
		s.log.WarnContext(ctx, "could not forget a refused event: Slack's retry of it will be dropped", "event_id", id, "err", err)
	}
}

// Len is unknown for the shared store (0).
func (s sharedSeen) Len() int { return 0 }
