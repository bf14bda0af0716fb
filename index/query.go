package index

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/paperbot/paperbot/bot/paper"
)

// Limits on what one query may ask for: generous for people, bounded for
// scripts and attackers.
const (
	maxQueryBytes = 2000
	maxQueryTerms = 64
	// maxExclusions bounds the words and phrases excluded (-word,
	// -"phrase"): each is searched over every paper holding it, and 63
	// common words took 2.5 s at 250k papers.
	maxExclusions = 8
)

// parsedQuery is a query in the user query language, read but not yet
// analysed. The language never fails: what it cannot use it ignores with a
// note that says so.
//
//	free words            diffusion language models
//	"exact phrase"        "direct preference optimization"
//	-word, -"phrase"      exclude papers containing them
//	author:name           author:Notin, author:"Pascal Notin"
//	-author:, -cat:       exclude that author's papers, that category's
//	cat:category          cat:cs.LG, cat:cs (any cs.* category)
//	year:YYYY[-YYYY]      year:2024, year:2020-2023
//	since:DATE            since:2024, since:2024-06, since:2024-06-15
//	before:DATE           before:2020
//	sort:ORDER            sort:relevance|recent|trending
//	an arXiv id or URL    2205.13760, https://arxiv.org/abs/2205.13760v2
type parsedQuery struct {
	Words          []string // free words, in order
	Phrases        []string
	ExcludeWords   []string
	ExcludePhrases []string
	Authors        []string
	Cats           []string
	ExcludeAuthors []string
	ExcludeCats    []string
	From, To       time.Time // publication date range; zero = open
	Sort           paper.Sort
	SortSet        bool
	IDs            []string
	Notes          []string

	// filterWords are free words of a topic filter (paper.Query.Filter):
	// required, but hardly ranked.
	filterWords []string
	// trendingOnly keeps papers with a trending score above zero (a
	// trending listing: /papers trending, the digest).
	trendingOnly bool
	// weighted, when set, replaces the analysed free words (an expanded query).
	weighted []termInfo
	// unknownFixed is set on a corrected query that replaced words the index
	// has never seen.
	unknownFixed bool
	// anyWords relaxes a sorted listing's words: any of them may match.
	anyWords bool
	// titleWords, when set, are the words titles are compared with (a
	// corrected query's corrections, without the misspellings searched
	// beside them).
	titleWords []string
	// expansion holds the expansions of acronyms (acronym.go): searched,
	// but not part of what the title is compared with.
	expansion []string
	// forms are the other forms of the free words the papers use
	// (forms.go): searched beside them, weighted below them.
	forms []termInfo
	// names are the words typed as names, searched in author names too.
	names []termInfo
	// scaled weights analysed terms (a misspelling searched beside its
	// correction counts for its share of their frequencies).
	scaled map[string]float64
}

// empty reports whether nothing usable was read: no words, phrases,
// filters, ids or sort order.
func (q *parsedQuery) empty() bool {
	return !q.hasText() && len(q.Authors) == 0 && len(q.Cats) == 0 && len(q.IDs) == 0 &&
		len(q.ExcludeWords) == 0 && len(q.ExcludePhrases) == 0 &&
		len(q.ExcludeAuthors) == 0 && len(q.ExcludeCats) == 0 &&
		q.From.IsZero() && q.To.IsZero() && !q.SortSet
}

// hasText reports whether the query has words or phrases to rank by.
func (q *parsedQuery) hasText() bool { return len(q.Words) > 0 || len(q.Phrases) > 0 }

func (q *parsedQuery) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	for _, have := range q.Notes {
		if have == n {
			return
		}
	}
	q.Notes = append(q.Notes, n)
}

// parseQuery reads the user query language. It never fails and never
// panics, whatever the input.
func parseQuery(s string) *parsedQuery {
	q := &parsedQuery{}
	s = sanitize(s)
	if len(s) > maxQueryBytes {
		cut := maxQueryBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
		q.note("The query was cut to its first %d characters.", utf8.RuneCountInString(s))
	}
	rs := []rune(s)
	i := 0
	terms := 0
	// openQuote is where the words after a quote left open start (-1: no
	// such quote): the note saying what became of them is written once the
	// whole query is read, so that it is true.
	openQuote := -1
	// ignored are the exclusions beyond maxExclusions, as typed.
	var ignored []string
	defer func() {
		if openQuote < 0 {
			return
		}
		if len(q.Words) > openQuote {
			q.note(noteOpenQuoteWords)
		} else {
			q.note(noteOpenQuoteBare)
		}
	}()
	for i < len(rs) {
		for i < len(rs) && unicode.IsSpace(rs[i]) {
			i++
		}
		if i >= len(rs) {
			break
		}
		if terms >= maxQueryTerms {
			q.note("Only the first %d words of the query were used.", maxQueryTerms)
			break
		}
		terms++
		neg := false
		if rs[i] == '-' && i+1 < len(rs) && (rs[i+1] == '"' || isWordRune(rs[i+1])) {
			neg = true
			i++
		}
		if rs[i] == '"' {
			phrase, next, closed := readQuoted(rs, i)
			if !closed {
				// A stray quote (an inch mark, a quote pasted half) is
				// not a phrase: what follows it is read as words.
				if openQuote < 0 {
					openQuote = len(q.Words)
				}
				i++
				continue
			}
			i = next
			phrase = strings.TrimSpace(phrase)
			if phrase == "" {
				q.note("Two quotes with nothing between them were ignored.")
				continue
			}
			if neg {
				ignored = q.excludeText(&q.ExcludePhrases, phrase, `-"`+phrase+`"`, ignored)
			} else {
				q.Phrases = append(q.Phrases, phrase)
			}
			continue
		}
		start := i
		for i < len(rs) && !unicode.IsSpace(rs[i]) && rs[i] != '"' {
			i++
		}
		tok := string(rs[start:i])
		// field:value, where value may be quoted.
		if k := strings.IndexByte(tok, ':'); k > 0 {
			field := strings.ToLower(tok[:k])
			if op, ok := fieldOps[field]; ok {
				val := tok[k+1:]
				if val == "" && i < len(rs) && rs[i] == '"' {
					var closed bool
					val, i, closed = readQuoted(rs, i)
					if !closed {
						q.note("A quote was not closed; read it as closing at the end.")
					}
				}
				val = strings.TrimSpace(val)
				if val == "" {
					q.note("%s: needs a value (like %s); it was ignored.", field, op.example)
					continue
				}
				if neg {
					q.exclude(field, val)
					continue
				}
				op.apply(q, field, val)
				continue
			}
		}
		if id, ok := paper.ParseArxivID(tok); ok && !neg {
			q.IDs = append(q.IDs, id)
			continue
		}
		if l := strings.ToLower(tok); strings.Contains(l, "://") || strings.HasPrefix(l, "www.") {
			// Not a paper link (those are ids above): its words are a
			// web address, not a topic.
			q.note("%s is not a link to a paper on arXiv, Hugging Face or alphaXiv; it was ignored.", shortTok(tok))
			continue
		}
		if paper.IsTitleID(strings.ToLower(tok)) && !neg {
			// An id the bot itself shows for a paper without an arXiv id.
			q.IDs = append(q.IDs, strings.ToLower(tok))
			continue
		}
		if neg {
			ignored = q.excludeText(&q.ExcludeWords, tok, "-"+tok, ignored)
			continue
		}
		q.Words = append(q.Words, tok)
	}
	if len(ignored) > 0 {
		more := ""
		if len(ignored) > 3 {
			ignored, more = ignored[:3], "…"
		}
		q.note("Only the first %d exclusions (-word, -\"phrase\") were used; %s%s were ignored.", maxExclusions, strings.Join(ignored, ", "), more)
	}
	q.dedupe()
	// Words of chat, not of a topic ("diffusion models please"): papers
	// seldom hold them, and a word the index has never seen is searched as
	// its nearest spelling ("please" as "phase"). Dropped while other
	// words remain; a query of nothing else searches them.
	if kept := slices.DeleteFunc(slices.Clone(q.Words), isChatWord); len(kept) > 0 && len(kept) < len(q.Words) {
		q.Words = kept
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		q.note("The dates leave no day: from %s and before %s.", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly))
	}
	return q
}

// excludeText adds v to the excluded words or phrases *to, unless it is
// there already; beyond maxExclusions it adds typed to ignored instead.
func (q *parsedQuery) excludeText(to *[]string, v, typed string, ignored []string) []string {
	if slices.ContainsFunc(*to, func(x string) bool { return sameText(x, v) }) {
		return ignored
	}
	if len(q.ExcludeWords)+len(q.ExcludePhrases) >= maxExclusions {
		return append(ignored, shortTok(typed))
	}
	*to = append(*to, v)
	return ignored
}

// sameText reports whether two words or phrases are one, whatever their
// case and spacing.
func sameText(a, b string) bool { return textKey(a) == textKey(b) }

func textKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// dedupe keeps one of each phrase, exclusion and filter the query repeats
// (whatever the case and spacing): a paper that meets one meets them all.
// Each was searched again: "cat:cs" 64 times over took seconds at 250k
// papers (every repeat an archive's every category), where once takes
// milliseconds. Free words keep their repeats (they rank).
func (q *parsedQuery) dedupe() {
	for _, vs := range []*[]string{&q.Phrases, &q.ExcludePhrases, &q.ExcludeWords, &q.Authors, &q.Cats, &q.ExcludeAuthors, &q.ExcludeCats} {
		seen := make(map[string]bool, len(*vs))
		*vs = slices.DeleteFunc(*vs, func(v string) bool {
			k := textKey(v)
			if seen[k] {
				return true
			}
			seen[k] = true
			return false
		})
	}
}

// chatWords are the words of politeness and greeting a request may hold.
var chatWords = map[string]bool{
	"please": true, "pls": true, "plz": true, "thanks": true, "thank": true, "thx": true,
	"hi": true, "hello": true, "hey": true,
}

// isChatWord reports whether a word is one of chatWords, whatever its case
// and the punctuation around it ("Please", "thanks!").
func isChatWord(w string) bool {
	return chatWords[strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }))]
}

// The notes on a quote left open: words followed it, or none did.
const (
	noteOpenQuoteWords = "A quote was not closed; the words after it were searched as words, not as a phrase."
	noteOpenQuoteBare  = "A quote was not closed and no words follow it; it was ignored."
)

// nothingToSearch is the message for a query with nothing usable in it:
// what it held and why none of it could be searched. Every note in it is
// true of a query that searched nothing (a quote left open did not have
// its words "searched as words" here).
func (q *parsedQuery) nothingToSearch() string {
	msg := "there is nothing to search for in that query"
	if !q.hasText() && len(q.ExcludeAuthors)+len(q.ExcludeCats) > 0 {
		// -cat:hep-th alone: only papers to leave out.
		out := "-cat:" + strings.Join(q.ExcludeCats, " -cat:")
		if len(q.ExcludeCats) == 0 {
			out = "-author:" + strings.Join(q.ExcludeAuthors, " -author:")
		}
		msg += fmt.Sprintf(": it only says which papers to leave out. Add words or a filter to search among the others (like `diffusion %s`)", out)
		if len(q.Notes) == 0 {
			return msg
		}
		return msg + ". " + strings.Join(q.Notes, " ")
	}
	var notes []string
	noise := len(q.Words) > 0 || len(q.Phrases) > 0
	for _, n := range q.Notes {
		if n == noteOpenQuoteWords {
			n = "A quote was not closed, so what follows it is not a phrase."
		}
		notes = append(notes, n)
	}
	switch {
	case noise && len(notes) > 0:
		notes = append(notes, "Very common words such as “the” or “of”, and symbols, are not searched.")
	case len(notes) == 0:
		return msg + " (very common words such as “the” or “of”, and symbols, are not searched)"
	}
	return msg + ". " + strings.Join(notes, " ")
}

// readQuoted reads a "quoted" string starting at rs[i] == '"'. It returns the
// contents, the index after the closing quote, and whether it was closed.
func readQuoted(rs []rune, i int) (string, int, bool) {
	j := i + 1
	for j < len(rs) && rs[j] != '"' {
		j++
	}
	if j >= len(rs) {
		return string(rs[i+1:]), len(rs), false
	}
	return string(rs[i+1 : j]), j + 1, true
}

// shortTok is a token as a note quotes it: at most 80 characters.
func shortTok(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// sanitize makes any input safe to parse: invalid UTF-8 becomes U+FFFD and
// is then dropped with control characters; curly quotes become straight.
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, " ")
	// Composed, as records are (paper.Normalize): an accent typed or
	// pasted as a letter and a combining mark (macOS, PDFs) is the
	// accented letter, and is folded like it.
	s = norm.NFC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '“' || r == '”' || r == '„' || r == '«' || r == '»':
			return '"'
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r) || r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
}

type fieldOp struct {
	example string
	apply   func(q *parsedQuery, field, val string)
}

var fieldOps = map[string]fieldOp{
	"author":   {`author:Hinton or author:"Geoffrey Hinton"`, addAuthor},
	"authors":  {`author:Hinton`, addAuthor},
	"au":       {`au:Hinton`, addAuthor},
	"by":       {`by:Hinton`, addAuthor},
	"cat":      {"cat:cs.LG", addCat},
	"category": {"cat:cs.LG", addCat},
	"year":     {"year:2024 or year:2020-2023", setYear},
	"since":    {"since:2024-06", setSince},
	"after":    {"since:2024-06", setSince},
	"before":   {"before:2020", setBefore},
	"until":    {"before:2020", setBefore},
	"sort":     {"sort:recent", setSort},
	"id":       {"id:2205.13760", addID},
	"arxiv":    {"arxiv:2205.13760", addID},
}

// exclude reads a negated filter: -author: and -cat: leave out that
// author's papers or that category's, -since: is before: and -before: is
// since:; the others cannot be negated.
func (q *parsedQuery) exclude(field, v string) {
	switch field {
	case "author", "authors", "au", "by":
		q.ExcludeAuthors = append(q.ExcludeAuthors, v)
	case "cat", "category":
		q.ExcludeCats = append(q.ExcludeCats, strings.ToLower(v))
	case "since", "after", "before", "until":
		// Leaving out what is since a date keeps what is before it, and
		// the other way round (papers without a date match neither).
		if _, _, ok := partialDate(v); !ok {
			q.note("-%s:%s: %s is not a date (like 2024 or 2024-06-15); it was ignored.", field, v, v)
			return
		}
		as, set := "before", setBefore
		if field == "before" || field == "until" {
			as, set = "since", setSince
		}
		set(q, as, v)
		q.note("-%s:%s was read as %s:%s.", field, v, as, v)
	default:
		q.note("-%s:%s: only author: and cat: can be excluded with a minus; it was ignored.", field, v)
	}
}

func addAuthor(q *parsedQuery, _, v string) { q.Authors = append(q.Authors, v) }

func addCat(q *parsedQuery, _, v string) { q.Cats = append(q.Cats, strings.ToLower(v)) }

func addID(q *parsedQuery, field, v string) {
	if id, ok := paper.ParseArxivID(v); ok {
		q.IDs = append(q.IDs, id)
		return
	}
	if field == "id" {
		q.IDs = append(q.IDs, v)
		return
	}
	q.note("%q is not an arXiv id; it was ignored.", v)
}

func setYear(q *parsedQuery, _, v string) {
	lo, hi, ok := strings.Cut(v, "-")
	if !ok {
		lo, hi, ok = strings.Cut(v, "..")
	}
	if !ok {
		hi = lo
	}
	a, errA := year(lo)
	b, errB := year(hi)
	if errA != nil || errB != nil || b < a {
		q.note("year:%s is not a year or range (like year:2024 or year:2020-2023); it was ignored.", v)
		return
	}
	q.narrowDates(time.Date(a, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(b+1, 1, 1, 0, 0, 0, 0, time.UTC))
}

// narrowDates narrows the query's dates to from (inclusive) and to
// (exclusive), either zero for an open end: date filters, like all
// filters, only ever narrow (year:2024 year:2022 is no year at all).
func (q *parsedQuery) narrowDates(from, to time.Time) {
	if !from.IsZero() && (q.From.IsZero() || from.After(q.From)) {
		q.From = from
	}
	if !to.IsZero() && (q.To.IsZero() || to.Before(q.To)) {
		q.To = to
	}
}

func year(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil || y < 1900 || y > 2200 || len(s) != 4 {
		return 0, fmt.Errorf("bad year")
	}
	return y, nil
}

// partialDate reads YYYY, YYYY-MM or YYYY-MM-DD and returns the first day of
// that period and the first day after it.
func partialDate(s string) (start, end time.Time, ok bool) {
	for _, l := range []struct {
		layout string
		y, m   int
		d      int
	}{{"2006", 1, 0, 0}, {"2006-01", 0, 1, 0}, {"2006-01-02", 0, 0, 1}} {
		if len(s) != len(l.layout) {
			continue
		}
		t, err := time.Parse(l.layout, s)
		if err != nil || t.Year() < 1900 || t.Year() > 2200 {
			return time.Time{}, time.Time{}, false
		}
		return t, t.AddDate(l.y, l.m, l.d), true
	}
	return time.Time{}, time.Time{}, false
}

func setSince(q *parsedQuery, f, v string) {
	t, _, ok := partialDate(v)
	if !ok {
		q.note("%s:%s is not a date (like since:2024 or since:2024-06-15); it was ignored.", f, v)
		return
	}
	q.narrowDates(t, time.Time{})
}

func setBefore(q *parsedQuery, f, v string) {
	t, _, ok := partialDate(v)
	if !ok {
		q.note("%s:%s is not a date (like before:2020); it was ignored.", f, v)
		return
	}
	q.narrowDates(time.Time{}, t)
}

func setSort(q *parsedQuery, _, v string) {
	s, ok := paper.ParseSort(strings.ToLower(v))
	if !ok {
		q.note("sort:%s is not an order (relevance, recent or trending); it was ignored.", v)
		return
	}
	if q.SortSet && q.Sort != s {
		q.note("Two orders were given; the last, sort:%s, was used.", strings.ToLower(v))
	}
	q.Sort, q.SortSet = s, true
}
