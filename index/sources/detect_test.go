package sources_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
)

// snapshotLines are two records of the arXiv metadata snapshot.
const snapshotLines = `{"id": "0704.0001", "title": "Calculation of prompt diphoton production", "authors": "C. Bal\\'azs, E. L. Berger", "categories": "hep-ph", "abstract": "A fully differential calculation.", "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}], "update_date": "2008-11-13"}
{"id": "0704.0002", "title": "Sparsity-certifying Graph Decompositions", "authors": "Ileana Streinu and Louis Theran", "categories": "math.CO cs.CG", "abstract": "We describe a new algorithm.", "versions": [{"version": "v1", "created": "Sat, 31 Mar 2007 02:26:18 GMT"}], "update_date": "2008-12-13"}
`

// parseFormat parses input and returns the papers, the rejects, the
// format it was read as and how that was chosen, and Parse's error.
func parseFormat(input []byte, name string, f sources.Format) (ps []paper.Paper, rej []string, got sources.Format, how string, err error) {
	err = sources.Parse(context.Background(), bytes.NewReader(input), name, f, sources.Handler{
		Paper:  func(p paper.Paper) error { ps = append(ps, p); return nil },
		Reject: func(e *sources.RecordError) { rej = append(rej, e.Error()) },
		Format: func(f sources.Format, h string) { got, how = f, h },
	})
	return ps, rej, got, how, err
}

// Content that is clearly JSON Lines (its first non-blank line is a
// complete JSON object) is read as JSON Lines whatever the file's name: a
// snapshot named x.txt was read as trending text, its JSON lines indexed as
// titles. Trending text whose titles start with a brace or a bracket is
// still trending text, and --format still wins.
func TestJSONLinesDetectedByContent(t *testing.T) {
	for _, c := range []struct {
		name, in string
		f        sources.Format
		want     sources.Format
		how      string
		papers   int
	}{
		{"x.txt", snapshotLines, sources.Auto, sources.JSONL, "its content", 2},
		{"x.txt", "\n\n  " + twoPapers, sources.Auto, sources.JSONL, "its content", 2},
		{"x.TXT", "\xef\xbb\xbf" + twoPapers, sources.Auto, sources.JSONL, "its content", 2},
		{"x.txt.gz", string(compressWith(t, "gzip", snapshotLines)), sources.Auto, sources.JSONL, "its content", 2},
		{"x.jsonl", twoPapers, sources.Auto, sources.JSONL, "its .jsonl name", 2},
		{"x.txt", `{"title":"The only line, with no newline"}`, sources.Auto, sources.JSONL, "its content", 1},
		{"x.txt", snapshotLines, sources.Trending, sources.Trending, "", 1},
		// Titles that start like JSON, but are not a complete object.
		{"x.txt", "{RL}: robust learning\nAn abstract.\n{} and [] in type theory\nAnother.\n", sources.Auto, sources.Trending, "its .txt name", 2},
		{"x.txt", "{\"quoted\"} words\nAn abstract.\n", sources.Auto, sources.Trending, "its .txt name", 1},
		{"x.txt", "[Re] Reproducing a paper\nAn abstract.\n[2024] A survey\nAnother.\n", sources.Auto, sources.Trending, "its .txt name", 2},
		{"stdin", "[Re] Reproducing a paper\nAn abstract.\n", sources.Auto, sources.Trending, "its content", 1},
		{"stdin", pageHeader + "A title\nAn abstract.\n", sources.Auto, sources.Trending, "its content", 1},
	} {
		ps, rej, got, how, err := parseFormat([]byte(c.in), c.name, c.f)
		if err != nil || got != c.want || how != c.how || len(ps) != c.papers || len(rej) != 0 {
			t.Errorf("%s (%v) %.30q: read as %v by %q, %d papers, rejected %q, error %v; want %v by %q, %d papers",
				c.name, c.f, c.in, got, how, len(ps), rej, err, c.want, c.how, c.papers)
		}
	}
	ps, _, _, _, _ := parseFormat([]byte(snapshotLines), "x.txt", sources.Auto)
	if len(ps) == 2 && (ps[0].ID != "0704.0001" || ps[0].Title != "Calculation of prompt diphoton production" || ps[1].Published != "2007-03-31") {
		t.Errorf("snapshot as x.txt: %+v", ps)
	}
}

// A JSON document (an array, or an object spread over lines) is refused
// whole, once, with how to convert it, instead of one cryptic rejection
// per line; JSON Lines with a damaged first record, and text that merely
// starts with a bracket, are not.
func TestJSONDocumentRefused(t *testing.T) {
	pretty := func(v any) string {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	recs := []map[string]any{{"id": "2401.00001", "title": "One"}, {"id": "2401.00002", "title": "Two"}}
	var many []map[string]any
	for i := range 2000 {
		many = append(many, map[string]any{"id": fmt.Sprintf("2401.%05d", i), "title": fmt.Sprintf("Paper %d", i), "abstract": strings.Repeat("words ", 20)})
	}
	broken := "[\n  {\"title\": \"One\"},\n  {\"title\": \"Two\",}\n]\n"
	for _, c := range []struct {
		name, in string
		f        sources.Format
		want     string // "" when it is no JSON document
	}{
		{"papers.json", pretty(recs), sources.Auto, "a JSON document, not JSON Lines (one paper object per line): it is an array; convert it with jq -c '.[]' papers.json > papers.jsonl and ingest that"},
		{"papers.json", pretty(many), sources.Auto, "convert it with jq -c '.[]' papers.json > papers.jsonl"},
		{"papers.json", pretty(map[string]any{"count": 2, "papers": recs}), sources.Auto, "it is an object spread over several lines; convert it with jq -c '.papers[]' papers.json > papers.jsonl and ingest that"},
		{"papers.json", pretty(map[string]any{"my papers": recs}), sources.Auto, `jq -c '.["my papers"][]' papers.json > papers.jsonl`},
		{"one.json", pretty(recs[0]), sources.Auto, "convert it with jq -c '.' one.json > one.jsonl (for one paper; give the path of the array when the papers are in one) and ingest that"},
		{"papers.json", `[{"title":"One"},{"title":"Two"}]` + "\n", sources.Auto, "it is an array; convert it with jq -c '.[]'"},
		{"papers.json", `[{"title":"One"},{"title":"Two"}]`, sources.Auto, "it is an array; convert it with jq -c '.[]'"},
		{"one.json", strings.TrimSpace(pretty(recs[0])), sources.Auto, "it is an object spread over several lines"},
		{"papers.jsonl", pretty(recs), sources.Auto, "jq -c '.[]' papers.jsonl > papers-lines.jsonl"},
		{"my papers.txt", pretty(recs), sources.Auto, `jq -c '.[]' 'my papers.txt' > 'my papers.jsonl'`},
		{"papers.json.gz", string(compressWith(t, "gzip", pretty(recs))), sources.Auto, "decompress it, then jq -c '.[]' papers.json > papers.jsonl"},
		{"stdin", pretty(recs), sources.JSONL, "jq -c '.[]' FILE.json > FILE.jsonl"},
		{"papers.json", broken, sources.Auto, "it is an array"},
		{"papers.json", pretty(recs), sources.Trending, ""},
		// JSON Lines whose first record is damaged: its line is rejected.
		{"in.jsonl", `{"id":"2401.00009",` + "\n" + twoPapers, sources.Auto, ""},
		{"in.jsonl", `{"id":"2401.00009","title":"cut sh` + "\n" + twoPapers, sources.Auto, ""},
		{"in.jsonl", `{"id":"2401.00009","title":"cut sh`, sources.Auto, ""},
		{"in.jsonl", `{"id":"2401.00009","title":"cut sh` + "\n\n", sources.Auto, ""},
		{"in.jsonl", `{"id":"2401.00009", `, sources.Auto, ""},
		{"in.jsonl", `{"id":"2401.00009", ` + "\n \n", sources.JSONL, ""},
		{"in.jsonl", `{"id"`, sources.Auto, ""},
		{"in.jsonl", `{"id":"2401.00009",` + "\n" + `"title"` + "\n", sources.Auto, "it is an object spread over several lines"},
		{"in.jsonl", `{"id":"2401.00009",` + "\n" + `"title": "x",,` + "\n", sources.Auto, "it is an object spread over several lines"},
		{"x.txt", "[Re] Reproducing a paper\nAn abstract.\n", sources.Auto, ""},
		{"x.txt", "[2024] A survey\nAn abstract.\n", sources.Auto, ""},
	} {
		ps, rej, _, _, err := parseFormat([]byte(c.in), c.name, c.f)
		cerr := sources.Check(bytes.NewReader([]byte(c.in)), c.name, c.f)
		if c.want == "" {
			if errors.Is(err, sources.ErrJSONDocument) || errors.Is(cerr, sources.ErrJSONDocument) {
				t.Errorf("%s %.30q: refused as a JSON document (%v; Check: %v)", c.name, c.in, err, cerr)
			}
			continue
		}
		if !errors.Is(err, sources.ErrJSONDocument) || !strings.Contains(err.Error(), c.want) || len(ps)+len(rej) != 0 {
			t.Errorf("%s %.30q: %d papers, rejected %q, error %v; want ErrJSONDocument saying %q", c.name, c.in, len(ps), rej, err, c.want)
		}
		if !errors.Is(cerr, sources.ErrJSONDocument) || cerr.Error() != err.Error() {
			t.Errorf("%s: Check = %v, want Parse's error %v", c.name, cerr, err)
		}
	}
}

// Text in a format paperbot does not read (CSV, XML, HTML, BibTeX...) is
// refused whole, by its content or its name, before anything is read: read
// as trending-page text, a CSV file's header became a paper's title and
// its first row the abstract. --format trending still reads it, and
// trending text that merely mentions such things is trending text.
func TestOtherFormatsRefused(t *testing.T) {
	for _, c := range []struct {
		name, in string
		f        sources.Format
		want     string // in the error; "" for none
	}{
		{"papers.csv", "id,title\n2401.00001,Hello\n", sources.Auto, "CSV (its .csv name), not JSON Lines or trending-page text"},
		{"papers.tsv.gz", "", sources.Auto, ""}, // (written gzipped below)
		{"feed.xml", "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n", sources.Auto, "an Atom feed (an arXiv API answer?) (its content)"},
		{"query", "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>\n", sources.Auto, "an Atom feed"},
		{"page.txt", "<!DOCTYPE html>\n<html><body>Trending</body></html>\n", sources.Auto, "HTML (its content)"},
		{"refs", "@article{smith2020,\n  title = {Heat},\n}\n", sources.Auto, "BibTeX (its content)"},
		{"data.xml", "<papers><paper>x</paper></papers>\n", sources.Auto, "XML (its .xml name)"},
		{"papers.csv", "id,title\n2401.00001,Hello\n", sources.Trending, ""},
		{"trending.txt", "Heat conduction in <i>thin</i> films\nWe measure @article{x} heat.\n", sources.Auto, ""},
		{"trending", "Attention Is All You Need\nThe dominant sequence transduction models.\n", sources.Auto, ""},
	} {
		in := []byte(c.in)
		if c.name == "papers.tsv.gz" {
			in = compressWith(t, "gzip", "id\ttitle\n2401.00001\tHello\n")
			c.want = "tab-separated values (its .tsv name)"
		}
		ps, _, _, _, err := parseFormat(in, c.name, c.f)
		cerr := sources.Check(bytes.NewReader(in), c.name, c.f)
		if c.want == "" {
			if err != nil || cerr != nil {
				t.Errorf("%s: Parse %v, Check %v; want it read", c.name, err, cerr)
			}
			continue
		}
		for what, err := range map[string]error{"Parse": err, "Check": cerr} {
			if !errors.Is(err, sources.ErrOtherFormat) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--format trending") {
				t.Errorf("%s: %s: %v; want ErrOtherFormat saying %q", c.name, what, err, c.want)
			}
		}
		if len(ps) != 0 {
			t.Errorf("%s: %d papers read", c.name, len(ps))
		}
	}
}

// A saved answer of Hugging Face's daily papers API, one record a line (as
// the JSON document refusal says: jq -c '.[]'), is read as the API reader
// reads it: the paper under "paper", its id, abstract, authors and
// upvotes. It was read as a paper known by its title alone. A field the
// API reader drops keeps the paper and is told.
func TestHuggingFaceRecordsInJSONLines(t *testing.T) {
	in := `{"paper":{"id":"2412.01234","authors":[{"_id":"a1","name":"Alice Smith","hidden":false},{"name":"Bob Jones"}],"publishedAt":"2024-12-02T10:00:00.000Z","title":"Scaling Test-Time Compute","summary":"We study test-time compute.","upvotes":42},"publishedAt":"2024-12-02T10:00:00.000Z","title":"Scaling Test-Time Compute","numComments":3}
{"paper":{"id":"2412.09999","title":"Tiny","upvotes":"many"}}
{"id":"2401.00001","title":"A \"paper\" about papers","abstract":"The word \"paper\" in quotes."}
{"paper":{"title":"No id"}}
`
	var ps []paper.Paper
	var rej, adj []string
	err := sources.Parse(context.Background(), strings.NewReader(in), "hf.jsonl", sources.Auto, sources.Handler{
		Paper:    func(p paper.Paper) error { ps = append(ps, p); return nil },
		Reject:   func(e *sources.RecordError) { rej = append(rej, e.Error()) },
		Adjusted: func(e *sources.RecordError) { adj = append(adj, e.Error()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("%d papers (%v), want 3", len(ps), ps)
	}
	p := ps[0]
	if p.ID != "2412.01234" || p.Abstract != "We study test-time compute." || len(p.Authors) != 2 || p.Authors[1] != "Bob Jones" || p.Upvotes != 42 || p.Comments != 3 || p.Published != "2024-12-02" {
		t.Errorf("the Hugging Face record: %+v", p)
	}
	if ps[1].ID != "2412.09999" || ps[1].Upvotes != 0 {
		t.Errorf("the record with bad upvotes: %+v", ps[1])
	}
	if ps[2].ID != "2401.00001" || ps[2].Title != `A "paper" about papers` {
		t.Errorf("a record that mentions \"paper\": %+v", ps[2])
	}
	if len(adj) != 1 || !strings.Contains(adj[0], "hf.jsonl:2: paper.upvotes") {
		t.Errorf("adjusted: %q, want hf.jsonl:2's paper.upvotes", adj)
	}
	if len(rej) != 1 || !strings.Contains(rej[0], "hf.jsonl:4") || !strings.Contains(rej[0], "without an id") {
		t.Errorf("rejected: %q, want line 4 (no id)", rej)
	}
}
