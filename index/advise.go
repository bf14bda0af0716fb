package index

import (
	"sync"

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
}

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
	if err := adviseRandom(a.dir); err != nil {
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
