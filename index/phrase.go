package index

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/paperbot/paperbot/bot/paper"
)

// A query that is one quoted phrase ("dynamic model") ranks the papers
// holding the phrase by BM25 over its words. Bleve's phrase searcher walks
// its words' postings together, decoding the positions of every paper
// holding any of them in turn; runPhrase intersects the words' postings
// bitmaps first, reads positions only for papers holding every word (with
// the block decoder of postings.go, which passes over the others' bytes
// without decoding them), and searches the segments in parallel — with
// Bleve's scores, order and total.

// phraseTerm is a word of a phrase at its offset from the first word
// (removed stop words leave gaps).
type phraseTerm struct {
	stats  *clauseStats
	offset uint64
}

// phrasePath answers shapePhrase.
type phrasePath struct{ ix *Index }

func (pp phrasePath) answer(ctx context.Context, pq *parsedQuery, a runArgs) (res paper.Results, ok bool, err error) {
	ix := pp.ix
	toks := ix.english.Analyze([]byte(pq.Phrases[0]))
	if len(toks) == 0 {
		return paper.Results{}, false, nil
	}
	snap, ok := ix.snapshot()
	if !ok {
		return paper.Results{}, false, nil
	}
	defer snap.Close()
	segs := snap.Segments()
	docTotal, err := snap.DocCount()
	if err != nil {
		return paper.Results{}, true, searchErr(err)
	}
	// The phrase's distinct words with their offsets, scored like Bleve's
	// term searchers inside its phrase searcher (one per word occurrence).
	var terms []phraseTerm
	var clauses []wordClause
	first := toks[0].Position
	for _, t := range toks {
		clauses = append(clauses, wordClause{field: fText, term: t.Term, boost: 1})
		terms = append(terms, phraseTerm{offset: uint64(t.Position - first)})
	}
	stats, err := ix.clauseStats(snap, segs, docTotal, clauses)
	if errors.Is(err, errFallback) {
		return paper.Results{}, false, nil
	}
	if err != nil {
		return paper.Results{}, true, searchErr(err)
	}
	for i := range terms {
		terms[i].stats = stats[i]
	}
	k := a.limit + a.offset
	hits, total, err := searchSegments(ctx, segs, k, func(ctx context.Context, si int, segOffset uint64, h *hitHeap, shared *sharedFloor) (uint64, error) {
		return phraseInSegment(ctx, segs[si], si, segOffset, terms, k, a.exclude, h, shared)
	})
	if errors.Is(err, errFallback) {
		return paper.Results{}, false, nil
	}
	if err != nil {
		return paper.Results{}, true, searchErr(err)
	}
	return ix.fastResults(segs, hits[min(a.offset, len(hits)):], total, paper.ByRelevance), true, nil
}

// phraseInSegment finds and scores the papers of one segment holding the
// phrase; it returns how many there are.
func phraseInSegment(ctx context.Context, s *scorch.SegmentSnapshot, si int, segOffset uint64,
	terms []phraseTerm, k int, exclude []string, h *hitHeap, shared *sharedFloor) (uint64, error) {
	var total uint64
	err := eachPhraseMatch(ctx, s, terms, exclude, nil, true, func(d uint64, score float64) {
		total++
		offer(h, k, fastHit{score: score, global: segOffset + d, seg: si, local: d}, shared)
	})
	return total, err
}

// eachPhraseMatch calls match with every live paper of the segment that
// holds the phrase (in its words' field: title and abstract, or authors), is not excluded and (when within is not nil) is in
// within, in document order, and, when scored, the phrase's BM25 score as
// Bleve's phrase searcher gives it.
func eachPhraseMatch(ctx context.Context, s *scorch.SegmentSnapshot, terms []phraseTerm, exclude []string, within *roaring.Bitmap, scored bool, match func(d uint64, score float64)) error {
	var cand *roaring.Bitmap
	lists := make([]segment.PostingsList, len(terms))
	for i, t := range terms {
		d, err := s.Segment().Dictionary(t.stats.field)
		if err != nil {
			return err
		}
		pl, err := d.PostingsList(t.stats.term, s.Deleted(), nil)
		if err != nil {
			return err
		}
		o, canOr := pl.(interface{ OrInto(*roaring.Bitmap) })
		if !canOr {
			return errFallback
		}
		bm := roaring.New()
		o.OrInto(bm)
		if cand == nil {
			cand = bm
			if within != nil {
				cand.And(within)
			}
		} else {
			cand.And(bm)
		}
		if cand.IsEmpty() {
			return nil
		}
		lists[i] = pl
	}
	// The words' positions are read rarest word first, and a paper is
	// left as soon as the words read so far are not in place: a common
	// word's postings ("functions" in "sums representing functions") are
	// then read only for the few papers where the rarer words make the
	// phrase, and passed over a chunk at a time elsewhere.
	byRarity := make([]int, len(terms))
	for i := range byRarity {
		byRarity[i] = i
	}
	slices.SortStableFunc(byRarity, func(a, b int) int { return cmp.Compare(lists[a].Count(), lists[b].Count()) })
	// Each word's postings are read with their positions a block at a
	// time (postings.go), or through zap's iterator when the block decoder
	// cannot read the list. Every word but the rarest is read for its
	// positions only (its frequency is their number): the words share
	// the field, so the rarest word's posting gives the paper's norm for
	// all of them; unscored, the rarest is read so too.
	its := make([]positionsReader, len(terms))
	for i, pl := range lists {
		if b, ok := newBlockPositions(pl, s.Deleted()); ok {
			if !scored || i != byRarity[0] {
				b.positionsOnly()
			}
			its[i] = &blockPositions{b: b}
		} else {
			its[i] = &zapPositions{it: pl.Iterator(scored, scored, true, nil)}
		}
	}
	if del := s.Deleted(); del != nil {
		cand.AndNot(del)
	}
	if len(exclude) > 0 {
		bm, err := s.DocNumbers(exclude)
		if err != nil {
			return errFallback
		}
		cand.AndNot(bm)
	}
	positions := make([][]uint64, len(terms))
	freqs := make([]uint64, len(terms))
	norms := make([]float64, len(terms))
	it := cand.Iterator()
	steps := 0
next:
	for it.HasNext() {
		d := uint64(it.Next())
		if steps++; steps&0x3ff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for n, i := range byRarity {
			freq, norm, pos, err := its[i].advance(d, positions[i][:0])
			if err != nil {
				return err
			}
			slices.Sort(pos)
			positions[i], freqs[i], norms[i] = pos, freq, norm
			if n > 0 && !phraseAt(positions, terms, byRarity[:n+1]) {
				continue next
			}
		}
		score := 0.0
		if scored {
			norm := norms[byRarity[0]]
			for i, t := range terms { // in Bleve's order
				score += t.stats.bleveScore(freqs[i], norm)
			}
		}
		// (Several words were checked above, all of them last.)
		if len(terms) > 1 || phraseAt(positions, terms, byRarity) {
			match(d, score)
		}
	}
	return nil
}

// positionsReader reads a word's postings with their positions.
type positionsReader interface {
	// advance moves to paper d and appends its positions to pos;
	// errFallback when the list does not hold d.
	advance(d uint64, pos []uint64) (freq uint64, norm float64, _ []uint64, _ error)
}

// blockPositions reads a list with the block decoder.
type blockPositions struct {
	b       *blockPostings
	started bool // b is at a posting
}

func (r *blockPositions) advance(d uint64, pos []uint64) (uint64, float64, []uint64, error) {
	b := r.b
	if !r.started {
		r.started = true
		if !b.first() {
			return 0, 0, nil, errFallback
		}
	}
	if d > math.MaxUint32 || !b.advance(uint32(d)) || uint64(b.docs[b.i]) != d {
		return 0, 0, nil, errFallback
	}
	norm, _ := zapNorm(b.bits)
	return uint64(b.freq), norm, append(pos, b.pos...), nil
}

// zapPositions reads a list through zap's iterator.
type zapPositions struct{ it segment.PostingsIterator }

func (r *zapPositions) advance(d uint64, pos []uint64) (uint64, float64, []uint64, error) {
	p, err := r.it.Advance(d)
	if err != nil {
		return 0, 0, nil, err
	}
	if p == nil || p.Number() != d {
		return 0, 0, nil, errFallback
	}
	for _, l := range p.Locations() {
		pos = append(pos, l.Pos())
	}
	return p.Frequency(), p.Norm(), pos, nil
}

// phraseAt reports whether the words of terms numbered in which occur at
// their offsets from a common start.
func phraseAt(positions [][]uint64, terms []phraseTerm, which []int) bool {
	first := which[0]
	for _, p := range positions[first] {
		if p < terms[first].offset {
			continue
		}
		start := p - terms[first].offset
		found := true
		for _, i := range which[1:] {
			if _, found = slices.BinarySearch(positions[i], start+terms[i].offset); !found {
				break
			}
		}
		if found {
			return true
		}
	}
	return false
}

// errFallback says the fast path cannot answer a query exactly (an
// unexpected segment format, a field Bleve scores otherwise); Bleve's own
// searchers answer it instead.
const errFallback = indexError("not answerable outside Bleve's searchers")
