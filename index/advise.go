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

	// The budgets (trimMapped), checked every every-th reader: budget
	// bytes of file-backed resident memory, resident bytes of the whole
	// process's resident memory (0: none). Past either, the index's
	// mapped pages go back.
	budget, resident, every uint64
	reads                   atomic.Uint64
	quietUntil              atomic.Uint64 // no look before this many readers
	releasing               atomic.Bool
	released                atomic.Int64 // how many times pages were given back
	releaseFailed           atomic.Bool
}

// DefaultResidentBudget is Options.ResidentBudget's default: the process's
// resident memory (its own and the index pages it has mapped) above which
// a server's index gives its mapped pages back. With the index's own
// memory (the listing columns, the Go heap) it keeps a server on the whole
// of arXiv under 1 GiB. It replaced a budget of 384 MiB of mapped pages
// alone, which was smaller than the pages the benchmark's queries read
// again on 1M papers (about 450 MiB): that server gave all its pages back
// every 250 searches or so and faulted them in again, 140,000 minor
// faults more over the mix, 35 % more CPU time and a p99 twice as long
// on one-word queries (docs/benchmarks.md). Counting the whole process,
// a smaller index keeps what it reads, and a larger one gives its pages
// back only when the server as a whole needs the room.
const DefaultResidentBudget = 768 << 20

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

// trimMapped gives back the index's mapped pages when the process is over
// a budget (overBudget). A search reads an index
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
	if !a.budgeted() || n%a.every != 0 || n < a.quietUntil.Load() {
		return
	}
	if !a.overBudget() {
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

// budgeted reports whether the index holds to a budget at all.
func (a *advisor) budgeted() bool {
	return (a.budget > 0 || a.resident > 0) && a.dir != ""
}

// overBudget reports whether the process is over one of the budgets: its
// file-backed resident memory over budget, or its whole resident memory
// over resident. Where that cannot be read, it is not.
func (a *advisor) overBudget() bool {
	total, file, err := residentMemory()
	if err != nil {
		return false
	}
	return (a.budget > 0 && file > a.budget) || (a.resident > 0 && total > a.resident)
}

// releaseOverBudget gives back the index's mapped pages if the process is
// over a budget, and waits until they are (a bulk writer's call, between
// two batches).
func (ix *Index) releaseOverBudget() {
	a := &ix.advise
	if !a.budgeted() || !a.releasing.CompareAndSwap(false, true) {
		return
	}
	defer a.releasing.Store(false)
	if a.overBudget() {
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
	if !ix.advise.budgeted() || !ix.bg.start() {
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
	return a.overBudget()
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
