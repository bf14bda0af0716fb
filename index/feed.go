package index

import (
	"context"

	"github.com/paperbot/paperbot/bot/paper"
)

// PaperFeed is the shared papers table as an index that follows it sees
// it: with replicas, the table is the source of truth and each replica's
// index applies its changes in order from a cursor (the last Seq applied),
// so that a new replica builds its index from the table.
type PaperFeed interface {
	// PaperChanges returns up to limit changes with Seq > after, in Seq
	// order. A change is never made visible after one with a larger Seq.
	PaperChanges(ctx context.Context, after int64, limit int) ([]paper.Change, error)
	// WaitPapers returns, with the latest Seq, as soon as there is a
	// change after after (at once when there already is one), or with
	// ctx's error when ctx ends first.
	WaitPapers(ctx context.Context, after int64) (latest int64, err error)
}
