package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Every example the help gives for finding papers (search, show, similar,
// trending) finds some in the built-in sample corpus, the first thing a
// new user tries them on.
func TestHelpExamplesWorkOnTheSample(t *testing.T) {
	vars := cliDataEnv(t)
	cfg, err := loadConfig("", &env{getenv: cliEnv(vars)})
	if err != nil {
		t.Fatal(err)
	}
	specs, err := commandSpecs(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range specs {
		switch s.Name {
		case "search", "show", "similar", "trending":
			for _, ex := range s.Examples {
				lines = append(lines, "/papers "+ex)
			}
		}
	}
	if len(lines) < 8 {
		t.Fatalf("only %d examples: %v", len(lines), lines)
	}
	for _, line := range lines {
		stdout, stderr, code := cliRun(t, vars, line+"\n")
		if code != 0 || strings.Contains(stdout, "No papers found") || strings.Contains(stdout, "not in the index") ||
			strings.Contains(stdout, "no paper matches") || !strings.Contains(stdout, "id: ") {
			t.Errorf("%s: exit %d, finds nothing on the sample:\n%.400s\n%s", line, code, stdout, stderr)
		}
	}
}

// search --json prints a paper's categories with the rest of its record.
func TestSearchJSONCategories(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	file := cliWrite(t, dir, "p.jsonl", `{"id":"2401.00001","title":"Glaciers","abstract":"Ice sheets.","categories":["physics.ao-ph","cs.LG"],"authors":["A B"]}`+"\n")
	if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, file); code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	stdout, stderr, code := cliRun(t, nil, "", "search", "--index", ix, "--json", "glaciers")
	var hit map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &hit) != nil {
		t.Fatalf("search: exit %d %q %s", code, stdout, stderr)
	}
	if got := fmt.Sprint(hit["categories"]); got != "[physics.ao-ph cs.LG]" {
		t.Errorf("categories %s in %s", got, stdout)
	}
}

// search --json leaves a score out when the query has none to give, as
// it does other empty fields: a query of filters alone (cat:cs.LG) ranks
// by date, and printed "score":0 for every hit. A query of words keeps
// its scores.
func TestSearchJSONLeavesNoScoreOut(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	file := cliWrite(t, dir, "p.jsonl", `{"id":"2401.00001","title":"Glaciers","abstract":"Ice sheets.","categories":["cs.LG"],"published":"2024-01-02"}`+"\n"+
		`{"id":"2401.00002","title":"Sea ice","abstract":"Glaciers and sea ice.","categories":["cs.LG"],"published":"2024-01-03"}`+"\n")
	if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, file); code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	for q, scored := range map[string]bool{"cat:cs.LG": false, "glaciers": true} {
		stdout, stderr, code := cliRun(t, nil, "", "search", "--index", ix, "--json", q)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if code != 0 || len(lines) != 2 {
			t.Fatalf("search %s: exit %d %q %s", q, code, stdout, stderr)
		}
		for _, line := range lines {
			var hit map[string]any
			if err := json.Unmarshal([]byte(line), &hit); err != nil {
				t.Fatalf("search %s: %v in %s", q, err, line)
			}
			score, ok := hit["score"].(float64)
			if ok != scored || ok && score <= 0 {
				t.Errorf("search %s: score %v (%v), want one: %v\n%s", q, hit["score"], ok, scored, line)
			}
		}
	}
}
