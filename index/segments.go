package index

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/paperbot/paperbot/bot/paper"
)

// What the fast evaluators share: the segments of a snapshot searched in
// parallel, each worker keeping its k best hits, and the hits' records.

// fastHit is a paper a fast evaluator found.
type fastHit struct {
	score  float64
	global uint64 // the snapshot-wide document number (ties: lower first)
	seg    int
	local  uint64
}

// hitHeap keeps the k best hits, the worst on top.
type hitHeap []fastHit

func (h hitHeap) Len() int { return len(h) }
func (h hitHeap) Less(i, j int) bool {
	return worse(h[i], h[j])
}
func (h hitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)   { *h = append(*h, x.(fastHit)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// worse orders hits as Bleve's collector does: lower score, then the later
// document.
func worse(a, b fastHit) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.global > b.global
}

// searchSegments runs search over every segment in parallel (largest
// first), each worker keeping its own k best in a heap; a worker's k-th best
// score is a floor for every worker, shared so that all of them prune with
// the best known. It returns the k best hits and the sum of the counts.
func searchSegments(ctx context.Context, segs []*scorch.SegmentSnapshot, k int,
	search func(ctx context.Context, si int, offset uint64, h *hitHeap, shared *sharedFloor) (uint64, error)) ([]fastHit, uint64, error) {
	// A worker's error stops the others.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type job struct {
		si     int
		offset uint64
	}
	var jobs []job
	var offset uint64
	for si, s := range segs {
		jobs = append(jobs, job{si, offset})
		offset += s.Segment().Count()
	}
	slices.SortStableFunc(jobs, func(a, b job) int {
		return cmp.Compare(segs[b.si].Count(), segs[a.si].Count())
	})
	workers := max(1, min(runtime.GOMAXPROCS(0), len(jobs)))
	var (
		next   atomic.Int64
		shared sharedFloor
		count  atomic.Uint64
		wg     sync.WaitGroup
		errs   = make([]error, workers)
		heaps  = make([]*hitHeap, workers)
	)
	for w := range workers {
		heaps[w] = &hitHeap{}
		wg.Go(func() {
			for {
				j := int(next.Add(1)) - 1
				if j >= len(jobs) || ctx.Err() != nil {
					return
				}
				n, err := inSegment(segs[jobs[j].si], func() (uint64, error) {
					return search(ctx, jobs[j].si, jobs[j].offset, heaps[w], &shared)
				})
				if err != nil {
					errs[w] = err
					cancel(err)
					return
				}
				count.Add(n)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	var hits []fastHit
	for _, h := range heaps {
		hits = append(hits, *h...)
	}
	slices.SortFunc(hits, func(a, b fastHit) int {
		switch {
		case worse(b, a):
			return -1
		case worse(a, b):
			return 1
		}
		return 0
	})
	return hits[:min(k, len(hits))], count.Load(), nil
}

// inSegment runs a worker's search of one segment. A panic there (zap
// reading a segment damaged inside, which Open does not read: only
// footers, checkLatest) or a fault reading its mapping is the query's
// error, wrapping ErrDamaged: on a worker's goroutine no caller could
// recover it, and it ended the process (serve, for one query).
func inSegment(s *scorch.SegmentSnapshot, search func() (uint64, error)) (n uint64, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			// The directory is filled in by readGuarded.
			err = &damagedError{problems: []string{fmt.Sprintf("segment %d: reading it failed (%v)", s.Id(), r)}}
		}
	}()
	return search()
}

// push adds a hit to a worker's k best; false when it is not among them.
func push(h *hitHeap, k int, hit fastHit) bool {
	switch {
	case h.Len() < k:
		heap.Push(h, hit)
	case worse((*h)[0], hit):
		(*h)[0] = hit
		heap.Fix(h, 0)
	default:
		return false
	}
	return true
}

// offer adds a hit to a worker's k best and shares its k-th best score.
func offer(h *hitHeap, k int, hit fastHit, shared *sharedFloor) {
	if !push(h, k, hit) {
		return
	}
	if h.Len() == k {
		shared.raise((*h)[0].score)
	}
}

// sharedFloor is the best k-th score any worker has: no paper scoring
// below it can be in the answer.
type sharedFloor struct{ bits atomic.Uint64 }

func (f *sharedFloor) load() float64 { return math.Float64frombits(f.bits.Load()) }

func (f *sharedFloor) raise(v float64) {
	for {
		old := f.bits.Load()
		if math.Float64frombits(old) >= v || f.bits.CompareAndSwap(old, math.Float64bits(v)) {
			return
		}
	}
}

// fastResults reads the hits' stored records into results.
func (ix *Index) fastResults(segs []*scorch.SegmentSnapshot, hits []fastHit, total uint64, order paper.Sort) paper.Results {
	res := paper.Results{Total: total, Sort: order}
	for _, fh := range hits {
		p, err := ix.storedPaper(segs[fh.seg], fh.local)
		if err != nil {
			ix.log.Warn("unreadable stored record", "segment", segs[fh.seg].Id(), "doc", fh.local, "err", err)
			continue
		}
		res.Hits = append(res.Hits, paper.Hit{Paper: p, Score: fh.score})
	}
	return res
}

// storedPaper reads a paper's stored record from its segment.
func (ix *Index) storedPaper(s *scorch.SegmentSnapshot, local uint64) (paper.Paper, error) {
	var raw []byte
	err := s.VisitDocument(local, func(field string, _ byte, value []byte, _ []uint64) bool {
		if field == fSource {
			raw = append([]byte(nil), value...)
			return false
		}
		return true
	})
	if err != nil {
		return paper.Paper{}, err
	}
	return ix.rec.decode(raw)
}
