package index

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/paperbot/paperbot/bot/paper"
)

// The common query — free words ranked by relevance, nothing else — is also
// the costly one on a large index: Bleve evaluates an OR query exhaustively,
// scoring every paper that holds any of its words through a heap of term
// searchers. topWords evaluates exactly the same query (the same BM25 scores,
// the same coordination factors, the same order and total) directly over
// each segment's postings, with MaxScore dynamic pruning (Turtle and Flood,
// 1995): once the k-th best score so far is above what the rarest-scoring
// words could add up to, papers holding only those words are never scored,
// and those words' postings are only probed for papers that already lead.
//
// A word's bound in a segment is the largest score it reaches there. It is
// exact because it is measured: the first query that reads a word's whole
// postings in a segment records it (segments never change; deletions only
// lower scores), and until then the word counts as unbounded, so every
// answer is the exhaustive answer whether or not bounds are known.

// bleveOnlyKey in a context sends every query through Bleve's own
// searchers (tests compare the two ways).
type bleveOnlyKey struct{}

// wordClause is one scored term of a free-word query.
type wordClause struct {
	field string
	term  []byte
	boost float64
	group int // coordination group: 0 the text clause, 1 the title clause
}

// fastHit is a paper found by topWords.
type fastHit struct {
	score  float64
	global uint64 // the snapshot-wide document number (ties: lower first)
	seg    int
	local  uint64
}

// boundKey names a word's largest term-frequency factor in one segment.
type boundKey struct {
	seg   uint64 // scorch segment id: unique for the index's lifetime
	field string
	term  string
	avg   float64 // BM25 average length the factor was computed with
}

// bounds caches measured per-segment maxima. It is cleared when it grows
// past maxBounds entries (a few MB): words are re-measured on next use.
type bounds struct {
	mu sync.RWMutex
	m  map[boundKey]float64
}

const maxBounds = 200_000

func (b *bounds) get(k boundKey) (float64, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.m[k]
	return v, ok
}

func (b *bounds) put(k boundKey, v float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil || len(b.m) >= maxBounds {
		b.m = make(map[boundKey]float64)
	}
	b.m[k] = v
}

// fastEligible reports whether a parsed query is free words ranked by
// relevance with nothing that narrows it (those go through Bleve).
func fastEligible(pq *parsedQuery, order paper.Sort) bool {
	return order == paper.ByRelevance && !pq.trendingOnly &&
		len(pq.Phrases) == 0 && len(pq.filterWords) == 0 && len(pq.Authors) == 0 &&
		len(pq.Cats) == 0 && pq.From.IsZero() && pq.To.IsZero() &&
		len(pq.ExcludeWords) == 0 && len(pq.ExcludePhrases) == 0
}

// wordClauses lists the scored terms of the free-word query buildQuery
// would build: every term in the text, and (when titles count extra) every
// term in the title.
func (rp rankParams) wordClauses(terms []termInfo) []wordClause {
	var out []wordClause
	for _, t := range terms {
		out = append(out, wordClause{field: fText, term: []byte(t.term), boost: t.weight, group: 0})
	}
	if rp.titleBoost != 0 {
		for _, t := range terms {
			out = append(out, wordClause{field: fTitle, term: []byte(t.term), boost: t.weight * rp.titleBoost, group: 1})
		}
	}
	return out
}

// cursor walks one clause's postings in one segment.
type cursor struct {
	it     segment.PostingsIterator
	doc    uint64 // current document, math.MaxUint64 when done
	freq   uint64
	norm   float64
	c      *clauseStats
	bound  float64 // largest contribution in this segment (+Inf: unknown)
	maxSat float64 // largest factor seen, when every posting is read
	whole  bool    // every posting so far was read (no skipping)
}

// clauseStats are a clause's index-wide scoring constants.
type clauseStats struct {
	wordClause
	weight float64 // queryNorm · boost · idf² (Bleve's BM25 term weight)
	avg    float64 // the field's BM25 average length
}

const noDoc = math.MaxUint64

func (c *cursor) next() error {
	p, err := c.it.Next()
	return c.set(p, err)
}

func (c *cursor) advance(d uint64) error {
	c.whole = false
	p, err := c.it.Advance(d)
	return c.set(p, err)
}

func (c *cursor) set(p segment.Posting, err error) error {
	if err != nil {
		return err
	}
	if p == nil {
		c.doc = noDoc
		return nil
	}
	c.doc, c.freq, c.norm = p.Number(), p.Frequency(), p.Norm()
	return nil
}

// sat is Bleve's BM25 term-frequency factor (search/scorer/scorer_term.go:
// tf = √freq, length from the stored norm 1/√length).
func sat(freq uint64, norm, avg float64) float64 {
	tf := math.Sqrt(float64(freq))
	length := 1 / (norm * norm)
	return tf * search.BM25_k1 / (tf + search.BM25_k1*(1-search.BM25_b+search.BM25_b*length/avg))
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

// topWords returns the k best papers for the clauses (ranked exactly as
// Bleve ranks the disjunction buildQuery makes of them), and how many
// papers match any text clause. Papers whose ids are in exclude are left
// out. ok is false when the reader is not one topWords can walk.
func (ix *Index) topWords(ctx context.Context, r bindex.IndexReader, clauses []wordClause, k int, exclude []string) (hits []fastHit, total uint64, ok bool, err error) {
	snap, isScorch := r.(*scorch.IndexSnapshot)
	if !isScorch {
		return nil, 0, false, nil
	}
	segs := snap.Segments()
	docTotal, err := snap.DocCount()
	if err != nil {
		return nil, 0, true, err
	}
	if docTotal == 0 || len(clauses) == 0 {
		return nil, 0, true, nil
	}

	// Index-wide statistics, as Bleve's term searchers compute them.
	avgs := map[string]float64{}
	var groupSize [2]int
	stats := make([]*clauseStats, len(clauses))
	var sumSq float64
	for i, c := range clauses {
		groupSize[c.group]++
		avg, seen := avgs[c.field]
		if !seen {
			card, err := snap.FieldCardinality(c.field)
			if err != nil {
				return nil, 0, true, err
			}
			avg = math.Ceil(float64(card) / float64(docTotal))
			avgs[c.field] = avg
		}
		var docTerm uint64
		for _, s := range segs {
			d, err := s.Segment().Dictionary(c.field)
			if err != nil {
				return nil, 0, true, err
			}
			pl, err := d.PostingsList(c.term, s.Deleted(), nil)
			if err != nil {
				return nil, 0, true, err
			}
			docTerm += pl.Count()
		}
		idf := math.Log(1 + (float64(docTotal)-float64(docTerm)+0.5)/(float64(docTerm)+0.5))
		if avg <= 0 {
			// Bleve falls back to tf-idf on a field with no terms; such a
			// field matches nothing anyway.
			idf = 0
		}
		sumSq += (c.boost * idf) * (c.boost * idf)
		stats[i] = &clauseStats{wordClause: c, weight: c.boost * idf * idf, avg: avg}
	}
	if sumSq == 0 {
		return nil, 0, true, nil
	}
	queryNorm := 1 / math.Sqrt(sumSq)
	for _, s := range stats {
		s.weight *= queryNorm
	}

	excluded := map[int]*roaring.Bitmap{}
	if len(exclude) > 0 {
		for i, s := range segs {
			if bm, err := s.DocNumbers(exclude); err == nil && !bm.IsEmpty() {
				excluded[i] = bm
			}
		}
	}

	h := &hitHeap{}
	var offset uint64
	for si, s := range segs {
		segOffset := offset
		offset += s.Segment().Count()
		n, err := ix.topWordsInSegment(ctx, s, si, segOffset, stats, groupSize, k, excluded[si], h)
		if err != nil {
			return nil, 0, true, err
		}
		total += n
	}
	hits = make([]fastHit, h.Len())
	for i := len(hits) - 1; i >= 0; i-- {
		hits[i] = heap.Pop(h).(fastHit)
	}
	return hits, total, true, nil
}

// topWordsInSegment runs MaxScore over one segment, adding to h; it returns
// how many live, not excluded papers of the segment match a text clause.
func (ix *Index) topWordsInSegment(ctx context.Context, s *scorch.SegmentSnapshot, si int, segOffset uint64,
	stats []*clauseStats, groupSize [2]int, k int, excluded *roaring.Bitmap, h *hitHeap) (uint64, error) {
	deleted := s.Deleted()
	matching := roaring.New()
	var cursors []*cursor
	for _, st := range stats {
		d, err := s.Segment().Dictionary(st.field)
		if err != nil {
			return 0, err
		}
		pl, err := d.PostingsList(st.term, deleted, nil)
		if err != nil {
			return 0, err
		}
		if pl.Count() == 0 {
			continue
		}
		if st.group == 0 {
			if o, ok := pl.(interface{ OrInto(*roaring.Bitmap) }); ok {
				o.OrInto(matching)
			} else {
				return 0, fmt.Errorf("segment postings cannot be counted")
			}
		}
		c := &cursor{it: pl.Iterator(true, true, false, nil), c: st, bound: math.Inf(1), whole: true}
		if m, ok := ix.bounds.get(boundKey{s.Id(), st.field, string(st.term), st.avg}); ok {
			c.bound = st.weight * m
		}
		if err := c.next(); err != nil {
			return 0, err
		}
		cursors = append(cursors, c)
	}
	if deleted != nil {
		matching.AndNot(deleted)
	}
	if excluded != nil {
		matching.AndNot(excluded)
	}
	total := matching.GetCardinality()
	if len(cursors) == 0 || total == 0 {
		return total, nil
	}

	// Cheapest bounds first; prefix[i] is the sum of bounds[0..i].
	slices.SortStableFunc(cursors, func(a, b *cursor) int {
		switch {
		case a.bound < b.bound:
			return -1
		case a.bound > b.bound:
			return 1
		}
		return 0
	})
	prefix := make([]float64, len(cursors))
	var run float64
	for i, c := range cursors {
		run += c.bound
		prefix[i] = run
	}
	threshold := func() float64 {
		if h.Len() < k {
			return -1
		}
		return (*h)[0].score
	}
	// essential is the index of the first cursor that must be walked: the
	// ones before it can never lift a paper over the threshold alone.
	essentialFrom := func(theta float64) int {
		p := 0
		for p < len(cursors) && prefix[p] <= theta {
			p++
		}
		return p
	}
	theta := threshold()
	first := essentialFrom(theta)
	var sum, count [2]float64
	steps := 0
	for first < len(cursors) {
		d := uint64(noDoc)
		for _, c := range cursors[first:] {
			d = min(d, c.doc)
		}
		if d == noDoc {
			break
		}
		if steps++; steps&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		sum, count = [2]float64{}, [2]float64{}
		for _, c := range cursors[first:] {
			if c.doc == d {
				sf := sat(c.freq, c.norm, c.c.avg)
				c.maxSat = max(c.maxSat, sf)
				sum[c.c.group] += c.c.weight * sf
				count[c.c.group]++
				if err := c.next(); err != nil {
					return 0, err
				}
			}
		}
		if excluded != nil && excluded.Contains(uint32(d)) {
			continue
		}
		// Probe the non-essential clauses, best bound first, while the
		// paper could still make the list.
		ub := sum[0] + sum[1]
		if first > 0 {
			ub += prefix[first-1]
		}
		pruned := false
		for i := first - 1; i >= 0; i-- {
			if ub <= theta {
				pruned = true
				break
			}
			c := cursors[i]
			if c.doc < d {
				if err := c.advance(d); err != nil {
					return 0, err
				}
			}
			ub -= c.bound
			if c.doc == d {
				v := c.c.weight * sat(c.freq, c.norm, c.c.avg)
				ub += v
				sum[c.c.group] += v
				count[c.c.group]++
			}
		}
		if pruned || ub <= theta {
			continue
		}
		score := 0.0
		for g := range 2 {
			if count[g] > 0 {
				score += sum[g] * count[g] / float64(groupSize[g])
			}
		}
		hit := fastHit{score: score, global: segOffset + d, seg: si, local: d}
		if h.Len() < k {
			heap.Push(h, hit)
		} else if worse((*h)[0], hit) {
			(*h)[0] = hit
			heap.Fix(h, 0)
		} else {
			continue
		}
		if nt := threshold(); nt != theta {
			theta = nt
			first = essentialFrom(theta)
		}
	}
	// Remember the maxima of clauses whose postings were read whole.
	for _, c := range cursors {
		if c.whole && c.doc == noDoc && math.IsInf(c.bound, 1) {
			ix.bounds.put(boundKey{s.Id(), c.c.field, string(c.c.term), c.c.avg}, c.maxSat)
		}
	}
	return total, nil
}

// runWords answers a free-word relevance query with topWords. ok is false
// when it cannot (the caller then asks Bleve).
func (ix *Index) runWords(ctx context.Context, terms []termInfo, limit, offset int, exclude []string) (res paper.Results, ok bool, err error) {
	r, err := ix.reader()
	if err != nil {
		return paper.Results{}, false, nil
	}
	defer r.Close()
	hits, total, ok, err := ix.topWords(ctx, r, ix.rank.wordClauses(terms), limit+offset, exclude)
	if !ok {
		return paper.Results{}, false, nil
	}
	if err != nil {
		return paper.Results{}, true, searchErr(err)
	}
	ix.fastRuns.Add(1)
	snap := r.(*scorch.IndexSnapshot)
	segs := snap.Segments()
	res = paper.Results{Total: total, Sort: paper.ByRelevance}
	for _, fh := range hits[min(offset, len(hits)):] {
		p, err := storedPaper(segs[fh.seg], fh.local)
		if err != nil {
			ix.log.Warn("unreadable stored record", "doc", fh.global, "err", err)
			continue
		}
		res.Hits = append(res.Hits, paper.Hit{Paper: p, Score: fh.score})
	}
	return res, true, nil
}

// storedPaper reads a paper's stored record from its segment.
func storedPaper(s *scorch.SegmentSnapshot, local uint64) (paper.Paper, error) {
	var raw []byte
	err := s.VisitDocument(local, func(field string, _ byte, value []byte, _ []uint64) bool {
		if field == fSource {
			raw = append([]byte(nil), value...)
			return false
		}
		return true
	})
	var p paper.Paper
	if err == nil {
		err = json.Unmarshal(raw, &p)
	}
	return p, err
}
