package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestMain lets the test binary stand in for the bench binary when a test
// runs the benchmark end to end: runChild re-executes os.Executable (the
// test binary) with the hidden child subcommand.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == childCommand {
		if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fts5Available reports whether this build's SQLite has FTS5 (the
// sqlite_fts5 build tag).
func fts5Available(t *testing.T) bool {
	t.Helper()
	db, err := openFTS(context.Background(), filepath.Join(t.TempDir(), "probe.db"), true)
	if err == errNoFTS5 {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return true
}

// tinyCorpus writes a small corpus in the canonical JSON Lines format.
func tinyCorpus(t *testing.T) (string, []paper.Paper) {
	t.Helper()
	papers := []paper.Paper{
		{ID: "2205.13760", Title: "Tranception: protein fitness prediction with autoregressive transformers and inference-time retrieval", Abstract: "The ability to accurately model the fitness landscape of protein sequences is critical.", Authors: []string{"Pascal Notin", "Mafalda Dias"}, Categories: []string{"cs.LG", "q-bio.BM"}, Published: "2022-05-27"},
		{ID: "1706.03762", Title: "Attention is all you need", Abstract: "The dominant sequence transduction models are based on complex recurrent or convolutional neural networks.", Authors: []string{"Ashish Vaswani", "Noam Shazeer"}, Categories: []string{"cs.CL", "cs.LG"}, Published: "2017-06-12"},
		{ID: "hep-th/9711200", Title: "The large N limit of superconformal field theories and supergravity", Abstract: "We show that the large N limit of certain conformal field theories can be described in terms of supergravity.", Authors: []string{"Juan Maldacena"}, Categories: []string{"hep-th"}, Published: "1997-11-27"},
		{ID: "1412.6980", Title: "Adam: a method for stochastic optimization", Abstract: "We introduce Adam, an algorithm for first-order gradient-based optimization of stochastic objective functions.", Authors: []string{"Diederik P. Kingma", "Jimmy Ba"}, Categories: []string{"cs.LG"}, Published: "2014-12-22"},
		{ID: "math/0211159", Title: "The entropy formula for the Ricci flow and its geometric applications", Abstract: "We present a monotonic expression for the Ricci flow, valid in all dimensions and without curvature assumptions.", Authors: []string{"Grisha Perelman"}, Categories: []string{"math.DG"}, Published: "2002-11-11"},
		{ID: "1512.03385", Title: "Deep residual learning for image recognition", Abstract: "Deeper neural networks are more difficult to train. We present a residual learning framework.", Authors: []string{"Kaiming He", "Xiangyu Zhang"}, Categories: []string{"cs.CV"}, Published: "2015-12-10"},
	}
	path := filepath.Join(t.TempDir(), "tiny.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, p := range papers {
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, papers
}

const tinyMix = `# a tiny mix
words1	transformers
words2	protein fitness
phrase	"residual learning"
author	author:"Pascal Notin"
cat	cat:math.DG
id	1706.03762
id	https://arxiv.org/abs/hep-th/9711200v3
typo	tranceptoin
title	Attention is all you need
`

// TestRunEndToEnd runs the benchmark on a tiny corpus through the real
// child processes and checks the report it writes.
func TestRunEndToEnd(t *testing.T) {
	corpus, papers := tinyCorpus(t)
	dir := t.TempDir()
	mix := filepath.Join(dir, "mix.tsv")
	if err := os.WriteFile(mix, []byte(tinyMix), 0o644); err != nil {
		t.Fatal(err)
	}
	engines := "paperbot"
	if fts5Available(t) {
		engines += ",fts5"
	} else {
		t.Log("SQLite has no FTS5 in this build (run with -tags sqlite_fts5): not measuring it")
	}
	if _, _, _, err := findLucene(defaultLuceneJars); err == nil {
		engines += ",lucene"
	} else {
		t.Logf("not measuring Lucene: %v", err)
	}
	work := filepath.Join(dir, "work")
	md, js := filepath.Join(dir, "out.md"), filepath.Join(dir, "out.json")
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"--corpus", "250k", "--dataset", corpus, "--queries", mix, "--work", work,
		"--sections", "ingest,query", "--engines", engines, "--rounds", "2", "--md", md, "--json", js}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var rep Report
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Corpora) != 1 {
		t.Fatalf("corpora = %d, want 1", len(rep.Corpora))
	}
	c := rep.Corpora[0]
	if c.Papers != len(papers) {
		t.Errorf("papers = %d, want %d", c.Papers, len(papers))
	}
	for _, e := range strings.Split(engines, ",") {
		in := c.ingest(e)
		if in == nil {
			t.Fatalf("no ingest result for %s", e)
		}
		if in.Papers != len(papers) || in.IndexBytes <= 0 || in.PeakRSS <= 0 || in.PapersPerSec <= 0 {
			t.Errorf("%s ingest = %+v: want every paper, a size, a peak RSS and a rate", e, in.ingestOut)
		}
		_, pr := c.query(e, pathSearch)
		if pr == nil {
			t.Fatalf("no query result for %s", e)
		}
		if pr.Errors != 0 {
			t.Errorf("%s: %d errors: %s", e, pr.Errors, pr.FirstErr)
		}
		if pr.All.N != 2*9 {
			t.Errorf("%s: %d samples, want 18 (9 queries × 2 rounds)", e, pr.All.N)
		}
	}
	_, hd := c.query(enginePaperbot, pathHandler)
	if hd == nil || hd.Errors != 0 || hd.ZeroHits != 0 {
		t.Errorf("handler path = %+v: want every query answered with hits", hd)
	}
	_, pb := c.query(enginePaperbot, pathSearch)
	// Every query of the tiny mix has an answer in paperbot, typo included.
	if pb.ZeroHits != 0 {
		t.Errorf("paperbot: %d queries without hits, want 0", pb.ZeroHits)
	}
	mdText, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Ingest: 250k corpus, 6 papers", "paperbot (Bleve)", "### Queries", "| typo |", "### Targets"} {
		if !strings.Contains(string(mdText), want) {
			t.Errorf("Markdown report lacks %q:\n%s", want, mdText)
		}
	}
	if strings.Contains(engines, "lucene") && !strings.Contains(string(mdText), "| Lucene p99 / paperbot search p99 |") {
		t.Errorf("Markdown report lacks Lucene's column:\n%s", mdText)
	}
	if !strings.Contains(stdout.String(), "### Ingest") {
		t.Errorf("the table was not printed on stdout")
	}
	// A second run of the query section reuses the indexes.
	stderr.Reset()
	err = run(context.Background(), []string{"--corpus", "250k", "--dataset", corpus, "--queries", mix, "--work", work,
		"--sections", "query", "--engines", engines, "--rounds", "1", "--query-experiments", "all", "--md", md, "--json", js}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("query-only run: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "building it") {
		t.Errorf("query-only run rebuilt an index:\n%s", stderr.String())
	}
	rep = Report{}
	if b, err = os.ReadFile(js); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	qe := rep.Corpora[0].QueryExperiments
	if len(qe) != 4 {
		t.Fatalf("%d query experiment results, want paperbot and three experiments", len(qe))
	}
	for _, q := range qe {
		// The tiny mix has 4 free-word queries: words1, words2, typo, title.
		if len(q.Paths) == 0 || q.Paths[0].Queries != 4 || q.Paths[0].Errors != 0 {
			t.Errorf("%s: %+v, want the 4 free-word queries without errors", q.Engine, q.Paths)
		}
	}
	if q := qe[1]; q.Paths[0].ZeroHits != 1 {
		t.Errorf("%s: %d queries without hits, want 1 (the typo)", q.Engine, q.Paths[0].ZeroHits)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--corpus", "2m"}, `unknown corpus "2m"`},
		{[]string{"--sections", "ingest,bogus"}, `unknown section "bogus"`},
		{[]string{"--engines", "solr"}, `unknown engine "solr"`},
		{[]string{"--corpus", "3m,5m"}, `unknown corpus "5m"`},
		{[]string{"--experiments", "nope"}, `unknown experiment "nope"`},
		{[]string{"--rounds", "0"}, "--rounds must be at least 1"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		var out, errOut strings.Builder
		err := run(context.Background(), tt.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
