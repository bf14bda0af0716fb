package index

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// rankParams are the ranking's knobs. The defaults follow the literature
// rather than one test collection: a title is a short, dense summary of a
// paper, so a query word in the title counts extra (half again); pseudo-
// relevance feedback uses RM3's customary 10 papers and an even mix of
// original and expansion terms, with 30 terms (20 and 40 were tried: 30
// scored better than 20 on both halves of Cranfield and CACM, queries with
// odd and even numbers, and 40 lost on Cranfield's even half). Names count
// as much as words; the title bonuses (rerank.go) were set on the odd
// halves and confirmed on the even ones (docs/ranking.md).
type rankParams struct {
	titleBoost float64 // extra weight of a query term found in the title
	fbDocs     int     // pseudo-relevance feedback: top papers read (0: off)
	fbTerms    int     // terms taken from them
	fbMinTerms int     // feedback only for queries of at least this many terms
	origWeight float64 // share of the original query in the expanded one
	// fbTemperature sharpens how much each feedback paper counts, relative
	// to the best one's score: weight = exp((score-best)/(t*best)).
	fbTemperature float64
	// nameWeight is the weight of a name in author names (nameTerms).
	nameWeight float64
	// Title bonuses (rerank.go), as shares of the best first-pass score,
	// given to the rerankDepth best papers.
	exactBonus, prefixBonus, pairBonus float64
	rerankDepth                        int
	// acronyms searches acronyms with their expansions (acronym.go).
	acronyms bool
}

var defaultRank = rankParams{titleBoost: 0.5, fbDocs: 10, fbTerms: 30, fbMinTerms: 3, origWeight: 0.5, fbTemperature: 0.2,
	nameWeight: 1, exactBonus: 0.5, prefixBonus: 1, pairBonus: 0.3, rerankDepth: 50, acronyms: true}

const maxLimit = 100

// termInfo is an analysed query term.
type termInfo struct {
	term   string
	pos    int     // position in the analysed query
	weight float64 // query term frequency
	field  string  // "" for title and abstract (fText); fAuthors for a name
}

// Search runs a query in the user query language; it implements part of
// bot.Searcher. Malformed input never fails: it is read as well as it can be
// and Results.Notes says what was ignored.
func (ix *Index) Search(ctx context.Context, q paper.Query) (paper.Results, error) {
	start := time.Now()
	pq := parseQuery(q.Text)
	if strings.TrimSpace(q.Text) != "" && (pq.empty() || ix.onlyNoise(pq)) {
		msg := "there is nothing to search for in that query"
		if len(pq.Notes) > 0 {
			msg += ". " + strings.Join(pq.Notes, " ")
		} else {
			msg += " (very common words such as “the” or “of”, and symbols, are not searched)"
		}
		return paper.Results{}, fault.New(fault.Invalid, "%s", msg)
	}
	if q.Filter != "" {
		fq := parseQuery(q.Filter)
		pq.Authors = append(pq.Authors, fq.Authors...)
		pq.Cats = append(pq.Cats, fq.Cats...)
		pq.Phrases = append(pq.Phrases, fq.Phrases...)
		pq.ExcludeWords = append(pq.ExcludeWords, fq.ExcludeWords...)
		pq.ExcludePhrases = append(pq.ExcludePhrases, fq.ExcludePhrases...)
		if !fq.From.IsZero() && fq.From.After(pq.From) {
			pq.From = fq.From
		}
		if !fq.To.IsZero() && (pq.To.IsZero() || fq.To.Before(pq.To)) {
			pq.To = fq.To
		}
		// The filter's free words must match too (a topic).
		pq.filterWords = fq.Words
	}
	// Asked for a trending listing (not just sorted by trending with
	// sort:trending), papers with no trending signal at all are not part
	// of it: this keeps "what is trending" from being every paper, and
	// keeps the listing cheap on a large index.
	pq.trendingOnly = q.Sort == paper.ByTrending
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, maxLimit)
	offset := max(q.Offset, 0)

	if len(pq.IDs) > 0 && !pq.hasText() {
		res, err := ix.lookupIDs(ctx, pq.IDs)
		res.Notes = pq.Notes
		res.Took = time.Since(start)
		return res, err
	}

	order := q.Sort
	if order == paper.ByRelevance && pq.SortSet {
		order = pq.Sort
	} else if pq.SortSet && pq.Sort != order {
		// The command fixes the order (trending lists by trending score).
		pq.note("sort:%s does not apply here: this list is in %s order.", pq.Sort, order)
	}
	if order == paper.ByRelevance && !pq.hasText() {
		// Nothing to rank by relevance: the newest or hottest first.
		order = paper.ByTrending
		if len(pq.Authors) > 0 || len(pq.Cats) > 0 {
			order = paper.ByRecent
		}
	}

	// Typo tolerance (typo.go): misspelt words are searched corrected.
	corr := ix.correct(ctx, pq)
	run := corr.q
	// Acronyms are searched with their expansions (acronym.go).
	if ix.rank.acronyms {
		if extra, notes := ix.expandAcronyms(ctx, run.Words); len(extra) > 0 {
			c := *run
			c.expansion = extra
			c.Notes = append(append([]string(nil), run.Notes...), notes...)
			run = &c
		}
	}
	run.names = ix.nameTerms(pq.Words)
	res, err := ix.ranked(ctx, run, order, limit, offset, q.Exclude)
	if err != nil {
		return paper.Results{}, err
	}
	// No empty answer while words match: a phrase, or all the words a
	// sorted listing requires, that match nothing are relaxed (a phrase to
	// its words, all words to any), and the answer says so.
	if len(res.Hits) == 0 && offset == 0 {
		if rq, what := relax(run, order); rq != nil {
			rres, err := ix.ranked(ctx, rq, order, limit, offset, q.Exclude)
			if err != nil {
				return paper.Results{}, err
			}
			if len(rres.Hits) > 0 {
				rq.note("No exact match for %s; closest papers:", what)
				res, run = rres, rq
			}
		}
	}
	if corr.shown != "" {
		res.DidYouMean, res.Fuzzy = corr.shown, corr.replaced
	}
	return ix.finish(res, run, order, start), nil
}

// relax returns a looser form of a query that found nothing, and what was
// given up, or nil when there is nothing to relax. Filters are never
// relaxed: they say what the user wants to see.
func relax(pq *parsedQuery, order paper.Sort) (*parsedQuery, string) {
	rq := *pq
	rq.Notes = append([]string(nil), pq.Notes...)
	switch {
	case len(pq.Phrases) > 0:
		rq.Words = append([]string(nil), pq.Words...)
		quoted := make([]string, len(pq.Phrases))
		for i, ph := range pq.Phrases {
			rq.Words = append(rq.Words, strings.Fields(ph)...)
			quoted[i] = `"` + ph + `"`
		}
		rq.Phrases = nil
		return &rq, strings.Join(quoted, " ")
	case order != paper.ByRelevance && len(pq.Words) > 1 && !pq.anyWords:
		rq.anyWords = true
		return &rq, "all of " + `"` + strings.Join(pq.Words, " ") + `"`
	}
	return nil, ""
}

// onlyNoise reports whether a query is nothing but words that analyse to
// no term (symbols, stop words) with nothing else to go by.
func (ix *Index) onlyNoise(pq *parsedQuery) bool {
	return len(pq.Phrases) == 0 && len(pq.Authors) == 0 && len(pq.Cats) == 0 && len(pq.IDs) == 0 &&
		len(pq.ExcludeWords) == 0 && len(pq.ExcludePhrases) == 0 && pq.From.IsZero() && pq.To.IsZero() &&
		!pq.SortSet && len(ix.queryTerms(strings.Join(pq.Words, " "))) == 0
}

func (ix *Index) finish(res paper.Results, pq *parsedQuery, order paper.Sort, start time.Time) paper.Results {
	ix.highlight(&res, pq)
	res.Notes = append(res.Notes, pq.Notes...)
	res.Sort = order
	res.Took = time.Since(start)
	return res
}

// ranked runs a query and, when it ranks by relevance, reorders its best
// papers by their titles (rerank.go) and, when it describes a topic in
// several words, runs it again expanded with pseudo-relevance feedback.
func (ix *Index) ranked(ctx context.Context, pq *parsedQuery, order paper.Sort, limit, offset int, exclude []string) (paper.Results, error) {
	terms := ix.wordTerms(pq)
	words := append([]string(nil), pq.Words...)
	if pq.titleWords != nil {
		words = append([]string(nil), pq.titleWords...)
	}
	for _, ph := range pq.Phrases {
		words = append(words, strings.Fields(ph)...)
	}
	rerank := order == paper.ByRelevance && len(words) > 0
	feedback := order == paper.ByRelevance && ix.rank.fbDocs > 0 && len(terms) >= ix.rank.fbMinTerms
	if !rerank && !feedback {
		return ix.run(ctx, pq, order, limit, offset, exclude)
	}
	depth := limit + offset
	if rerank {
		depth = max(depth, ix.rank.rerankDepth)
	}
	first, err := ix.run(ctx, pq, order, max(ix.rank.fbDocs, depth), 0, exclude)
	if err != nil {
		return paper.Results{}, err
	}
	tq := ix.newTitleQuery(words, pq.expansion)
	titleMatch := ix.rerank(tq, first.Hits)
	// A pasted or half-typed title asks for one known paper, not a topic:
	// when the best match's title is the query, starts with it or holds
	// every query term, the first pass is the answer.
	var exp []termInfo
	if feedback && !titleMatch && (len(first.Hits) == 0 || !ix.titleHolds(first.Hits[0].Paper.Title, terms)) {
		exp = ix.expand(ctx, terms, first.Hits)
	}
	if exp != nil {
		epq := *pq
		epq.weighted = exp
		if first, err = ix.run(ctx, &epq, order, depth, 0, exclude); err != nil {
			return paper.Results{}, err
		}
		ix.rerank(tq, first.Hits)
	}
	first.Hits = first.Hits[min(offset, len(first.Hits)):min(offset+limit, len(first.Hits))]
	return first, nil
}

// titleHolds reports whether a title contains every one of the terms.
func (ix *Index) titleHolds(title string, terms []termInfo) bool {
	have := map[string]bool{}
	for _, tok := range ix.english.Analyze([]byte(title)) {
		have[string(tok.Term)] = true
	}
	for _, t := range terms {
		if !have[t.term] {
			return false
		}
	}
	return true
}

func (ix *Index) lookupIDs(ctx context.Context, ids []string) (paper.Results, error) {
	res := paper.Results{Exact: true}
	for _, id := range ids {
		p, ok, err := ix.get(id)
		if err != nil {
			return paper.Results{}, fault.Wrap(fault.Internal, err, "looking up %s", id)
		}
		if ok {
			res.Hits = append(res.Hits, paper.Hit{Paper: p, Score: 1, Title: []paper.Span{{Text: p.Title}}})
		}
	}
	res.Total = uint64(len(res.Hits))
	return res, ctx.Err()
}

// searchErr classifies a search failure.
func searchErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fault.Wrap(fault.Transient, err, "the search took too long")
	}
	return fault.Wrap(fault.Internal, err, "searching")
}

// run executes a parsed query.
func (ix *Index) run(ctx context.Context, pq *parsedQuery, order paper.Sort, limit, offset int, exclude []string) (paper.Results, error) {
	if ctx.Value(bleveOnlyKey{}) == nil && fastEligible(pq, order) {
		terms := ix.rankTerms(pq)
		if len(terms) > 0 {
			if res, ok, err := ix.runWords(ctx, terms, limit, offset, exclude); ok {
				return res, err
			}
		}
	}
	if ctx.Value(bleveOnlyKey{}) == nil && phraseEligible(pq, order) {
		if res, ok, err := ix.runPhrase(ctx, pq.Phrases[0], limit, offset, exclude); ok {
			return res, err
		}
	}
	if ctx.Value(bleveOnlyKey{}) == nil && listingEligible(pq, order) {
		if res, ok, err := ix.runListing(ctx, pq, order, limit, offset, exclude); ok {
			return res, err
		}
	}
	bq := ix.buildQuery(pq, order, exclude)
	ctx, err := ix.statsContext(ctx)
	if err != nil {
		return paper.Results{}, searchErr(err)
	}
	req := bleve.NewSearchRequestOptions(bq, limit, offset, false)
	req.Fields = []string{fSource}
	switch order {
	case paper.ByRecent:
		req.SortBy([]string{"-" + fPublished, "-_score", "_id"})
	case paper.ByTrending:
		req.SortBy([]string{"-" + fTrending, "-" + fPublished, "_id"})
	}
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return paper.Results{}, searchErr(err)
	}
	res := paper.Results{Total: sr.Total, Sort: order}
	for _, h := range sr.Hits {
		p, err := decodeHit(h)
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

// maxHighlighted bounds how many hits get highlighted snippets (more than a
// chat shows); the rest get the abstract's beginning.
const maxHighlighted = 20

// highlight marks the query's words in the hits' titles and snippets.
func (ix *Index) highlight(res *paper.Results, pq *parsedQuery) {
	hl := ix.newHighlighter(ix.queryTerms(strings.Join(pq.Words, " ")), pq)
	for i := range res.Hits {
		h := &res.Hits[i]
		if i >= maxHighlighted {
			h.Title = []paper.Span{{Text: h.Paper.Title}}
			h.Snippet = plainSnippet(h.Paper.Abstract, snippetBytes)
			continue
		}
		h.Title = hl.spans(h.Paper.Title, false)
		h.Snippet = hl.snippet(h.Paper.Abstract, snippetBytes)
	}
}

func decodeHit(h *search.DocumentMatch) (paper.Paper, error) {
	raw, _ := h.Fields[fSource].(string)
	var p paper.Paper
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p, err
	}
	return p, nil
}

// buildQuery turns a parsed query into a Bleve query. It returns the
// analysed free-text terms too (for highlighting).
func (ix *Index) buildQuery(pq *parsedQuery, order paper.Sort, exclude []string) query.Query {
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
			c := allTerms(ft)
			c.SetBoost(0)
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
		var cats []query.Query
		for _, c := range pq.Cats {
			tq := query.NewTermQuery(c)
			tq.SetField(fCats)
			cats = append(cats, tq)
			if !strings.Contains(c, ".") {
				pfx := query.NewPrefixQuery(c + ".")
				pfx.SetField(fCats)
				cats = append(cats, pfx)
			}
		}
		dq := query.NewDisjunctionQuery(cats)
		dq.SetBoost(0)
		must = append(must, dq)
	}
	if !pq.From.IsZero() || !pq.To.IsZero() {
		var from, to time.Time
		if !pq.From.IsZero() {
			from = pq.From
		}
		if !pq.To.IsZero() {
			to = pq.To
		}
		yes, no := true, false
		dr := query.NewDateRangeInclusiveQuery(from, to, &yes, &no)
		dr.SetField(fPublished)
		dr.SetBoost(0)
		must = append(must, dr)
	}
	if pq.trendingOnly {
		zero, no := 0.0, false
		nr := query.NewNumericRangeInclusiveQuery(&zero, nil, &no, nil)
		nr.SetField(fTrending)
		nr.SetBoost(0)
		must = append(must, nr)
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
	if len(exclude) > 0 {
		mustNot = append(mustNot, query.NewDocIDQuery(exclude))
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

// queryTerms analyses free text with the English analyzer; repeated terms
// add weight.
func (ix *Index) queryTerms(s string) []termInfo {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []termInfo
	for _, tok := range ix.english.Analyze([]byte(s)) {
		t := string(tok.Term)
		if i := slices.IndexFunc(out, func(ti termInfo) bool { return ti.term == t }); i >= 0 {
			out[i].weight++
			continue
		}
		out = append(out, termInfo{term: t, pos: tok.Position, weight: 1})
	}
	return out
}

// rankTerms are the terms a query ranks by: its words' (or their expansion
// by feedback) in titles and abstracts, and the names it mentions in
// author names.
func (ix *Index) rankTerms(pq *parsedQuery) []termInfo {
	terms := pq.weighted
	if terms == nil {
		terms = ix.wordTerms(pq)
	}
	if len(pq.names) == 0 || len(terms) == 0 {
		return terms
	}
	return append(terms[:len(terms):len(terms)], pq.names...)
}

// wordTerms are the analysed free words of a query, a misspelling searched
// beside its correction weighted by its share of their frequencies.
func (ix *Index) wordTerms(pq *parsedQuery) []termInfo {
	terms := ix.queryTerms(strings.Join(append(pq.Words[:len(pq.Words):len(pq.Words)], pq.expansion...), " "))
	for i, t := range terms {
		if f, ok := pq.scaled[t.term]; ok {
			terms[i].weight *= f
		}
	}
	return terms
}

// nameTerms are the words of a request typed as names — capitalised, and
// not the first word ("articles by Gerard Salton", "written by Prieve or
// Udo Pooch") — as author-name terms, weighted by rank.nameWeight.
func (ix *Index) nameTerms(words []string) []termInfo {
	var out []termInfo
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if i == 0 || !unicode.IsUpper(r) || strings.ContainsAny(w, "'’") || len(ix.english.Analyze([]byte(w))) == 0 {
			continue
		}
		for _, t := range ix.names.Analyze([]byte(w)) {
			term := string(t.Term)
			if utf8.RuneCountInString(term) < 2 || slices.ContainsFunc(out, func(o termInfo) bool { return o.term == term }) {
				continue
			}
			out = append(out, termInfo{term: term, pos: -100 - len(out), weight: ix.rank.nameWeight, field: fAuthors})
		}
	}
	return out
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

// Similar returns papers like the given one: its most distinctive title and
// abstract terms (by tf-idf) as a weighted query, the paper itself excluded.
func (ix *Index) Similar(ctx context.Context, id string, limit int) (paper.Results, error) {
	start := time.Now()
	p, err := ix.Lookup(ctx, id)
	if err != nil {
		return paper.Results{}, err
	}
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, maxLimit)
	terms, err := ix.distinctiveTerms(ctx, p, 25)
	if err != nil {
		return paper.Results{}, err
	}
	if len(terms) == 0 {
		return paper.Results{Sort: paper.ByRelevance}, nil
	}
	pq := &parsedQuery{}
	hl := ix.newHighlighter(terms, pq)
	// The paper's terms as a free-word query (the fast path, fast.go),
	// the paper itself left out.
	if ctx.Value(bleveOnlyKey{}) == nil {
		if res, ok, err := ix.runWords(ctx, terms, limit, 0, []string{p.ID}); ok {
			if err != nil {
				return paper.Results{}, err
			}
			for i := range res.Hits {
				h := &res.Hits[i]
				h.Title, h.Snippet = hl.spans(h.Paper.Title, false), hl.snippet(h.Paper.Abstract, snippetBytes)
			}
			res.Took = time.Since(start)
			return res, nil
		}
	}
	bq := query.NewBooleanQuery([]query.Query{textClause(terms)}, ix.rank.titleClause(terms), []query.Query{query.NewDocIDQuery([]string{p.ID})})
	ctx, err = ix.statsContext(ctx)
	if err != nil {
		return paper.Results{}, searchErr(err)
	}
	req := bleve.NewSearchRequestOptions(bq, limit, 0, false)
	req.Fields = []string{fSource}
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return paper.Results{}, fault.Wrap(fault.Internal, err, "finding similar papers")
	}
	res := paper.Results{Total: sr.Total, Sort: paper.ByRelevance}
	for _, h := range sr.Hits {
		hp, err := decodeHit(h)
		if err != nil {
			continue
		}
		res.Hits = append(res.Hits, paper.Hit{Paper: hp, Score: h.Score, Title: hl.spans(hp.Title, false), Snippet: hl.snippet(hp.Abstract, snippetBytes)})
	}
	res.Took = time.Since(start)
	return res, nil
}

// distinctiveTerms picks a paper's n terms with the highest tf-idf.
func (ix *Index) distinctiveTerms(ctx context.Context, p paper.Paper, n int) ([]termInfo, error) {
	tf := map[string]float64{}
	var order []string
	for i, tok := range ix.english.Analyze([]byte(p.Title + "\n" + p.Title + "\n" + p.Abstract)) {
		t := string(tok.Term)
		if len(t) < 3 || isNumber(t) {
			continue
		}
		if tf[t] == 0 {
			order = append(order, t)
		}
		tf[t]++
		_ = i
	}
	r, err := ix.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	total, _ := ix.bi.DocCount()
	type scored struct {
		t string
		s float64
	}
	var ss []scored
	for _, t := range order {
		df, err := docFreq(ctx, r, fText, t)
		if err != nil {
			return nil, err
		}
		if df <= 1 && total > 1 {
			continue // only this paper has it: it cannot find others
		}
		idf := math.Log(1 + (float64(total)-float64(df)+0.5)/(float64(df)+0.5))
		ss = append(ss, scored{t, (1 + math.Log(tf[t])) * idf})
	}
	slices.SortStableFunc(ss, func(a, b scored) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return 0
	})
	if len(ss) > n {
		ss = ss[:n]
	}
	if len(ss) == 0 {
		return nil, nil
	}
	top := ss[0].s
	out := make([]termInfo, len(ss))
	for i, s := range ss {
		out[i] = termInfo{term: s.t, pos: -10 * (i + 1), weight: s.s / top}
	}
	return out, nil
}

func isNumber(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func (ix *Index) reader() (bindex.IndexReader, error) {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err == nil {
		if snap, ok := r.(*scorch.IndexSnapshot); ok {
			ix.adviseSegments(snap)
		}
	}
	return r, err
}

func docFreq(ctx context.Context, r bindex.IndexReader, field, term string) (uint64, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), field, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	return tfr.Count(), nil
}
