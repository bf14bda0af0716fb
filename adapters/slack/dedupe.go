package slack

import (
	"context"
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
