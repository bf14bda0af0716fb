package pgstore

import (
	"context"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
)

// Fenced is the store as work done under a lease sees it (the holder of
// bot.RunLeased's lease hands it to the work it runs): the writes that
// must not outlive the lease (a digest day, a source cursor, papers) read
// the lease row FOR SHARE in their own transaction and fail with
// bot.ErrFenced, writing nothing, once it is no longer held with its
// token. Every other method is the Store's. A view, not a copy: closing
// it closes the Store. (bot/store.Fenced is the same for the state file.)
type Fenced struct {
	*Store
	lease bot.Lease
}

var _ digest.Store = (*Fenced)(nil)

// Fenced returns the view of s whose writes are fenced by l.
func (s *Store) Fenced(l bot.Lease) *Fenced { return &Fenced{Store: s, lease: l} }

// SaveDay is Store.SaveDay, fenced.
func (f *Fenced) SaveDay(ctx context.Context, d digest.Day) error {
	return f.saveDay(ctx, d, &f.lease)
}

// PutCursor is Store.PutCursor, fenced.
func (f *Fenced) PutCursor(ctx context.Context, name string, value []byte) error {
	return f.putCursor(ctx, name, value, &f.lease)
}

// UpsertPapers is Store.UpsertPapers, fenced.
func (f *Fenced) UpsertPapers(ctx context.Context, papers []paper.Paper) error {
	return f.upsertPapersFenced(ctx, papers, &f.lease)
}
