package index

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Surnames are never taken for misspelt words (Bengio is not begin), but a
// surname may be misspelt for another: "Vasiliev invariants" asks for
// Vassiliev invariants, and the index holds both names (Vasiliev writes on
// higher spins). A name is read as the name one edit away when the
// query's other words go with that one: the papers holding it with all of
// them outnumber rareRatio to one, and are more than rareDF, those holding
// the name typed (in their authors too) with them. Both are then searched,
// each weighted by its share, and "Did you mean" says so.

// nameMisspelt returns the name a surname was typed for, and the share of
// the papers holding either with the query's other words (others) that
// hold the name typed; ok is false when it is the name meant.
func (ix *Index) nameMisspelt(ctx context.Context, r bindex.IndexReader, name string, others []string, rare uint64) (s string, share float64, ok bool) {
	if len(others) == 0 || utf8.RuneCountInString(name) < 5 {
		return "", 0, false // a name alone asks for that person's papers
	}
	s, _, ok = ix.suggest(ctx, r, name)
	if !ok || osaDistance(name, s) != 1 {
		return "", 0, false
	}
	with := ix.queryTerms(strings.Join(others, " "))
	if len(with) == 0 {
		return "", 0, false
	}
	ns := ix.countWith(ctx, ix.queryTerms(s), nil, with)
	if ns <= rare {
		return "", 0, false
	}
	nw := ix.countWith(ctx, ix.queryTerms(name), ix.names.Analyze([]byte(name)), with)
	if ns < rareRatio*nw {
		return "", 0, false
	}
	return s, float64(nw) / float64(nw+ns), true
}

// countWith is how many papers hold all the terms with (in their titles
// and abstracts) and a word: its terms in their titles and abstracts, or
// its name terms in their authors.
func (ix *Index) countWith(ctx context.Context, word []termInfo, name []*analysis.Token, with []termInfo) uint64 {
	var either []query.Query
	if len(word) > 0 {
		either = append(either, allTerms(word))
	}
	if len(name) > 0 {
		either = append(either, phraseOf(name, fAuthors))
	}
	if len(either) == 0 {
		return 0
	}
	q := allTerms(with)
	q.AddQuery(query.NewDisjunctionQuery(either))
	res, err := ix.bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, 0, 0, false))
	if err != nil {
		return 0
	}
	return res.Total
}

// others are words without one of them (the first that is w).
func others(words []string, w string) []string {
	out := make([]string, 0, len(words))
	skipped := false
	for _, o := range words {
		if o == w && !skipped {
			skipped = true
			continue
		}
		out = append(out, o)
	}
	return out
}

// initial is w's first letter.
func initial(w string) rune {
	r, _ := utf8.DecodeRuneInString(w)
	return r
}
