package index

import (
	"context"
	"errors"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/paperbot/paperbot/bot/paper"
)

// Words with a quoted phrase (`fluid "sums representing functions"`) were
// the slowest queries on a large index: Bleve's phrase searcher decodes
// the positions of every paper holding any of the phrase's words, and its
// disjunction scores every paper holding any other word, before the
// conjunction keeps the few with both. narrowedPath finds the papers
// holding every phrase first, as the phrase path does (the words' postings
// bitmaps intersected, positions read only there), and gives their ids to
// Bleve's query as a clause of boost 0: Bleve then answers — the same
// papers, scores, order and total — moving its searchers to those papers
// only.

// maxNarrowed is the most papers a narrowed query hands Bleve by id; with
// more, Bleve's own walk costs less than the ids' lookups.
const maxNarrowed = 5000

// narrowedPath answers shapeNarrowed.
type narrowedPath struct{ ix *Index }

func (np narrowedPath) answer(ctx context.Context, pq *parsedQuery, a runArgs) (res paper.Results, ok bool, err error) {
	ix := np.ix
	snap, ok := ix.snapshot()
	if !ok {
		return paper.Results{}, false, nil
	}
	defer snap.Close()
	var phrases [][]phraseTerm
	for _, ph := range pq.Phrases {
		toks := ix.english.Analyze([]byte(ph))
		if len(toks) == 0 {
			return paper.Results{}, false, nil // Bleve ignores it, with a note
		}
		var terms []phraseTerm
		first := toks[0].Position
		for _, t := range toks {
			terms = append(terms, phraseTerm{stats: &clauseStats{wordClause: wordClause{field: fText, term: t.Term}}, offset: uint64(t.Position - first)})
		}
		phrases = append(phrases, terms)
	}
	// Ranked by relevance, a paper must hold one of the words too (or of
	// the weighted terms of feedback's second pass, or a name).
	words := ix.rankTerms(pq)
	var only []string
	for _, s := range snap.Segments() {
		within, ok, err := anyTerm(s, words)
		if !ok || err != nil {
			return paper.Results{}, ok, err
		}
		// The papers holding every phrase, in document order.
		var docs []uint64
		for i, terms := range phrases {
			var got []uint64
			err := eachPhraseMatch(ctx, s, terms, a.exclude, within, false, func(d uint64, _ float64) { got = append(got, d) })
			if errors.Is(err, errFallback) {
				return paper.Results{}, false, nil
			}
			if err != nil {
				return paper.Results{}, true, searchErr(err)
			}
			if i == 0 {
				docs = got
			} else {
				docs = intersectSorted(docs, got)
			}
			if len(docs) == 0 {
				break
			}
		}
		if len(only)+len(docs) > maxNarrowed {
			return paper.Results{}, false, nil
		}
		for _, d := range docs {
			id, err := s.DocID(d)
			if err != nil {
				return paper.Results{}, false, nil
			}
			only = append(only, string(id))
		}
	}
	if only == nil {
		only = []string{} // no paper holds the phrases: Bleve finds none
	}
	a.only = only
	res, err = ix.runBleve(ctx, pq, a)
	return res, true, err
}

// intersectSorted returns the numbers in both ascending lists.
func intersectSorted(a, b []uint64) []uint64 {
	out := a[:0]
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// anyTerm is the segment's papers holding any of the terms in its field
// (the text, or the authors for a name); nil when there are no terms.
func anyTerm(s *scorch.SegmentSnapshot, terms []termInfo) (bm *roaring.Bitmap, ok bool, err error) {
	if len(terms) == 0 {
		return nil, true, nil
	}
	bm = roaring.New()
	for _, t := range terms {
		field := t.field
		if field == "" {
			field = fText
		}
		d, err := s.Segment().Dictionary(field)
		if err != nil {
			return nil, true, searchErr(err)
		}
		pl, err := d.PostingsList([]byte(t.term), nil, nil)
		if err != nil {
			return nil, true, searchErr(err)
		}
		o, canOr := pl.(interface{ OrInto(*roaring.Bitmap) })
		if !canOr {
			return nil, false, nil
		}
		o.OrInto(bm)
	}
	return bm, true, nil
}
