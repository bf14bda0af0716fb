package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

// paperbot's BM25 takes a term's frequency in a paper as it is, as BM25 is
// defined (Robertson et al.) and as Lucene computes it: tf·(k1+1) /
// (tf + k1·(1-b+b·length/avg)). Bleve's term scorer takes the square root
// of the frequency first (search/scorer/scorer_term.go, a habit of its
// tf-idf scorer), which flattens the difference between a paper that uses
// a request's word once and one that is about it. Measured with the rest
// of the ranking unchanged: CACM nDCG@10 0.4794 -> 0.4880, Cranfield
// 0.4213 -> 0.4212.
//
// Both evaluators score that way. The fast ones compute it (fast.go,
// tfFactor); Bleve's searchers are handed, through linearTF, an index
// reader whose postings carry each frequency squared, so the square root
// Bleve takes is the frequency itself, exactly (the square root of a
// perfect square is exact in floating point). Everything else in Bleve's
// BM25 is kept: its idf, the coordination factor of disjunctions (the
// share of a query's words a paper holds; taking it out lost 0.10 nDCG@10
// on CACM and 0.03 on Cranfield) and its query norm.

// linearTF is a query whose searchers read frequencies through
// squaredFreqs.
type linearTF struct{ query.Query }

func (q linearTF) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	return q.Query.Searcher(ctx, squaredFreqs{r}, m, opts)
}

// squaredFreqs is an index reader whose term postings carry their
// frequencies squared.
type squaredFreqs struct{ bindex.IndexReader }

func (r squaredFreqs) TermFieldReader(ctx context.Context, term []byte, field string, includeFreq, includeNorm, includeTermVectors bool) (bindex.TermFieldReader, error) {
	tfr, err := r.IndexReader.TermFieldReader(ctx, term, field, includeFreq, includeNorm, includeTermVectors)
	if err != nil || tfr == nil {
		return tfr, err
	}
	return squaredPostings{tfr}, nil
}

// FieldDictContains keeps numeric and date range searchers on their
// dictionary lookups (they ask the reader for it).
func (r squaredFreqs) FieldDictContains(field string) (bindex.FieldDictContains, error) {
	c, ok := r.IndexReader.(bindex.IndexReaderContains)
	if !ok {
		return nil, fmt.Errorf("index reader %T cannot look terms up", r.IndexReader)
	}
	return c.FieldDictContains(field)
}

type squaredPostings struct{ bindex.TermFieldReader }

func (p squaredPostings) Next(pre *bindex.TermFieldDoc) (*bindex.TermFieldDoc, error) {
	d, err := p.TermFieldReader.Next(pre)
	if d != nil {
		d.Freq *= d.Freq
	}
	return d, err
}

func (p squaredPostings) Advance(id bindex.IndexInternalID, pre *bindex.TermFieldDoc) (*bindex.TermFieldDoc, error) {
	d, err := p.TermFieldReader.Advance(id, pre)
	if d != nil {
		d.Freq *= d.Freq
	}
	return d, err
}
