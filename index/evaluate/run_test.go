package evaluate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/index"
)

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Discover finds the collections with judgments; one without documents of
// its own searches the shared ones; the index is kept in the cache and
// rebuilt when the documents change.
func TestDiscoverRunAndCache(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"small", "lookups", "nojudgments"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	docs := `{"id":"p1","title":"Heat conduction in composite slabs","abstract":"Slabs of two materials."}
{"id":"p2","title":"Boundary layers","abstract":"Flow near a wall."}
`
	write(t, filepath.Join(root, "small", "docs.jsonl"), docs)
	write(t, filepath.Join(root, "small", "queries.jsonl"), `{"qid":"1","text":"heat conduction slabs"}
{"qid":"2","text":"unjudged request"}
`)
	write(t, filepath.Join(root, "small", "qrels.tsv"), "1\tp1\t1\n")
	shared := filepath.Join(root, "shared.jsonl")
	write(t, shared, docs)
	write(t, filepath.Join(root, "lookups", "queries.jsonl"), `{"qid":"1","class":"exact","text":"boundary layers"}`+"\n")
	write(t, filepath.Join(root, "lookups", "qrels.tsv"), "1\tp2\t1\n")
	write(t, filepath.Join(root, "nojudgments", "queries.jsonl"), `{"qid":"1","text":"x"}`+"\n")

	colls, err := Discover(root, shared)
	if err != nil {
		t.Fatal(err)
	}
	if len(colls) != 2 || colls[0].Name != "lookups" || colls[0].Docs != shared || colls[1].Name != "small" {
		t.Fatalf("collections %+v", colls)
	}
	cache := t.TempDir()
	ctx := context.Background()
	var log strings.Builder
	var reps []Report
	for _, c := range colls {
		ix, err := OpenIndex(ctx, cache, c, &log, index.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(ctx, ix, c)
		ix.Close()
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	if r := reps[1].All; r.Judged != 1 || r.Queries != 2 || r.MRR != 1 {
		t.Errorf("small: %+v", r)
	}
	if len(reps[0].Classes) != 1 || reps[0].Classes[0].Class != "exact" || reps[0].Classes[0].MRR != 1 {
		t.Errorf("lookups classes %+v", reps[0].Classes)
	}
	var out strings.Builder
	Table(&out, reps)
	if !strings.Contains(out.String(), "lookups MRR by class") || !strings.Contains(out.String(), "small") {
		t.Errorf("table:\n%s", out.String())
	}
	// Kept: opening again builds nothing.
	before := strings.Count(log.String(), "indexing")
	ix, err := OpenIndex(ctx, cache, colls[1], &log, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if n := strings.Count(log.String(), "indexing"); n != before {
		t.Errorf("the kept index was built again:\n%s", log.String())
	}
	// Changed documents: built again, the stale index removed.
	write(t, filepath.Join(root, "small", "docs.jsonl"), docs+`{"id":"p3","title":"More slabs"}`+"\n")
	ix, err = OpenIndex(ctx, cache, colls[1], &log, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 3 {
		t.Errorf("%d papers after the documents changed, want 3", n)
	}
	ix.Close()
	if old, _ := filepath.Glob(filepath.Join(cache, "small-docs-*")); len(old) != 1 {
		t.Errorf("cache holds %v", old)
	}
	if err := CheckCache(filepath.Join(root, "x")); err != nil {
		t.Errorf("a cache outside a repository refused: %v", err)
	}
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckCache(filepath.Join(root, "cache")); err == nil {
		t.Error("a cache inside a repository was accepted")
	}
}
