package paper

import "time"

// Change is one version of a paper in a shared papers table's change feed:
// every write that changes a paper gives it the next sequence number, so a
// follower that has applied everything up to N asks for the changes after
// N.
type Change struct {
	// Seq is the change's place in the feed (from 1, increasing).
	Seq int64
	// Paper is the whole record after the change.
	Paper Paper
	// UpdatedAt is when the change was written (the store's clock).
	UpdatedAt time.Time
}
