package paper

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	in := Paper{
		ID:    " arXiv:2205.13760v3 ",
		Title: "  Tranception:\n  protein fitness prediction\twith autoregressive transformers ",
		// Hard-wrapped as in the arXiv snapshot.
		Abstract: "The ability to accurately model the fitness landscape\nof protein sequences is critical\r\n  to a wide range of applications.\n",
		Authors:  []string{" Pascal Notin ", "Mafalda\nDias", "", "Pascal Notin", "Yarin Gal"},
		// Duplicates and blanks go; order stays.
		Categories: []string{"cs.LG", " q-bio.BM", "cs.LG", "  "},
		Keywords:   []string{"protein", "protein"},
		Published:  "2022-05-27T17:59:49Z",
		Updated:    "Mon, 2 Jan 2023 10:00:00 GMT",
		CodeURL:    " https://github.com/OATML-Markslab/Tranception ",
		Source:     " huggingface ",
		Upvotes:    3,
	}
	p := in
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	want := Paper{
		ID:         "2205.13760",
		Title:      "Tranception: protein fitness prediction with autoregressive transformers",
		Abstract:   "The ability to accurately model the fitness landscape of protein sequences is critical to a wide range of applications.",
		Authors:    []string{"Pascal Notin", "Mafalda Dias", "Yarin Gal"},
		Categories: []string{"cs.LG", "q-bio.BM"},
		Keywords:   []string{"protein"},
		Published:  "2022-05-27",
		Updated:    "2023-01-02",
		URL:        "https://arxiv.org/abs/2205.13760",
		PDFURL:     "https://arxiv.org/pdf/2205.13760",
		CodeURL:    "https://github.com/OATML-Markslab/Tranception",
		Source:     "huggingface",
		Upvotes:    3,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Normalize:\n got %+v\nwant %+v", p, want)
	}
	// Normalising twice changes nothing.
	q := p
	q.Authors = append([]string(nil), p.Authors...)
	if err := q.Normalize(); err != nil || !reflect.DeepEqual(q, p) {
		t.Errorf("second Normalize: %v\n got %+v\nwant %+v", err, q, p)
	}
	// The caller's slices are not rewritten in place.
	if in.Authors[0] != " Pascal Notin " {
		t.Errorf("Normalize changed the input slice: %q", in.Authors)
	}
}

func TestNormalizeIDs(t *testing.T) {
	cases := []struct {
		name    string
		in      Paper
		wantID  string
		wantURL string
		wantPDF string
	}{
		{"versioned new style", Paper{ID: "2509.04664v2", Title: "x"}, "2509.04664", "https://arxiv.org/abs/2509.04664", "https://arxiv.org/pdf/2509.04664"},
		{"old style with subject class", Paper{ID: "math.GT/0309136v1", Title: "x"}, "math/0309136", "https://arxiv.org/abs/math/0309136", "https://arxiv.org/pdf/math/0309136"},
		{"URL as id", Paper{ID: "https://huggingface.co/papers/2509.04664", Title: "x"}, "2509.04664", "https://arxiv.org/abs/2509.04664", "https://arxiv.org/pdf/2509.04664"},
		{"links given are kept", Paper{ID: "2509.04664", Title: "x", URL: "https://example.org/p", PDFURL: "http://example.org/p.pdf"}, "2509.04664", "https://example.org/p", "http://example.org/p.pdf"},
		{"other ids kept", Paper{ID: "cran-42", Title: "x"}, "cran-42", "", ""},
		{"no id: derived from the title", Paper{Title: "Attention Is All You Need"}, TitleID("Attention Is All You Need"), "", ""},
		{"blank id: derived from the folded title", Paper{ID: "  ", Title: " Attention  is all\nyou need "}, TitleID("Attention Is All You Need"), "", ""},
	}
	for _, c := range cases {
		p := c.in
		if err := p.Normalize(); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if p.ID != c.wantID || p.URL != c.wantURL || p.PDFURL != c.wantPDF {
			t.Errorf("%s: id %q url %q pdf %q; want %q %q %q", c.name, p.ID, p.URL, p.PDFURL, c.wantID, c.wantURL, c.wantPDF)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	many := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = "item " + strconv.Itoa(i)
		}
		return s
	}
	cases := []struct {
		name  string
		p     Paper
		field string
		msg   string // a part of the message
	}{
		{"missing title", Paper{Abstract: "x"}, "title", "missing"},
		{"blank title", Paper{Title: " \n\t "}, "title", "missing"},
		{"title too long", Paper{Title: long(MaxTitle + 1)}, "title", "too long"},
		{"abstract too long", Paper{Title: "t", Abstract: long(MaxAbstract + 1)}, "abstract", "too long"},
		{"ai_summary too long", Paper{Title: "t", AISummary: long(MaxAbstract + 1)}, "ai_summary", "too long"},
		{"title invalid UTF-8", Paper{Title: "ab\xffc"}, "title", "invalid UTF-8 at byte 2"},
		{"invalid UTF-8 after a real U+FFFD", Paper{Title: "a\uFFFDb\xc3"}, "title", "invalid UTF-8 at byte 5"},
		{"abstract invalid UTF-8", Paper{Title: "t", Abstract: "\xc3\x28"}, "abstract", "invalid UTF-8 at byte 0"},
		{"title control character", Paper{Title: "a\x00b"}, "title", "control character U+0000 at byte 1"},
		{"title escape sequence", Paper{Title: "\x1b[31mred"}, "title", "control character U+001B"},
		{"abstract DEL", Paper{Title: "t", Abstract: "x\x7f"}, "abstract", "control character U+007F"},
		{"abstract C1 control", Paper{Title: "t", Abstract: "x\u009b"}, "abstract", "control character U+009B"},
		{"ai_summary control", Paper{Title: "t", AISummary: "\x07"}, "ai_summary", "control character"},
		{"id control", Paper{Title: "t", ID: "a\x01"}, "id", "control character"},
		{"id invalid UTF-8", Paper{Title: "t", ID: "\xff"}, "id", "invalid UTF-8"},
		{"id with space", Paper{Title: "t", ID: "two words"}, "id", "is not an id"},
		{"id too long", Paper{Title: "t", ID: long(201)}, "id", "is not an id"},
		{"author control", Paper{Title: "t", Authors: []string{"ok", "b\x00d"}}, "authors", "control character"},
		{"author invalid UTF-8", Paper{Title: "t", Authors: []string{"\xff"}}, "authors", "invalid UTF-8"},
		{"author too long", Paper{Title: "t", Authors: []string{long(MaxItem + 1)}}, "authors", "too long"},
		{"too many authors", Paper{Title: "t", Authors: many(MaxAuthors + 1)}, "authors", "too many"},
		{"category control", Paper{Title: "t", Categories: []string{"cs.LG\x1b"}}, "categories", "control character"},
		{"too many categories", Paper{Title: "t", Categories: many(MaxListItems + 1)}, "categories", "too many"},
		{"keyword invalid UTF-8", Paper{Title: "t", Keywords: []string{"\xc0"}}, "ai_keywords", "invalid UTF-8"},
		{"bad published", Paper{Title: "t", Published: "yesterday"}, "published", `"yesterday" is not a date`},
		{"impossible date", Paper{Title: "t", Published: "2024-02-30"}, "published", "not a date"},
		{"month 13", Paper{Title: "t", Updated: "2024-13-01"}, "updated", "not a date"},
		{"year out of range", Paper{Title: "t", Published: "0001-01-01"}, "published", "out of range"},
		{"slashed date", Paper{Title: "t", Updated: "01/02/2024"}, "updated", "not a date"},
		{"negative upvotes", Paper{Title: "t", Upvotes: -1}, "upvotes", "negative"},
		{"negative stars", Paper{Title: "t", Stars: -5}, "stars", "negative"},
		{"negative comments", Paper{Title: "t", Comments: -2}, "comments", "negative"},
		{"negative replies", Paper{Title: "t", Replies: -3}, "replies", "negative"},
		{"negative rank", Paper{Title: "t", Rank: -1}, "rank", "negative"},
		{"ftp url", Paper{Title: "t", URL: "ftp://example.org/x"}, "url", "not an http(s) URL"},
		{"javascript url", Paper{Title: "t", CodeURL: "javascript:alert(1)"}, "code_url", "not an http(s) URL"},
		{"relative url", Paper{Title: "t", PDFURL: "/pdf/2509.04664"}, "pdf_url", "not an http(s) URL"},
		{"schemeless url", Paper{Title: "t", ProjectURL: "example.org"}, "project_url", "not an http(s) URL"},
		{"url without host", Paper{Title: "t", URL: "https:///abs/1"}, "url", "not an http(s) URL"},
		{"url with a space", Paper{Title: "t", URL: "https://example.org/a b"}, "url", "not an http(s) URL"},
		{"url with a newline", Paper{Title: "t", URL: "https://example.org/a\nb"}, "url", "not an http(s) URL"},
		{"url with a control character", Paper{Title: "t", URL: "https://example.org/\x00"}, "url", "control character"},
		{"url too long", Paper{Title: "t", URL: "https://example.org/" + long(MaxURL)}, "url", "too long"},
		{"source control", Paper{Title: "t", Source: "arxiv\x00"}, "source", "control character"},
	}
	for _, c := range cases {
		p := c.p
		err := p.Normalize()
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a *FieldError", c.name, err)
			continue
		}
		if fe.Field != c.field || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%s: %q, want field %q and a message with %q", c.name, fe, c.field, c.msg)
		}
		if !strings.HasPrefix(err.Error(), c.field+": ") {
			t.Errorf("%s: Error() = %q does not start with the field", c.name, err)
		}
		// Messages quote at most a short prefix of the value.
		if len(fe.Msg) > 200 {
			t.Errorf("%s: message of %d bytes", c.name, len(fe.Msg))
		}
	}
}

// A record wrong in several fields is told of every one, each once, in
// the order Normalize checks them.
func TestNormalizeNamesEveryBadField(t *testing.T) {
	p := Paper{
		Title:     "bad\x00title" + strings.Repeat("t", MaxTitle),
		Published: "yesterday",
		CodeURL:   "ftp://example.org/code",
		Stars:     -3,
		Authors:   []string{"A. One", "Two\x01"},
	}
	err := p.Normalize()
	var fes FieldErrors
	if !errors.As(err, &fes) {
		t.Fatalf("error %v (%T), want FieldErrors", err, err)
	}
	var fields []string
	for _, fe := range fes {
		fields = append(fields, fe.Field)
	}
	if want := "title authors published code_url stars"; strings.Join(fields, " ") != want {
		t.Errorf("fields %q, want %q", fields, want)
	}
	var first *FieldError
	if !errors.As(err, &first) || first.Field != "title" || !strings.Contains(first.Msg, "control character") {
		t.Errorf("errors.As gives %v, want the title's control character", first)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "title: ") || !strings.Contains(msg, "; published: ") || strings.Contains(msg, "\n") {
		t.Errorf("Error() = %q", msg)
	}
	// One bad field is still a *FieldError of its own.
	q := Paper{Title: "t", Stars: -1}
	if _, many := q.Normalize().(FieldErrors); many {
		t.Error("one bad field gave FieldErrors")
	}
}

// The largest accepted values still pass.
func TestNormalizeLimits(t *testing.T) {
	p := Paper{
		Title:     strings.Repeat("t", MaxTitle),
		Abstract:  strings.Repeat("a", MaxAbstract),
		AISummary: strings.Repeat("s", MaxAbstract),
		Authors:   []string{strings.Repeat("n", MaxItem)},
		URL:       "https://example.org/" + strings.Repeat("u", MaxURL-len("https://example.org/")),
		// Tabs, newlines, NEL and NBSP are white space, not control characters.
		Categories: []string{"cs.LG\t", "\u0085cs.CL\u00a0"},
	}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	if len(p.Categories) != 2 || p.Categories[1] != "cs.CL" {
		t.Errorf("categories %q", p.Categories)
	}
}

func TestParseDate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"2025-09-05", "2025-09-05"},
		{" 2025-09-05\n", "2025-09-05"},
		{"2025-09-05T17:59:49Z", "2025-09-05"},
		{"2025-09-05T17:59:49.123Z", "2025-09-05"},
		{"2025-09-05T23:30:00-05:00", "2025-09-05"}, // the date where it was written
		{"2025-09-05T17:59:49", "2025-09-05"},
		{"2025-09-05 17:59:49", "2025-09-05"},
		// RFC 1123, as the arXiv snapshot's versions[].created: one- and
		// two-digit days, zone names and numeric offsets.
		{"Mon, 2 Apr 2007 19:18:42 GMT", "2007-04-02"},
		{"Tue, 24 Jul 2007 20:10:27 GMT", "2007-07-24"},
		{"Mon, 02 Apr 2007 19:18:42 GMT", "2007-04-02"},
		{"Mon, 2 Apr 2007 19:18:42 +0000", "2007-04-02"},
		{"Fri, 1 Jan 1993 00:00:00 GMT", "1993-01-01"},
		// Not dates.
		{"2025-9-5", "!"},
		{"2025-02-30", "!"},
		{"2025-13-01", "!"},
		{"2025-00-10", "!"},
		{"05/09/2025", "!"},
		{"September 5, 2025", "!"},
		{"2025", "!"},
		{"1899-12-31", "!"},
		{"2201-01-01", "!"},
		{"2025-09-05x", "!"},
		{"\xff", "!"},
		{strings.Repeat("9", 10000), "!"},
	}
	for _, c := range cases {
		got, err := ParseDate(c.in)
		if c.want == "!" {
			if err == nil {
				t.Errorf("ParseDate(%.40q) = %q, want an error", c.in, got)
			} else if len(err.Error()) > 120 {
				t.Errorf("ParseDate: error of %d bytes quotes too much", len(err.Error()))
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestFoldSpace(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"  lead and trail  ", "lead and trail"},
		{"hard\nwrapped\r\nlines", "hard wrapped lines"},
		{"tabs\tand  doubles", "tabs and doubles"},
		{"nbsp\u00a0and\u2003em space", "nbsp and em space"},
		{"\n\n", ""},
	}
	for _, c := range cases {
		if got := FoldSpace(c.in); got != c.want {
			t.Errorf("FoldSpace(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMerge(t *testing.T) {
	// What the arXiv snapshot knows, then what Hugging Face adds.
	arxiv := Paper{
		ID: "2509.04664", Title: "A paper", Abstract: "The full abstract of the paper, with every sentence.",
		Authors:    []string{"A. One", "B. Two", "C. Three"},
		Categories: []string{"cs.LG", "cs.CL"},
		Published:  "2025-09-04", Updated: "2025-09-05",
		URL: "https://arxiv.org/abs/2509.04664", PDFURL: "https://arxiv.org/pdf/2509.04664",
		Source: "arxiv", Upvotes: 0, Stars: 10, Comments: 2, Replies: 4,
	}
	hf := Paper{
		ID: "2509.04664", Title: "A Paper",
		Abstract:  "The full abstract of the paper, with…", // truncated by a listing
		Authors:   []string{"A. One"},                      // first author only
		Published: "2025-09-05", Updated: "2025-09-04",
		CodeURL: "https://github.com/x/y", ProjectURL: "https://x.github.io/y",
		AISummary: "A summary.", Keywords: []string{"llm"},
		Source: "huggingface", Upvotes: 42, Stars: 7, Comments: 1, Rank: 3,
	}
	got := Merge(arxiv, hf)
	want := Paper{
		ID: "2509.04664", Title: "A Paper",
		Abstract:   arxiv.Abstract,
		Authors:    arxiv.Authors,
		Categories: []string{"cs.LG", "cs.CL"},
		Published:  "2025-09-04", Updated: "2025-09-05",
		URL: "https://arxiv.org/abs/2509.04664", PDFURL: "https://arxiv.org/pdf/2509.04664",
		CodeURL: "https://github.com/x/y", ProjectURL: "https://x.github.io/y",
		AISummary: "A summary.", Keywords: []string{"llm"},
		Source: "arxiv,huggingface", Upvotes: 42, Stars: 10, Comments: 2, Replies: 4, Rank: 3,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge(arxiv, hf):\n got %+v\nwant %+v", got, want)
	}

	// The other way round: the full text and list replace the short ones,
	// and an older record's counters are not lost to a lagging source.
	got = Merge(hf, arxiv)
	if got.Abstract != arxiv.Abstract || !reflect.DeepEqual(got.Authors, arxiv.Authors) {
		t.Errorf("Merge(hf, arxiv) abstract %q authors %q", got.Abstract, got.Authors)
	}
	if got.Upvotes != 42 || got.Stars != 10 || got.Comments != 2 || got.Replies != 4 || got.Rank != 3 {
		t.Errorf("Merge(hf, arxiv) counters %d %d %d %d rank %d", got.Upvotes, got.Stars, got.Comments, got.Replies, got.Rank)
	}
	if got.Source != "huggingface,arxiv" || got.Published != "2025-09-04" || got.Updated != "2025-09-05" {
		t.Errorf("Merge(hf, arxiv) source %q published %q updated %q", got.Source, got.Published, got.Updated)
	}
	if got.CodeURL != hf.CodeURL || got.AISummary != hf.AISummary {
		t.Errorf("Merge(hf, arxiv) lost %q %q", got.CodeURL, got.AISummary)
	}

	// Sources are united without duplicates, whatever the spacing.
	if got := Merge(Paper{Source: "arxiv, huggingface"}, Paper{Source: "huggingface,trending"}).Source; got != "arxiv,huggingface,trending" {
		t.Errorf("sources %q", got)
	}
	if got := Merge(Paper{}, Paper{}).Source; got != "" {
		t.Errorf("no sources: %q", got)
	}
	// A new, different abstract and a different author list do replace.
	got = Merge(arxiv, Paper{Abstract: "A revised abstract.", Authors: []string{"A. One", "D. Four"}})
	if got.Abstract != "A revised abstract." || !reflect.DeepEqual(got.Authors, []string{"A. One", "D. Four"}) {
		t.Errorf("revision not taken: %q %q", got.Abstract, got.Authors)
	}
	// Empty fields of the new record erase nothing.
	got = Merge(arxiv, Paper{ID: arxiv.ID})
	if got.Title != arxiv.Title || got.Abstract != arxiv.Abstract || got.URL != arxiv.URL || got.Published != arxiv.Published ||
		!reflect.DeepEqual(got.Authors, arxiv.Authors) || !reflect.DeepEqual(got.Categories, arxiv.Categories) {
		t.Errorf("empty record erased fields: %+v", got)
	}
	// A first publication date fills an empty one.
	if got := Merge(Paper{}, Paper{Published: "2020-01-01"}); got.Published != "2020-01-01" {
		t.Errorf("published %q", got.Published)
	}
	// Merge does not write into its arguments' slices.
	a := Paper{Categories: make([]string, 1, 10)}
	a.Categories[0] = "cs.LG"
	_ = Merge(a, Paper{Categories: []string{"cs.CL"}})
	if full := a.Categories[:2]; full[1] != "" {
		t.Errorf("Merge appended into the old record's array: %q", full)
	}
}

func TestLinks(t *testing.T) {
	cases := []struct {
		name string
		p    Paper
		want []Link
	}{
		{"new-style arXiv paper", Paper{ID: "2509.04664", URL: "https://arxiv.org/abs/2509.04664", PDFURL: "https://arxiv.org/pdf/2509.04664", CodeURL: "https://github.com/x/y", ProjectURL: "https://x.github.io/y"}, []Link{
			{"Abstract", "https://arxiv.org/abs/2509.04664"},
			{"PDF", "https://arxiv.org/pdf/2509.04664"},
			{"Code", "https://github.com/x/y"},
			{"Project", "https://x.github.io/y"},
			{"Hugging Face", "https://huggingface.co/papers/2509.04664"},
			{"alphaXiv", "https://www.alphaxiv.org/abs/2509.04664"},
		}},
		// Hugging Face has pages for new-style ids only.
		{"old-style arXiv paper", Paper{ID: "hep-th/9901001", URL: "https://arxiv.org/abs/hep-th/9901001"}, []Link{
			{"Abstract", "https://arxiv.org/abs/hep-th/9901001"},
			{"alphaXiv", "https://www.alphaxiv.org/abs/hep-th/9901001"},
		}},
		{"not on arXiv", Paper{ID: "t-0123456789", CodeURL: "https://github.com/x/y"}, []Link{{"Code", "https://github.com/x/y"}}},
		{"nothing", Paper{ID: "cran-1"}, nil},
	}
	for _, c := range cases {
		if got := c.p.Links(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Links() =\n %v\nwant\n %v", c.name, got, c.want)
		}
	}
	// Normalize fills the arXiv links, so a record with only an id gets all.
	p := Paper{ID: "2205.13760v1", Title: "Tranception"}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	if got := len(p.Links()); got != 4 {
		t.Errorf("normalised arXiv record has %d links: %v", got, p.Links())
	}
}

func TestYear(t *testing.T) {
	for in, want := range map[string]int{"2025-09-05": 2025, "1993-01-01": 1993, "": 0, "20": 0} {
		if got := (&Paper{Published: in}).Year(); got != want {
			t.Errorf("Year(%q) = %d, want %d", in, got, want)
		}
	}
}

// The documented JSON Lines field names: only title is required, unknown
// fields are ignored, empty fields are left out.
func TestJSONFormat(t *testing.T) {
	line := `{"id":"2509.04664v2","title":"T","abstract":"A","authors":["X"],"categories":["cs.LG"],` +
		`"published":"2025-09-05","updated":"2025-09-06","url":"https://arxiv.org/abs/2509.04664",` +
		`"pdf_url":"https://arxiv.org/pdf/2509.04664","code_url":"https://github.com/x/y","source":"arxiv",` +
		`"upvotes":1,"stars":2,"comments":3,"unknown_field":{"nested":true}}`
	var p Paper
	if err := json.Unmarshal([]byte(line), &p); err != nil {
		t.Fatal(err)
	}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	if p.ID != "2509.04664" || p.Title != "T" || p.Abstract != "A" || p.Authors[0] != "X" || p.Categories[0] != "cs.LG" ||
		p.Published != "2025-09-05" || p.Updated != "2025-09-06" || p.CodeURL != "https://github.com/x/y" ||
		p.Source != "arxiv" || p.Upvotes != 1 || p.Stars != 2 || p.Comments != 3 {
		t.Errorf("decoded %+v", p)
	}
	out, err := json.Marshal(Paper{Title: "Only a title"})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"title":"Only a title"}` {
		t.Errorf("minimal record encodes as %s", out)
	}
}

// FuzzTextChecks: the ASCII fast paths of checkText and FoldSpace agree
// with the rune-by-rune definitions (unicode.IsControl, strings.Fields).
func FuzzTextChecks(f *testing.F) {
	for _, s := range []string{"", "plain text", " lead", "trail ", "two  spaces", "tab\there", "bell\a", "del\x7f",
		"nbsp\u00a0x", "next line\u0085x", "c1 \u0090", "caf\u00e9 \tau", "\xff bad", "x\x00y", "a\vb\fc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := checkText(s), checkRunes(s)
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Fatalf("checkText(%q) = %v, rune by rune %v", s, got, want)
		}
		if got, want := FoldSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("FoldSpace(%q) = %q, want %q", s, got, want)
		}
	})
}

// A paper merged from copies under other ids keeps them as its aliases:
// Merge unites them (never the paper's own id), Normalize reads them as
// ids are read, and IDs lists them after the paper's id.
func TestAliases(t *testing.T) {
	tid := TitleID("A paper")
	got := Merge(Paper{ID: "2509.04664", Aliases: []string{tid}}, Paper{ID: "2509.04664", Aliases: []string{"2509.04664", tid, "1909.0599"}})
	if want := []string{tid, "1909.0599"}; !reflect.DeepEqual(got.Aliases, want) {
		t.Errorf("merged aliases %q, want %q", got.Aliases, want)
	}
	if want := []string{"2509.04664", tid, "1909.0599"}; !reflect.DeepEqual(got.IDs(), want) {
		t.Errorf("IDs %q, want %q", got.IDs(), want)
	}
	if got := Merge(Paper{ID: "x"}, Paper{ID: "x"}); got.Aliases != nil {
		t.Errorf("no aliases merged into %q", got.Aliases)
	}

	p := Paper{ID: "2509.04664v2", Title: "A paper", Aliases: []string{" " + tid, "", "arXiv:2509.04664", tid, "https://arxiv.org/abs/2001.00001v3"}}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	if want := []string{tid, "2001.00001"}; !reflect.DeepEqual(p.Aliases, want) {
		t.Errorf("normalised aliases %q, want %q", p.Aliases, want)
	}
	p = Paper{Title: "T", Aliases: []string{"two words"}}
	var fe *FieldError
	if err := p.Normalize(); !errors.As(err, &fe) || fe.Field != "aliases" {
		t.Errorf("an alias with a space: %v", err)
	}
	var line Paper
	if err := json.Unmarshal([]byte(`{"title":"T","aliases":["`+tid+`"]}`), &line); err != nil || !reflect.DeepEqual(line.Aliases, []string{tid}) {
		t.Errorf("JSON aliases %q (%v)", line.Aliases, err)
	}
}
