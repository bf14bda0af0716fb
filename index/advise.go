package index

import (
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Bleve maps every segment file into memory and reads it through page
// faults. The kernel's defaults suit a file read from start to end: each
// fault reads ahead (8 MiB on some block devices) and maps neighbouring
// pages in large groups. A search reads an index at random — a dictionary
// path here, a postings list there, one stored record per hit — so those
// defaults fill memory with pages nobody asked for, and under a memory
// limit they evict each other (the benchmark's 1 GiB run thrashed).
// advisor marks every segment mapping MADV_RANDOM once, when a snapshot
// first shows the segment: pages are then read and mapped as they are
// touched.
type advisor struct {
	mu   sync.Mutex
	dir  string // the index directory (absolute): its mappings are advised
	seen map[uint64]bool
	// failed stops further attempts after an error (logged once).
	failed bool

	// The mapped pages' budget (trimMapped): budget bytes of file-backed
	// resident memory (0: no budget), checked every every-th reader.
	budget, every uint64
	reads         atomic.Uint64
	quietUntil    atomic.Uint64 // no look before this many readers
	releasing     atomic.Bool
	released      atomic.Int64 // how many times pages were given back
	releaseFailed atomic.Bool
}

// DefaultMappedBudget is Options.MappedBudget's default: the file-backed
// resident memory (mostly mapped index pages) above which the index gives
// its pages back. With the index's own memory (the listing columns, the
// Go heap) it keeps a server on the whole of arXiv under 1 GiB.
const DefaultMappedBudget = 384 << 20

// BulkMappedBudget is Options.MappedBudget's default for a bulk ingest. Its
// mapped pages are segments just written, read again only when scorch
// merges them, and the page cache keeps them when they are given back: on
// 1M arXiv papers the ingest's peak RSS fell from 795 to 492 MiB with
// 3 % more minor faults (2.32 to 2.39 million) and the same CPU time
// (512 and 513 s) (docs/benchmarks.md).
const BulkMappedBudget = 32 << 20

// trimEvery is how many readers (one or a few a search) pass between two
// looks at the resident memory: every one (a look costs a few
// microseconds; on the whole of arXiv, 32 searches' worth of pages at 200
// commands a second took the resident set past the budget by 570 MiB).
const trimEvery = 1

// trimMapped gives back the index's mapped pages when the process's
// file-backed resident memory is over the budget. A search reads an index
// at random; the pages it touched stay mapped, so on an index larger than
// memory the resident set grows toward the index's size though the kernel
// can drop those pages at any time (they are clean page cache). Released,
// the hot pages come back through minor faults, from the page cache.
//
// The search that finds the budget passed does not wait for the pages to
// go back: a goroutine of the index's gives them back (madvise of a
// whole index's mappings takes milliseconds, which were that search's
// slowest). Close waits for it.
func (ix *Index) trimMapped() {
	a := &ix.advise
	n := a.reads.Add(1)
	if a.budget == 0 || a.dir == "" || n%a.every != 0 || n < a.quietUntil.Load() {
		return
	}
	if rss, err := mappedFileRSS(); err != nil || rss <= a.budget {
		return
	}
	if !a.releasing.CompareAndSwap(false, true) {
		return
	}
	if !ix.bg.start() {
		a.releasing.Store(false)
		return
	}
	go func() {
		defer ix.bg.done()
		defer a.releasing.Store(false)
		if ix.releaseNow() {
			// Still over: the pages are another's (a second index in the
			// process, the program's own). Look again a while later.
			a.quietUntil.Store(a.reads.Load() + trimQuiet)
		}
	}()
}

// releaseOverBudget gives back the index's mapped pages if the process's
// file-backed resident memory is over the budget, and waits until they
// are (a bulk writer's call, between two batches).
func (ix *Index) releaseOverBudget() {
	a := &ix.advise
	if a.budget == 0 || a.dir == "" || !a.releasing.CompareAndSwap(false, true) {
		return
	}
	defer a.releasing.Store(false)
	if rss, err := mappedFileRSS(); err == nil && rss > a.budget {
		ix.releaseNow()
	}
}

// bulkTrimEvery is how often a bulk ingest looks at its mapped pages
// besides after each batch: scorch's merges read the segments they merge
// through their mappings, in the background, and between two batches a
// merge of large segments took the 1M ingest's mapped pages to 174 MiB
// over a budget of 32 (docs/benchmarks.md).
const bulkTrimEvery = 100 * time.Millisecond

// newTrimTicker makes the bulk ingest's ticks (tests replace it).
var newTrimTicker = func(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// trimWhileBulk gives back the mapped pages over the budget at every tick
// until Close.
func (ix *Index) trimWhileBulk() {
	if ix.advise.budget == 0 || ix.advise.dir == "" || !ix.bg.start() {
		return
	}
	ticks, stop := newTrimTicker(bulkTrimEvery)
	ix.stopTrim = make(chan struct{})
	go func(closing <-chan struct{}) {
		defer ix.bg.done()
		defer stop()
		for {
			select {
			case <-closing:
				return
			case <-ticks:
				ix.releaseOverBudget()
			}
		}
	}(ix.stopTrim)
}

// releaseNow gives back the mapped pages of the segments of the index's
// current snapshot, held meanwhile, and reports whether the process is
// still over the budget after that.
func (ix *Index) releaseNow() (stillOver bool) {
	a := &ix.advise
	err := ix.withSegmentFiles(func(files map[string]bool) error {
		return releaseMapped(a.dir, files)
	})
	if err != nil {
		if a.releaseFailed.CompareAndSwap(false, true) {
			ix.log.Warn("cannot give back the index's mapped pages; memory use may be higher", "err", err)
		}
		return false
	}
	a.released.Add(1)
	rss, err := mappedFileRSS()
	return err == nil && rss > a.budget
}

// withSegmentFiles calls f with the base names of the segment files of the
// index's current snapshot, which stays open (its segments mapped) until
// f returns.
func (ix *Index) withSegmentFiles(f func(files map[string]bool) error) error {
	snap, err := ix.rawSnapshot()
	if errors.Is(err, errNotScorch) {
		return nil
	}
	if err != nil {
		return err
	}
	defer snap.Close()
	return f(segmentFiles(snap))
}

// segmentFiles are the base names of snap's segment files.
func segmentFiles(snap *scorch.IndexSnapshot) map[string]bool {
	files := map[string]bool{}
	for _, s := range snap.Segments() {
		if p, ok := s.Segment().(segment.PersistedSegment); ok {
			files[filepath.Base(p.Path())] = true
		}
	}
	return files
}

// trimQuiet is how many readers pass without a look after a release that
// left the process over its budget.
const trimQuiet = 256

// check advises the mappings of segments not seen before.
func (ix *Index) adviseSegments(snap *scorch.IndexSnapshot) {
	a := &ix.advise
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failed || a.dir == "" {
		return
	}
	// Only segments written to files are mapped. A segment keeps its id
	// when it is persisted, so one first seen in memory counts as seen
	// only once it is a file.
	fresh := false
	for _, s := range snap.Segments() {
		if _, file := s.Segment().(segment.PersistedSegment); file && !a.seen[s.Id()] {
			fresh = true
			break
		}
	}
	if !fresh {
		return
	}
	if err := adviseRandom(a.dir, segmentFiles(snap)); err != nil {
		a.failed = true
		ix.log.Warn("cannot advise the kernel of random access to the index files; memory use may be higher", "err", err)
		return
	}
	if a.seen == nil {
		a.seen = map[uint64]bool{}
	}
	live := map[uint64]bool{}
	for _, s := range snap.Segments() {
		if _, file := s.Segment().(segment.PersistedSegment); file {
			a.seen[s.Id()] = true
			live[s.Id()] = true
		}
	}
	// Forget segments merged away, so that seen does not grow forever.
	if len(a.seen) > 2*len(live)+16 {
		a.seen = live
	}
}
