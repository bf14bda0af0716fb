package index

import (
	"context"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot/paper"
)

// Acronyms. A paper that defines a method seldom uses its acronym in its
// own title or abstract ("Model-Agnostic Meta-Learning for Fast Adaptation
// of Deep Networks" never says MAML), while the papers that cite it write
// "model-agnostic meta-learning (MAML)". A word typed as an acronym (two
// capitals or more) is therefore looked up in the papers that use it, the
// words before "(MAML)" whose initials spell it are read as its expansion,
// and the query searches the expansion beside the acronym.

// acronymDocs is how many of the papers using an acronym are read.
const acronymDocs = 20

// isAcronym reports whether a word is typed as an acronym: 2 to 10 letters
// or digits, a letter first, at least two capitals.
func isAcronym(w string) bool {
	n, caps := 0, 0
	for i, r := range w {
		switch {
		case i == 0 && !unicode.IsLetter(r):
			return false
		case unicode.IsUpper(r):
			caps++
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			return false
		}
		n++
	}
	return n >= 2 && n <= 10 && caps >= 2
}

// expandAcronyms returns the expansions of the query's acronyms found in
// the index, as words to search beside them, and a note for each.
func (ix *Index) expandAcronyms(ctx context.Context, words []string, fast bool) (extra []string, notes []string) {
	for _, w := range words {
		if !isAcronym(w) {
			continue
		}
		exp := ix.acronymExpansion(ctx, w, words, fast)
		if exp == "" {
			continue
		}
		extra = append(extra, strings.Fields(strings.ReplaceAll(exp, "-", " "))...)
		notes = append(notes, w+" was also searched as "+exp+".")
	}
	return extra, notes
}

// acronymExpansion finds the commonest expansion of an acronym in the
// papers that use it ("" when none). An acronym means what it means beside
// the query's other words (words, the whole query): the papers read are
// the best matches of the query that hold the acronym with as many of its
// other words as any of them does ("CP violation" is physics, where CP is
// not cyber-physical; "LDA band gap" is the local density approximation,
// "LDA topic models" latent Dirichlet allocation). When none of those
// papers spells the acronym out, it is searched as typed.
func (ix *Index) acronymExpansion(ctx context.Context, acr string, words []string, fast bool) string {
	at := ix.queryTerms(acr)
	if len(at) != 1 {
		return ""
	}
	terms := ix.queryTerms(strings.Join(words, " "))
	res, err := ix.run(ctx, &parsedQuery{weighted: terms}, runArgs{order: paper.ByRelevance, limit: acronymDocs, fast: fast})
	if err != nil {
		return ""
	}
	if len(terms) > 1 {
		res.Hits = ix.bestCovering(res.Hits, at[0].term, terms)
	}
	// Each paper votes once for each expansion it gives: one paper that
	// repeats its own acronym does not outvote the papers that cite one.
	// Ties go to the expansion whose words more of these papers use.
	counts := map[string]int{}
	for _, h := range res.Hits {
		seen := map[string]bool{}
		for _, text := range []string{h.Paper.Title, h.Paper.Abstract} {
			for _, e := range expansionsIn(text, acr) {
				if !seen[e] {
					seen[e] = true
					counts[e]++
				}
			}
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	uses := func(e string) int {
		n := 0
		for _, h := range res.Hits {
			text := strings.ReplaceAll(strings.ToLower(h.Paper.Title+" "+h.Paper.Abstract), "-", " ")
			if strings.Contains(text, strings.ReplaceAll(e, "-", " ")) {
				n++
			}
		}
		return n
	}
	best, bestN, bestUses := "", 0, 0
	for _, k := range keys {
		switch u := uses(k); {
		case counts[k] > bestN, counts[k] == bestN && u > bestUses:
			best, bestN, bestUses = k, counts[k], u
		}
	}
	return best
}

// bestCovering keeps the hits that hold the term acr with the most of
// terms (in their titles and abstracts), in their order.
func (ix *Index) bestCovering(hits []paper.Hit, acr string, terms []termInfo) []paper.Hit {
	cover := make([]int, len(hits))
	most := 0
	for i, h := range hits {
		have := map[string]bool{}
		for _, tok := range ix.english.Analyze([]byte(h.Paper.Title + "\n" + h.Paper.Abstract)) {
			have[string(tok.Term)] = true
		}
		if !have[acr] {
			cover[i] = -1
			continue
		}
		for _, t := range terms {
			if have[t.term] {
				cover[i]++
			}
		}
		most = max(most, cover[i])
	}
	var out []paper.Hit
	for i, h := range hits {
		if cover[i] == most && most > 0 {
			out = append(out, h)
		}
	}
	return out
}

// expansionsIn finds "long name (ACR)" in a text: the words just before
// the parenthesis whose initials (hyphenated parts counted apart, small
// connecting words skipped) spell the acronym's letters.
func expansionsIn(text, acr string) []string {
	var out []string
	lower := strings.ToLower(text)
	needle := "(" + strings.ToLower(acr)
	letters := acronymLetters(acr)
	if len(letters) < 2 {
		return nil
	}
	for from := 0; ; {
		i := strings.Index(lower[from:], needle)
		if i < 0 {
			return out
		}
		at := from + i
		from = at + len(needle)
		if rest := lower[from:]; !strings.HasPrefix(rest, ")") && !strings.HasPrefix(rest, "s)") && !strings.HasPrefix(rest, ",") && !strings.HasPrefix(rest, ";") {
			continue
		}
		before := strings.FieldsFunc(text[:at], func(r rune) bool { return unicode.IsSpace(r) })
		if e := matchInitials(before, letters); e != "" {
			out = append(out, e)
		}
	}
}

// acronymLetters are an acronym's letters, lower-cased.
func acronymLetters(acr string) []rune {
	return []rune(strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, acr)))
}

// smallWords may stand in an expansion without a letter of their own.
var smallWords = map[string]bool{"of": true, "for": true, "the": true, "and": true, "in": true, "on": true, "to": true, "a": true, "with": true}

// matchInitials takes words from the end of before while their initials
// spell letters backwards, and returns them when all letters are spelt. One
// last word may stand outside ("meta learning algorithm (MAML)").
func matchInitials(before []string, letters []rune) string {
	if e := spell(before, letters); e != "" || len(before) < 2 {
		return e
	}
	return spell(before[:len(before)-1], letters)
}

func spell(before []string, letters []rune) string {
	li := len(letters) - 1
	start := len(before)
	for wi := len(before) - 1; wi >= 0 && li >= 0 && len(before)-wi <= len(letters)+3; wi-- {
		word := strings.Trim(before[wi], ",.;:\"'“”()[]")
		if word == "" {
			return ""
		}
		parts := strings.FieldsFunc(word, func(r rune) bool { return r == '-' || r == '/' })
		if smallWords[strings.ToLower(word)] && li < len(letters)-1 {
			start = wi
			continue
		}
		ok := true
		for pi := len(parts) - 1; pi >= 0; pi-- {
			r, _ := utf8.DecodeRuneInString(parts[pi])
			if li < 0 || unicode.ToLower(r) != letters[li] {
				ok = false
				break
			}
			li--
		}
		if !ok {
			return ""
		}
		start = wi
	}
	if li >= 0 {
		return ""
	}
	words := make([]string, 0, len(before)-start)
	for _, w := range before[start:] {
		words = append(words, strings.ToLower(strings.Trim(w, ",.;:\"'“”()[]")))
	}
	return strings.Join(words, " ")
}

// The other way round: words typed in full ("quantum chromodynamics")
// miss the papers that only write their acronym (QCD). The query's best
// matches are read for the acronym they give those words, "quantum
// chromodynamics (QCD)"; one that at least minAcronymPapers of them give
// is searched beside the words as another form of them (forms.go), and
// the best matches are found again.

// minAcronymPapers is the fewest papers that must give words an acronym:
// one paper's own shorthand is not the field's.
const minAcronymPapers = 2

// acronymsOf are the acronyms the hits give consecutive words of the
// query (two or more), as forms to search beside them, with a note for
// each.
func (ix *Index) acronymsOf(ctx context.Context, pq *parsedQuery, hits []paper.Hit) (forms []termInfo, notes []string) {
	if len(pq.Words) < 2 {
		return nil, nil
	}
	for _, w := range pq.Words {
		if isAcronym(w) {
			return nil, nil // acronyms typed are expanded (expandAcronyms)
		}
	}
	var typed []string // the query's terms, in order
	for _, t := range ix.english.Analyze([]byte(strings.Join(pq.Words, " "))) {
		typed = append(typed, string(t.Term))
	}
	// The initials of the query's words: a definition whose long form
	// starts with none of them is not of its words (and is not analysed).
	initials := map[rune]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(strings.Join(pq.Words, " ")), func(r rune) bool { return !unicode.IsLetter(r) }) {
		initials[initial(w)] = true
	}
	votes := map[string]int{}
	long := map[string]string{}
	for _, h := range hits[:min(len(hits), acronymDocs)] {
		seen := map[string]bool{}
		for _, text := range []string{h.Paper.Title, h.Paper.Abstract} {
			for _, d := range definitions(text) {
				if seen[d.acr] || !initials[unicode.ToLower(initial(d.acr))] {
					continue
				}
				l := ix.typedRun(d.long, typed)
				if l == "" {
					continue
				}
				seen[d.acr] = true
				votes[d.acr]++
				long[d.acr] = l
			}
		}
	}
	acrs := make([]string, 0, len(votes))
	for a, n := range votes {
		if n >= minAcronymPapers {
			acrs = append(acrs, a)
		}
	}
	sort.Strings(acrs)
	if len(acrs) == 0 {
		return nil, nil
	}
	r, err := ix.reader()
	if err != nil {
		return nil, nil
	}
	defer r.Close()
	fr := &formReader{ix: ix, ctx: ctx, r: r}
	for _, a := range acrs {
		forms = withForms(forms, fr.weighed(long[a], a, 1))
		notes = append(notes, long[a]+" was also searched as "+a+".")
	}
	return forms, notes
}

// A definition is an acronym a text gives words: "long words (LW)".
type definition struct{ acr, long string }

// definitions finds "long form (ACR)" in a text: an acronym in
// parentheses (a plural "s" after it allowed), and the fewest words
// before it that spell it (Schwartz and Hearst's rule: its letters in
// order, the first starting the first word).
func definitions(text string) []definition {
	var out []definition
	for from := 0; ; {
		i := strings.IndexByte(text[from:], '(')
		if i < 0 {
			return out
		}
		at := from + i
		from = at + 1
		end := strings.IndexAny(text[from:], ")")
		if end < 0 {
			return out
		}
		acr := strings.TrimSuffix(text[from:from+end], "s")
		if !isAcronym(acr) {
			continue
		}
		if l := spelt(lastWords(text[:at], len(acr)), acr); l != "" {
			out = append(out, definition{acr: acr, long: l})
		}
	}
}

// lastWords are the last n words of text (fewer when it has fewer).
func lastWords(text string, n int) []string {
	var out []string
	for len(out) < n {
		text = strings.TrimRightFunc(text, unicode.IsSpace)
		if text == "" {
			break
		}
		start := strings.LastIndexFunc(text, unicode.IsSpace) + 1
		out = append(out, text[start:])
		text = text[:start]
	}
	slices.Reverse(out)
	return out
}

// spelt is the fewest words at the end of before whose letters hold the
// acronym's letters in order, the first the first word's initial ("" when
// none, in as many words as the acronym has letters).
func spelt(before []string, acr string) string {
	letters := acronymLetters(acr)
	if len(letters) < 2 {
		return ""
	}
	for n := 1; n <= min(len(before), len(letters)); n++ {
		words := before[len(before)-n:]
		first, _ := utf8.DecodeRuneInString(strings.TrimLeft(strings.ToLower(words[0]), "\"'“([-"))
		if first != letters[0] {
			continue
		}
		if holdsInOrder(strings.ToLower(strings.Join(words, " ")), letters) {
			return strings.Trim(strings.Join(words, " "), ",.;:\"'“”()[]")
		}
	}
	return ""
}

// holdsInOrder reports whether s holds letters in their order.
func holdsInOrder(s string, letters []rune) bool {
	i := 0
	for _, r := range s {
		if i < len(letters) && r == letters[i] {
			i++
		}
	}
	return i == len(letters)
}

// typedRun is long, lower-cased, when its words are two or more
// consecutive words of the query (its terms a run of typed), else "".
func (ix *Index) typedRun(long string, typed []string) string {
	var terms []string
	for _, t := range ix.english.Analyze([]byte(long)) {
		terms = append(terms, string(t.Term))
	}
	if len(terms) < 2 {
		return ""
	}
	for i := 0; i+len(terms) <= len(typed); i++ {
		if slices.Equal(typed[i:i+len(terms)], terms) {
			return strings.ToLower(long)
		}
	}
	return ""
}

// initial is w's first letter.
func initial(w string) rune {
	r, _ := utf8.DecodeRuneInString(w)
	return r
}
