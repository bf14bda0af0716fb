package index

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"

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
	// Parts, when above 1, writes each batch of a few hundred papers or
	// more as that many parts at once (at most one a core): scorch builds
	// each part's segment (zap's NewUsing, the largest share of an
	// ingest's CPU) on the goroutine that writes it, so the parts are
	// built on separate cores while the analyses held are still one
	// batch's. 0 or 1: one part. A bulk ingest uses BulkParts(). The
	// twice as many small segments of two parts and their merges add
	// mapped segment pages (443 to 513 MiB peak RSS on the 250k sample),
	// which the writer gives back past the index's Options.MappedBudget.
	// While scorch merges segments on disk, a batch is written as one
	// part: the merge has the other core.
	Parts int
}

// Writer adds papers to the index in batches. A paper already in the index
// (or earlier in the same run) is merged with the stored record by
// canonical id, never duplicated. While one batch is written to the index
// in the background, the next is read and assembled (see maxInflight). A
// Writer is not safe for concurrent use; several writers may run at once.
type Writer struct {
	ix      *Index
	opts    WriterOptions
	pending map[string]paper.Paper
	order   []string
	// seen holds the ids flushed in this run (as they came and as
	// written). On a fresh index, only those need looking up to merge.
	seen  *idSet
	fresh bool
	// repeats counts the papers added again in this run (merged into
	// the first); repeated is the first of them.
	repeats  int
	repeated string
	// titleOnly counts the papers known by their title only (twins.go)
	// written in this run.
	titleOnly int
	written   int
	// batches counts the Bleve batches written (a flush in Parts is
	// several).
	batches int
	err     error
	// inflight are the batches being written in the background, oldest
	// first; last is the newest of them.
	inflight []flight
	last     *write
	// unpersisted are the batches written but not yet known to be on disk,
	// oldest first (in Bulk mode a batch returns before that; Close waits
	// for them all). durable counts the papers of those that are.
	unpersisted []flight
	durable     int
	merging     func() bool // Index.merging (tests replace it)
}

// maxInflight is how many batches are handed to the background at once:
// one being analysed or written, and the next, assembled, waiting for it.
// A batch's text fields are analysed on all cores (analyseText), then
// Bleve builds its segment on the one goroutine that writes it; the
// writer hands over the next batch once the one before is analysed, so
// that it reads and assembles the batch after while the segment is built
// (on the core the build leaves) rather than while a batch is analysed
// (when the analysis wants both). The 1M arXiv corpus: 171.6 s against
// 177.1 s, at the same CPU time (docs/benchmarks.md, thirteenth round).
//
// Only one batch's analyses are held at a time. Two writes at once once
// gave more papers/s, but they hold two batches' analyses (the largest
// part of the heap, about 25 kB a paper): under the memory limit of a
// bulk ingest, one write at a time was faster
// (60k arXiv papers: 19.7 s of CPU against 28.3 s, 64 s against 71 s
// wall on a loaded 2-core machine) and the 250k import's peak RSS fell
// from 1.15 GiB to 454 MiB (with `ingest`'s memory limit) at the same CPU
// time.
//
// Issue 18 measured it again (250k arXiv papers, the bench's ingest under
// BulkMemoryLimit, load 10-13 on 2 cores): two writes at once took 1.48×
// the CPU time (1,574 against 2,330 papers per CPU-second) and 569 MiB
// peak RSS against 442 MiB. One stays.
const maxInflight = 2

// analysedHeld is how many batches' analyses are held at once.
const analysedHeld = 1

// BulkParts is the WriterOptions.Parts of a bulk ingest (`paperbot ingest`,
// cmd/bench): half the cores, at least one. Scorch persists and merges
// segments on goroutines of its own, and on a large ingest the merges take
// a core's worth. On 2 cores two parts at all times took 0.82× one part's
// wall time at 250k papers and 0.71-0.88× at 1M, but 1.11× at 3M (968 MiB
// peak RSS), where the extra segments' merges had no core to run on; two
// parts except while a merge runs took 0.87× at 1M and 0.96× at 3M, but
// peaked at 797 MiB there and left 50 segments instead of 39, and the 3M
// query p99 rose from 62 to 100 ms. So one part on 2 cores
// (docs/benchmarks.md); `--parts 2` for the faster 1M import.
func BulkParts() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// merging reports whether scorch is merging segments on disk.
func (ix *Index) merging() bool {
	s, err := ix.scorchIndex()
	if err != nil {
		return false
	}
	st := s.StatsMap()
	beg, _ := st["TotFileMergeZapBeg"].(uint64)
	end, _ := st["TotFileMergeZapEnd"].(uint64)
	return beg > end
}

// minSplit is the smallest batch WriterOptions.Parts splits.
const minSplit = 256

// parts is how many parts a batch of n papers is written as: at most
// want, no more than there are cores, one for a small batch.
func parts(n, want int) int {
	if n < minSplit {
		return 1
	}
	return max(1, min(want, runtime.GOMAXPROCS(0)))
}

// BulkMemoryLimit is the soft memory limit (debug.SetMemoryLimit) for a
// bulk ingest with batches of batchSize papers: about one and a half times
// what is live at the peaks (heap profiles: some 50 MB, plus about 60 kB
// for each paper of the batches being analysed and built, and of the one
// being read and assembled). `paperbot ingest` and cmd/bench set it.
func BulkMemoryLimit(batchSize int) int64 {
	return 96<<20 + int64(analysedHeld+1)*int64(batchSize)*60<<10
}

// maxUnpersisted bounds the batches written but not yet on disk. In Bulk
// mode Bleve returns from a batch before its segment is persisted, and
// the segments waiting for its persister stay in memory: without a bound
// they pile up whenever the disk (or the persister's merge) is slower than
// the parse, and memory is no longer bounded by the batch size.
const maxUnpersisted = 4

// flight is a batch being written, or waiting to be persisted.
type flight struct {
	done chan error // the write's (or the persist's) outcome
	n    int        // papers in it
}

// NewWriter starts a batch writer. The context of each Add and Flush
// decides whether it may queue more: once it is done they return its
// error, and Close still writes what was queued.
func (ix *Index) NewWriter(opts WriterOptions) *Writer {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if !opts.FreshIndex {
		// Only one writer may treat an empty index as fresh: a second one
		// started at the same time must look its papers up.
		ix.wmu.Lock()
		if n, err := ix.Count(); err == nil && n == 0 && !ix.freshClaimed {
			opts.FreshIndex = true
			ix.freshClaimed = true
		}
		ix.wmu.Unlock()
	}
	return &Writer{ix: ix, opts: opts, pending: make(map[string]paper.Paper, opts.BatchSize),
		seen: newIDSet(), fresh: opts.FreshIndex, merging: ix.merging}
}

// Add queues a normalised paper, flushing a batch when it is full (see
// Flush for ctx).
func (w *Writer) Add(ctx context.Context, p paper.Paper) error {
	if w.err != nil {
		return w.err
	}
	if prev, ok := w.pending[p.ID]; ok {
		w.pending[p.ID] = paper.Merge(prev, p)
		w.repeat(p.ID)
		return nil
	}
	if w.seen.has(p.ID) {
		w.repeat(p.ID) // merged with the stored one when flushed
	}
	w.pending[p.ID] = p
	w.order = append(w.order, p.ID)
	if len(w.order) >= w.opts.BatchSize {
		return w.Flush(ctx)
	}
	return nil
}

// repeat counts a paper added again in this run.
func (w *Writer) repeat(id string) {
	if w.repeats++; w.repeated == "" {
		w.repeated = id
	}
}

// Repeats is the number of papers added more than once in this run (each
// time after the first counts; the records were merged into one), and
// the first such paper's id: a file that holds 2401.01234 and
// arXiv:2401.01234v2 indexes one paper, with one repeat.
func (w *Writer) Repeats() (int, string) { return w.repeats, w.repeated }

// Written is the number of papers written so far.
func (w *Writer) Written() int { return w.written }

// Flush hands the queued papers to the index. It returns once they are
// assembled into a batch and the batch before it is written; the new
// batch is written in the background (Close waits for it). When ctx is
// done, Flush returns its error and queues nothing more: Close still
// writes what was queued.
func (w *Writer) Flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.flush()
}

func (w *Writer) flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.ix.async.Err(); err != nil {
		w.err = err
		return err
	}
	if len(w.order) == 0 {
		return nil
	}
	bs, ids, docs, news, err := w.assemble()
	if err != nil {
		// Merging reads the papers stored: damage it runs into is
		// reported as a search's is.
		w.err = w.ix.damageOf(err)
		return w.err
	}
	if w.last != nil {
		<-w.last.analysed // see maxInflight
	}
	for len(w.inflight) >= maxInflight {
		if err := w.waitOldest(); err != nil {
			return err
		}
	}
	for len(w.unpersisted) > maxUnpersisted-len(bs) {
		if err := w.waitPersisted(); err != nil {
			return err
		}
	}
	w.batches += len(bs)
	for i, b := range bs {
		persisted := make(chan error, 1)
		b.SetPersistedCallback(func(err error) { persisted <- err })
		w.unpersisted = append(w.unpersisted, flight{done: persisted, n: news[i]})
	}
	w.last = w.ix.writeInBackground(bs, ids, docs, w.last)
	w.inflight = append(w.inflight, flight{done: w.last.done, n: len(ids)})
	// The segments scorch persists and merges meanwhile are mapped and
	// read whole: past the index's budget (BulkMappedBudget for a bulk
	// ingest), their pages go back (advise.go).
	w.ix.releaseOverBudget()
	clear(w.pending)
	w.order = w.order[:0]
	return nil
}

// waitPersisted waits until the oldest batch not yet on disk is, or the
// index's background writes fail (Bleve retries a failed persist for
// ever: only its async error callback says so).
func (w *Writer) waitPersisted() error {
	f := w.unpersisted[0]
	select {
	case err := <-f.done:
		if err != nil {
			w.err = fmt.Errorf("persisting a batch: %w", err)
			return w.err
		}
	case <-w.ix.async.done():
		w.err = w.ix.async.Err()
		w.countPersisted()
		return w.err
	}
	w.unpersisted = w.unpersisted[1:]
	w.durable += f.n
	return nil
}

// countPersisted counts the batches whose persistence was reported by the
// time the background writes failed (in any order), so that Persisted
// says what is on disk.
func (w *Writer) countPersisted() {
	kept := w.unpersisted[:0]
	for _, f := range w.unpersisted {
		select {
		case err := <-f.done:
			if err == nil {
				w.durable += f.n
				continue
			}
		default:
		}
		kept = append(kept, f)
	}
	w.unpersisted = kept
}

// assemble merges the queued papers with what the index holds and builds
// their documents, as WriterOptions.Parts batches of about equal size.
// docs are the documents of all the batches. news counts, for each batch,
// its papers not written before in this run (Persisted counts papers, not
// records).
func (w *Writer) assemble() (bs []*bleve.Batch, ids []string, docs []*document.Document, news []int, err error) {
	ix := w.ix
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	now := ix.now()
	want := w.opts.Parts
	if want > 1 && w.merging() {
		want = 1 // the merge has a core
	}
	bs = make([]*bleve.Batch, parts(len(w.order), want))
	news = make([]int, len(bs))
	for i := range bs {
		bs[i] = ix.bi.NewBatch()
	}
	ps := make([]paper.Paper, len(w.order))
	per := (len(ps) + len(bs) - 1) / len(bs)
	for i, id := range w.order {
		p := w.pending[id]
		if !w.fresh || w.seen.has(id) {
			ix.awaitWrite(id) // a batch in flight may hold it
			old, ok, err := ix.get(id)
			if err != nil {
				return nil, nil, nil, nil, fmt.Errorf("reading %s to merge it: %w", id, err)
			}
			if ok {
				p = paper.Merge(old, p)
			}
			// An index written before ids stored as numbers were restored
			// (paper.RestoreNumberID) holds such a paper under its number
			// form (1909.0599): it becomes this one.
			if legacy := paper.NumberForm(id); legacy != "" {
				old, ok, err := ix.get(legacy)
				if err != nil {
					return nil, nil, nil, nil, fmt.Errorf("reading %s to merge it into %s: %w", legacy, id, err)
				}
				if ok {
					old.ID = id
					p = paper.Merge(old, p)
					p.AddAlias(legacy) // as twins.go records a title id
					bs[0].Delete(legacy)
				}
			}
		}
		if err := w.twin(&p, bs[0]); err != nil {
			return nil, nil, nil, nil, err
		}
		if !w.seen.has(p.ID) {
			news[i/per]++ // the batch it is written in (below)
		}
		w.seen.add(id) // as it came: a title id merged into its twin
		w.order[i] = p.ID
		p.Trending = paper.TrendingScore(p, now)
		ps[i] = p
	}
	if len(ps) >= dictMinRecords && !ix.rec.hasDict() {
		if err := ix.trainRecordDict(ps); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	docs, err = ix.documents(ps)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for i, doc := range docs {
		if err := bs[i/per].IndexAdvanced(doc); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("paper %s: %w", w.order[i], err)
		}
		w.seen.add(w.order[i])
	}
	return bs, slices.Clone(w.order), docs, news, nil
}

// trainRecordDict trains the index's record dictionary on a batch of
// papers and stores it in the index before any record uses it (record.go).
func (ix *Index) trainRecordDict(ps []paper.Paper) error {
	samples := make([][]byte, len(ps))
	for i := range ps {
		samples[i] = appendRecord(nil, &ps[i])
	}
	dict, err := trainDict(samples)
	if err != nil {
		return err
	}
	if err := ix.bi.SetInternal([]byte(recordS2DictKey), dict); err != nil {
		return fmt.Errorf("storing the record dictionary: %w", err)
	}
	return ix.rec.useS2Dict(dict)
}

// waitOldest waits for the oldest batch in flight to be written.
func (w *Writer) waitOldest() error {
	f := w.inflight[0]
	w.inflight = w.inflight[1:]
	err := <-f.done
	if err != nil {
		w.err = fmt.Errorf("writing a batch of %d papers: %w", f.n, err)
		return w.err
	}
	w.written += f.n
	if w.opts.OnFlush != nil {
		w.opts.OnFlush(w.written)
	}
	return nil
}

// Persisted is the number of papers known to be on disk: after a failed
// Close, those an index opened again holds (of this writer's).
func (w *Writer) Persisted() int { return w.durable }

// Close flushes what is queued (even when the context of Add is done:
// what was read is written), waits for the batches in flight and then
// until they are on disk (in Bulk mode the index would otherwise drop the
// last batches when it closes). It returns at once when the index's
// background writes fail (a full disk), with their error.
func (w *Writer) Close() error {
	err := w.flush()
	for err == nil && len(w.inflight) > 0 {
		err = w.waitOldest()
	}
	if err != nil {
		// Whatever failed, no batch is still being written when Close
		// returns: the index may be closed next.
		for _, f := range w.inflight {
			<-f.done
		}
		w.inflight = nil
		return err
	}
	// Every batch's persistence: written at once, they may land out of
	// order (waiting for the oldest first is enough).
	for len(w.unpersisted) > 0 {
		if err := w.waitPersisted(); err != nil {
			return err
		}
	}
	return nil
}

// write is a batch handed to the background (writeInBackground).
type write struct {
	analysed chan struct{} // closed once its text fields are analysed
	written  chan struct{} // closed once it is written, or failed
	failed   bool          // set before written is closed
	done     chan error    // its outcome
}

// writeInBackground writes a batch once the one handed over before it
// (after; nil for none) is written: it analyses the batch's text fields
// on all cores, then writes its parts, each on its own goroutine (scorch
// takes concurrent batches), and delivers the outcome once all are
// written. Until then, its ids are marked as in flight, so that any writer
// merging one of them waits for it (awaitWrite). The parts hold distinct
// papers, so the order in which they land does not matter. When the batch
// before failed, this one is not written: a writer stops at its first
// failed batch.
func (ix *Index) writeInBackground(bs []*bleve.Batch, ids []string, docs []*document.Document, after *write) *write {
	wr := &write{analysed: make(chan struct{}), written: make(chan struct{}), done: make(chan error, 1)}
	ix.writingMu.Lock()
	if ix.writing == nil {
		ix.writing = map[string]chan struct{}{}
	}
	for _, id := range ids {
		ix.writing[id] = wr.written
	}
	ix.writingMu.Unlock()
	go func() {
		var err error
		if after != nil {
			if <-after.written; after.failed {
				err = fmt.Errorf("not written: the batch before it failed")
			}
		}
		if err == nil {
			analyseText(docs)
		}
		close(wr.analysed)
		if err == nil {
			errs := make(chan error, len(bs))
			for _, b := range bs[1:] {
				go func() { errs <- ix.bi.Batch(b) }()
			}
			err = ix.bi.Batch(bs[0])
			for range bs[1:] {
				err = errors.Join(err, <-errs)
			}
		}
		ix.writingMu.Lock()
		for _, id := range ids {
			if ix.writing[id] == wr.written {
				delete(ix.writing, id)
			}
		}
		ix.writingMu.Unlock()
		wr.failed = err != nil
		close(wr.written)
		wr.done <- err
	}()
	return wr
}

// awaitWrite waits until a batch in flight that holds id is written.
func (ix *Index) awaitWrite(id string) {
	ix.writingMu.Lock()
	done := ix.writing[id]
	ix.writingMu.Unlock()
	if done != nil {
		<-done
	}
}

// Upsert adds or updates papers (normalising them first); it implements
// bot.Indexer.
func (ix *Index) Upsert(ctx context.Context, papers []paper.Paper) error {
	w := ix.NewWriter(WriterOptions{})
	for _, p := range papers {
		err := p.Normalize()
		if err != nil {
			err = fmt.Errorf("paper %q: %w", p.ID, err)
		} else {
			err = w.Add(ctx, p)
		}
		if err != nil {
			w.Close() // what was added is written; no batch is left being written
			return err
		}
	}
	return w.Close()
}
