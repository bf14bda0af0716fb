package sources_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
)

// parseAll parses input and returns the records and the rejects.
func parseAll(t *testing.T, input []byte, name string, f sources.Format) ([]paper.Paper, []*sources.RecordError) {
	t.Helper()
	var ps []paper.Paper
	var rej []*sources.RecordError
	err := sources.Parse(context.Background(), bytes.NewReader(input), name, f, sources.Handler{
		Paper:  func(p paper.Paper) error { ps = append(ps, p); return nil },
		Reject: func(e *sources.RecordError) { rej = append(rej, e) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return ps, rej
}

// The arXiv metadata snapshot's own format: authors and categories as
// strings, versions[].created in RFC 1123 (with a one-digit day), a text
// "comments" note, update_date, hard-wrapped text and LaTeX accents.
func TestParseSnapshot(t *testing.T) {
	ps, rej := parseAll(t, fixture(t, "snapshot.jsonl"), "snapshot.jsonl", sources.Auto)
	if len(rej) != 0 {
		t.Fatalf("rejected: %v", rej)
	}
	if len(ps) != 5 {
		t.Fatalf("%d records, want 5", len(ps))
	}
	want := paper.Paper{
		ID:         "0704.0001",
		Title:      "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies",
		Abstract:   "A fully differential calculation in perturbative quantum chromodynamics is presented for the production of massive photon pairs at hadron colliders.",
		Authors:    []string{"C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"},
		Categories: []string{"hep-ph"},
		Published:  "2007-04-02",
		Updated:    "2008-11-13",
		URL:        "https://arxiv.org/abs/0704.0001",
		PDFURL:     "https://arxiv.org/pdf/0704.0001",
		Source:     "arxiv",
	}
	if !equalPaper(ps[0], want) {
		t.Errorf("record:\n got %+v\nwant %+v", ps[0], want)
	}
	if p := ps[1]; p.ID != "hep-th/9711200" || p.Published != "1997-11-27" {
		t.Errorf("old-style record %s published %s", p.ID, p.Published)
	}
	if p := ps[2]; !slices.Equal(p.Categories, []string{"cs.CL", "cs.LG"}) || len(p.Authors) != 8 || p.Authors[5] != "Aidan N. Gomez" {
		t.Errorf("categories %v, authors %q", p.Categories, p.Authors)
	}
	if p := ps[4]; !slices.Equal(p.Authors, []string{"A. Author", "B. Author"}) {
		t.Errorf("authors with affiliations: %q", p.Authors)
	}
}

func TestParseJSONLines(t *testing.T) {
	input := strings.Join([]string{
		`{"id":"arXiv:2401.12345v2","title":"Versioned","comments":3,"upvotes":5}`,
		`{"id":"2401.12345v1","title":"Versioned again","stars":9}`,
		`{"id":"x1","title":"Bad comments","comments":{"n":1}}`,
		`{"title":"No id, derived from the title"}`,
		`not json`,
		`{"id":"x2","title":"T","published":"someday"}`,
		``,
		`{"id":"https://huggingface.co/papers/2502.01234","title":"From a URL","source":"arxiv","authors":["Schr\\\"odinger, E."]}`,
	}, "\n")
	ps, rej := parseAll(t, []byte(input), "papers.jsonl", sources.JSONL)
	if got := ids(ps); !slices.Equal(got, []string{"2401.12345", "2401.12345", paper.TitleID("No id, derived from the title"), "2502.01234"}) {
		t.Errorf("ids %v", got)
	}
	if ps[0].Comments != 3 || ps[0].Upvotes != 5 {
		t.Errorf("counts %+v", ps[0])
	}
	if got := ps[3].Authors; !slices.Equal(got, []string{"Schrödinger, E."}) {
		t.Errorf("arXiv record authors %q", got)
	}
	var where []string
	for _, e := range rej {
		where = append(where, e.Error())
	}
	wantRej := []string{
		"papers.jsonl:3: comments: want a count (or the snapshot's text note)",
		"papers.jsonl:5: not valid JSON",
		"papers.jsonl:6: published:",
	}
	if len(where) != len(wantRej) {
		t.Fatalf("rejects %q", where)
	}
	for i, w := range wantRej {
		if !strings.HasPrefix(where[i], w) {
			t.Errorf("reject %q, want it to start %q", where[i], w)
		}
	}
}

func TestParseTrendingAndGzip(t *testing.T) {
	text := "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n" +
		"SubscribeFirst Paper Title\nFirst abstract.\nSecond Paper\nSecond abstract, cut off mid-wo\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	ps, rej := parseAll(t, gz.Bytes(), "trending.txt.gz", sources.Auto)
	if len(rej) != 0 || len(ps) != 2 {
		t.Fatalf("%d papers, rejects %v", len(ps), rej)
	}
	if ps[0].Title != "First Paper Title" || ps[0].Rank != 1 || ps[1].Rank != 2 || ps[1].Source != "trending" {
		t.Errorf("papers %+v", ps)
	}
}

// The real trending page, as the sample corpus ships it and as the shared
// seed holds it, parses without a reject to exactly the papers it always
// gave (it is what a fresh install shows): its two header lines are not
// papers, then each title line and the abstract line after it are one
// paper, ranked in page order, the first title without the "Subscribe"
// label glued to it.
func TestParseSampleCorpus(t *testing.T) {
	for _, c := range []struct{ name, path string }{
		{"shipped", "../../configs/sample/trending-papers.txt"},
		{"shared seed", "../../../shared/seed/trending-papers.txt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := os.ReadFile(c.path)
			if errors.Is(err, fs.ErrNotExist) && c.name == "shared seed" {
				t.Skip("no shared seed beside the repository:", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			ps, rej := parseAll(t, b, "trending-papers.txt", sources.Trending)
			if len(rej) != 0 || len(ps) != 194 {
				t.Fatalf("%d papers, rejects %v; want 194 papers", len(ps), rej)
			}
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if len(lines) != 2+2*194 || !strings.HasPrefix(lines[0], "Get trending papers") || !strings.HasPrefix(lines[2], "Subscribe") {
				t.Fatalf("%s is not the page it was (%d lines)", c.path, len(lines))
			}
			for i, p := range ps {
				want := paper.Paper{Title: lines[2+2*i], Abstract: lines[3+2*i], Rank: i + 1, Source: "trending"}
				if i == 0 {
					want.Title = strings.TrimPrefix(want.Title, "Subscribe")
				}
				if err := want.Normalize(); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(p, want) {
					t.Errorf("paper %d:\n got %+v\nwant %+v", i+1, p, want)
				}
			}
		})
	}
}

// Control characters in text fields are removed and the paper kept (34
// arXiv abstracts of the 250k sample hold U+007F, CACM reports U+0019);
// each cleaned field is reported. Ids and URLs are not cleaned.
func TestControlCharactersCleaned(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"1007.1129","title":"Artin subgroups","abstract":"the orbit map to Teichm\u007fuller space","source":"arxiv"}`,
		`{"id":"cacm-1","title":"Ext\u0019ended Algol","authors":["A. B\u0007ell"],"abstract":"x\u007f y\u0000"}`,
		`{"id":"bad\u0001id","title":"t"}`,
		`{"title":"clean","abstract":"tabs\tand\nnewlines stay"}`,
	}, "\n")
	var ps []paper.Paper
	var rej, cleaned []string
	err := sources.Parse(context.Background(), strings.NewReader(in), "in.jsonl", sources.JSONL, sources.Handler{
		Paper:   func(p paper.Paper) error { ps = append(ps, p); return nil },
		Reject:  func(e *sources.RecordError) { rej = append(rej, e.Error()) },
		Cleaned: func(e *sources.RecordError) { cleaned = append(cleaned, e.Error()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("%d papers, want 3 (rejected %q)", len(ps), rej)
	}
	if ps[0].Abstract != "the orbit map to Teichmüller space" {
		t.Errorf("arXiv abstract %q: the DEL of a lost accent is repaired", ps[0].Abstract)
	}
	if ps[1].Title != "Extended Algol" || ps[1].Abstract != "x y" || ps[1].Authors[0] != "A. Bell" {
		t.Errorf("CACM record %+v", ps[1])
	}
	want := []string{
		"in.jsonl:1: abstract: removed control characters (U+007F)",
		"in.jsonl:2: title: removed control characters (U+0019)",
		"in.jsonl:2: abstract: removed control characters (U+007F, U+0000)",
		"in.jsonl:2: authors: removed control characters (U+0007)",
	}
	if !slices.Equal(cleaned, want) {
		t.Errorf("cleaned:\n got %q\nwant %q", cleaned, want)
	}
	if len(rej) != 1 || !strings.HasPrefix(rej[0], "in.jsonl:3: id: control character U+0001") {
		t.Errorf("rejected %q, want the damaged id of line 3", rej)
	}

	// The trending format too, reported at the title's line.
	ps, cleaned = nil, nil
	err = sources.Parse(context.Background(), strings.NewReader(pageHeader+"A\x00title\nabs\x1b[31m\n"), "t.txt", sources.Trending, sources.Handler{
		Paper:   func(p paper.Paper) error { ps = append(ps, p); return nil },
		Cleaned: func(e *sources.RecordError) { cleaned = append(cleaned, e.Error()) },
	})
	if err != nil || len(ps) != 1 || ps[0].Title != "Atitle" || ps[0].Abstract != "abs[31m" {
		t.Fatalf("trending: %v, %+v", err, ps)
	}
	if want := []string{"t.txt:3: title: removed control characters (U+0000)", "t.txt:3: abstract: removed control characters (U+001B)"}; !slices.Equal(cleaned, want) {
		t.Errorf("trending cleaned %q, want %q", cleaned, want)
	}
}

// An author string is split at commas and " and "; a name suffix after a
// comma (Jr., Sr., II, III, IV) belongs to the name before it, in the
// canonical format's single string and the arXiv snapshot's alike.
func TestAuthorStringSuffixes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Anderson Andrews and Sandra Lee, Jr. and Bob", []string{"Anderson Andrews", "Sandra Lee Jr.", "Bob"}},
		{"A. One, B. Two and C. Three", []string{"A. One", "B. Two", "C. Three"}},
		{"Martin Luther King, Jr., Ada Lovelace", []string{"Martin Luther King Jr.", "Ada Lovelace"}},
		{"John Smith, Sr, Jane Doe, jr.", []string{"John Smith Sr", "Jane Doe jr."}},
		{"Henry Ford, II and Louis Dreyfus, III, Pope Pius, IV", []string{"Henry Ford II", "Louis Dreyfus III", "Pope Pius IV"}},
		{"A. One, B. Two, and C. Three", []string{"A. One", "B. Two", "C. Three"}},
		// Not suffixes: an initial, a name that starts like one, a
		// lower-case numeral, a suffix with nothing before it.
		{"Smith, J. and Ivy Lee", []string{"Smith", "J.", "Ivy Lee"}},
		{"A. One, Junior Two, iv", []string{"A. One", "Junior Two", "iv"}},
		{"Jr., A. One", []string{"Jr.", "A. One"}},
	} {
		for _, rec := range []string{
			`{"title":"t","authors":%q}`,
			`{"title":"t","authors":%q,"versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"}]}`,
		} {
			line := fmt.Sprintf(rec, c.in)
			ps, rej := parseAll(t, []byte(line), "in.jsonl", sources.JSONL)
			if len(ps) != 1 || len(rej) != 0 {
				t.Fatalf("%s: %d papers, rejected %v", line, len(ps), rej)
			}
			if !slices.Equal(ps[0].Authors, c.want) {
				t.Errorf("%s:\n got %q\nwant %q", line, ps[0].Authors, c.want)
			}
		}
	}
}

// The trending format's layout: the header is recognised by what it says
// (the page's "Get trending papers" banner, or the lines before the title
// the "Subscribe" button is glued to), never by counting lines; blank lines
// are ignored, inside a pair too, so a stray one shifts nothing; a last
// title without an abstract is rejected where it is.
func TestParseTrendingLayout(t *testing.T) {
	type pair struct {
		title, abstract string
		rank            int
	}
	for _, c := range []struct {
		name    string
		in      string
		want    []pair
		rejects []string
	}{
		{"a stray blank line in a pair, a last title alone",
			"Get…\nGet…\nSubscribeFirst Trending Gecko Paper\nAbstract of gecko.\nSecond Trending Iguana Paper\n\nAbstract of iguana after blank line.\nThird Trending Komodo Paper\n",
			[]pair{{"First Trending Gecko Paper", "Abstract of gecko.", 1}, {"Second Trending Iguana Paper", "Abstract of iguana after blank line.", 2}},
			[]string{"t.txt:8: abstract: missing: the file ends after this title (each title line is followed by its abstract line)"}},
		{"no header",
			"First Trending Salamander Paper\nAbstract of salamander.\nSecond Newt Paper\nAbstract of newt.\n",
			[]pair{{"First Trending Salamander Paper", "Abstract of salamander.", 1}, {"Second Newt Paper", "Abstract of newt.", 2}}, nil},
		{"two lines that are no header are a paper",
			"h1\nh2\nA forced trending title\nIts abstract.\n",
			[]pair{{"h1", "h2", 1}, {"A forced trending title", "Its abstract.", 2}}, nil},
		{"the page's banner without the button",
			pageHeader + "First\nIts abstract.\n",
			[]pair{{"First", "Its abstract.", 1}}, nil},
		{"one banner line",
			"Get trending papers in your email inbox!\nFirst\nIts abstract.\nSecond\nIts abstract too.\n",
			[]pair{{"First", "Its abstract.", 1}, {"Second", "Its abstract too.", 2}}, nil},
		{"another header before the button",
			"Trending Papers\nThe most popular papers of the week\nSubscribeZebra stripes in neural fields\nWe model zebra stripes.\n",
			[]pair{{"Zebra stripes in neural fields", "We model zebra stripes.", 1}}, nil},
		{"the button on the first line",
			"Subscribe2D Gaussians\nWe splat.\nNext\nAbstract.\n",
			[]pair{{"2D Gaussians", "We splat.", 1}, {"Next", "Abstract.", 2}}, nil},
		{"a button line after three others is a title",
			"One\nTwo\nThree\nSubscribeFour\n",
			[]pair{{"One", "Two", 1}, {"Three", "SubscribeFour", 2}}, nil},
		{"blank lines everywhere, CRLF",
			"\r\n\r\n" + strings.ReplaceAll(pageHeader, "\n", "\r\n") + "\r\n  \r\nT1\r\n\r\n\r\nA1\r\n\t\r\nT2\r\nA2\r\n\r\n",
			[]pair{{"T1", "A1", 1}, {"T2", "A2", 2}}, nil},
		{"a banner line after the first title is a title",
			pageHeader + "T1\nA1\nGet trending papers in your email inbox!\nA2\n",
			[]pair{{"T1", "A1", 1}, {"Get trending papers in your email inbox!", "A2", 2}}, nil},
		{"a title with invalid UTF-8 is kept, the pairs in step",
			pageHeader + "Bad \xff title\n\nits abstract\nT2\n\nA2\nT3\n",
			[]pair{{"Bad \uFFFD title", "its abstract", 1}, {"T2", "A2", 2}},
			[]string{"t.txt:9: abstract: missing: the file ends after this title (each title line is followed by its abstract line)"}},
		{"only the header", pageHeader + "\n", nil, nil},
	} {
		ps, rej := parseAll(t, []byte(c.in), "t.txt", sources.Trending)
		var got []pair
		for _, p := range ps {
			got = append(got, pair{p.Title, p.Abstract, p.Rank})
		}
		var gotRej []string
		for _, e := range rej {
			gotRej = append(gotRej, e.Error())
		}
		if !slices.Equal(got, c.want) || !slices.Equal(gotRej, c.rejects) {
			t.Errorf("%s:\n got %+v, rejected %q\nwant %+v, rejected %q", c.name, got, gotRej, c.want, c.rejects)
		}
		checkParse(t, []byte(c.in), "t.txt", sources.Trending)
	}
}

// A line wrong in several fields is rejected once, naming every one of
// them: types, values and the snapshot's dates alike; the lines around it
// are read.
func TestEveryBadFieldNamed(t *testing.T) {
	in := `{"id":"2401.00001","title":"Good one"}
{"title":5,"stars":"many","authors":7,"published":"someday","url":"ftp://x"}
{"title":"t","upvotes":-1,"Rank":"first","categories":{"a":1}}
{"id":"0704.0001","title":"Snapshot","authors":"A. One","versions":[{"version":"v1","created":"not a date"}],"comments":[1]}
{"id":"2401.00002","title":"Good two"}
`
	var got []string
	var more []int
	n := 0
	err := sources.Parse(context.Background(), strings.NewReader(in), "in.jsonl", sources.JSONL, sources.Handler{
		Paper: func(paper.Paper) error { n++; return nil },
		Reject: func(e *sources.RecordError) {
			got = append(got, e.Error())
			more = append(more, len(e.More))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`in.jsonl:2: title: want a string, got JSON number; stars: want a whole number, got JSON string; authors: want a list of strings or a string; published: `,
		`in.jsonl:3: rank: want a whole number, got JSON string; categories: want a list of strings or a string; upvotes: must not be negative (got -1)`,
		`in.jsonl:4: comments: want a count (or the snapshot's text note); versions[0].created: `,
	}
	if n != 2 || len(got) != len(want) {
		t.Fatalf("%d papers, rejections %q; want 2 papers and %d rejections", n, got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("rejection %q,\nwant it to start %q", got[i], want[i])
		}
	}
	if !strings.Contains(got[0], "; url: ") || more[0] != 4 {
		t.Errorf("line 2: %q (%d more), want url named too, 5 fields in all", got[0], more[0])
	}
}

// Rejections say what is wrong in the file's own terms: a count that is a
// fraction or too large for a count, a line that is JSON null, and the
// snapshot's update_date under that name (it fills "updated").
func TestRejectionMessages(t *testing.T) {
	huge := "1" + strings.Repeat("0", 30)
	for _, c := range []struct{ in, want string }{
		{`{"title":"t","upvotes":3.5}`, "in.jsonl:1: upvotes: want a whole number, got 3.5"},
		{`{"title":"t","stars":` + huge + `}`, "in.jsonl:1: stars: " + huge + " is too large (want a whole number, at most 9223372036854775807)"},
		{`{"title":"t","rank":-` + huge + `}`, "in.jsonl:1: rank: -" + huge + " is too small (want a whole number, at least 0)"},
		{`{"title":"t","upvotes":1e3}`, "in.jsonl:1: upvotes: want a whole number written in digits, got 1e3"},
		{`{"title":"t","upvotes":"3"}`, "in.jsonl:1: upvotes: want a whole number, got JSON string"},
		{`{"title":"t","comments":2.5}`, "in.jsonl:1: comments: want a whole number, got 2.5"},
		{`{"title":"t","stars":1.5,"upvotes":` + huge + `}`, "in.jsonl:1: upvotes: " + huge + " is too large (want a whole number, at most 9223372036854775807); stars: want a whole number, got 1.5"},
		{`{"title":"t","upvotes":` + strings.Repeat("9", 60) + `}`, "in.jsonl:1: upvotes: 99999999999999999999…9999999999 (60 digits) is too large"},
		{`null`, "in.jsonl:1: a paper record is a JSON object, this line is JSON null"},
		{` null `, "in.jsonl:1: a paper record is a JSON object, this line is JSON null"},
		{`true`, "in.jsonl:1: a paper record is a JSON object, this line is JSON true or false"},
		{`"just a string"`, "in.jsonl:1: a paper record is a JSON object, this line is a JSON string"},
		{`{"id":"0704.0001","title":"S","versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"}],"update_date":"someday"}`, `in.jsonl:1: update_date: "someday" is not a date (want YYYY-MM-DD)`},
		{`{"title":"S","update_date":"2008-13-01"}`, `in.jsonl:1: update_date: "2008-13-01" is not a date`},
		{`{"title":"S","updated":"someday"}`, `in.jsonl:1: updated: "someday" is not a date`},
	} {
		ps, rej := parseAll(t, []byte(c.in+"\n"), "in.jsonl", sources.JSONL)
		if len(ps) != 0 || len(rej) != 1 || !strings.HasPrefix(rej[0].Error(), c.want) {
			t.Errorf("%s: %d papers, rejected %v; want %q", c.in, len(ps), rej, c.want)
		}
	}
	// A good update_date still fills updated.
	ps, rej := parseAll(t, []byte(`{"id":"0704.0001","title":"S","versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"}],"update_date":"2008-11-13"}`+"\n"), "in.jsonl", sources.JSONL)
	if len(ps) != 1 || len(rej) != 0 || ps[0].Updated != "2008-11-13" {
		t.Errorf("update_date: %+v, %v", ps, rej)
	}
}

// New-style arXiv ids that a dump stored as numbers lost their zeros
// (1909.05990 became 1909.0599, 0805.0510 became 805.051; 10,041 of the
// 250k sample's ids): read as the ids they were, whether the dump wrote the
// number or its text, and reported as restored (not as cleaned). A number
// that is an id as written is that id; one that no lost zero explains, or
// an id of another JSON type, is a rejection that keeps the record's other
// faults.
func TestNumberIDsRestored(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"1909.0599","title":"a","source":"arxiv"}`,
		`{"id":1703.034,"title":"b"}`,
		`{"id":805.051,"title":"c"}`,
		`{"id":1909.05991,"title":"d"}`,
		`{"id":"1909.05990","title":"e"}`,
		`{"id":12345,"title":"f"}`,
		`{"id":true,"title":7}`,
		`{"id":null,"title":"g"}`,
	}, "\n")
	var ids, rej, restored, cleaned []string
	err := sources.Parse(context.Background(), strings.NewReader(in), "in.jsonl", sources.JSONL, sources.Handler{
		Paper:    func(p paper.Paper) error { ids = append(ids, p.ID); return nil },
		Reject:   func(e *sources.RecordError) { rej = append(rej, e.Error()) },
		Restored: func(e *sources.RecordError) { restored = append(restored, e.Error()) },
		Cleaned:  func(e *sources.RecordError) { cleaned = append(cleaned, e.Error()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1909.05990", "1703.03400", "0805.0510", "1909.05991", "1909.05990", paper.TitleID("g")}
	if !slices.Equal(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
	if want := []string{
		"in.jsonl:1: id: 1909.0599 read as 1909.05990 (an arXiv id stored as a number loses zeros)",
		"in.jsonl:2: id: 1703.034 read as 1703.03400 (an arXiv id stored as a number loses zeros)",
		"in.jsonl:3: id: 805.051 read as 0805.0510 (an arXiv id stored as a number loses zeros)",
	}; !slices.Equal(restored, want) {
		t.Errorf("restored:\n got %q\nwant %q", restored, want)
	}
	if len(cleaned) != 0 {
		t.Errorf("cleaned %q: a restored id is not a cleaned field", cleaned)
	}
	if want := []string{
		"in.jsonl:6: id: want a string, got the number 12345 (no arXiv id that lost its zeros as a number)",
		"in.jsonl:7: id: want a string, got JSON bool; title: want a string, got JSON number",
	}; !slices.Equal(rej, want) {
		t.Errorf("rejected:\n got %q\nwant %q", rej, want)
	}
}
