package store

import (
	"context"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
)

// Fenced is the state file as work done under a lease sees it (the
// holder of bot.RunLeased's lease hands it to the work it runs): the
// writes that must not outlive the lease (a digest day, a source cursor,
// papers) check, in their own transaction, that the lease is still held
// with its token, and otherwise fail with bot.ErrFenced and write
// nothing. Every other method is the DB's. A view, not a copy: closing it
// closes the DB.
//
// The fence is a value the work is given, not a context value: what a
// write is checked against shows where the store is made, and the
// digest.Store and source interfaces stay as they are.
type Fenced struct {
	*DB
	lease bot.Lease
}

var _ digest.Store = (*Fenced)(nil)

// Fenced returns the view of s whose writes are fenced by l.
func (s *DB) Fenced(l bot.Lease) *Fenced { return &Fenced{DB: s, lease: l} }

// SaveDay is DB.SaveDay, fenced.
func (f *Fenced) SaveDay(ctx context.Context, d digest.Day) error {
	return f.saveDay(ctx, d, &f.lease)
}

// PutCursor is DB.PutCursor, fenced.
func (f *Fenced) PutCursor(ctx context.Context, name string, value []byte) error {
	return f.putCursor(ctx, name, value, &f.lease)
}

// UpsertPapers is DB.UpsertPapers, fenced.
func (f *Fenced) UpsertPapers(ctx context.Context, papers []paper.Paper) error {
	return f.upsertPapers(ctx, papers, &f.lease)
}
