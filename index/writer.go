package index

import (
	"context"
	"fmt"

	"github.com/paperbot/paperbot/bot/paper"
)

// WriterOptions tune a Writer.
type WriterOptions struct {
	// BatchSize is the number of papers written per Bleve batch (default 2000).
	BatchSize int
	// FreshIndex promises the index held no papers when the writer started,
	// so only ids seen earlier in this run need merging. It is detected
	// automatically when the index is empty.
	FreshIndex bool
	// OnFlush is called after each batch with the number of papers written so far.
	OnFlush func(written int)
}

// Writer adds papers to the index in batches. A paper already in the index
// (or earlier in the same run) is merged with the stored record by
// canonical id, never duplicated. A Writer is not safe for concurrent use;
// several writers may run at once (their flushes are serialised).
type Writer struct {
	ix      *Index
	ctx     context.Context
	opts    WriterOptions
	pending map[string]paper.Paper
	order   []string
	seen    map[string]struct{} // ids flushed in this run (fresh index only)
	written int
	err     error
	// persisted reports the persistence of the last batch written (in
	// Bulk mode a batch returns before it is on disk; Close waits).
	persisted chan error
}

// NewWriter starts a batch writer.
func (ix *Index) NewWriter(ctx context.Context, opts WriterOptions) *Writer {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if !opts.FreshIndex {
		if n, err := ix.Count(); err == nil && n == 0 {
			opts.FreshIndex = true
		}
	}
	w := &Writer{ix: ix, ctx: ctx, opts: opts, pending: make(map[string]paper.Paper, opts.BatchSize)}
	if opts.FreshIndex {
		w.seen = map[string]struct{}{}
	}
	return w
}

// Add queues a normalised paper, flushing a batch when it is full.
func (w *Writer) Add(p paper.Paper) error {
	if w.err != nil {
		return w.err
	}
	if prev, ok := w.pending[p.ID]; ok {
		w.pending[p.ID] = paper.Merge(prev, p)
		return nil
	}
	w.pending[p.ID] = p
	w.order = append(w.order, p.ID)
	if len(w.order) >= w.opts.BatchSize {
		return w.Flush()
	}
	return nil
}

// Written is the number of papers written so far.
func (w *Writer) Written() int { return w.written }

// Flush writes the queued papers.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.order) == 0 {
		return nil
	}
	if err := w.ctx.Err(); err != nil {
		w.err = err
		return err
	}
	ix := w.ix
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	now := ix.now()
	b := ix.bi.NewBatch()
	persisted := make(chan error, 1)
	b.SetPersistedCallback(func(err error) { persisted <- err })
	for _, id := range w.order {
		p := w.pending[id]
		_, again := w.seen[id]
		if w.seen == nil || again {
			old, ok, err := ix.get(id)
			if err != nil {
				w.err = fmt.Errorf("reading %s to merge it: %w", id, err)
				return w.err
			}
			if ok {
				p = paper.Merge(old, p)
			}
		}
		p.Trending = paper.TrendingScore(p, now)
		doc, err := ix.document(&p)
		if err != nil {
			w.err = fmt.Errorf("paper %s: %w", id, err)
			return w.err
		}
		if err := b.IndexAdvanced(doc); err != nil {
			w.err = fmt.Errorf("paper %s: %w", id, err)
			return w.err
		}
		if w.seen != nil {
			w.seen[id] = struct{}{}
		}
	}
	if err := ix.bi.Batch(b); err != nil {
		w.err = fmt.Errorf("writing a batch of %d papers: %w", len(w.order), err)
		return w.err
	}
	w.persisted = persisted
	w.written += len(w.order)
	clear(w.pending)
	w.order = w.order[:0]
	if w.opts.OnFlush != nil {
		w.opts.OnFlush(w.written)
	}
	return nil
}

// Close flushes what is queued and waits until it is on disk (in Bulk
// mode the index would otherwise drop the last batches when it closes).
func (w *Writer) Close() error {
	if err := w.Flush(); err != nil {
		return err
	}
	if w.persisted == nil {
		return nil
	}
	select {
	case err := <-w.persisted:
		w.persisted = nil
		if err != nil {
			w.err = fmt.Errorf("persisting the last batch: %w", err)
			return w.err
		}
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

// Upsert adds or updates papers (normalising them first); it implements
// bot.Indexer.
func (ix *Index) Upsert(ctx context.Context, papers []paper.Paper) error {
	w := ix.NewWriter(ctx, WriterOptions{})
	for _, p := range papers {
		if err := p.Normalize(); err != nil {
			return fmt.Errorf("paper %q: %w", p.ID, err)
		}
		if err := w.Add(p); err != nil {
			return err
		}
	}
	return w.Close()
}
