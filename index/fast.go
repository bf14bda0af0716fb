package index

import (
	"cmp"
	"context"
	"errors"
	"math"
	"math/bits"
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

// wordClause is one scored term of a free-word query.
type wordClause struct {
	field string
	term  []byte
	boost float64
	group int // coordination group: 0 the text clause, 1 the title clause
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
	m  map[boundKey]bound
}

// bound is a measured maximum and how many of the segment's papers were
// deleted when it was measured. A segment's deletions only grow, so the
// maximum holds for any snapshot with at least as many; a query still on an
// older snapshot, where a paper deleted since is live, must not use it.
type bound struct {
	max     float64
	deleted uint64
}

const maxBounds = 200_000

func (b *bounds) get(k boundKey, deleted uint64) (float64, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.m[k]
	if !ok || deleted < v.deleted {
		return 0, false
	}
	return v.max, true
}

func (b *bounds) put(k boundKey, v bound) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil || len(b.m) >= maxBounds {
		b.m = make(map[boundKey]bound)
	}
	if old, ok := b.m[k]; ok && old.deleted > v.deleted {
		return // a bound from a newer snapshot is tighter
	}
	b.m[k] = v
}

// wordClauses lists the scored terms of the free-word query buildQuery
// would build: every term in the text, and (when titles count extra) every
// term in the title.
func (rp rankParams) wordClauses(terms []termInfo) []wordClause {
	var out []wordClause
	for _, t := range terms {
		out = append(out, wordClause{field: cmp.Or(t.field, fText), term: []byte(t.term), boost: t.weight, group: 0})
	}
	if rp.titleBoost != 0 {
		for _, t := range terms {
			if t.field == "" {
				out = append(out, wordClause{field: fTitle, term: []byte(t.term), boost: t.weight * rp.titleBoost, group: 1})
			}
		}
	}
	return out
}

// cursor walks one clause's postings in one segment.
type cursor struct {
	blk    *blockPostings           // the postings decoded a block at a time, or
	it     segment.PostingsIterator // zap's iterator over them
	doc    uint64                   // current document, math.MaxUint64 when done
	freq   uint64
	norm   float64 // 1/√length, as zap gives it
	length float64 // the field's length as Bleve's BM25 computes it from norm
	c      *clauseStats
	bound  float64 // largest contribution in this segment (+Inf: unknown)
	maxSat float64 // largest factor seen, when every posting is read
	whole  bool    // every posting so far was read (no skipping)
}

// clauseStats are a clause's index-wide scoring constants.
type clauseStats struct {
	wordClause
	weight  float64 // queryNorm · boost · idf² (Bleve's BM25 term weight)
	avg     float64 // the field's BM25 average length
	idf     float64
	qw      float64 // Bleve's queryWeight: boost·idf·queryNorm
	docTerm uint64
	idx     int // position in Bleve's summation order (all clauses)
}

// bleveScore is a clause's score for a posting, computed with Bleve's own
// operations in Bleve's order (scorer_term.go).
func (st *clauseStats) bleveScore(freq uint64, norm float64) float64 {
	_, score := st.scores(freq, 1/(norm*norm))
	return score
}

// scores gives, for a posting of the field's length fieldLength (Bleve's
// 1/norm²), the clause's BM25 term-frequency factor sf as Bleve computes it
// (search/scorer/scorer_term.go), which bounds are measured in, and its
// score, each bit for bit as computed alone: they share the denominator.
func (st *clauseStats) scores(freq uint64, fieldLength float64) (sf, score float64) {
	tf := tfFactor(freq)
	den := tf + search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLength/st.avg))
	sf = tf * search.BM25_k1 / den
	score = st.idf * (tf * search.BM25_k1) / den
	if st.qw != 1.0 {
		score = score * st.qw
	}
	return sf, score
}

const noDoc = math.MaxUint64

func (c *cursor) next() error {
	if b := c.blk; b != nil {
		c.at(b.next())
		return nil
	}
	p, err := c.it.Next()
	return c.set(p, err)
}

func (c *cursor) advance(d uint64) error {
	c.whole = false
	if b := c.blk; b != nil {
		c.at(d <= math.MaxUint32 && b.advance(uint32(d)))
		return nil
	}
	p, err := c.it.Advance(d)
	return c.set(p, err)
}

// at reads the block decoder's current posting, or marks the end.
func (c *cursor) at(ok bool) {
	if !ok {
		c.doc = noDoc
		return
	}
	b := c.blk
	c.doc, c.freq = uint64(b.docs[b.i]), uint64(b.freq)
	c.norm, c.length = zapNorm(b.bits)
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
	c.length = 1 / (c.norm * c.norm)
	return nil
}

// tfFactor is the frequency BM25 saturates: the frequency itself (bm25.go;
// Bleve's searchers see it squared and take the square root).
// Below 2^26 the square is exact and so is its root: the frequency.
func tfFactor(freq uint64) float64 {
	if freq < 1<<26 {
		return float64(freq)
	}
	return math.Sqrt(float64(freq * freq))
}

// topWords returns the k best papers for the clauses (ranked exactly as
// Bleve ranks the disjunction buildQuery makes of them), and how many
// papers match any text clause. Papers whose ids are in exclude are left
// out, and so are those the filter leaves out (categories and authors:
// clauses that do not score, as buildQuery's). ok is false when the
// reader is not one topWords can walk.
func (ix *Index) topWords(ctx context.Context, r bindex.IndexReader, clauses []wordClause, k int, exclude []string, filter wordFilter) (hits []fastHit, total uint64, ok bool, err error) {
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

	var groupSize [2]int
	for _, c := range clauses {
		groupSize[c.group]++
	}
	stats, err := ix.clauseStats(snap, segs, docTotal, clauses)
	if errors.Is(err, errFallback) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, true, err
	}

	excluded := map[int]*roaring.Bitmap{}
	if len(exclude) > 0 {
		for i, s := range segs {
			bm, err := s.DocNumbers(exclude)
			if err != nil {
				return nil, 0, false, nil
			}
			if !bm.IsEmpty() {
				excluded[i] = bm
			}
		}
	}
	if !filter.empty() {
		for i, s := range segs {
			out, ok, err := filter.outside(ctx, s)
			if !ok || err != nil {
				return nil, 0, ok, err
			}
			if bm := excluded[i]; bm != nil {
				out.Or(bm)
			}
			excluded[i] = out
		}
	}

	hits, total, err = searchSegments(ctx, segs, k, func(ctx context.Context, si int, offset uint64, h *hitHeap, shared *sharedFloor) (uint64, error) {
		return ix.topWordsInSegment(ctx, segs[si], si, offset, stats, groupSize, k, excluded[si], h, shared)
	})
	if errors.Is(err, errFallback) {
		return nil, 0, false, nil
	}
	return hits, total, true, err
}

// clauseStats computes the clauses' index-wide scoring constants as
// Bleve's term searchers do, with the query norm of a query made of
// exactly these terms; errFallback when it would not score as Bleve does.
func (ix *Index) clauseStats(snap *scorch.IndexSnapshot, segs []*scorch.SegmentSnapshot, docTotal uint64, clauses []wordClause) ([]*clauseStats, error) {
	avgs := map[string]float64{}
	stats := make([]*clauseStats, len(clauses))
	var sumSq float64
	for i, c := range clauses {
		avg, seen := avgs[c.field]
		if !seen {
			card, err := ix.fieldCardinality(snap, c.field, docTotal)
			if err != nil {
				return nil, err
			}
			avg = math.Ceil(float64(card) / float64(docTotal))
			avgs[c.field] = avg
		}
		docTerm, err := segmentsDocFreq(segs, c.field, c.term)
		if err != nil {
			return nil, err
		}
		idf := math.Log(1 + (float64(docTotal)-float64(docTerm)+0.5)/(float64(docTerm)+0.5))
		if avg <= 0 {
			// Bleve scores a field with no terms by tf-idf instead.
			return nil, errFallback
		}
		stats[i] = &clauseStats{wordClause: c, weight: c.boost * idf * idf, avg: avg, idf: idf, docTerm: docTerm}
	}
	// Bleve's order: each group's searchers sorted by doc count (stable for
	// up to 12), groups in clause order.
	order := make([]*clauseStats, len(stats))
	copy(order, stats)
	slices.SortStableFunc(order, func(a, b *clauseStats) int {
		if a.group != b.group {
			return cmp.Compare(a.group, b.group)
		}
		return cmp.Compare(a.docTerm, b.docTerm)
	})
	var gsum [2]float64
	for i, st := range order {
		st.idx = i
		w := st.boost * st.idf
		gsum[st.group] += w * w
	}
	sumSq = 0
	sumSq += gsum[0]
	sumSq += gsum[1]
	if sumSq == 0 {
		return nil, errFallback // Bleve's scores are NaN then
	}
	queryNorm := 1.0 / math.Sqrt(sumSq)
	for _, s := range stats {
		s.weight *= queryNorm
		s.qw = s.boost * s.idf * queryNorm
	}
	return stats, nil
}

// filterRatio: when the clauses' postings outnumber the papers a filter
// leaves them by more than this, topWordsInSegment visits those papers
// rather than walk the postings.
var filterRatio uint64 = 4

// topWordsInSegment runs MaxScore over one segment, adding to h; it returns
// how many live, not excluded papers of the segment match a text clause.
func (ix *Index) topWordsInSegment(ctx context.Context, s *scorch.SegmentSnapshot, si int, segOffset uint64,
	stats []*clauseStats, groupSize [2]int, k int, excluded *roaring.Bitmap, h *hitHeap, shared *sharedFloor) (uint64, error) {
	deleted := s.Deleted()
	var deletedCount uint64
	if deleted != nil {
		deletedCount = deleted.GetCardinality()
	}
	byIdx := make([]*clauseStats, len(stats))
	for _, st := range stats {
		byIdx[st.idx] = st
	}
	matching := roaring.New()
	var cursors []*cursor
	var postings uint64 // the clauses' postings, all told
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
		postings += pl.Count()
		if st.group == 0 {
			if o, ok := pl.(interface{ OrInto(*roaring.Bitmap) }); ok {
				o.OrInto(matching)
			} else {
				return 0, errFallback
			}
		}
		c := &cursor{c: st, bound: math.Inf(1), whole: true}
		if m, ok := ix.bounds.get(boundKey{s.Id(), st.field, string(st.term), st.avg}, deletedCount); ok {
			c.bound = st.weight * m
		}
		if b, ok := newBlockPostings(pl, deleted); ok {
			c.blk = b
			c.at(b.first())
		} else {
			c.it = pl.Iterator(true, true, false, nil)
			if err := c.next(); err != nil {
				return 0, err
			}
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
	// A paper whose score can be at most ub cannot make the answer when
	// beaten(ub): this worker or another has k strictly better ones. (An
	// equal score can still win: segments are not searched in document
	// order, and the lower document number goes first.)
	theta, floor := threshold(), shared.load()
	cut := max(theta, floor)
	// Bounds are float sums taken in another order than the score's, so
	// a bound is inflated by a part in a billion before it is compared.
	beaten := func(ub float64) bool { return ub*(1+1e-9) < cut }
	// essential is the index of the first cursor that must be walked: the
	// ones before it can never lift a paper into the answer alone.
	essentialFrom := func() int {
		p := 0
		for p < len(cursors) && beaten(prefix[p]) {
			p++
		}
		return p
	}
	first := essentialFrom()
	vals := make([]float64, len(stats))
	var touched []int
	// probe moves the cursors from,…,0 (best bound first) to paper d while
	// it could still make the answer, replacing each one's bound in ub by
	// what it scores there; pruned when the paper cannot make it.
	probe := func(d uint64, from int, ub float64) (float64, bool, error) {
		for i := from; i >= 0; i-- {
			if beaten(ub) {
				return ub, true, nil
			}
			c := cursors[i]
			if c.doc < d {
				if err := c.advance(d); err != nil {
					return ub, false, err
				}
			}
			ub -= c.bound
			if c.doc == d {
				sf, score := c.c.scores(c.freq, c.length)
				ub += c.c.weight * sf
				vals[c.c.idx] = score
				touched = append(touched, c.c.idx)
			}
		}
		return ub, false, nil
	}
	// offer scores paper d from the clause scores in vals (summed in
	// Bleve's order: the touched clauses by place) and offers it to the
	// heap.
	offer := func(d uint64) {
		var gs [2]float64
		var gn [2]int
		for i := 1; i < len(touched); i++ { // a handful: insertion sort
			for j := i; j > 0 && touched[j] < touched[j-1]; j-- {
				touched[j], touched[j-1] = touched[j-1], touched[j]
			}
		}
		for _, i := range touched {
			g := byIdx[i].group
			gs[g] += vals[i]
			gn[g]++
		}
		score := 0.0
		for g := range 2 {
			if gn[g] > 0 {
				score += gs[g] * (float64(gn[g]) / float64(groupSize[g]))
			}
		}
		if !push(h, k, fastHit{score: score, global: segOffset + d, seg: si, local: d}) {
			return
		}
		if nt := threshold(); nt != theta {
			theta = nt
			if h.Len() == k {
				shared.raise(theta)
			}
			floor = max(floor, shared.load())
			cut = max(theta, floor)
			first = essentialFrom()
		}
	}
	if excluded != nil && total*filterRatio < postings {
		// A filter (categories) leaves few of the words' papers: visit
		// those and move each clause to them, best bound first, rather
		// than walk the postings past papers the filter drops.
		it := matching.Iterator()
		for steps := 1; it.HasNext(); steps++ {
			if steps&0x3ff == 0 {
				if err := ctx.Err(); err != nil {
					return 0, err
				}
				floor = max(floor, shared.load())
				cut = max(theta, floor)
			}
			d := uint64(it.Next())
			touched = touched[:0]
			ub, pruned, err := probe(d, len(cursors)-1, prefix[len(prefix)-1])
			if err != nil {
				return 0, err
			}
			if !pruned && !beaten(ub) {
				offer(d)
			}
		}
		return total, nil
	}
	// The essential clauses are walked a window of papers at a time (as
	// Lucene's BooleanScorer does): each cursor in turn adds its postings
	// in the window to the papers' sums, in cursor order as a
	// paper-at-a-time walk would, and notes its score in the paper's list;
	// then the window's papers are visited in order, probed and offered.
	// No scan of the cursors for the next paper, and one cursor's postings
	// read at a stretch. The essential set is fixed for a window; a
	// threshold raised within it narrows the next.
	docs := make([]uint64, len(cursors))
	for i, c := range cursors {
		docs[i] = c.doc
	}
	var (
		acc   [scoreWindow][2]float64
		head  [scoreWindow]int32 // a paper's first entry; 0: none
		seen  [scoreWindow / 64]uint64
		notes = make([]windowNote, 1, 1024) // notes[0] ends every list
	)
	for first < len(cursors) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if f := shared.load(); f > floor {
			floor = f
			cut = max(theta, floor)
			first = essentialFrom()
		}
		base := uint64(noDoc)
		for _, x := range docs[first:] {
			base = min(base, x)
		}
		if base == noDoc {
			break
		}
		fw, end := first, base+scoreWindow
		for i := fw; i < len(cursors); i++ {
			c := cursors[i]
			g, w, idx := c.c.group, c.c.weight, int32(c.c.idx)
			for c.doc < end {
				slot := c.doc - base
				sf, score := c.c.scores(c.freq, c.length)
				c.maxSat = max(c.maxSat, sf)
				acc[slot][g] += w * sf
				seen[slot>>6] |= 1 << (slot & 63)
				notes = append(notes, windowNote{next: head[slot], idx: idx, score: score})
				head[slot] = int32(len(notes) - 1)
				if err := c.next(); err != nil {
					return 0, err
				}
			}
			docs[i] = c.doc
		}
		for wi := range seen {
			for word := seen[wi]; word != 0; word &= word - 1 {
				slot := wi*64 + bits.TrailingZeros64(word)
				d := base + uint64(slot)
				sum, list := acc[slot], head[slot]
				acc[slot], head[slot] = [2]float64{}, 0
				if excluded != nil && excluded.Contains(uint32(d)) {
					continue
				}
				// Probe the non-essential clauses, best bound first, while
				// the paper could still make the list.
				ub := sum[0] + sum[1]
				if fw > 0 {
					ub += prefix[fw-1]
				}
				if beaten(ub) {
					continue
				}
				touched = touched[:0]
				for e := list; e != 0; e = notes[e].next {
					n := notes[e]
					vals[n.idx] = n.score
					touched = append(touched, int(n.idx))
				}
				ub, pruned, err := probe(d, fw-1, ub)
				if err != nil {
					return 0, err
				}
				if pruned || beaten(ub) {
					continue
				}
				offer(d)
			}
			seen[wi] = 0
		}
		notes = notes[:1]
	}
	// Remember the maxima of clauses whose postings were read whole.
	for _, c := range cursors {
		if c.whole && c.doc == noDoc && math.IsInf(c.bound, 1) {
			ix.bounds.put(boundKey{s.Id(), c.c.field, string(c.c.term), c.c.avg}, bound{c.maxSat, deletedCount})
		}
	}
	return total, nil
}

// scoreWindow is how many papers topWordsInSegment scores at a time.
const scoreWindow = 1024

// windowNote is one essential clause's score for a paper of the window,
// linked to the paper's other notes.
type windowNote struct {
	next  int32
	idx   int32 // the clause's place in Bleve's order
	score float64
}

// wordsPath answers shapeWords: topWords over the query's ranking terms.
type wordsPath struct{ ix *Index }

func (w wordsPath) answer(ctx context.Context, pq *parsedQuery, a runArgs) (res paper.Results, ok bool, err error) {
	ix := w.ix
	terms := ix.rankTerms(pq)
	if len(terms) == 0 {
		return paper.Results{}, false, nil
	}
	r, err := ix.reader()
	if err != nil {
		return paper.Results{}, false, nil
	}
	defer r.Close()
	filter := wordFilter{cats: pq.Cats}
	for _, name := range pq.Authors {
		toks := ix.names.Analyze([]byte(name))
		switch len(toks) {
		case 0:
			return paper.Results{}, false, nil
		case 1:
			filter.authors = append(filter.authors, toks[0].Term)
		default:
			// A name of several words is a phrase of the authors field.
			var terms []phraseTerm
			for _, t := range toks {
				terms = append(terms, phraseTerm{stats: &clauseStats{wordClause: wordClause{field: fAuthors, term: t.Term}}, offset: uint64(t.Position - toks[0].Position)})
			}
			filter.names = append(filter.names, terms)
		}
	}
	hits, total, ok, err := ix.topWords(ctx, r, ix.rank.wordClauses(terms), a.limit+a.offset, a.exclude, filter)
	if !ok {
		return paper.Results{}, false, nil
	}
	if err != nil {
		return paper.Results{}, true, searchErr(err)
	}
	segs := r.(*scorch.IndexSnapshot).Segments()
	return ix.fastResults(segs, hits[min(a.offset, len(hits)):], total, paper.ByRelevance), true, nil
}
