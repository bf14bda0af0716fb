package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
)

func derived(t *testing.T, base []paper.Paper, total int) []paper.Paper {
	t.Helper()
	var out []paper.Paper
	if err := derive(base, total, func(p *paper.Paper) error { out = append(out, *p); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDerive(t *testing.T) {
	_, base := tinyCorpus(t)
	const total = 40
	got := derived(t, base, total)
	if len(got) != total {
		t.Fatalf("%d records, want %d", len(got), total)
	}
	titles, abstracts := map[string]int{}, map[string]int{}
	for i, p := range base {
		titles[p.Title] = i
		abstracts[p.Abstract] = i
		if fmt.Sprint(got[i]) != fmt.Sprint(p) {
			t.Errorf("record %d is not base record %d unchanged", i, i)
		}
	}
	ids := map[string]bool{}
	pairs := map[[2]int]bool{}
	for _, p := range got[len(base):] {
		if ids[p.ID] {
			t.Errorf("id %s repeats", p.ID)
		}
		ids[p.ID] = true
		if id, ok := paper.ParseArxivID(p.ID); !ok || id != p.ID {
			t.Errorf("derived id %q is not a canonical arXiv id", p.ID)
		}
		ti, ok1 := titles[p.Title]
		ai, ok2 := abstracts[p.Abstract]
		if !ok1 || !ok2 {
			t.Fatalf("derived record %s does not re-pair base titles and abstracts", p.ID)
		}
		if fmt.Sprint(p.Categories) != fmt.Sprint(base[ai].Categories) {
			t.Errorf("%s: categories %v do not go with its abstract's %v", p.ID, p.Categories, base[ai].Categories)
		}
		if p.Published[2:4] != p.ID[:2] || p.Published[5:7] != p.ID[2:4] {
			t.Errorf("%s published %s: not in the id's month", p.ID, p.Published)
		}
		pairs[[2]int{ti, ai}] = true
		cp := p
		if err := cp.Normalize(); err != nil {
			t.Errorf("derived record %s is invalid: %v", p.ID, err)
		}
	}
	if len(pairs) < (total-len(base))/2 {
		t.Errorf("only %d distinct title/abstract pairs in %d derived records", len(pairs), total-len(base))
	}
	if again := derived(t, base, total); fmt.Sprint(again) != fmt.Sprint(got) {
		t.Error("derive is not deterministic")
	}
	if short := derived(t, base, 3); len(short) != 3 {
		t.Errorf("derive(total=3) gave %d records", len(short))
	}
}

func TestDeriveRefusesIDCollision(t *testing.T) {
	_, base := tinyCorpus(t)
	base[0].ID = "2001.00001" // the first derived id
	err := derive(base, 20, func(*paper.Paper) error { return nil })
	if err == nil {
		t.Fatal("derive accepted a base corpus holding a derived id")
	}
}

// TestCorpusFile builds both corpora from a small dataset file and reads
// them back through paperbot's parser.
func TestCorpusFile(t *testing.T) {
	ctx := context.Background()
	dataset, base := tinyCorpus(t)
	work := t.TempDir()
	logf := func(string, ...any) {}
	p250, err := corpusFile(ctx, work, dataset, corpus250k, logf)
	if err != nil {
		t.Fatal(err)
	}
	n, rej, err := eachPaper(ctx, p250, 0, func(paper.Paper) error { return nil })
	if err != nil || n != len(base) || rej != 0 {
		t.Fatalf("250k corpus: %d papers, %d rejected, %v; want %d", n, rej, err, len(base))
	}
	n, _, err = eachPaper(ctx, p250, 4, func(paper.Paper) error { return nil })
	if err != nil || n != 4 {
		t.Errorf("with limit 4: %d papers, %v", n, err)
	}
	// A second call reuses the file.
	st1, _ := os.Stat(p250)
	if _, err := corpusFile(ctx, work, dataset, corpus250k, logf); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(p250)
	if !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("the corpus was written again")
	}
	// A corpus made from another dataset (or by another parser) is made
	// again, and the indexes built from it are no longer finished.
	done := filepath.Join(work, corpus250k, "paperbot.done")
	os.MkdirAll(filepath.Dir(done), 0o755)
	os.WriteFile(done, []byte("6"), 0o644)
	os.WriteFile(p250+".key", []byte("another parser"), 0o644)
	if _, err := corpusFile(ctx, work, dataset, corpus250k, logf); err != nil {
		t.Fatal(err)
	}
	if k, _ := os.ReadFile(p250 + ".key"); string(k) != corpusKey(dataset) {
		t.Errorf("key after remaking: %q", k)
	}
	if _, err := os.Stat(done); !os.IsNotExist(err) {
		t.Error("an index of the old corpus is still marked finished")
	}
	if _, err := corpusFile(ctx, work, dataset, "2m", logf); err == nil {
		t.Error("an unknown corpus was accepted")
	}
	if _, err := os.Stat(filepath.Join(work, "corpus", "arxiv-250k.jsonl.partial")); !os.IsNotExist(err) {
		t.Error("a partial file was left behind")
	}
}

func TestWriteCorpusIsJSONLines(t *testing.T) {
	_, base := tinyCorpus(t)
	path := filepath.Join(t.TempDir(), "c.jsonl")
	if err := writeCorpus(path, base, 10); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 10", len(lines))
	}
	for _, l := range lines {
		var p paper.Paper
		if err := json.Unmarshal(l, &p); err != nil || p.Title == "" {
			t.Errorf("bad line %s: %v", l, err)
		}
	}
	if n, err := countLines(path); err != nil || n != 10 {
		t.Errorf("countLines = %d, %v", n, err)
	}
}

// TestDerivedIDs pins the ids and dates of derived records, up to the last
// record of the 3m corpus (from the 250k sample: record 2,749,999).
func TestDerivedIDs(t *testing.T) {
	tests := []struct {
		k             int
		id, published string
	}{
		{0, "2001.00001", "2020-01-02"},
		{10_499, "2001.10500", "2020-01-01"},
		{10_500, "2002.00001", "2020-02-02"},
		{749_999, "2512.04500", "2025-12-21"},   // the last of the 1m corpus
		{2_749_999, "4110.09500", "2041-10-09"}, // the last of the 3m corpus
	}
	for _, tt := range tests {
		id, published := derivedID(tt.k)
		if id != tt.id || published != tt.published {
			t.Errorf("derivedID(%d) = %s, %s; want %s, %s", tt.k, id, published, tt.id, tt.published)
		}
		if c, ok := paper.ParseArxivID(id); !ok || c != id {
			t.Errorf("derivedID(%d) = %s: not a canonical arXiv id", tt.k, id)
		}
		if _, err := paper.ParseDate(published); err != nil {
			t.Errorf("derivedID(%d): %v", tt.k, err)
		}
	}
}

// TestDerivedCorporaNest checks that a smaller derived corpus is the start
// of a larger one, record for record (the 1m corpus is the start of the 3m).
func TestDerivedCorporaNest(t *testing.T) {
	_, base := tinyCorpus(t)
	small, large := derived(t, base, 30), derived(t, base, 90)
	if fmt.Sprint(small) != fmt.Sprint(large[:30]) {
		t.Error("the smaller corpus is not the start of the larger one")
	}
	if corpusSizes[corpus3M] != 3_000_000 || corpusSizes[corpus1M] != 1_000_000 {
		t.Errorf("corpus sizes %v", corpusSizes)
	}
	for _, name := range corpusNames() {
		if _, ok := corpusSizes[name]; !ok {
			t.Errorf("corpus %s has no size", name)
		}
	}
}
