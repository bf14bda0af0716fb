package index

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot/paper"
)

func TestParseQuery(t *testing.T) {
	d := func(s string) time.Time {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		in   string
		want parsedQuery
	}{
		{"diffusion language models", parsedQuery{Words: []string{"diffusion", "language", "models"}}},
		{`"direct preference" optimization`, parsedQuery{Words: []string{"optimization"}, Phrases: []string{"direct preference"}}},
		{`“curly quotes”`, parsedQuery{Phrases: []string{"curly quotes"}}},
		{`diffusion -survey -"language model"`, parsedQuery{Words: []string{"diffusion"}, ExcludeWords: []string{"survey"}, ExcludePhrases: []string{"language model"}}},
		{"author:Notin protein", parsedQuery{Words: []string{"protein"}, Authors: []string{"Notin"}}},
		{`protein -author:Notin -by:"Pascal Notin" -cat:CS.LG`, parsedQuery{Words: []string{"protein"}, ExcludeAuthors: []string{"Notin", "Pascal Notin"}, ExcludeCats: []string{"cs.lg"}}},
		{"protein -year:2022", parsedQuery{Words: []string{"protein"}}}, // with a note (below)
		{`author:"Pascal Notin"`, parsedQuery{Authors: []string{"Pascal Notin"}}},
		{"cat:cs.LG AUTHOR:Gal", parsedQuery{Cats: []string{"cs.lg"}, Authors: []string{"Gal"}}},
		{"year:2023", parsedQuery{From: d("2023-01-01"), To: d("2024-01-01")}},
		{"year:2020-2022", parsedQuery{From: d("2020-01-01"), To: d("2023-01-01")}},
		{"since:2024-06 before:2025", parsedQuery{From: d("2024-06-01"), To: d("2025-01-01")}},
		{"sort:recent llm", parsedQuery{Words: []string{"llm"}, Sort: paper.ByRecent, SortSet: true}},
		{"2205.13760", parsedQuery{IDs: []string{"2205.13760"}}},
		{"t-8645f35ed2", parsedQuery{IDs: []string{"t-8645f35ed2"}}},
		{"https://arxiv.org/abs/2205.13760v2", parsedQuery{IDs: []string{"2205.13760"}}},
		{"https://huggingface.co/papers/2509.04664", parsedQuery{IDs: []string{"2509.04664"}}},
		{"hep-th/9901001v1", parsedQuery{IDs: []string{"hep-th/9901001"}}},
		// A field the language does not know is just words.
		{"ratio: 3", parsedQuery{Words: []string{"ratio:", "3"}}},
		// A lone dash is a word, not an exclusion.
		{"a - b", parsedQuery{Words: []string{"a", "-", "b"}}},
		// Words of chat go while others remain.
		{"diffusion models please", parsedQuery{Words: []string{"diffusion", "models"}}},
		{"Hi! papers on protein design, thanks!", parsedQuery{Words: []string{"papers", "on", "protein", "design,"}}},
		{"please", parsedQuery{Words: []string{"please"}}},
		{`"please" diffusion`, parsedQuery{Words: []string{"diffusion"}, Phrases: []string{"please"}}},
	}
	if got := parseQuery("protein -year:2022").Notes; !slices.Equal(got, []string{"-year:2022: only author: and cat: can be excluded with a minus; it was ignored."}) {
		t.Errorf("notes of a negated year: %q", got)
	}
	// Leaving out a date range's papers keeps the other side of it.
	for in, want := range map[string]string{
		"protein -since:2020":     "open 2020-01-01 -since:2020 was read as before:2020.",
		"protein -after:2020-06":  "open 2020-06-01 -after:2020-06 was read as before:2020-06.",
		"protein -before:2019-03": "2019-03-01 open -before:2019-03 was read as since:2019-03.",
		"protein -until:2019":     "2019-01-01 open -until:2019 was read as since:2019.",
		"protein -since:soon":     "open open -since:soon: soon is not a date (like 2024 or 2024-06-15); it was ignored.",
	} {
		q := parseQuery(in)
		from, to := "open", "open"
		if !q.From.IsZero() {
			from = q.From.Format(time.DateOnly)
		}
		if !q.To.IsZero() {
			to = q.To.Format(time.DateOnly)
		}
		if got := from + " " + to + " " + strings.Join(q.Notes, " | "); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	for _, tt := range tests {
		got := parseQuery(tt.in)
		got.Notes = nil
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("parseQuery(%q)\n got  %+v\n want %+v", tt.in, *got, tt.want)
		}
	}
}

// Date filters only ever narrow: each one given keeps what all of them
// allow, in any order.
func TestParseQueryDatesNarrow(t *testing.T) {
	for in, want := range map[string]string{
		"year:2020-2024 year:2022":                 "2022-01-01 2023-01-01",
		"year:2022 year:2020-2024":                 "2022-01-01 2023-01-01",
		"since:2021 year:2020-2024":                "2021-01-01 2025-01-01",
		"before:2023-06 since:2021 year:2022-2024": "2022-01-01 2023-06-01",
		"since:2020 since:2022":                    "2022-01-01 open",
	} {
		q := parseQuery(in)
		to := "open"
		if !q.To.IsZero() {
			to = q.To.Format(time.DateOnly)
		}
		if got := q.From.Format(time.DateOnly) + " " + to; got != want {
			t.Errorf("%q: from %s, want %s", in, got, want)
		}
	}
}

func TestParseQueryNotes(t *testing.T) {
	tests := []struct {
		in       string
		wantNote string
	}{
		{`author:`, "author: needs a value"},
		{`"unclosed phrase`, "quote was not closed"},
		{`year:20x4`, "year:20x4 is not a year"},
		{`year:2025-2020`, "is not a year or range"},
		{`since:yesterday`, "is not a date"},
		{`sort:popular`, "is not an order"},
		{`arxiv:notanid`, "is not an arXiv id"},
		{`https://example.com/foo`, "https://example.com/foo is not a link to a paper"},
		{strings.Repeat("word ", 100), "first 64 words"},
		{strings.Repeat("x", 10000), "cut to its first 2000 characters"},
		{`diffusion sort:recent sort:trending`, "Two orders were given; the last, sort:trending, was used."},
		{`year:2024 year:2022`, "The dates leave no day: from 2024-01-01 and before 2023-01-01."},
		{`since:2024 before:2023`, "The dates leave no day"},
	}
	for _, tt := range tests {
		q := parseQuery(tt.in)
		if !strings.Contains(strings.Join(q.Notes, " | "), tt.wantNote) {
			t.Errorf("parseQuery(%.40q) notes %q, want one containing %q", tt.in, q.Notes, tt.wantNote)
		}
	}
}

// An unclosed quote is not a phrase: a stray or half-pasted quote would
// otherwise turn the rest of a long request into one phrase that matches
// nothing. Its words are searched as words, and the answer says so.
func TestParseQueryUnclosedQuoteIsWords(t *testing.T) {
	q := parseQuery(`"inference-time retrieval`)
	if len(q.Phrases) != 0 || !reflect.DeepEqual(q.Words, []string{"inference-time", "retrieval"}) {
		t.Errorf("phrases %q words %q", q.Phrases, q.Words)
	}
	if !strings.Contains(strings.Join(q.Notes, " "), "searched as words") {
		t.Errorf("notes %q", q.Notes)
	}
	if q := parseQuery(`"`); len(q.Phrases)+len(q.Words) != 0 {
		t.Errorf("a lone quote gave %+v", q)
	}
	// Apostrophes are not quotes.
	for _, s := range []string{"I'd like papers on singular value decomposition", "I’d like papers", "don't want the entire literature"} {
		if q := parseQuery(s); len(q.Phrases) != 0 || len(q.Notes) != 0 {
			t.Errorf("%q: phrases %q notes %q", s, q.Phrases, q.Notes)
		}
	}
}

func TestSanitize(t *testing.T) {
	in := "ok\x00\x07 \xff\xfe tab\there\n"
	got := sanitize(in)
	if !utf8.ValidString(got) || strings.ContainsAny(got, "\x00\x07\t\n") {
		t.Errorf("sanitize(%q) = %q", in, got)
	}
	if !strings.Contains(got, "ok") || !strings.Contains(got, "tab here") {
		t.Errorf("sanitize lost text: %q", got)
	}
}

func TestOSADistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{
		{"tranceptoin", "tranception", 1},
		{"difusion", "diffusion", 1},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"same", "same", 0},
	} {
		if got := osaDistance(tt.a, tt.b); got != tt.d {
			t.Errorf("osaDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}

// FuzzParseQuery: any input is read without panicking, within bounds, into
// valid UTF-8.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", `"`, `-"`, "-", "author:", `author:"`, "cat:", "year:", "year:-", "since:2024-13",
		"https://arxiv.org/abs/2205.13760v2", "\xff\xfe", "a\x00b", strings.Repeat(`"a" `, 50),
		"sort:recent sort:trending", `-"x" -y author:"Pascal Notin" cat:cs year:2020..2021`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := parseQuery(s)
		n := len(q.Words) + len(q.Phrases) + len(q.ExcludeWords) + len(q.ExcludePhrases) + len(q.Authors) + len(q.Cats) + len(q.IDs)
		if n > maxQueryTerms+10 {
			t.Fatalf("%d parts from %d bytes", n, len(s))
		}
		for _, part := range [][]string{q.Words, q.Phrases, q.ExcludeWords, q.ExcludePhrases, q.Authors, q.Cats} {
			for _, w := range part {
				if !utf8.ValidString(w) || strings.TrimSpace(w) == "" {
					t.Fatalf("bad part %q of %q", w, s)
				}
			}
		}
	})
}

// A filter, phrase or exclusion repeated is kept once: each repeat was
// searched again ("cat:cs" 64 times over took 8.8 s at 250k papers, on a
// loaded machine, where once takes 3 ms; "-cat:cs" 63 times 10.5 s; a
// phrase 32 times 1.7 s and 229 MiB). Free words keep their repeats.
func TestParseQueryRepeatsKeptOnce(t *testing.T) {
	rep := func(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }
	q := parseQuery(rep("cat:cs", 30) + " " + rep("CAT:CS", 3) + " " + rep("-cat:math", 5) + " " + rep(`"model  learning"`, 8) + ` "Model learning" ` +
		rep(`-"a b"`, 4) + " " + rep("-survey", 4) + " " + rep("author:Notin", 3) + " author:notin " + rep("-author:Ng", 3) + " model model")
	want := &parsedQuery{
		Words:          []string{"model", "model"},
		Phrases:        []string{"model  learning"},
		ExcludePhrases: []string{"a b"},
		ExcludeWords:   []string{"survey"},
		Authors:        []string{"Notin"},
		Cats:           []string{"cs"},
		ExcludeAuthors: []string{"Ng"},
		ExcludeCats:    []string{"math"},
	}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("parsed\n%+v\nwant\n%+v", q, want)
	}
}

// At most maxExclusions words and phrases are excluded, the first typed;
// the others are ignored with a note. Each is searched over every paper
// that holds it: 63 common words excluded took 2.5 s at 250k papers, 31
// common phrases 3.3 s and 222 MiB.
func TestParseQueryExclusionsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("model")
	for i := range 12 {
		if i%3 == 0 {
			fmt.Fprintf(&b, ` -"w%d x"`, i)
		} else {
			fmt.Fprintf(&b, " -w%d", i)
		}
	}
	q := parseQuery(b.String() + " learning")
	if got := len(q.ExcludeWords) + len(q.ExcludePhrases); got != maxExclusions {
		t.Errorf("%d exclusions kept (%v, %v), want %d", got, q.ExcludeWords, q.ExcludePhrases, maxExclusions)
	}
	if !slices.Equal(q.ExcludePhrases, []string{"w0 x", "w3 x", "w6 x"}) || q.ExcludeWords[0] != "w1" || q.ExcludeWords[len(q.ExcludeWords)-1] != "w7" {
		t.Errorf("kept %v and %v, want the first %d typed", q.ExcludeWords, q.ExcludePhrases, maxExclusions)
	}
	if !slices.Equal(q.Words, []string{"model", "learning"}) {
		t.Errorf("words %v", q.Words)
	}
	if len(q.Notes) != 1 || !strings.HasPrefix(q.Notes[0], "Only the first 8 exclusions") || !strings.Contains(q.Notes[0], `-w8`) || !strings.Contains(q.Notes[0], `-"w9 x"`) {
		t.Errorf("notes %q, want one saying which exclusions were ignored", q.Notes)
	}
}
