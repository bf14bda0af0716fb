package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/configs"
)

// paperbot eval runs every collection with judgments under --datasets and
// prints one table; the known-item set searches the shared documents; a
// second run reuses the kept indexes; a cache inside a repository is
// refused.
func TestEvalRunsEveryCollection(t *testing.T) {
	root := t.TempDir()
	mk := func(path, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	docs := `{"id":"2401.00001","title":"Heat conduction in composite slabs","abstract":"Slabs."}` + "\n" +
		`{"id":"2401.00002","title":"Boundary layers on flat plates","abstract":"Flow near a wall."}` + "\n"
	mk(filepath.Join(root, "shared.jsonl"), docs)
	mk(filepath.Join(root, "slabs", "docs.jsonl"), docs)
	mk(filepath.Join(root, "slabs", "queries.jsonl"), `{"qid":"1","text":"I'd like papers on heat conduction in \"composite slabs\""}`+"\n")
	mk(filepath.Join(root, "slabs", "qrels.tsv"), "1\t2401.00001\t2\n")
	mk(filepath.Join(root, "lookups", "queries.jsonl"), `{"qid":"1","class":"prefix","text":"boundary layers on"}`+"\n")
	mk(filepath.Join(root, "lookups", "qrels.tsv"), "1\t2401.00002\t1\n")
	cache := filepath.Join(t.TempDir(), "cache")
	args := []string{"eval", "--datasets", root, "--shared-docs", filepath.Join(root, "shared.jsonl"), "--cache", cache}
	stdout, stderr, code := cliRun(t, nil, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"nDCG@10", "slabs", "lookups", "lookups MRR by class", "prefix"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stdout, "1.0000") {
		t.Errorf("the right papers were not found first:\n%s", stdout)
	}
	_, stderr, code = cliRun(t, nil, "", args...)
	if code != 0 || strings.Contains(stderr, "indexing") {
		t.Errorf("second run: exit %d, built again: %s", code, stderr)
	}
	// Bleve's searchers alone give the same figures.
	slow, stderr, code := cliRun(t, nil, "", append(args, "--no-fast-path")...)
	if code != 0 || figures(slow) != figures(stdout) {
		t.Errorf("--no-fast-path: exit %d %s\n%s\nwant the figures of\n%s", code, stderr, slow, stdout)
	}
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = cliRun(t, nil, "", "eval", "--datasets", root, "--cache", filepath.Join(repo, "cache"))
	if code != 2 || !strings.Contains(stderr, "inside the repository") {
		t.Errorf("cache in a repository: exit %d, %s", code, stderr)
	}
}

// figures is eval's table without its timing column.
func figures(table string) string {
	var out []string
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && strings.Contains(line, "/") { // a collection's row ends with ms/query
			f = f[:len(f)-1]
		}
		out = append(out, strings.Join(f, " "))
	}
	return strings.Join(out, "\n")
}

// The index answers queries as the configuration says: search.fast_path.
func TestIndexOptionsFollowTheConfig(t *testing.T) {
	for yaml, disabled := range map[string]bool{"": false, "search:\n  fast_path: true\n": false, "search:\n  fast_path: false\n": true} {
		cfg, err := configs.Parse([]byte(yaml), "test.yaml", func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if got := indexOptions(cfg, nil).DisableFastPath; got != disabled {
			t.Errorf("%q: DisableFastPath %v, want %v", yaml, got, disabled)
		}
	}
}

// Without the datasets beside the clone (the tests run in cmd/paperbot,
// where ../shared/datasets is not), eval says where it looked and what
// to give it instead; it said "datasets: open ../shared/datasets: no
// such file or directory".
func TestEvalWithoutDatasetsSaysWhatToGive(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "shared", "datasets")); err == nil {
		t.Skip("../shared/datasets exists here")
	}
	_, stderr, code := cliRun(t, nil, "", "eval", "--cache", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "open "+filepath.Join("..", "shared", "datasets")+": no such file or directory") ||
		!strings.Contains(stderr, "name another with --datasets DIR, one collection with --collection DIR") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}
