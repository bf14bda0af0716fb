package index

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/document"

	"github.com/paperbot/paperbot/bot/paper"
)

// writeMapping11 writes p as a paperbot of mapping 11 did: its record
// without aliases, and no alias indexed.
func writeMapping11(t *testing.T, ix *Index, p paper.Paper) {
	t.Helper()
	p.Aliases = nil
	doc, err := buildDocument(&ix.analyzers, MappingOptions{NoStored: true}, &p)
	if err != nil {
		t.Fatal(err)
	}
	doc.AddField(document.NewTextFieldWithIndexingOptions(fSource, nil, ix.rec.compress(mapping11Record(p)), optStored))
	b := ix.bi.NewBatch()
	if err := b.IndexAdvanced(doc); err != nil {
		t.Fatal(err)
	}
	if err := ix.bi.Batch(b); err != nil {
		t.Fatal(err)
	}
}

// A paper merged from a trending page's copy before aliases were recorded
// (mapping 11) reads with its copy's title id (formerTitleID), but a
// lookup by that id (the id a digest posted it under) did not find it
// until the paper was written again: the first open indexes it, once.
func TestOpenIndexesFormerTitleIDs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	merged := paper.Paper{ID: "2205.13760", Title: "Tranception: protein fitness prediction", Source: "huggingface,trending", Rank: 3}
	merged.Trending = paper.TrendingScore(merged, ix.now())
	tid := paper.TitleID(merged.Title)
	writeMapping11(t, ix, merged)
	// Never on a trending page, and a trending page's paper with no
	// record elsewhere: nothing to index.
	writeMapping11(t, ix, paper.Paper{ID: "2101.00001", Title: "Another paper", Source: "arxiv"})
	writeMapping11(t, ix, paper.Paper{ID: paper.TitleID("A trending-only paper"), Title: "A trending-only paper", Source: "trending", Rank: 1, Trending: 10})
	if err := ix.bi.DeleteInternal([]byte(formerAliasesKey)); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Lookup(t.Context(), tid); err == nil {
		t.Fatalf("Lookup(%s) found the paper before the pass: the test writes no mapping 11 index", tid)
	}
	ix.Close()

	var logs bytes.Buffer
	ix, err = Open(dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if p, err := ix.Lookup(t.Context(), tid); err != nil || p.ID != merged.ID || p.Rank != 3 {
		t.Errorf("Lookup(%s) = %+v, %v; want the paper it was merged into", tid, p, err)
	}
	if !strings.Contains(logs.String(), "papers=1") {
		t.Errorf("log:\n%s", logs.String())
	}
	if n, err := ix.indexFormerAliases(); err != nil || n != 0 {
		t.Errorf("a second pass wrote %d papers (%v), want none", n, err)
	}
	if n, _ := ix.Count(); n != 3 {
		t.Errorf("%d papers, want 3", n)
	}
}
