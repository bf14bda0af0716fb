package index

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bindex "github.com/blevesearch/bleve_index_api"
)

// correction is what correct made of a query.
type correction struct {
	q *parsedQuery // the query to run
	// shown is the corrected query as "Did you mean" shows it ("" when
	// nothing was corrected); replaced is set when a word the index has
	// never seen was replaced (the results are for the correction).
	shown    string
	replaced bool
	// unknown are the words no paper has anywhere, with no close
	// spelling either: searched, they match nothing.
	unknown []string
}

// Typo correction never breaks a right word: a word is corrected only when
// no title, abstract or author name holds it, or when a close spelling is
// far more common (rareRatio times) in titles and abstracts — a misspelling
// that some paper made too ("grpah"). Then, being unsure, both the word and
// its correction are searched, each weighted by its share of their
// frequencies. Every misspelt word of a query is
// corrected, in phrases too; names and acronyms typed with capitals inside
// (GraphRNN, TCOLL), and surnames (words as many papers hold in author
// names as in titles and abstracts: Bengio), are left as typed.
const rareRatio = 20

// rareDF is the most papers a word may be in and still be taken for a
// misspelling (looking for close spellings of every word would cost a
// fuzzy search of the title dictionary per word), or one in rank.rarePer of
// the index's papers when that is more: the more papers, the more of
// them share a common misspelling (at 1M arXiv papers "modles" is in 7,
// "equilibium" in 8). Above rareDF a word is taken as meant when a paper
// holds it with every other word of the query: "moduln" is in a few
// papers too, and "eine charakterisierung der matlis-reflexiven moduln"
// asks for one of them. (So is a word in fewer papers: a pasted abstract
// or title that holds a rare word, "intraannual", asks for its paper, not
// for "interannual".)
const rareDF = 5

// maxSpeltWord is the longest word, in letters, that correct looks for
// close spellings or a split of: longer than the words of languages
// (titles' longest, chemical names and German compounds aside, are under
// 30). Each look builds Levenshtein automata whose size grows with the
// word: 1,999 letters pasted without a space allocated 600 MiB and took
// a server's resident memory from 20 to 380 MiB, for one query.
const maxSpeltWord = 40

// rareDF is the most papers of r a word may be in and still be taken for
// a misspelling: rareDF, or one in rank.rarePer when that is more.
func (ix *Index) rareDF(r bindex.IndexReader) uint64 {
	rare := uint64(rareDF)
	if n, err := r.DocCount(); err == nil && ix.rank.rarePer > 0 {
		rare = max(rare, n/ix.rank.rarePer)
	}
	return rare
}

// correct returns the query with its misspelt words corrected.
func (ix *Index) correct(ctx context.Context, pq *parsedQuery) correction {
	out := correction{q: pq}
	if len(pq.Words) == 0 && len(pq.Phrases) == 0 {
		return out
	}
	r, err := ix.reader()
	if err != nil {
		return out
	}
	defer r.Close()
	rare := ix.rareDF(r)
	changed := false
	scaled := map[string]float64{}
	fix := func(w string) (replace string, extra string) {
		lw := strings.ToLower(strings.Trim(w, ".,;:!?()[]{}'\""))
		if utf8.RuneCountInString(lw) < 4 || !allLetters(lw) || capsInside(w) {
			return "", "" // short words, numbers, symbols and names are not spelling mistakes we can fix
		}
		df, known := ix.frequency(ctx, r, lw)
		if utf8.RuneCountInString(lw) > maxSpeltWord {
			if !known {
				out.unknown = append(out.unknown, w)
			}
			return "", ""
		}
		if known && (df == 0 || df > rare || ix.inContext(ctx, pq.Words)) {
			return "", "" // a stop word, a word too common to be a mistake, or one used as meant
		}
		if known && ix.heldAsName(ctx, r, lw) {
			return "", "" // a surname (bengio is not begin): searched in author names (nameTerms)
		}
		s, sdf, ok := ix.suggest(ctx, r, lw)
		if !ok || osaDistance(lw, s) > 1 {
			// No spelling one edit away: two words run together
			// ("randommatrix") are a missing space, not a word to
			// complete or to change in two places.
			if sp, spdf, spok := ix.splitWord(ctx, r, lw); spok {
				s, sdf, ok = sp, spdf, true
			}
		}
		switch {
		case !ok && !known:
			out.unknown = append(out.unknown, w)
			return "", ""
		case !ok || s == lw:
			return "", ""
		case df == 0:
			return s, ""
		case sdf >= rareRatio*df && utf8.RuneCountInString(lw) >= 5:
			// (A word of four letters has too many real neighbours for
			// rarity alone to call it a mistake: maml is not mail.)
			share := float64(df) / float64(df+sdf)
			for _, t := range ix.english.Analyze([]byte(lw)) {
				scaled[string(t.Term)] = share
			}
			for _, t := range ix.english.Analyze([]byte(s)) {
				scaled[string(t.Term)] = 1 - share
			}
			return "", s
		}
		return "", ""
	}
	c := *pq
	c.Words = nil
	shown := make([]string, 0, len(pq.Words))
	extras := 0
	for _, w := range pq.Words {
		rep, extra := fix(w)
		switch {
		case rep != "":
			c.Words = append(c.Words, rep)
			shown = append(shown, ix.titleSpelling(ctx, r, rep))
			out.replaced, changed = true, true
		case extra != "":
			c.Words = append(c.Words, w, extra)
			shown = append(shown, ix.titleSpelling(ctx, r, extra))
			changed = true
			extras++
		default:
			c.Words = append(c.Words, w)
			shown = append(shown, w)
		}
	}
	c.Phrases = nil
	for _, ph := range pq.Phrases {
		words := strings.Fields(ph)
		spelt := slices.Clone(words)
		for i, w := range words {
			if rep, _ := fix(w); rep != "" {
				words[i], spelt[i] = rep, ix.titleSpelling(ctx, r, rep)
				out.replaced, changed = true, true
			}
		}
		c.Phrases = append(c.Phrases, strings.Join(words, " "))
		shown = append(shown, `"`+strings.Join(spelt, " ")+`"`)
	}
	if !changed {
		return out
	}
	c.unknownFixed = out.replaced
	// Titles are compared with the corrected words alone.
	c.titleWords = shown[:len(c.Words)-extras]
	if len(scaled) > 0 {
		c.scaled = scaled
	}
	out.q, out.shown = &c, strings.Join(shown, " ")
	return out
}

// spellingTitles is how many titles holding a corrected word are read to
// find how they spell it.
const spellingTitles = 8

// titleSpelling is a correction as titles spell it: suggestions come from
// the titles' folded words ("schrodinger"), and "Did you mean" shows
// "schrödinger" when that is how most of the first spellingTitles titles
// holding it write it (a tie goes to the folded spelling). The titles are
// the word's first postings, read without scoring.
func (ix *Index) titleSpelling(ctx context.Context, r bindex.IndexReader, w string) string {
	tfr, err := r.TermFieldReader(ctx, []byte(w), fTitleRaw, false, false, false)
	if err != nil {
		return w
	}
	defer tfr.Close()
	counts := map[string]int{}
	var d *bindex.TermFieldDoc
	for range spellingTitles {
		if d, err = tfr.Next(d); err != nil || d == nil {
			break
		}
		id, err := r.ExternalID(d.ID)
		if err != nil {
			break
		}
		doc, err := r.Document(id)
		if err != nil || doc == nil {
			break
		}
		p, err := ix.record(doc)
		if err != nil {
			break
		}
		for _, t := range (wordTokenizer{}).Tokenize([]byte(p.Title)) {
			if toks := ix.plain.Analyze(t.Term); len(toks) == 1 && string(toks[0].Term) == w {
				counts[strings.ToLower(string(t.Term))]++
			}
		}
	}
	best := w
	for s, n := range counts {
		if n > counts[best] || n == counts[best] && s < best {
			best = s
		}
	}
	return best
}

// inContext reports whether a paper holds every one of several words (in
// its title and abstract).
func (ix *Index) inContext(ctx context.Context, words []string) bool {
	var terms []termInfo
	for _, w := range words {
		for _, t := range ix.english.Analyze([]byte(w)) {
			terms = append(terms, termInfo{term: string(t.Term)})
		}
	}
	if len(terms) < 2 {
		return false // a word alone says nothing of what it means
	}
	req := bleve.NewSearchRequestOptions(allTerms(terms), 0, 0, false)
	res, err := ix.bi.SearchInContext(ctx, req)
	return err == nil && res.Total > 0
}

// capsInside reports whether a word has a capital after its first letter
// (GraphRNN, TCOLL, srsLTE): a name, not a misspelling.
func capsInside(w string) bool {
	for i, r := range w {
		if i > 0 && unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// frequency is how many papers hold a word in their titles and abstracts
// (as its stemmed term); known is set when the index has it anywhere: there,
// as a title word or in an author name.
func (ix *Index) frequency(ctx context.Context, r bindex.IndexReader, w string) (df uint64, known bool) {
	toks := ix.english.Analyze([]byte(w))
	if len(toks) == 0 {
		return 0, true // a stop word
	}
	for _, t := range toks {
		n, err := docFreq(ctx, r, fText, string(t.Term))
		if err != nil {
			return 0, true
		}
		df = max(df, n)
	}
	if df > 0 {
		return df, true
	}
	for _, f := range []struct {
		field string
		an    analysis.Analyzer
	}{{fTitleRaw, ix.plain}, {fAuthors, ix.names}} {
		for _, t := range f.an.Analyze([]byte(w)) {
			if n, err := docFreq(ctx, r, f.field, string(t.Term)); err != nil || n > 0 {
				return max(n, 1), true
			}
		}
	}
	return 0, false
}

// heldAsName reports whether at least as many papers hold a word in their
// author names as in their titles and abstracts: a surname, which nameTerms
// searches in author names too, and which is not a misspelling of the
// common word a letter or two away ("Bengio", "begin").
func (ix *Index) heldAsName(ctx context.Context, r bindex.IndexReader, w string) bool {
	names := ix.names.Analyze([]byte(w))
	if len(names) != 1 {
		return false
	}
	na, err := docFreq(ctx, r, fAuthors, string(names[0].Term))
	if err != nil || na == 0 {
		return false
	}
	for _, t := range ix.english.Analyze([]byte(w)) {
		if nt, err := docFreq(ctx, r, fText, string(t.Term)); err != nil || nt > na {
			return false
		}
	}
	return true
}

// suggest finds the best replacement of a word among title words: the
// fewest edits (transposed letters count one), then the most titles with
// that very spelling, then the most papers; df is its number of papers
// (title and abstract). The spelling's own count comes first: a word's
// papers are those of its stem, which "nueral" would have corrected to
// "numeral" (one edit, like "neural") for the papers of "numerical", and
// "modeles" and "models" both stem to model: the one titles use wins. Like most spelling correctors
// it trusts the first letter, which keeps the search of a large dictionary
// fast — unless the first two letters are the ones swapped ("qeuation").
// A word with no close spelling that starts a title word is completed.
func (ix *Index) suggest(ctx context.Context, r bindex.IndexReader, w string) (s string, df uint64, ok bool) {
	fz, isFuzzy := r.(bindex.IndexReaderFuzzy)
	if !isFuzzy {
		return "", 0, false
	}
	maxDist := 1
	if utf8.RuneCountInString(w) >= 6 {
		maxDist = 2
	}
	var best []string
	bestDist := maxDist + 1
	consider := func(t string) {
		if t == w {
			return
		}
		switch dist := osaDistance(w, t); {
		case dist > maxDist:
		case dist < bestDist:
			best, bestDist = []string{t}, dist
		case dist == bestDist && !slices.Contains(best, t):
			best = append(best, t)
		}
	}
	look := func(probe string) {
		_, size := utf8.DecodeRuneInString(probe)
		// Levenshtein distance 2 holds a transposition (one OSA edit).
		if ix.titleWordsNear(r, probe, probe[:size], consider) {
			return
		}
		d, err := fz.FieldDictFuzzy(fTitleRaw, probe, 2, probe[:size])
		if err != nil {
			return
		}
		defer d.Close()
		for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
			consider(e.Term)
		}
	}
	look(w)
	if rs := []rune(w); len(rs) > 2 && rs[0] != rs[1] {
		rs[0], rs[1] = rs[1], rs[0]
		look(string(rs))
	}
	if len(best) == 0 {
		// A word being typed: complete it to the most common title word it
		// starts (the dictionary gives counts here).
		if d, err := r.FieldDictPrefix(fTitleRaw, []byte(w)); err == nil {
			var bestCount uint64
			for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
				if e.Count > bestCount {
					best, bestCount = []string{e.Term}, e.Count
				}
			}
			d.Close()
		}
	}
	titles := func(t string) uint64 { // titles with that very spelling
		n, _ := docFreq(ctx, r, fTitleRaw, t)
		return n
	}
	var sTitles uint64
	for _, t := range best {
		n, _ := ix.frequency(ctx, r, t)
		if nt := titles(t); s == "" || nt > sTitles || nt == sTitles && (n > df || n == df && t < s) {
			s, df, sTitles = t, n, nt
		}
	}
	return s, df, s != ""
}

// minSplitPart is the fewest letters each of the two words that splitWord
// makes of one may have ("non" + "linear").
const minSplitPart = 3

// splitWord finds the two words a word was typed for without the space
// between them ("stochasticresonance", "randommatrix"): both title words,
// standing side by side in the titles and abstracts of papers. Of several
// ways to split it, the one most papers write wins; df is how many papers
// write it. Stop words are no part of a split ("therapist" is not "the
// rapist"), nor is a split that no paper writes.
func (ix *Index) splitWord(ctx context.Context, r bindex.IndexReader, w string) (s string, df uint64, ok bool) {
	rs := []rune(w)
	for i := minSplitPart; i <= len(rs)-minSplitPart; i++ {
		a, b := string(rs[:i]), string(rs[i:])
		if !ix.isTitleWord(ctx, r, a) || !ix.isTitleWord(ctx, r, b) {
			continue
		}
		if n := ix.sideBySide(ctx, a, b); n > df {
			s, df = a+" "+b, n
		}
	}
	return s, df, s != ""
}

// isTitleWord reports whether some title holds w as it is spelt, and it
// is no stop word.
func (ix *Index) isTitleWord(ctx context.Context, r bindex.IndexReader, w string) bool {
	if len(ix.english.Analyze([]byte(w))) == 0 {
		return false
	}
	n, err := docFreq(ctx, r, fTitleRaw, w)
	return err == nil && n > 0
}

// osaDistance is the optimal-string-alignment edit distance: insertions,
// deletions, substitutions and transpositions of adjacent letters each cost
// one ("tranceptoin" is one edit from "tranception").
func osaDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	la, lb := len(ra), len(rb)
	d := make([][]int, la+1)
	for i := range d {
		d[i] = make([]int, lb+1)
		d[i][0] = i
	}
	for j := 0; j <= lb; j++ {
		d[0][j] = j
	}
	for i := 1; i <= la; i++ {
		for j := 1; j <= lb; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[la][lb]
}
