package index

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/paperbot/paperbot/bot/paper"
)

// Listings — a category's newest papers (`cat:cs.CL`), what is trending —
// are sorted by a stored value, not ranked. Bleve's collector reads each
// match's sort values from compressed doc values, decompressing a chunk per
// match, which on a large category costs tens of milliseconds. listing keeps
// each segment's publication dates and trending scores as two columns in
// memory (16 bytes a paper, read once per segment: segments never change)
// and picks the top of the matches from them, in exactly Bleve's order:
// the sort value, then the paper id.

// columns are one segment's sort values by local document number.
type columns struct {
	published []int64         // Unix nanoseconds (of the day's start), noDate when none
	hasDate   *roaring.Bitmap // the documents with a date
	trending  []float64
	// newest is every document, the newest first, those without a date
	// last: the newest matches of a large category are its first few.
	newest []uint32
}

// noDate is a column's published value for a document without a date: a
// listing reads it beside the date, not in hasDate (a lookup in a bitmap
// for each of an author's papers).
const noDate = math.MinInt64

// columnCache holds columns by scorch segment id.
type columnCache struct {
	mu sync.Mutex
	m  map[uint64]*columns
}

func (cc *columnCache) get(s *scorch.SegmentSnapshot) (*columns, error) {
	cc.mu.Lock()
	c, ok := cc.m[s.Id()]
	cc.mu.Unlock()
	if ok {
		return c, nil
	}
	// Read outside the lock: a large segment takes a while, and listings
	// of segments already read need not wait for it. (Two first listings
	// at once may both read it; the columns are the same.)
	c, err := readColumns(s.Segment())
	if err != nil {
		return nil, err
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil {
		cc.m = map[uint64]*columns{}
	}
	if have, ok := cc.m[s.Id()]; ok {
		return have, nil
	}
	cc.m[s.Id()] = c
	return c, nil
}

// forget drops the columns of segments no longer in the index.
func (cc *columnCache) forget(live []*scorch.SegmentSnapshot) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if len(cc.m) <= len(live) {
		return
	}
	keep := map[uint64]bool{}
	for _, s := range live {
		keep[s.Id()] = true
	}
	for id := range cc.m {
		if !keep[id] {
			delete(cc.m, id)
		}
	}
}

func readColumns(seg segment.Segment) (*columns, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, errNoColumns
	}
	n := seg.Count()
	c := &columns{published: make([]int64, n), trending: make([]float64, n), hasDate: roaring.New()}
	for d := range c.published {
		c.published[d] = noDate
	}
	fields := []string{fPublished, fTrending}
	var state segment.DocVisitState
	var err error
	for d := range n {
		state, err = dv.VisitDocValues(d, fields, func(field string, term []byte) {
			pc := numeric.PrefixCoded(term)
			if shift, err := pc.Shift(); err != nil || shift != 0 {
				return
			}
			v, err := pc.Int64()
			if err != nil {
				return
			}
			switch field {
			case fPublished:
				c.published[d] = dayStart(v).UnixNano()
				c.hasDate.Add(uint32(d))
			case fTrending:
				c.trending[d] = numeric.Int64ToFloat64(v)
			}
		}, state)
		if err != nil {
			return nil, err
		}
	}
	c.newest = newestFirst(c.published, c.hasDate)
	return c, nil
}

// newestFirst orders documents by date, the newest first (those of a day
// in document order), those without a date last: one sort of 64-bit
// keys, days before the newest above, the document below.
func newestFirst(published []int64, hasDate *roaring.Bitmap) []uint32 {
	const undated = math.MaxUint32
	keys := make([]uint64, len(published))
	for d := range keys {
		keys[d] = undated<<32 | uint64(d)
	}
	day := func(ns int64) int64 {
		const perDay = int64(24 * time.Hour)
		if ns < 0 && ns%perDay != 0 {
			return ns/perDay - 1
		}
		return ns / perDay
	}
	if !hasDate.IsEmpty() {
		newest := day(published[hasDate.Maximum()])
		it := hasDate.Iterator()
		for it.HasNext() {
			d := it.Next()
			newest = max(newest, day(published[d]))
		}
		it = hasDate.Iterator()
		for it.HasNext() {
			d := it.Next()
			before := min(uint64(newest-day(published[d])), undated-1)
			keys[d] = before<<32 | uint64(d)
		}
	}
	slices.Sort(keys)
	out := make([]uint32, len(keys))
	for i, k := range keys {
		out[i] = uint32(k)
	}
	return out
}

type indexError string

func (e indexError) Error() string { return string(e) }

const errNoColumns = indexError("segment has no doc values")

// listed is a candidate of a listing.
type listed struct {
	k1, k2 float64 // sort values, larger first
	score  float64 // relevance (an author's BM25; 0 for a category)
	seg    int
	local  uint64
	id     string // loaded only when the sort values tie
}

// listingPath answers shapeListing from the columns.
type listingPath struct{ ix *Index }

func (lp listingPath) answer(ctx context.Context, pq *parsedQuery, a runArgs) (res paper.Results, ok bool, err error) {
	ix, order, exclude := lp.ix, a.order, a.exclude
	snap, ok := ix.snapshot()
	if !ok {
		return paper.Results{}, false, nil
	}
	defer snap.Close()
	segs := snap.Segments()
	ix.columns.forget(segs)
	var from, to int64 = math.MinInt64, math.MaxInt64
	if !pq.From.IsZero() {
		from = pq.From.UnixNano()
	}
	if !pq.To.IsZero() {
		to = pq.To.UnixNano()
	}
	// An author of one word ("author:Singh") is one term of the authors
	// field, and its BM25 score orders papers of the same day, as in
	// Bleve; a name of several words ("author:\"Hui Liu\"") is a phrase of
	// them, scored as Bleve's phrase searcher scores it.
	var author []phraseTerm
	if len(pq.Authors) == 1 {
		toks := ix.names.Analyze([]byte(pq.Authors[0]))
		if len(toks) == 0 {
			return paper.Results{}, false, nil
		}
		docTotal, err := snap.DocCount()
		if err != nil {
			return paper.Results{}, true, searchErr(err)
		}
		if docTotal == 0 {
			return paper.Results{Sort: order}, true, nil
		}
		clauses := make([]wordClause, len(toks))
		for i, t := range toks {
			clauses[i] = wordClause{field: fAuthors, term: t.Term, boost: 1}
		}
		stats, err := ix.clauseStats(snap, segs, docTotal, clauses)
		if errors.Is(err, errFallback) {
			return paper.Results{}, false, nil
		}
		if err != nil {
			return paper.Results{}, true, searchErr(err)
		}
		for i, t := range toks {
			author = append(author, phraseTerm{stats: stats[i], offset: uint64(t.Position - toks[0].Position)})
		}
	}
	// The names left out (-author:), each its words' terms of the
	// authors field, in a phrase when several. A name with no letters is
	// Bleve's to note.
	var excluded [][]phraseTerm
	for _, name := range pq.ExcludeAuthors {
		toks := ix.names.Analyze([]byte(name))
		if len(toks) == 0 {
			return paper.Results{}, false, nil
		}
		terms := make([]phraseTerm, len(toks))
		for i, t := range toks {
			terms[i] = phraseTerm{stats: &clauseStats{wordClause: wordClause{field: fAuthors, term: t.Term}}, offset: uint64(t.Position - toks[0].Position)}
		}
		excluded = append(excluded, terms)
	}
	type segDocs struct {
		cols *columns
		docs *roaring.Bitmap
		// An author's papers (in document order) and their scores;
		// nil for a category or the trending listing.
		adocs   []uint32
		ascores []float64
	}
	matched := make([]segDocs, len(segs))
	var total uint64
	// Whether anything leaves papers out of the ones matched.
	filtered := len(pq.ExcludeCats) > 0 || len(excluded) > 0 || len(exclude) > 0 || pq.trendingOnly || from != math.MinInt64 || to != math.MaxInt64
	var none roaring.Bitmap
	for si, s := range segs {
		if err := ctx.Err(); err != nil {
			return paper.Results{}, true, searchErr(err)
		}
		cols, err := ix.columns.get(s)
		if err == errNoColumns {
			return paper.Results{}, false, nil
		}
		if err != nil {
			return paper.Results{}, true, searchErr(err)
		}
		docs := roaring.New()
		var adocs []uint32
		var ascores []float64
		switch {
		case len(author) == 1:
			adocs, ascores, err = authorDocs(s, author[0].stats)
			if err != nil {
				return paper.Results{}, true, searchErr(err)
			}
			if !filtered {
				// The author's papers as they are (the deleted left out
				// already): no bitmap of them to build.
				total += uint64(len(adocs))
				matched[si] = segDocs{cols, &none, adocs, ascores}
				continue
			}
			docs.AddMany(adocs)
		case len(author) > 1:
			err := eachPhraseMatch(ctx, s, author, nil, nil, true, func(d uint64, score float64) {
				adocs = append(adocs, uint32(d))
				ascores = append(ascores, score)
			})
			if errors.Is(err, errFallback) {
				return paper.Results{}, false, nil
			}
			if err != nil {
				return paper.Results{}, true, searchErr(err)
			}
			if adocs == nil {
				adocs = []uint32{} // no paper: still an author's (empty) list
			}
			docs.AddMany(adocs)
		case len(pq.Cats) == 1:
			in, ok, err := catDocs(s, pq.Cats)
			if !ok || err != nil {
				return paper.Results{}, ok, err
			}
			docs = in
		default:
			docs.AddRange(0, s.Segment().Count())
		}
		if del := s.Deleted(); del != nil {
			docs.AndNot(del)
		}
		if len(pq.ExcludeCats) > 0 {
			out, ok, err := catDocs(s, pq.ExcludeCats)
			if !ok || err != nil {
				return paper.Results{}, ok, err
			}
			docs.AndNot(out)
		}
		for _, name := range excluded {
			out, ok, err := nameDocs(ctx, s, name, docs)
			if !ok || err != nil {
				return paper.Results{}, ok, searchErr(err)
			}
			docs.AndNot(out)
		}
		if len(exclude) > 0 {
			bm, err := s.DocNumbers(exclude)
			if err != nil {
				return paper.Results{}, false, nil
			}
			docs.AndNot(bm)
		}
		// The trending papers are one term's postings (numbers.go): read
		// them rather than every paper's score.
		trendingLeft := pq.trendingOnly
		if trendingLeft {
			has, ok, err := termDocs(s, fHasTrending, hasTrendingTerm)
			if err != nil {
				return paper.Results{}, true, searchErr(err)
			}
			if ok {
				docs.And(has)
				trendingLeft = false
			}
		}
		if from != math.MinInt64 || to != math.MaxInt64 || trendingLeft {
			keep := roaring.New()
			it := docs.Iterator()
			for it.HasNext() {
				d := it.Next()
				if from != math.MinInt64 || to != math.MaxInt64 {
					if pub := cols.published[d]; pub == noDate || pub < from || pub >= to {
						continue
					}
				}
				if trendingLeft && !(cols.trending[d] > 0) {
					continue
				}
				keep.Add(d)
			}
			docs = keep
		}
		total += docs.GetCardinality()
		if adocs != nil && uint64(len(adocs)) != docs.GetCardinality() {
			// Some were filtered out (exclusions, dates).
			n := 0
			for i, d := range adocs {
				if docs.Contains(d) {
					adocs[n], ascores[n] = d, ascores[i]
					n++
				}
			}
			adocs, ascores = adocs[:n], ascores[:n]
		}
		matched[si] = segDocs{cols, docs, adocs, ascores}
	}
	// A listing of every paper (nothing but an order) is Bleve's match-all
	// query, which scores each paper 1; the filters score nothing.
	var base float64
	if len(pq.Cats)+len(pq.Authors) == 0 && pq.From.IsZero() && pq.To.IsZero() && !pq.trendingOnly {
		base = 1
	}
	// each calls fn with every match of a segment and its score.
	each := func(m segDocs, fn func(d uint32, score float64)) {
		if m.adocs != nil {
			for i, d := range m.adocs {
				fn(d, m.ascores[i])
			}
			return
		}
		it := m.docs.Iterator()
		for it.HasNext() {
			fn(it.Next(), base)
		}
	}
	keys := func(m segDocs, d uint32, score float64) (float64, float64) {
		cols := m.cols
		// Bleve sorts a paper with no date after every dated one. (A
		// float64 keeps Unix nanoseconds to within a microsecond: dates
		// are whole days.)
		p := math.Inf(-1)
		if pub := cols.published[d]; pub != noDate {
			p = float64(pub)
		}
		if order == paper.ByTrending {
			return cols.trending[d], p
		}
		// Newest first, then the better score (an author's; a category
		// scores every paper alike).
		return p, score
	}
	k := a.limit + a.offset
	// An author's papers are few: their sort values are read once (the
	// columns are read at random, a cache miss each) for both passes.
	var akeys [][][2]float64
	for si, m := range matched {
		if m.adocs == nil {
			continue
		}
		if akeys == nil {
			akeys = make([][][2]float64, len(matched))
		}
		ks := make([][2]float64, len(m.adocs))
		for i, d := range m.adocs {
			ks[i][0], ks[i][1] = keys(m, d, m.ascores[i])
		}
		akeys[si] = ks
	}
	// A large category's newest papers are found by walking a segment's
	// papers newest first until k matches and those of the k-th's day are
	// seen: about k·n/c papers of a segment of n with c matches, where
	// reading every match's date costs c (at random).
	walks := func(m segDocs) bool {
		if order != paper.ByRecent || m.adocs != nil || m.docs == nil {
			return false
		}
		c := m.docs.GetCardinality()
		return c > 0 && uint64(k)*uint64(len(m.cols.newest)) < c*c
	}
	// eachKeyed calls fn with every match of segment si and its sort
	// values: every one that can be among the k first.
	eachKeyed := func(si int, fn func(d uint32, score, k1, k2 float64)) {
		m := matched[si]
		if akeys != nil && akeys[si] != nil {
			for i, d := range m.adocs {
				fn(d, m.ascores[i], akeys[si][i][0], akeys[si][i][1])
			}
			return
		}
		if walks(m) {
			found, last := 0, 0.0
			for _, d := range m.cols.newest {
				if !m.docs.Contains(d) {
					continue
				}
				k1, k2 := keys(m, d, base)
				if found >= k && k1 < last {
					return
				}
				fn(d, base, k1, k2)
				found, last = found+1, k1
			}
			return
		}
		each(m, func(d uint32, score float64) {
			k1, k2 := keys(m, d, score)
			fn(d, score, k1, k2)
		})
	}
	// The k-th best sort values, then every match at or above them.
	cut := &keyHeap{}
	for si, m := range matched {
		if m.docs == nil {
			continue
		}
		eachKeyed(si, func(_ uint32, _, k1, k2 float64) {
			if cut.Len() < k {
				heap.Push(cut, [2]float64{k1, k2})
			} else if top := (*cut)[0]; k1 > top[0] || (k1 == top[0] && k2 > top[1]) {
				(*cut)[0] = [2]float64{k1, k2}
				heap.Fix(cut, 0)
			}
		})
	}
	var cands []listed
	if cut.Len() > 0 {
		low := (*cut)[0]
		for si, m := range matched {
			if m.docs == nil {
				continue
			}
			eachKeyed(si, func(d uint32, score, k1, k2 float64) {
				if k1 > low[0] || (k1 == low[0] && k2 >= low[1]) {
					cands = append(cands, listed{k1: k1, k2: k2, score: score, seg: si, local: uint64(d)})
				}
			})
		}
	}
	top, err := topListed(cands, k, func(c *listed) error {
		id, err := segs[c.seg].DocID(c.local)
		c.id = string(id)
		return err
	})
	if err != nil {
		return paper.Results{}, true, searchErr(err)
	}
	hits := make([]fastHit, 0, len(top))
	for _, c := range top[min(a.offset, len(top)):] {
		hits = append(hits, fastHit{score: c.score, seg: c.seg, local: c.local})
	}
	return ix.fastResults(segs, hits, total, order), true, nil
}

// keyHeap keeps the k best pairs of sort values, the least on top.
type keyHeap [][2]float64

func (h keyHeap) Len() int { return len(h) }
func (h keyHeap) Less(i, j int) bool {
	return h[i][0] < h[j][0] || (h[i][0] == h[j][0] && h[i][1] < h[j][1])
}
func (h keyHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *keyHeap) Push(x any)   { *h = append(*h, x.([2]float64)) }
func (h *keyHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// topListed returns the k first candidates in (k1, k2) descending, id
// ascending order. Ids are loaded (by load) only for candidates that tie
// at the cut.
func topListed(cands []listed, k int, load func(*listed) error) ([]listed, error) {
	byKeys := func(a, b listed) int {
		if c := cmp.Compare(b.k1, a.k1); c != 0 {
			return c
		}
		return cmp.Compare(b.k2, a.k2)
	}
	slices.SortFunc(cands, byKeys)
	if len(cands) > k {
		// Keep everything tied with the k-th: the ids decide among them.
		end := k
		for end < len(cands) && byKeys(cands[end], cands[k-1]) == 0 {
			end++
		}
		cands = cands[:end]
	}
	// Within runs of equal keys, order by id.
	for i := 0; i < len(cands); {
		j := i + 1
		for j < len(cands) && byKeys(cands[i], cands[j]) == 0 {
			j++
		}
		if j-i > 1 {
			for x := i; x < j; x++ {
				if err := load(&cands[x]); err != nil {
					return nil, err
				}
			}
			slices.SortFunc(cands[i:j], func(a, b listed) int { return strings.Compare(a.id, b.id) })
		}
		i = j
	}
	if len(cands) > k {
		cands = cands[:k]
	}
	for x := range cands {
		if cands[x].id == "" {
			if err := load(&cands[x]); err != nil {
				return nil, err
			}
		}
	}
	return cands, nil
}

// Warm reads what the first queries would otherwise read on the way: the
// listing columns of every segment, and the titles' words that spelling
// corrections look misspellings up in (vocab.go). A server calls it in
// the background once the index is open.
func (ix *Index) Warm(ctx context.Context) error {
	_, err := readGuarded(ix, func() (struct{}, error) { return struct{}{}, ix.warm(ctx) })
	return err
}

// warm is Warm.
func (ix *Index) warm(ctx context.Context) error {
	r, err := ix.reader()
	if err != nil {
		return err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	for _, s := range snap.Segments() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := ix.columns.get(s); err != nil && err != errNoColumns {
			return err
		}
	}
	ix.warmVocab(snap)
	return nil
}

// authorDocs are the papers of a segment holding an author's one word, in
// document order, with their scores.
func authorDocs(s *scorch.SegmentSnapshot, author *clauseStats) ([]uint32, []float64, error) {
	d, err := s.Segment().Dictionary(fAuthors)
	if err != nil {
		return nil, nil, err
	}
	pl, err := d.PostingsList(author.term, s.Deleted(), nil)
	if err != nil {
		return nil, nil, err
	}
	n := pl.Count()
	adocs, ascores := make([]uint32, 0, n), make([]float64, 0, n)
	c := &cursor{c: author}
	if b, ok := newBlockPostings(pl, s.Deleted()); ok {
		c.blk = b
		c.at(b.first())
	} else {
		c.it = pl.Iterator(true, true, false, nil)
		if err := c.next(); err != nil {
			return nil, nil, err
		}
	}
	for c.doc != noDoc {
		_, score := author.scores(c.freq, c.length)
		adocs = append(adocs, uint32(c.doc))
		ascores = append(ascores, score)
		if err := c.next(); err != nil {
			return nil, nil, err
		}
	}
	return adocs, ascores, nil
}

// nameDocs are the papers of a segment among within whose authors hold a
// name: its one term, or its terms as a phrase (as Bleve's clause for
// -author: matches them).
func nameDocs(ctx context.Context, s *scorch.SegmentSnapshot, name []phraseTerm, within *roaring.Bitmap) (*roaring.Bitmap, bool, error) {
	if len(name) == 1 {
		return termDocs(s, fAuthors, string(name[0].stats.term))
	}
	out := roaring.New()
	err := eachPhraseMatch(ctx, s, name, nil, within, false, func(d uint64, _ float64) { out.Add(uint32(d)) })
	if errors.Is(err, errFallback) {
		return nil, false, nil
	}
	return out, err == nil, err
}

// termDocs is the segment's papers (deleted ones included) holding a term
// of a field; ok is false when its postings cannot be read as a bitmap.
func termDocs(s *scorch.SegmentSnapshot, field, term string) (docs *roaring.Bitmap, ok bool, err error) {
	d, err := s.Segment().Dictionary(field)
	if err != nil {
		return nil, false, err
	}
	pl, err := d.PostingsList([]byte(term), nil, nil)
	if err != nil {
		return nil, false, err
	}
	o, canOr := pl.(interface{ OrInto(*roaring.Bitmap) })
	if !canOr {
		return nil, false, nil
	}
	docs = roaring.New()
	o.OrInto(docs)
	return docs, true, nil
}
