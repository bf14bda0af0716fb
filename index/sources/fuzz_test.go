package sources_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
)

// Fuzz targets for the ingest formats, through sources.Parse:
//
//	go test -run XXX -fuzz FuzzParseJSONL -fuzztime 60s ./index/sources/
//	go test -run XXX -fuzz FuzzParseTrending -fuzztime 60s ./index/sources/
//
// Whatever the input, the parser does not panic, and every line is either
// a paper that passes paper.Normalize unchanged or a rejection that names a
// line of the input and says why in a short, readable message.

// hostileJSONL are seeds for JSON Lines: broken syntax, wrong types,
// control characters, invalid UTF-8, huge lines and numbers.
var hostileJSONL = []string{
	`{"id":"2205.13760v2","title":"Tranception","abstract":"Protein\n  fitness.","authors":["Pascal Notin"],"categories":["cs.LG"],"published":"2022-05-27","upvotes":3}`,
	`{"title":"No id"}` + "\n" + `{"title":"Second","url":"https://example.org/x"}`,
	`{"id":"0704.0001","authors":"C. Bal\\'azs, E. L. Berger and C.-P. Yuan (MSU)","title":"Calc","categories":"hep-ph hep-th","comments":"37 pages","versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"}],"update_date":"2008-11-13"}`,
	`{"title":"HF","authors":[{"name":"A"},{"name":"B"}],"ai_keywords":["x"],"ai_summary":"s"}`,
	"{", "}", "{{}}", "[]", "null", `"just a string"`, "42", "{}", `{"title":""}`, `{"title":null}`,
	`{"title":5}`, `{"title":["a"]}`, `{"title":{"a":1}}`, `{"title":"t","authors":{"a":1}}`, `{"title":"t","authors":[1,2]}`,
	`{"title":"t","authors":[{"name":5}]}`, `{"title":"t","categories":7}`, `{"title":"t","upvotes":"many"}`,
	`{"title":"t","upvotes":-1}`, `{"title":"t","upvotes":1e400}`, `{"title":"t","stars":99999999999999999999}`,
	`{"title":"t","stars":1.5}`, `{"title":"t","comments":{"n":1}}`, `{"title":"t","comments":"37 pages"}`,
	`{"title":"t","rank":true}`, `{"title":"t","versions":"v1"}`, `{"title":"t","versions":[]}`,
	`{"title":"t","versions":[{"created":"yesterday"}]}`, `{"title":"t","versions":[{"version":"v2","created":""}]}`,
	`{"title":"t","published":"2024-02-30"}`, `{"title":"t","published":"Mon, 2 Apr 2007 19:18:42 GMT"}`,
	`{"title":"t","url":"javascript:alert(1)"}`, `{"title":"t","url":"https://a.example/\u0000"}`,
	`{"title":"a\u0000b"}`, `{"title":"a\u001b[2Jb"}`, `{"title":"\ud800"}`, `{"title":"\u202eevil"}`,
	`{"title":"t","id":"has space"}`, `{"title":"t","id":"arXiv:hep-th/9901001v3"}`, `{"title":"t","id":"https://huggingface.co/papers/2509.04664"}`,
	"{\"title\":\"a\xffb\"}", "\xff\xfe{\"title\":\"t\"}", "{\"title\":\"t\"}\x00", "\x00\x00\x00",
	"\ufeff{\"title\":\"BOM\"}", "{\"title\":\"crlf\"}\r\n{\"title\":\"two\"}\r\n", "\r\r\r", "\n\n\n",
	"{\"title\":\"t\",\"source\":\"arxiv\",\"title\":\"dup\"}", `{"title":"t","unknown":{"deep":[1,2,{"x":null}]}}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	`{"title":"` + strings.Repeat("x", 2000) + `"}`,
	`{"title":"t","abstract":"` + strings.Repeat("long abstract ", 2000) + `"}`,
	`{"title":"t","authors":[` + strings.Repeat(`"a",`, 3000) + `"b"]}`,
	"\x1f\x8b\x08\x00\x00\x00\x00\x00", // a gzip header and nothing else
	// Records of Hugging Face's daily papers API, one a line.
	`{"paper":{"id":"2412.01234","title":"T","summary":"S","authors":[{"name":"A B"}],"upvotes":"12","publishedAt":"2024-12-02T10:00:00.000Z"},"numComments":3}`,
	`{"paper":{}}`, `{"paper":{"id":5,"title":"t"}}`, `{"paper":null,"title":"x"}`, `{"paper":[1],"title":"x"}`,
	`{"paper":{"id":"x y","title":"t","githubRepo":"javascript:x","projectPage":"ftp://x"}}`,
	`{"paper":{"id":"2412.01234","title":"a\u0000b","authors":"A; B","ai_keywords":"k"},"title":"outer"}`,
}

// pageHeader is the trending page's header, as the real page has it.
const pageHeader = "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n"

// hostileTrending are seeds for the trending-page text format.
var hostileTrending = []string{
	"Trending Papers\nheader two\nSubscribeTranception: protein fitness\nWe present Tranception.\nSecond title\nSecond abstract.\n",
	"", "only one line", "h1\nh2\n", pageHeader, pageHeader + "title without an abstract",
	pageHeader + "\n\nT1\nA1\n\n\nT2\nA2\n", "Get trending papers\r\nGET TRENDING PAPERS!\r\nT\r\nA\r\n",
	pageHeader + "\xff\xfe\nabstract of a bad title\nGood\nAbstract.\n",
	pageHeader + "Title\n\xc3\x28 bad abstract\nNext\nAbs\n",
	pageHeader + "A\x00title\nabs\n", pageHeader + "Title\nabs\x1b[31m\n", pageHeader + "\x7f\n\x7f\n",
	pageHeader + "Subscribe\nabs\n", pageHeader + "SubscribeWord\nabs\n", pageHeader + "   \n\t\n",
	pageHeader + strings.Repeat("t", 2000) + "\nabs\n",
	pageHeader + "{\"title\":\"json in a text file\"}\n}\n",
	"\ufeff" + pageHeader + "T\nA\n",
	"\x1f\x8b",
	// A stray blank line in a pair, a last title alone; no header.
	"Get…\nGet…\nSubscribeFirst Gecko\nAbstract of gecko.\nSecond Iguana\n\nAbstract of iguana.\nThird Komodo\n",
	"First Salamander Paper\nAbstract.\nSecond Newt Paper\nAbstract.\n",
	"one\ntwo\nSubscribeThree\nfour\n", "one\ntwo\nthree\nSubscribeFour\nfive\n",
	"Get trending papers\nT\nGet trending papers\nA\n", "\n\n" + pageHeader + "\n\nT\n\n\nA\n\n",
}

func FuzzParseJSONL(f *testing.F) {
	for _, s := range hostileJSONL {
		f.Add([]byte(s))
	}
	for _, s := range []string{"", "\n"} {
		f.Add([]byte(strings.Join(hostileJSONL, "\n") + s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, "in.jsonl", sources.JSONL)
	})
}

func FuzzParseTrending(f *testing.F) {
	for _, s := range hostileTrending {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, "in.txt", sources.Trending)
	})
}

// FuzzParseHuggingFace checks that any answer gives either an error or
// papers that are normalised records with ids, each record of the page
// accounted for (kept, merged into an earlier one, or skipped).
func FuzzParseHuggingFace(f *testing.F) {
	for _, name := range []string{"daily-normal.json", "daily-wrong-types.json", "daily-duplicates.json", "daily-invalid-utf8.json", "daily-null.json", "daily-bom.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "huggingface", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := sources.ParseHuggingFace(data, "2025-02-06")
		if err != nil {
			if len(res.Papers) > 0 || len(res.Skipped) > 0 {
				t.Fatalf("error %v with %d papers", err, len(res.Papers))
			}
			return
		}
		var records []json.RawMessage
		json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &records)
		if len(res.Papers)+len(res.Skipped) > len(records) {
			t.Errorf("%d papers and %d skipped of %d records", len(res.Papers), len(res.Skipped), len(records))
		}
		for _, p := range res.Papers {
			checkPaper(t, p)
		}
	})
}

// checkParse parses data and checks what came out against the input.
func checkParse(t *testing.T, data []byte, name string, format sources.Format) {
	var (
		papers  []paper.Paper
		rejects []*sources.RecordError
	)
	err := sources.Parse(context.Background(), bytes.NewReader(data), name, format, sources.Handler{
		Paper:  func(p paper.Paper) error { papers = append(papers, p); return nil },
		Reject: func(e *sources.RecordError) { rejects = append(rejects, e) },
	})
	compressed := isCompressed(data)
	if errors.Is(err, sources.ErrBinary) || errors.Is(err, sources.ErrJSONDocument) {
		// Binary input and JSON documents are refused whole, before any
		// record is read.
		if len(papers) > 0 || len(rejects) > 0 {
			t.Fatalf("binary input refused (%v) after %d papers and %d rejections", err, len(papers), len(rejects))
		}
		return
	}
	if err != nil {
		// Only a read error stops a parse; a bytes.Reader has none, but
		// a broken compressed stream is one.
		if !compressed {
			t.Fatalf("Parse: %v", err)
		}
		return
	}
	if compressed {
		return // the lines are those of the decompressed stream
	}

	lines := splitLines(data)
	for _, p := range papers {
		checkPaper(t, p)
		if format == sources.Trending && (p.Source != "trending" || p.Rank < 1) {
			t.Errorf("trending record with source %q rank %d", p.Source, p.Rank)
		}
	}
	// Trending ranks follow the page's order.
	if format == sources.Trending {
		for i := 1; i < len(papers); i++ {
			if papers[i].Rank <= papers[i-1].Rank {
				t.Errorf("ranks out of order: %d after %d", papers[i].Rank, papers[i-1].Rank)
			}
		}
	}
	var header map[int]bool
	if format == sources.Trending {
		header = trendingHeader(lines)
	}
	last := 0
	for _, e := range rejects {
		if e.File != name {
			t.Errorf("rejection names file %q, want %q", e.File, name)
		}
		if e.Line < 1 || e.Line > len(lines) {
			t.Errorf("rejection at line %d of a %d-line input: %v", e.Line, len(lines), e)
		}
		if format == sources.Trending && header[e.Line-1] {
			t.Errorf("rejection of header line %d: %v", e.Line, e)
		}
		if e.Line < last {
			t.Errorf("rejections out of order: line %d after %d", e.Line, last)
		}
		last = e.Line
		msg := e.Error()
		if e.Msg == "" || !utf8.ValidString(msg) || len(msg) > 500 || strings.ContainsFunc(msg, isBadRune) {
			t.Errorf("unclear rejection (%d bytes): %q", len(msg), msg)
		}
	}

	// Every line of JSON Lines gives one outcome (blank lines none); in the
	// trending format each title line and the abstract line after it give
	// one, and so does a last title alone.
	outcomes := len(papers) + len(rejects)
	nonBlank := 0
	for i, l := range lines {
		if i == 0 {
			l = bytes.TrimPrefix(l, []byte("\xef\xbb\xbf")) // a byte order mark is no content
		}
		if len(l) > sources.MaxLine || len(bytes.TrimSpace(l)) > 0 && !header[i] {
			nonBlank++
		}
	}
	switch format {
	case sources.JSONL:
		if outcomes != nonBlank {
			t.Errorf("%d papers and %d rejections from %d non-blank lines", len(papers), len(rejects), nonBlank)
		}
	case sources.Trending:
		if outcomes != (nonBlank+1)/2 {
			t.Errorf("%d papers and %d rejections from %d non-blank lines after the header", len(papers), len(rejects), nonBlank)
		}
	}
}

// trendingHeader says which lines (0-based) are the trending page's
// header, by the rule the format documents: before the first title, lines
// that start with "Get trending papers"; and when one of the first three
// other non-blank lines has the "Subscribe" button glued to it, every line
// before it. An over-long line ends the header.
func trendingHeader(lines [][]byte) map[int]bool {
	header := map[int]bool{}
	var other []int
	for i, l := range lines {
		if i == 0 {
			l = bytes.TrimPrefix(l, []byte("\ufeff"))
		}
		if len(l) > sources.MaxLine {
			break
		}
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if len(other) == 0 && len(l) >= 19 && strings.EqualFold(string(l[:19]), "Get trending papers") {
			header[i] = true
			continue
		}
		if rest, ok := bytes.CutPrefix(l, []byte("Subscribe")); ok {
			if r, _ := utf8.DecodeRune(rest); unicode.IsUpper(r) || unicode.IsDigit(r) {
				for _, j := range other {
					header[j] = true
				}
				break
			}
		}
		if other = append(other, i); len(other) == 3 {
			break
		}
	}
	return header
}

// checkPaper: a parsed record is already normal, readable text.
func checkPaper(t *testing.T, p paper.Paper) {
	t.Helper()
	again := p
	again.Authors = slices.Clone(p.Authors)
	again.Categories = slices.Clone(p.Categories)
	again.Keywords = slices.Clone(p.Keywords)
	if err := again.Normalize(); err != nil {
		t.Errorf("parsed record fails Normalize: %v\n%+v", err, p)
		return
	}
	if !reflect.DeepEqual(again, p) {
		t.Errorf("Normalize changes a parsed record:\n got %+v\nwant %+v", again, p)
	}
	if p.Title == "" || p.ID == "" {
		t.Errorf("record without title or id: %+v", p)
	}
	v := reflect.ValueOf(p)
	for i := range v.NumField() {
		var ss []string
		switch f := v.Field(i).Interface().(type) {
		case string:
			ss = []string{f}
		case []string:
			ss = f
		}
		for _, s := range ss {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, isBadRune) {
				t.Errorf("field %s holds %q", v.Type().Field(i).Name, s)
			}
		}
	}
}

// isCompressed reports input that starts with the magic of gzip, xz or
// zstd.
func isCompressed(data []byte) bool {
	for _, magic := range []string{"\x1f\x8b", "\xfd7zXZ\x00", "\x28\xb5\x2f\xfd"} {
		if bytes.HasPrefix(data, []byte(magic)) {
			return true
		}
	}
	return false
}

// isBadRune: control characters other than white space have no place in
// text shown to people (or in a terminal).
func isBadRune(r rune) bool {
	return unicode.IsControl(r) && !unicode.IsSpace(r)
}

// splitLines splits data the way a line reader does: on "\n", with a last
// line without one.
func splitLines(data []byte) [][]byte {
	if len(data) == 0 {
		return nil
	}
	// As the parser reads them: the lines of a file whose first 64 kB
	// (after a byte order mark) hold a carriage return and no newline end
	// in carriage returns (classic Mac OS).
	head := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	head = head[:min(len(head), 64<<10)]
	if bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0 {
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	lines := bytes.Split(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, "\r")
	}
	return lines
}

// The seeds themselves, as a plain test: each outcome is the expected one.
func TestHostileSeeds(t *testing.T) {
	for _, s := range hostileJSONL {
		checkParse(t, []byte(s), "in.jsonl", sources.JSONL)
	}
	for _, s := range hostileTrending {
		checkParse(t, []byte(s), "in.txt", sources.Trending)
	}
	// A few exact outcomes.
	cases := []struct {
		in     string
		papers int
		reject string // the first rejection, "" for none
	}{
		{`{"title":5}`, 0, "in.jsonl:1: title: want a string, got JSON number"},
		{`{"title":"t","upvotes":-1}`, 0, "in.jsonl:1: upvotes: must not be negative (got -1)"},
		{`{"title":"t","upvotes":"many"}`, 0, "in.jsonl:1: upvotes: want a whole number, got JSON string"},
		{"{\"title\":\"ok\"}\n{\n{\"title\":\"a\\u0000b\"}\n", 2, "in.jsonl:2: not valid JSON"},
		{"{\"title\":\"a\xffb\"}", 1, ""}, // kept, the byte replaced (TestJSONLInvalidUTF8)
		{"{\"id\":\"a\xffb\",\"title\":\"t\"}", 0, "in.jsonl:1: id: invalid UTF-8 at byte 8 of the line"},
		{"{\"title\":\"t\"}\xff", 0, "in.jsonl:1: invalid UTF-8 at byte 13"},
		{`{"title":"t","url":"javascript:alert(1)"}`, 0, `in.jsonl:1: url: "javascript:alert(1)" is not an http(s) URL`},
		// (An array on the first line is a JSON document, refused whole:
		// TestJSONDocumentRefused.)
		{"{\"title\":\"ok\"}\n[\"a paper\", \"in an array\"]", 1, "in.jsonl:2: a paper record is a JSON object, this line is a JSON array"},
	}
	for _, c := range cases {
		var n int
		var rej []string
		err := sources.Parse(context.Background(), strings.NewReader(c.in), "in.jsonl", sources.JSONL, sources.Handler{
			Paper:  func(paper.Paper) error { n++; return nil },
			Reject: func(e *sources.RecordError) { rej = append(rej, e.Error()) },
		})
		if err != nil {
			t.Fatal(err)
		}
		first := ""
		if len(rej) > 0 {
			first = rej[0]
		}
		if n != c.papers || !strings.HasPrefix(first, c.reject) || (c.reject == "") != (first == "") {
			t.Errorf("%q: %d papers, rejections %q; want %d papers, first rejection %q", c.in, n, rej, c.papers, c.reject)
		}
	}
}

// A line longer than MaxLine is rejected by number, and the lines around it
// are still read.
func TestHugeLines(t *testing.T) {
	huge := strings.Repeat("x", sources.MaxLine+10)
	for _, c := range []struct {
		name, in string
		format   sources.Format
		papers   int
		line     int
	}{
		{"jsonl", "{\"title\":\"a\"}\n{\"title\":\"" + huge + "\"}\n{\"title\":\"c\"}\n", sources.JSONL, 2, 2},
		{"trending title", pageHeader + huge + "\nits abstract\nT2\nA2\n", sources.Trending, 1, 3},
		{"trending abstract", pageHeader + "T1\n" + huge + "\nT2\nA2\n", sources.Trending, 1, 4},
		{"trending first line", huge + "\nits abstract\nT2\nA2\n", sources.Trending, 1, 1},
	} {
		checkParse(t, []byte(c.in), "in", c.format)
		var ps []paper.Paper
		var rej []*sources.RecordError
		err := sources.Parse(context.Background(), strings.NewReader(c.in), "in", c.format, sources.Handler{
			Paper:  func(p paper.Paper) error { ps = append(ps, p); return nil },
			Reject: func(e *sources.RecordError) { rej = append(rej, e) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != c.papers || len(rej) != 1 || rej[0].Line != c.line || !strings.Contains(rej[0].Msg, "longer than") {
			t.Errorf("%s: %d papers, rejections %v", c.name, len(ps), rej)
		}
	}
}

// A byte order mark at the start of a file (Windows editors write one) is
// not part of the first record, and does not hide JSON Lines from format
// detection.
func TestByteOrderMark(t *testing.T) {
	for _, c := range []struct {
		in     string
		name   string
		format sources.Format
		title  string
	}{
		{"\ufeff{\"title\":\"First\"}\n", "in.jsonl", sources.JSONL, "First"},
		{"\ufeff{\"title\":\"First\"}\n", "stdin", sources.Auto, "First"},
		{"\ufeff" + pageHeader + "First\nIts abstract.\n", "in.txt", sources.Trending, "First"},
	} {
		var ps []paper.Paper
		var rej []*sources.RecordError
		err := sources.Parse(context.Background(), strings.NewReader(c.in), c.name, c.format, sources.Handler{
			Paper:  func(p paper.Paper) error { ps = append(ps, p); return nil },
			Reject: func(e *sources.RecordError) { rej = append(rej, e) },
		})
		if err != nil || len(rej) != 0 || len(ps) != 1 || ps[0].Title != c.title {
			t.Errorf("%q as %s: %v, papers %+v, rejections %v", c.in, c.name, err, ps, rej)
		}
	}
}
