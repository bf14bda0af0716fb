package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/index"
)

// cliJSONL has good lines and bad ones (lines 3, 5 and 6; line 7's title
// has a byte of invalid UTF-8, replaced).
const cliJSONL = `{"id":"2401.00001v1","title":"Glacier flow under warming climates","abstract":"Glaciers glaciers glaciers: we model glacier flow.","authors":["Ada Lovelace"],"published":"2024-01-02"}

{"title":""}
{"title":"A paper without an id about glaciers","abstract":"Its id is derived from its title."}
{"title": "broken
{"title":"Negative","upvotes":-1}
{"title":"bad ` + "\xff" + ` bytes"}
{"id":"2401.00002","title":"Sea ice and glaciers","abstract":"Sea ice."}
`

// cliTrending is a trending-page capture: its header, then title and
// abstract lines.
const cliTrending = "Trending Papers\nThe most popular papers of the week\n" +
	"SubscribeZebra stripes in neural fields\nWe model zebra stripes with neural fields.\n" +
	"Protein folding at scale\nWe fold proteins.\n"

func cliWrite(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func cliCount(t *testing.T, dir string) uint64 {
	t.Helper()
	ix, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n, err := ix.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// cliHit is one line of search --json.
type cliHit struct {
	Rank  int     `json:"rank"`
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

func cliSearchJSON(t *testing.T, dir string, args ...string) []cliHit {
	t.Helper()
	stdout, stderr, code := cliRun(t, nil, "", append([]string{"search", "--index", dir, "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("search %q: exit %d: %s", args, code, stderr)
	}
	var hits []cliHit
	for line := range strings.Lines(stdout) {
		var h cliHit
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			t.Fatalf("search --json line %q: %v", line, err)
		}
		hits = append(hits, h)
	}
	return hits
}

func TestIngest(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "data", "index")
	jsonl := cliWrite(t, dir, "papers.jsonl", cliJSONL)
	trending := cliWrite(t, dir, "trending.txt", cliTrending)

	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, jsonl, trending)
	if code == 0 {
		t.Errorf("exit 0 with rejected lines")
	}
	if want := "6 indexed, 3 rejected, 1 field with invalid UTF-8 replaced (" + jsonl + ":7: title)\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	// Each bad line: file:line: field: reason.
	for _, want := range []string{
		jsonl + ":3: title: missing or empty (title is required)",
		jsonl + ":5: not valid JSON",
		jsonl + ":6: upvotes: must not be negative (got -1)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "rejected "); n != 3 {
		t.Errorf("%d rejections reported:\n%s", n, stderr)
	}
	// The good lines are indexed, from both formats.
	if n := cliCount(t, ix); n != 6 {
		t.Errorf("%d papers in the index, want 6", n)
	}
	for q, id := range map[string]string{"glacier flow": "2401.00001", "zebra stripes": "", "sea ice": "2401.00002", "protein folding": ""} {
		hits := cliSearchJSON(t, ix, q)
		if len(hits) == 0 || id != "" && hits[0].ID != id {
			t.Errorf("search %q: %+v", q, hits)
		}
	}
	// The trending format's "Subscribe" button label is not in the title.
	if hits := cliSearchJSON(t, ix, "zebra"); len(hits) == 0 || hits[0].Title != "Zebra stripes in neural fields" {
		t.Errorf("trending title: %+v", hits)
	}

	// Ingesting again updates: the same papers, never duplicates.
	stdout, _, code = cliRun(t, nil, "", "ingest", "--index", ix, jsonl, trending)
	if code == 0 || !strings.HasPrefix(stdout, "6 indexed, 3 rejected, 1 field with invalid UTF-8 replaced") {
		t.Errorf("second ingest: exit %d, %q", code, stdout)
	}
	if n := cliCount(t, ix); n != 6 {
		t.Errorf("%d papers after re-ingesting, want 6", n)
	}
	if hits := cliSearchJSON(t, ix, `"without an id"`); len(hits) != 1 {
		t.Errorf("the title-id paper is there %d times", len(hits))
	}

	// "-" reads stdin; a newer version of a paper (by URL, with a version)
	// updates it, and what the new record lacks is kept.
	update := `{"id":"https://arxiv.org/abs/2401.00001v2","title":"Glacier flow under warming climates, revised","upvotes":7}` + "\n"
	stdout, stderr, code = cliRun(t, nil, update, "ingest", "--index", ix, "-")
	if code != 0 || stdout != "1 indexed, 0 rejected\n" {
		t.Errorf("stdin ingest: exit %d, %q, %s", code, stdout, stderr)
	}
	if n := cliCount(t, ix); n != 6 {
		t.Errorf("%d papers after an update, want 6", n)
	}
	hits := cliSearchJSON(t, ix, "revised glacier")
	if len(hits) == 0 || hits[0].ID != "2401.00001" || hits[0].Title != "Glacier flow under warming climates, revised" {
		t.Errorf("update: %+v", hits)
	}
	stdout, _, _ = cliRun(t, nil, "", "search", "--index", ix, "2401.00001")
	if !strings.Contains(stdout, "revised") || !strings.Contains(stdout, "Ada Lovelace") {
		t.Errorf("updated paper lost its authors:\n%s", stdout)
	}
	// Rejections on stdin are named "stdin".
	_, stderr, code = cliRun(t, nil, "{\"title\":\"ok stdin\"}\n{oops\n", "ingest", "--index", ix, "-")
	if code != 1 || !strings.Contains(stderr, "rejected stdin:2: not valid JSON") {
		t.Errorf("stdin rejection: exit %d, %s", code, stderr)
	}
}

// Only good lines: exit 0. An unreadable file: an error naming it.
func TestIngestStatus(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	good := cliWrite(t, dir, "good.jsonl", `{"id":"2401.00001","title":"One"}`+"\n"+`{"title":"Two"}`+"\n")
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, good)
	if code != 0 || stdout != "2 indexed, 0 rejected\n" || strings.Contains(stderr, "rejected ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	missing := filepath.Join(dir, "missing.jsonl")
	_, stderr, code = cliRun(t, nil, "", "ingest", "--index", ix, missing)
	if code != 1 || !strings.Contains(stderr, missing) {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
	// --format forces the format of a file whose name says nothing.
	txt := cliWrite(t, dir, "page", "Get trending papers in your email inbox!\nA forced trending title\nIts abstract.\n")
	stdout, _, code = cliRun(t, nil, "", "ingest", "--index", ix, "--format", "trending", txt)
	if code != 0 || stdout != "1 indexed, 0 rejected\n" {
		t.Errorf("--format trending: exit %d, %q", code, stdout)
	}
	// Many bad lines: each of the first 100 is reported, then a count.
	var b strings.Builder
	for i := range 150 {
		fmt.Fprintf(&b, "{\"title\":%d}\n", i)
	}
	bad := cliWrite(t, dir, "bad.jsonl", b.String())
	stdout, stderr, code = cliRun(t, nil, "", "ingest", "--index", ix, bad)
	if code != 1 || stdout != "0 indexed, 150 rejected\n" || strings.Count(stderr, "rejected "+bad) != 100 || !strings.Contains(stderr, "... and 50 more rejected lines") {
		t.Errorf("150 bad lines: exit %d, %q\n%s", code, stdout, stderr)
	}
}

// search --json prints one object per hit, with id, title and score, in
// rank order.
func TestSearchJSON(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	var b strings.Builder
	// Papers of the same length that match "glacier" more or less often.
	for i := range 8 {
		fmt.Fprintf(&b, `{"id":"2401.%05d","title":"Paper %d","abstract":"%s%s and some other words about ice sheets."}`+"\n",
			i+1, i, strings.Repeat("glacier ", 8-i), strings.Repeat("filler ", i))
	}
	file := cliWrite(t, dir, "p.jsonl", b.String())
	if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, file); code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	hits := cliSearchJSON(t, ix, "--limit", "5", "glacier")
	if len(hits) != 5 {
		t.Fatalf("%d hits, want 5 (--limit)", len(hits))
	}
	for i, h := range hits {
		if h.Rank != i+1 || h.ID == "" || h.Title == "" || h.Score <= 0 {
			t.Errorf("hit %d: %+v", i, h)
		}
		if i > 0 && h.Score > hits[i-1].Score {
			t.Errorf("hit %d scores %v above hit %d (%v)", i, h.Score, i-1, hits[i-1].Score)
		}
	}
	if hits[0].ID != "2401.00001" {
		t.Errorf("the paper that says glacier most is %s, not first", hits[0].ID)
	}
	// The same search in text.
	stdout, _, code := cliRun(t, nil, "", "search", "--index", ix, "--limit", "3", "glacier")
	if code != 0 || !strings.HasPrefix(stdout, " 1. Paper 0  [2401.00001]\n") || !strings.HasSuffix(stdout, "3 of 8\n") {
		t.Errorf("text search: exit %d\n%s", code, stdout)
	}
	// Nothing found: no lines in JSON, a sentence in text.
	if hits := cliSearchJSON(t, ix, "zzzzqqq"); len(hits) != 0 {
		t.Errorf("hits for nonsense: %+v", hits)
	}
	stdout, _, _ = cliRun(t, nil, "", "search", "--index", ix, "zzzzqqq")
	if stdout != "no papers found\n" {
		t.Errorf("text search for nonsense: %q", stdout)
	}
	// Hostile queries get an answer, not a crash.
	for _, q := range []string{`"`, "author:", strings.Repeat("glacier ", 2000), "a\x00b", "\xff\xfe", "-", "cat:"} {
		if _, stderr, code := cliRun(t, nil, "", "search", "--index", ix, "--json", q); code != 0 && code != 1 || strings.Contains(stderr, "panic") {
			t.Errorf("query %.20q: exit %d, %s", q, code, stderr)
		}
	}
}

// A control character in a text field is removed and the paper kept; the
// summary counts the cleaned fields (issue 13: 34 arXiv abstracts with
// U+007F were rejected).
func TestIngestCleansControlCharacters(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	in := cliWrite(t, dir, "ctl.jsonl", `{"id":"cacm-1","title":"Ext\u0019ended Algol","abstract":"DEL\u007f here"}`+"\n"+
		`{"id":"1007.1129","title":"Teichm\u007fuller spaces","source":"arxiv"}`+"\n"+`{"title":"clean"}`+"\n")
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, in)
	if code != 0 || stdout != "3 indexed, 0 rejected, 3 fields cleaned of control characters\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if hits := cliSearchJSON(t, ix, "extended algol"); len(hits) != 1 || hits[0].Title != "Extended Algol" {
		t.Errorf("cleaned paper: %+v", hits)
	}
	if hits := cliSearchJSON(t, ix, "1007.1129"); len(hits) != 1 || hits[0].Title != "Teichmüller spaces" {
		t.Errorf("arXiv paper: %+v", hits)
	}
}

// Ids that lost their zeros as numbers are read as the arXiv ids they were;
// the summary counts them with the first as an example, and the paper is
// found by its real id.
func TestIngestRestoresNumberIDs(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	in := cliWrite(t, dir, "num.jsonl", `{"id":"1909.0599","title":"Robust hierarchical MPC"}`+"\n"+`{"id":1703.034,"title":"Another"}`+"\n")
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, in)
	want := "2 indexed, 0 rejected, 2 ids restored (e.g. " + in + ":1: id: 1909.0599 read as 1909.05990 (an arXiv id stored as a number loses zeros))\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %q", code, stdout, want, stderr)
	}
	if hits := cliSearchJSON(t, ix, "https://arxiv.org/abs/1909.05990"); len(hits) != 1 || hits[0].Title != "Robust hierarchical MPC" {
		t.Errorf("the restored paper by its link: %+v", hits)
	}
}

// A paper on two lines (2401.01234 and arXiv:2401.01234v2) is one paper
// indexed: the summary counts papers and says how many records repeated
// one, in the same batch, in a later one or in another file of the run.
func TestIngestCountsRepeatsOnce(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	in := cliWrite(t, dir, "dup.jsonl", `{"id":"2401.01234","title":"A paper"}`+"\n"+
		`{"id":"arXiv:2401.01234v2","title":"A paper","abstract":"Its abstract."}`+"\n"+
		`{"id":"2401.00002","title":"Another"}`+"\n")
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, in)
	if want := "2 indexed, 0 rejected, 1 repeated record merged (2401.01234)\n"; code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %q", code, stdout, want, stderr)
	}
	// One paper a batch: the repeat is in a batch already written; the
	// second file repeats both.
	more := cliWrite(t, dir, "more.jsonl", `{"id":"2401.00002","title":"Another"}`+"\n"+`{"id":"2401.00003","title":"A third"}`+"\n")
	stdout, stderr, code = cliRun(t, nil, "", "ingest", "--index", ix, "--batch", "1", in, more)
	if want := "3 indexed, 0 rejected, 2 repeated records merged (e.g. 2401.01234)\n"; code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %q", code, stdout, want, stderr)
	}
	if n := cliCount(t, ix); n != 3 {
		t.Errorf("%d papers in the index, want 3", n)
	}
}
