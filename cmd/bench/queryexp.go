package main

// EXPERIMENTS, not the product: query strategies run directly on a
// paperbot index with Bleve, for the free-word classes of the mix (words,
// typos, titles; queries with phrases, fields or ids are skipped), to
// measure what a change to index/search.go would buy before making it:
//
//	exp-or        paperbot's query without pseudo-relevance feedback: the
//	              words OR-ed over title+abstract (BM25) plus the title
//	              boost, top 10 with the stored record.
//	exp-and-first every word required first (a conjunction: the rarest word
//	              drives it); the OR query only when that finds fewer than
//	              10 papers.
//	exp-rare      candidates from the rare words only: the must clause ORs
//	              the words found in at most 2% of papers (at least the two
//	              rarest); every word still scores as a should clause, which
//	              Bleve only advances to the candidates.

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// queryExperiments are the engines the query child accepts besides
// paperbot and fts5.
var queryExperiments = map[string]string{
	"exp-or":        "paperbot's query without pseudo-relevance feedback (OR of the words, BM25, title boost)",
	"exp-and-first": "all words required first, the OR query only when that finds fewer than 10",
	"exp-rare":      "candidates from the rare words (in ≤ 2% of papers, at least the two rarest); every word scores",
}

// freeWordQuery reports whether a query of the mix is only free words.
func freeWordQuery(q string) bool {
	for _, tok := range splitQuery(q) {
		if strings.ContainsAny(tok, `":`) || strings.HasPrefix(tok, "-") {
			return false
		}
		if _, ok := paper.ParseArxivID(tok); ok {
			return false
		}
	}
	return true
}

// Names in the mapping of index.NewMapping that the experimental searchers
// query by.
const (
	xEnglish = "paper_en"
	xText    = "text"
	xTitle   = "title"
	xSource  = "_src"
)

type expSearcher struct {
	bi       bleve.Index
	english  analysis.Analyzer
	andFirst bool
	rare     bool
	reader   bindex.IndexReader
	docs     uint64
	// records decodes the stored records as the index does.
	records *index.Documents
}

func newExpSearcher(dir, engine string) (*expSearcher, error) {
	bi, err := bleve.OpenUsing(dir, map[string]any{"read_only": true})
	if err != nil {
		return nil, err
	}
	s := &expSearcher{bi: bi, english: bi.Mapping().AnalyzerNamed(xEnglish), andFirst: engine == "exp-and-first", rare: engine == "exp-rare"}
	if s.records, err = index.NewDocuments(bi.Mapping(), index.MappingOptions{}); err != nil {
		bi.Close()
		return nil, err
	}
	if s.rare {
		adv, err := bi.Advanced()
		if err != nil {
			bi.Close()
			return nil, err
		}
		if s.reader, err = adv.Reader(); err != nil {
			bi.Close()
			return nil, err
		}
		s.docs, _ = bi.DocCount()
	}
	return s, nil
}

// docFreq is how many papers contain a term in title+abstract.
func (s *expSearcher) docFreq(ctx context.Context, t string) uint64 {
	r, err := s.reader.TermFieldReader(ctx, []byte(t), xText, false, false, false)
	if err != nil {
		return 0
	}
	defer r.Close()
	return r.Count()
}

func (s *expSearcher) terms(q string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range s.english.Analyze([]byte(q)) {
		if w := string(t.Term); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func (s *expSearcher) Search(ctx context.Context, q string) (int, error) {
	ts := s.terms(q)
	if len(ts) == 0 {
		return 0, nil
	}
	term := func(field, t string, boost float64) query.Query {
		tq := query.NewTermQuery(t)
		tq.SetField(field)
		tq.SetBoost(boost)
		return tq
	}
	var text, title []query.Query
	for _, t := range ts {
		text = append(text, term(xText, t, 1))
		title = append(title, term(xTitle, t, 0.5))
	}
	run := func(must query.Query) (int, error) {
		bq := query.NewBooleanQuery([]query.Query{must}, []query.Query{query.NewDisjunctionQuery(title)}, nil)
		req := bleve.NewSearchRequestOptions(bq, 10, 0, false)
		req.Fields = []string{xSource}
		res, err := s.bi.SearchInContext(ctx, req)
		if err != nil {
			return 0, err
		}
		for _, h := range res.Hits {
			raw, _ := h.Fields[xSource].(string)
			if _, err := s.records.Record([]byte(raw)); err != nil {
				return 0, err
			}
		}
		return len(res.Hits), nil
	}
	if s.rare && len(ts) > 2 {
		type tf struct {
			q  query.Query
			df uint64
		}
		var byDF []tf
		for i, t := range ts {
			byDF = append(byDF, tf{text[i], s.docFreq(ctx, t)})
		}
		slices.SortFunc(byDF, func(a, b tf) int { return cmp.Compare(a.df, b.df) })
		var must []query.Query
		for i, x := range byDF {
			if i < 2 || float64(x.df) <= 0.02*float64(s.docs) {
				must = append(must, x.q)
			}
		}
		title = append(title, text...) // every word scores; Bleve advances should clauses to the candidates
		return run(query.NewDisjunctionQuery(must))
	}
	if s.andFirst && len(ts) > 1 {
		n, err := run(query.NewConjunctionQuery(text))
		if err != nil || n >= 10 {
			return n, err
		}
	}
	return run(query.NewDisjunctionQuery(text))
}

func (s *expSearcher) Close() error {
	if s.reader != nil {
		s.reader.Close()
	}
	return s.bi.Close()
}
