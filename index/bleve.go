package index

import (
	"cmp"
	"context"
	"math"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/paperbot/paperbot/bot/paper"
)

// The evaluator of every shape: a Bleve query built from every feature of
// the parsed query, run by Bleve's searchers.

// runBleve answers a parsed query with Bleve's searchers.
func (ix *Index) runBleve(ctx context.Context, pq *parsedQuery, a runArgs) (paper.Results, error) {
	bq := ix.buildQuery(pq, a.order, a.exclude, a.only)
	ctx, err := ix.statsContext(ctx)
	if err != nil {
		return paper.Results{}, searchErr(err)
	}
	req := bleve.NewSearchRequestOptions(linearTF{bq}, a.limit, a.offset, false)
	req.Fields = []string{fSource}
	switch a.order {
	case paper.ByRecent:
		req.SortBy([]string{"-" + fPublished, "-_score", "_id"})
	case paper.ByTrending:
		req.SortBy([]string{"-" + fTrending, "-" + fPublished, "_id"})
	}
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return paper.Results{}, searchErr(err)
	}
	res := paper.Results{Total: sr.Total, Sort: a.order}
	for _, h := range sr.Hits {
		p, err := ix.decodeHit(h)
		if err != nil {
			ix.log.Warn("unreadable stored record", "id", h.ID, "err", err)
			continue
		}
		score := h.Score
		if math.IsNaN(score) || math.IsInf(score, 0) {
			score = 0 // filters alone (dates, categories) do not score
		}
		res.Hits = append(res.Hits, paper.Hit{Paper: p, Score: score})
	}
	return res, nil
}

func (ix *Index) decodeHit(h *search.DocumentMatch) (paper.Paper, error) {
	raw, _ := h.Fields[fSource].(string)
	return ix.rec.decode([]byte(raw))
}

// buildQuery turns a parsed query into a Bleve query. It returns the
// analysed free-text terms too (for highlighting).
func (ix *Index) buildQuery(pq *parsedQuery, order paper.Sort, exclude, only []string) query.Query {
	var must, should, mustNot []query.Query
	terms := ix.rankTerms(pq)
	switch {
	case len(terms) == 0:
	case order == paper.ByRelevance:
		// Any of the words may match; more and rarer ones rank higher.
		must = append(must, textClause(terms))
		should = append(should, ix.rank.titleClause(terms)...)
	case pq.anyWords:
		must = append(must, textClause(terms))
	default:
		// Sorted by date or trending, nothing ranks the papers that match
		// only some of the words below those that match all: every word
		// must match ("diffusion models" is not everything about models).
		must = append(must, allTerms(terms))
	}
	for _, ph := range pq.Phrases {
		if c := ix.phraseClause(ph); c != nil {
			must = append(must, c)
		} else {
			pq.note("\"%s\" has no words to search for; it was ignored.", ph)
		}
	}
	if len(pq.filterWords) > 0 {
		// A topic filter narrows: all its words must match, and it does not rank.
		if ft := ix.queryTerms(strings.Join(pq.filterWords, " ")); len(ft) > 0 {
			// (Each term gets boost 0: Bleve's conjunction ignores a
			// boost of its own.)
			c := allTerms(ft)
			for _, t := range c.Conjuncts {
				t.(*query.TermQuery).SetBoost(0)
			}
			must = append(must, c)
		}
	}
	for _, a := range pq.Authors {
		if c := ix.authorClause(a); c != nil {
			if len(terms) > 0 || len(pq.Phrases) > 0 {
				// Filters filter: with words to rank by, an author
				// narrows the papers and the words rank them.
				c.(query.BoostableQuery).SetBoost(0)
			}
			must = append(must, c)
		} else {
			pq.note("author:%s has no letters to search for; it was ignored.", a)
		}
	}
	if len(pq.Cats) > 0 {
		must = append(must, catsClause(pq.Cats))
	}
	if !pq.From.IsZero() || !pq.To.IsZero() {
		must = append(must, dateRangeQuery(pq.From, pq.To))
	}
	if pq.trendingOnly {
		must = append(must, hasTrendingQuery())
	}
	for _, w := range pq.ExcludeWords {
		for _, t := range ix.queryTerms(w) {
			tq := query.NewTermQuery(t.term)
			tq.SetField(fText)
			mustNot = append(mustNot, tq)
		}
	}
	for _, ph := range pq.ExcludePhrases {
		if c := ix.phraseClause(ph); c != nil {
			mustNot = append(mustNot, c)
		}
	}
	for _, a := range pq.ExcludeAuthors {
		if c := ix.authorClause(a); c != nil {
			mustNot = append(mustNot, c)
		} else {
			pq.note("-author:%s has no letters to search for; it was ignored.", a)
		}
	}
	if len(pq.ExcludeCats) > 0 {
		mustNot = append(mustNot, catsClause(pq.ExcludeCats))
	}
	if len(exclude) > 0 {
		mustNot = append(mustNot, query.NewDocIDQuery(exclude))
	}
	if only != nil {
		// A clause of boost 0 adds 0 to every score and nothing to the
		// query norm; Bleve's conjunction then moves the other clauses
		// to these papers only.
		q := query.NewDocIDQuery(only)
		q.SetBoost(0)
		must = append(must, q)
	}
	if len(must) == 0 {
		must = append(must, query.NewMatchAllQuery())
	}
	return query.NewBooleanQuery(must, should, mustNot)
}

// allTerms requires every term in title+abstract.
func allTerms(terms []termInfo) *query.ConjunctionQuery {
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		tq := query.NewTermQuery(t.term)
		tq.SetField(fText)
		qs[i] = tq
	}
	return query.NewConjunctionQuery(qs)
}

// textClause matches any of the terms in title+abstract (or, for names,
// in author names), scored by BM25.
func textClause(terms []termInfo) *query.DisjunctionQuery {
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		tq := query.NewTermQuery(t.term)
		tq.SetField(cmp.Or(t.field, fText))
		tq.SetBoost(t.weight)
		qs[i] = tq
	}
	return query.NewDisjunctionQuery(qs)
}

// titleClause gives extra weight to terms found in the title.
func (rp rankParams) titleClause(terms []termInfo) []query.Query {
	if rp.titleBoost == 0 {
		return nil
	}
	var qs []query.Query
	for _, t := range terms {
		if t.field != "" {
			continue
		}
		tq := query.NewTermQuery(t.term)
		tq.SetField(fTitle)
		tq.SetBoost(t.weight * rp.titleBoost)
		qs = append(qs, tq)
	}
	return []query.Query{query.NewDisjunctionQuery(qs)}
}

// phraseClause requires an exact phrase in title+abstract.
func (ix *Index) phraseClause(ph string) query.Query {
	return phraseOf(ix.english.Analyze([]byte(ph)), fText)
}

// authorClause matches an author name: every word of it, in order when
// there are several ("Pascal Notin").
func (ix *Index) authorClause(name string) query.Query {
	return phraseOf(ix.names.Analyze([]byte(name)), fAuthors)
}

// phraseOf matches analysed tokens as a phrase in a field, keeping the gaps
// that removed stop words left ("heat conduction in composite slabs").
// nil when there are no tokens.
func phraseOf(toks analysis.TokenStream, field string) query.Query {
	switch len(toks) {
	case 0:
		return nil
	case 1:
		tq := query.NewTermQuery(string(toks[0].Term))
		tq.SetField(field)
		return tq
	}
	first := toks[0].Position
	terms := make([]string, toks[len(toks)-1].Position-first+1)
	for _, t := range toks {
		terms[t.Position-first] = string(t.Term)
	}
	return query.NewPhraseQuery(terms, field)
}

// catsClause matches the papers of any of the categories (an archive, cs,
// matches its categories, cs.*). A category filters; it does not rank. Each
// clause gets boost 0: Bleve's disjunction ignores a boost of its own, so a
// boost on the disjunction alone let the category add its score to every
// match (the same for all, but twice for a paper holding the archive and
// one of its categories).
func catsClause(cats []string) query.Query {
	var qs []query.Query
	for _, c := range cats {
		tq := query.NewTermQuery(c)
		tq.SetField(fCats)
		tq.SetBoost(0)
		qs = append(qs, tq)
		if !strings.Contains(c, ".") {
			pfx := query.NewPrefixQuery(c + ".")
			pfx.SetField(fCats)
			pfx.SetBoost(0)
			qs = append(qs, pfx)
		}
	}
	return query.NewDisjunctionQuery(qs)
}
