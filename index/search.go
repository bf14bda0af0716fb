package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
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
	// authorBonus is the bonus of a paper by every person a request of
	// names alone names ("Peter Hanggi"), as a share of the best score.
	authorBonus float64
	rerankDepth int
	// acronyms searches acronyms with their expansions (acronym.go).
	acronyms bool
	// rarePer: a word in one in rarePer papers or fewer may be a
	// misspelling (typo.go).
	rarePer uint64
}

var defaultRank = rankParams{titleBoost: 0.5, fbDocs: 10, fbTerms: 30, fbMinTerms: 3, origWeight: 0.5, fbTemperature: 0.2,
	nameWeight: 1, exactBonus: 0.5, prefixBonus: 1, pairBonus: 0.3, authorBonus: 1, rerankDepth: 50, acronyms: true, rarePer: 100_000}

const maxLimit = 100

// maxOffset bounds Query.Offset: offset and limit are added up (the depth
// a page is cut from), which must not overflow an int; no index holds
// this many papers, so a larger offset is the same empty page.
const maxOffset = math.MaxInt32 - maxLimit

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
	return readGuarded(ix, func() (paper.Results, error) { return ix.search(ctx, q, ix.fastPath) })
}

// search is Search, with the fast path allowed or not.
func (ix *Index) search(ctx context.Context, q paper.Query, fast bool) (paper.Results, error) {
	start := time.Now()
	pq := parseQuery(q.Text)
	if strings.TrimSpace(q.Text) != "" && (pq.empty() || ix.onlyNoise(pq)) {
		return paper.Results{}, fault.New(fault.Invalid, "%s", pq.nothingToSearch())
	}
	ix.spellGreek(ctx, pq) // β-decay as $\beta$-decay is indexed (greek.go)
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
	offset := min(max(q.Offset, 0), maxOffset)

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
	if n := len(corr.unknown); n > 0 && n < len(pq.Words)+len(pq.Phrases) && order == paper.ByRelevance && !q.Strict {
		// Not a silent drop: ranked by relevance, the other words are
		// what finds papers. (A sorted listing or a strict query wants
		// every word, and says when nothing has them all.)
		c := *run
		c.Notes = slices.Clone(run.Notes)
		c.note("No paper has %s; the other words were searched.", quoteWords(corr.unknown))
		run = &c
	}
	// Acronyms are searched with their expansions (acronym.go).
	if ix.rank.acronyms {
		if extra, notes := ix.expandAcronyms(ctx, run.Words, fast); len(extra) > 0 {
			c := *run
			c.expansion = extra
			c.Notes = append(append([]string(nil), run.Notes...), notes...)
			run = &c
		}
	}
	// The words' other forms (forms.go), when ranked by relevance.
	if order == paper.ByRelevance {
		if forms := ix.otherForms(ctx, run.Words); len(forms) > 0 {
			c := *run
			c.forms = forms
			run = &c
		}
	}
	names, onlyNames := ix.nameTerms(pq.Words)
	run.names = names
	// A request of names alone, or of people and a topic: their papers
	// (on the topic) first.
	byNames := ix.askedAuthors(pq.Words, names, onlyNames)
	exclude, err := ix.withAliasHolders(ctx, q.Exclude)
	if err != nil {
		return paper.Results{}, err
	}
	a := runArgs{order: order, limit: limit, offset: offset, exclude: exclude, fast: fast}
	res, err := ix.ranked(ctx, run, a, byNames)
	if err != nil {
		return paper.Results{}, err
	}
	// No empty answer while words match: a phrase, or all the words a
	// sorted listing requires, that match nothing are relaxed (a phrase to
	// its words, all words to any), and the answer says so.
	if len(res.Hits) == 0 && offset == 0 && !q.Strict {
		for _, r := range relaxations(run, order) {
			rres, err := ix.ranked(ctx, r.q, a, authorsAsked{}) // no longer names alone
			if err != nil {
				return paper.Results{}, err
			}
			if len(rres.Hits) > 0 {
				r.q.note("%s", r.note)
				res, run = rres, r.q
				break
			}
		}
	}
	if len(res.Hits) == 0 && len(pq.Cats) > 0 {
		if !ix.hasCategories() {
			run.note("No paper in this index has a category: cat: finds papers once a source with categories (arXiv, Hugging Face, JSON Lines with categories) is ingested.")
		} else {
			ix.noteUnknownCats(run, pq.Cats)
		}
	}
	if corr.shown != "" {
		res.DidYouMean, res.Fuzzy = corr.shown, corr.replaced
	}
	return ix.finish(res, run, order, start), nil
}

// quoteWords quotes words for a note: “a”, “a” or “b”.
func quoteWords(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = "“" + w + "”"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// hasCategories reports whether any paper of the index has a category
// (the sample corpus has none).
func (ix *Index) hasCategories() bool {
	snap, ok := ix.snapshot()
	if !ok {
		return true // say nothing
	}
	defer snap.Close()
	n, err := snap.FieldCardinality(fCats)
	return err != nil || n > 0
}

// noteUnknownCats says which of the categories a query asked for no paper
// of the index is in, with the category it likely meant (cat:cs.ML is
// stat.ML; cat:cs.CV typed cs.VC), when the index has one close by.
func (ix *Index) noteUnknownCats(pq *parsedQuery, cats []string) {
	snap, err := ix.rawSnapshot()
	if err != nil {
		return
	}
	defer snap.Close()
	d, err := snap.FieldDict(fCats)
	if err != nil {
		return
	}
	var have []string
	papers := map[string]uint64{}
	for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
		have = append(have, e.Term)
		papers[e.Term] = e.Count
	}
	d.Close()
	for _, c := range cats {
		if slices.ContainsFunc(have, func(h string) bool { return h == c || !strings.Contains(c, ".") && strings.HasPrefix(h, c+".") }) {
			continue
		}
		// The closest spelling (the subject under another archive first:
		// cs.ML is stat.ML), the one with more papers among equals.
		best, bestDist := "", 3
		_, sub, _ := strings.Cut(c, ".")
		for _, h := range have {
			dist := osaDistance(c, h)
			if _, hsub, ok := strings.Cut(h, "."); ok && sub != "" && hsub == sub {
				dist = 0
			}
			if dist < bestDist || dist == bestDist && papers[h] > papers[best] {
				best, bestDist = h, dist
			}
		}
		if best != "" {
			pq.note("No paper is in cat:%s; did you mean cat:%s?", catSpelling(c), catSpelling(best))
		} else {
			pq.note("No paper is in cat:%s (categories are arXiv's, like cs.LG, math.AP or hep-th).", catSpelling(c))
		}
	}
}

// catSpelling writes a category as arXiv does: a subject class of two
// letters in capitals (cs.LG, stat.ML, astro-ph.CO), others as they are
// (hep-th, physics.ao-ph).
func catSpelling(c string) string {
	if archive, sub, ok := strings.Cut(c, "."); ok && len(sub) <= 2 {
		return archive + "." + strings.ToUpper(sub)
	}
	return c
}

// relaxation is a looser form of a query that found nothing, and the note
// that says what was given up.
type relaxation struct {
	q    *parsedQuery
	note string
}

// relaxations are the looser forms of a query that found nothing, to be
// tried in turn; none when there is nothing to relax. Filters are never
// relaxed: they say what the user wants to see.
//
// Quoting says "these words, literally": a phrase that some papers hold,
// with words that none of those papers has ("pseudodifferential "battle
// arena games""), answers with the phrase's papers, and only a
// phrase no paper holds is loosened to its words. (A long request quoting
// a title rarely gets that far: one of its many words is enough to keep
// the phrase's papers.)
func relaxations(pq *parsedQuery, order paper.Sort) []relaxation {
	loose := func() *parsedQuery {
		rq := *pq
		rq.Notes = append([]string(nil), pq.Notes...)
		return &rq
	}
	switch {
	case len(pq.Phrases) > 0:
		quoted := make([]string, len(pq.Phrases))
		for i, ph := range pq.Phrases {
			quoted[i] = `"` + ph + `"`
		}
		phrases := strings.Join(quoted, " ")
		var out []relaxation
		if len(pq.Words) > 0 {
			pr := loose()
			pr.Words, pr.titleWords, pr.expansion, pr.forms, pr.names, pr.weighted, pr.anyWords = nil, nil, nil, nil, nil, nil, false
			words := strings.Join(pq.Words, ", ")
			switch {
			case len(pq.Words) == 1:
			case order == paper.ByRelevance || pq.anyWords:
				words = "any of " + words
			default:
				words = "all of " + words // a sorted listing's words
			}
			out = append(out, relaxation{pr, fmt.Sprintf("No paper with %s mentions %s; papers with %s:", phrases, words, phrases)})
		}
		wr := loose()
		wr.Words = append([]string(nil), pq.Words...)
		for _, ph := range pq.Phrases {
			wr.Words = append(wr.Words, strings.Fields(ph)...)
		}
		wr.Phrases = nil
		return append(out, relaxation{wr, fmt.Sprintf("No exact match for %s; closest papers:", phrases)})
	case order != paper.ByRelevance && len(pq.Words) > 1 && !pq.anyWords:
		rq := loose()
		rq.anyWords = true
		return []relaxation{{rq, "No exact match for all of \"" + strings.Join(pq.Words, " ") + "\"; closest papers:"}}
	}
	return nil
}

// onlyNoise reports whether a query is nothing but words that analyse to
// no term (symbols, stop words) with nothing else to go by.
func (ix *Index) onlyNoise(pq *parsedQuery) bool {
	// A phrase of symbols alone ("-") has no words either: left in, it
	// would list every paper as the best match.
	text := strings.Join(append(append([]string(nil), pq.Words...), pq.Phrases...), " ")
	return len(pq.Authors) == 0 && len(pq.Cats) == 0 && len(pq.IDs) == 0 &&
		len(pq.ExcludeWords) == 0 && len(pq.ExcludePhrases) == 0 && pq.From.IsZero() && pq.To.IsZero() &&
		!pq.SortSet && len(ix.queryTerms(text)) == 0
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
// byNames, for a request of names alone or of people and a topic, are
// the people: their papers (holding the topic) move up (rerank.go).
func (ix *Index) ranked(ctx context.Context, pq *parsedQuery, a runArgs, byNames authorsAsked) (paper.Results, error) {
	order, limit, offset := a.order, a.limit, a.offset
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
		return ix.run(ctx, pq, a)
	}
	depth := limit + offset
	if rerank {
		depth = max(depth, ix.rank.rerankDepth)
	}
	top := a
	top.limit, top.offset = max(ix.rank.fbDocs, depth), 0
	first, err := ix.run(ctx, pq, top)
	if err != nil {
		return paper.Results{}, err
	}
	// The acronyms the best papers give the query's words are searched
	// beside them (acronym.go): the papers found again.
	var notes []string
	if order == paper.ByRelevance && ix.rank.acronyms {
		var forms []termInfo
		if forms, notes = ix.acronymsOf(ctx, pq, first.Hits); len(forms) > 0 {
			c := *pq
			c.forms = withForms(pq.forms, forms)
			pq = &c
			if first, err = ix.run(ctx, pq, top); err != nil {
				return paper.Results{}, err
			}
		}
	}
	tq := ix.newTitleQuery(words, pq.expansion)
	tq.required = len(pq.Words) == 0 && pq.titleWords == nil && len(pq.Phrases) == 1
	tq.names, tq.topic, tq.acronyms = byNames.names, byNames.topic, byNames.acronyms
	if len(tq.topic) > 0 {
		tq.alt = ix.queryTerms(strings.Join(pq.expansion, " "))
	}
	titleMatch := ix.rerank(ctx, tq, first.Hits)
	// A pasted or half-typed title asks for one known paper, not a topic:
	// when the best match's title is the query, starts with it or holds
	// every query term, the first pass is the answer.
	// (A corrected query's title is the corrected one: the misspelling
	// searched beside it is not asked of titles.)
	holds := terms
	if pq.titleWords != nil {
		holds = ix.queryTerms(strings.Join(words, " "))
	}
	var exp []termInfo
	if feedback && !titleMatch && (len(first.Hits) == 0 || !ix.titleHolds(first.Hits[0].Paper.Title, holds)) {
		// (The words' other forms are weighed with them, but do not
		// make a query long enough for feedback.)
		exp = ix.expand(ctx, withForms(terms, pq.forms), first.Hits)
	}
	if exp != nil {
		epq := *pq
		epq.weighted = exp
		top.limit = depth
		if first, err = ix.run(ctx, &epq, top); err != nil {
			return paper.Results{}, err
		}
		ix.rerank(ctx, tq, first.Hits)
	}
	first.Hits = first.Hits[min(offset, len(first.Hits)):min(offset+limit, len(first.Hits))]
	first.Notes = append(first.Notes, notes...)
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
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			continue // named again (2205.13760, its link, arxiv:2205.13760v2): one hit
		}
		p, ok, err := ix.getKnownAs(ctx, id)
		if err != nil {
			return paper.Results{}, fault.Wrap(fault.Internal, err, "looking up %s", id)
		}
		if ok && !slices.ContainsFunc(res.Hits, func(h paper.Hit) bool { return h.Paper.ID == p.ID }) {
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

// rankTerms are the terms a query ranks by: its words' and their other
// forms (or their expansion by feedback) in titles and abstracts, and the
// names it mentions in author names.
func (ix *Index) rankTerms(pq *parsedQuery) []termInfo {
	terms := pq.weighted
	if terms == nil {
		terms = withForms(ix.wordTerms(pq), pq.forms)
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

// nameTerms are the words of a request that name authors, as author-name
// terms weighted by rank.nameWeight: words typed as names — capitalised,
// and not the first word ("articles by Gerard Salton", "written by Prieve
// or Udo Pooch") — and, however typed, words the index holds in author
// names at least as often as in titles and abstracts ("notin", "Ginsparg
// quantum", "pascal notin"): a surname asked for alone is a search for
// that author's papers, not only for the abstracts that cite them.
//
// onlyNames reports whether the request is names and nothing else: each
// of its words (initials aside) one that the index holds in author names
// at least as often as in titles and abstracts ("Peter Hanggi", "shalizi
// crutchfield"), so the papers those people wrote come first (rerank.go).
func (ix *Index) nameTerms(words []string) (out []termInfo, onlyNames bool) {
	var snap *scorch.IndexSnapshot // taken by the first word that needs it
	defer func() {
		if snap != nil {
			snap.Close()
		}
	}()
	onlyNames = true
	mostly := map[string]bool{} // a name term's mostlyAName
	for i, w := range words {
		if strings.ContainsAny(w, "'’") {
			onlyNames = false
			continue
		}
		stems := ix.english.Analyze([]byte(w))
		if len(stems) == 0 {
			onlyNames = false
			continue // a stop word
		}
		first, _ := utf8.DecodeRuneInString(w)
		typed := i > 0 && unicode.IsUpper(first)
		named, initial := false, true
		for _, t := range ix.names.Analyze([]byte(w)) {
			term := string(t.Term)
			if utf8.RuneCountInString(term) < 2 {
				continue
			}
			initial = false
			if slices.ContainsFunc(out, func(o termInfo) bool { return o.term == term }) {
				named = named || mostly[term]
				continue
			}
			if !typed || onlyNames {
				// (A word typed as a name is one without asking the
				// index, unless the request may be names alone.)
				if snap == nil {
					var err error
					if snap, err = ix.rawSnapshot(); err != nil {
						return out, false
					}
				}
				mostly[term] = mostlyAName(snap.Segments(), term, stems)
				named = named || mostly[term]
			}
			if !typed && !mostly[term] {
				continue
			}
			out = append(out, termInfo{term: term, pos: -100 - len(out), weight: ix.rank.nameWeight, field: fAuthors})
		}
		onlyNames = onlyNames && (named || initial)
	}
	return out, onlyNames && len(out) > 0
}

// mostlyAName reports whether at least as many papers hold term in their
// author names as hold the word's stems in their titles and abstracts.
func mostlyAName(segs []*scorch.SegmentSnapshot, term string, stems analysis.TokenStream) bool {
	na, err := segmentsDocFreq(segs, fAuthors, []byte(term))
	if err != nil || na == 0 {
		return false
	}
	for _, s := range stems {
		if nt, err := segmentsDocFreq(segs, fText, s.Term); err != nil || nt > na {
			return false
		}
	}
	return true
}

// segmentsDocFreq is how many live papers of the segments hold term in
// field: their dictionaries' postings counts, without the term searcher a
// TermFieldReader builds.
func segmentsDocFreq(segs []*scorch.SegmentSnapshot, field string, term []byte) (uint64, error) {
	var n uint64
	for _, s := range segs {
		d, err := s.Segment().Dictionary(field)
		if err != nil {
			return 0, err
		}
		pl, err := d.PostingsList(term, s.Deleted(), nil)
		if err != nil {
			return 0, err
		}
		n += pl.Count()
	}
	return n, nil
}

func (ix *Index) reader() (bindex.IndexReader, error) {
	r, err := currentReader(ix.bi)
	if err == nil {
		if snap, ok := r.(*scorch.IndexSnapshot); ok {
			ix.adviseSegments(snap)
		}
		ix.trimMapped()
	}
	return r, err
}

// currentReader is the reader of bi's current snapshot, or
// bleve.ErrorIndexClosed once bi is closed: scorch then answers with a nil
// snapshot and no error, which every use would dereference (a search
// that outlived Close panicked).
func currentReader(bi bleve.Index) (bindex.IndexReader, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	if snap, ok := r.(*scorch.IndexSnapshot); r == nil || ok && snap == nil {
		return nil, bleve.ErrorIndexClosed
	}
	return r, nil
}

// snapshot is the index's current scorch snapshot, for the fast paths
// that read its segments; ok is false (and nothing is held) when it cannot
// be had. The caller closes it.
func (ix *Index) snapshot() (snap *scorch.IndexSnapshot, ok bool) {
	r, err := ix.reader()
	if err != nil {
		return nil, false
	}
	snap, ok = r.(*scorch.IndexSnapshot)
	if !ok {
		r.Close()
	}
	return snap, ok
}

func docFreq(ctx context.Context, r bindex.IndexReader, field, term string) (uint64, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), field, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	return tfr.Count(), nil
}
