package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestTranslateLucene(t *testing.T) {
	tests := []struct {
		name, in string
		want     luceneQuery
		why      string
	}{
		{"words as typed, stop words left to the analyzer", "the theory of diffusion models", luceneQuery{Words: "the theory of diffusion models"}, ""},
		{"typo kept as typed", "tranceptoin", luceneQuery{Words: "tranceptoin"}, ""},
		{"pasted title", "Attention is all you need", luceneQuery{Words: "Attention is all you need"}, ""},
		{"phrase", `"direct preference optimization"`, luceneQuery{Phrases: []string{"direct preference optimization"}}, ""},
		{"word and phrase", `learning "without inertia"`, luceneQuery{Words: "learning", Phrases: []string{"without inertia"}}, ""},
		{"author alone: newest first", `author:"Pascal Notin"`, luceneQuery{Authors: []string{"Pascal Notin"}, Recent: true}, ""},
		{"author and topic: ranked", "author:Nikulin spaces", luceneQuery{Words: "spaces", Authors: []string{"Nikulin"}}, ""},
		{"category alone: newest first", "cat:cs.CY", luceneQuery{Cats: []string{"cs.cy"}, Recent: true}, ""},
		{"archive: every category in it", "cat:math-ph", luceneQuery{Cats: []string{"math-ph"}, CatPrefixes: []string{"math-ph."}, Recent: true}, ""},
		{"category after words", "molecular feshbach cat:quant-ph",
			luceneQuery{Words: "molecular feshbach", Cats: []string{"quant-ph"}, CatPrefixes: []string{"quant-ph."}}, ""},
		{"new-style id", "1506.02676", luceneQuery{IDs: []string{"1506.02676"}}, ""},
		{"arXiv: prefix", "arXiv:physics/9610023", luceneQuery{IDs: []string{"physics/9610023"}}, ""},
		{"abs URL with version", "https://arxiv.org/abs/cond-mat/0207523v2", luceneQuery{IDs: []string{"cond-mat/0207523"}}, ""},
		{"id beside words: words only, as paperbot", "1506.02676 graphene", luceneQuery{Words: "graphene"}, ""},
		{"exclusions", `diffusion -survey -"language models"`,
			luceneQuery{Words: "diffusion", NotWords: "survey", NotPhrases: []string{"language models"}}, ""},
		{"dates are not translated", "graphene year:2020", luceneQuery{}, "year:2020: dates and sort orders are not translated (not in the mix)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := translateLucene(tt.in)
			if !reflect.DeepEqual(got, tt.want) || why != tt.why {
				t.Errorf("translateLucene(%q) =\n  %+v, %q\nwant\n  %+v, %q", tt.in, got, why, tt.want, tt.why)
			}
		})
	}
}

// TestTranslateLuceneMix checks that every query of the checked-in mix is
// translated, with something to search for.
func TestTranslateLuceneMix(t *testing.T) {
	qs, err := loadQueries(filepath.Join("testdata", "queries.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		lq, why := translateLucene(q.Text)
		if why != "" {
			t.Errorf("%s %q not translated: %s", q.Class, q.Text, why)
			continue
		}
		if reflect.DeepEqual(lq, luceneQuery{}) {
			t.Errorf("%s %q: nothing to search for", q.Class, q.Text)
		}
		if (q.Class == "id") != (len(lq.IDs) > 0) {
			t.Errorf("%s %q: ids %v", q.Class, q.Text, lq.IDs)
		}
	}
}

func TestLucenePlan(t *testing.T) {
	qs := []Query{{"words1", "graphene"}, {"words2", "graphene year:2020"}, {"id", "1506.02676"}, {"cat", "cat:cs.CY"}}
	const rounds = 3
	plan, at, notExpressed := newLucenePlan(qs, rounds)
	if len(plan.Queries) != 3 || !slices.Equal(at, []int{0, 2, 3}) {
		t.Fatalf("plan of %d queries at %v, want 3 at [0 2 3]", len(plan.Queries), at)
	}
	if len(notExpressed) != 1 || !strings.Contains(notExpressed[0], "graphene year:2020") {
		t.Errorf("not expressed: %q", notExpressed)
	}
	if len(plan.Orders) != rounds {
		t.Fatalf("%d orders, want %d", len(plan.Orders), rounds)
	}
	for r, order := range plan.Orders {
		// The other engines' order, the untranslated query left out.
		var want []int
		for _, i := range roundOrder(r, len(qs)) {
			if j := slices.Index(at, i); j >= 0 {
				want = append(want, j)
			}
		}
		if !slices.Equal(order, want) {
			t.Errorf("round %d: order %v, want %v", r, order, want)
		}
	}
	// The figures the program prints map back onto the mix.
	raw := luceneQueryOut{
		Hits:   []int{4, 1, 0},
		WallNS: [][]int64{{1e6, 2e6, 3e6}, {1e5, 1e5, 1e5}, {5e6, 5e6, 9e6}},
		CPUNS:  [][]int64{{1e6, 2e6, 3e6}, {1e5, 1e5, 1e5}, {5e6, 5e6, 9e6}},
	}
	out, err := raw.result(qs, rounds, at)
	if err != nil {
		t.Fatal(err)
	}
	pr := out.Paths[0]
	if pr.Queries != 3 || pr.All.N != 9 || pr.ZeroHits != 1 {
		t.Errorf("queries %d, samples %d, no hits %d; want 3, 9, 1", pr.Queries, pr.All.N, pr.ZeroHits)
	}
	if _, ok := pr.ByClass["words2"]; ok || pr.ByClass["cat"].Max != 9 || pr.ByClass["words1"].P50 != 2 {
		t.Errorf("by class: %+v", pr.ByClass)
	}
	if pr.Slowest[0].Query != "cat:cs.CY" || pr.Slowest[0].Ms != 5 {
		t.Errorf("slowest: %+v", pr.Slowest[0])
	}
	if _, err := (&luceneQueryOut{Hits: []int{1}}).result(qs, rounds, at); err == nil {
		t.Error("figures for too few queries were accepted")
	}
}

func TestLuceneMissingSaysHowToInstall(t *testing.T) {
	_, err := setupLucene(context.Background(), t.TempDir(), t.TempDir(), defaultLuceneHeap)
	if !errors.Is(err, errLuceneMissing) || !strings.Contains(err.Error(), "apt-get install -y liblucene8-java") {
		t.Errorf("setupLucene without jars: %v; want a skip saying how to install liblucene8-java", err)
	}
	// The bench skips Lucene with that message rather than failing.
	corpus, _ := tinyCorpus(t)
	dir := t.TempDir()
	js := filepath.Join(dir, "out.json")
	var stdout, stderr strings.Builder
	err = run(context.Background(), []string{"--corpus", "250k", "--dataset", corpus, "--work", filepath.Join(dir, "work"),
		"--sections", "ingest", "--engines", "lucene", "--lucene-jars", t.TempDir(), "--md", filepath.Join(dir, "out.md"), "--json", js}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var rep Report
	if b, err := os.ReadFile(js); err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("reading the report: %v", err)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "skipping Lucene") || !strings.Contains(stderr.String(), "liblucene8-java") {
		t.Errorf("warnings %q, log:\n%s", rep.Warnings, stderr.String())
	}
	if c := rep.Corpora[0]; c.ingest(engineLucene) != nil || c.ingest(engineParse) == nil {
		t.Errorf("ingest results: %+v", c.Ingest)
	}
}

// setupTestLucene sets up the Lucene peer in a temporary work directory, or skips
// the test saying why.
func setupTestLucene(t *testing.T) *lucene {
	t.Helper()
	l, err := setupLucene(context.Background(), t.TempDir(), defaultLuceneJars, defaultLuceneHeap)
	if errors.Is(err, errLuceneMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLuceneAnswers runs the Java program on the tiny corpus and checks what
// each query of the tiny mix finds: the translation searched what paperbot
// searches (typos as typed find nothing).
func TestLuceneAnswers(t *testing.T) {
	l := setupTestLucene(t)
	ctx := context.Background()
	corpus, papers := tinyCorpus(t)
	dir := filepath.Join(t.TempDir(), "lucene")
	if in, _, err := l.ingest(ctx, corpus, dir, 4); err != nil || in.Papers != 4 || in.Reopened != 4 {
		t.Errorf("ingest with limit 4: %+v, %v", in, err)
	}
	// Again, whole: the index is made fresh.
	in, _, err := l.ingest(ctx, corpus, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if in.Papers != len(papers) || in.Reopened != len(papers) || in.IndexBytes <= 0 || in.PeakRSS <= 0 || !strings.HasPrefix(in.Version, "Lucene 8.") {
		t.Errorf("ingest: %+v", in)
	}
	qs, err := readQueries(strings.NewReader(tinyMix+"author\tauthor:Maldacena supergravity\ncat\tcat:cs\n"), "tiny")
	if err != nil {
		t.Fatal(err)
	}
	plan, _, _ := newLucenePlan(qs, 1)
	planPath := filepath.Join(t.TempDir(), "plan.json")
	b, _ := json.Marshal(plan)
	if err := os.WriteFile(planPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var raw luceneQueryOut
	if _, err := runProcess(l.command(ctx, "query", "--index", dir, "--plan", planPath), "lucene query", &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Errors != 0 || len(raw.Top) != len(qs) {
		t.Fatalf("%d errors (%s), %d answers for %d queries", raw.Errors, raw.FirstErr, len(raw.Top), len(qs))
	}
	want := map[string][]string{
		"transformers":                           {"2205.13760"},
		"protein fitness":                        {"2205.13760"},
		`"residual learning"`:                    {"1512.03385"},
		`author:"Pascal Notin"`:                  {"2205.13760"},
		"cat:math.DG":                            {"math/0211159"},
		"1706.03762":                             {"1706.03762"},
		"https://arxiv.org/abs/hep-th/9711200v3": {"hep-th/9711200"},
		"tranceptoin":                            nil,
		"author:Maldacena supergravity":          {"hep-th/9711200"},
		"cat:cs":                                 {"2205.13760", "1706.03762", "1512.03385", "1412.6980"}, // newest first
	}
	for i, q := range qs {
		got := raw.Top[i]
		if q.Text == "Attention is all you need" {
			// Any word matches: the paper first, others after it.
			if len(got) == 0 || got[0] != "1706.03762" {
				t.Errorf("%q found %v, want 1706.03762 first", q.Text, got)
			}
			continue
		}
		if w, ok := want[q.Text]; ok && !slices.Equal(got, w) {
			t.Errorf("%q found %v, want %v", q.Text, got, w)
		}
	}
	// And through the bench's own path: the figures summarised.
	out, u, err := l.query(ctx, dir, planPath, qs, 2)
	if err != nil {
		t.Fatal(err)
	}
	pr := out.Paths[0]
	if out.Papers != uint64(len(papers)) || pr.Queries != len(qs) || pr.All.N != 2*len(qs) || pr.ZeroHits != 1 || out.PeakRSS <= 0 || u.CPUSeconds() <= 0 {
		t.Errorf("query result %+v, usage %+v", out, u)
	}
}
