package index

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/paperbot/paperbot/bot/paper"
)

// openNoMerge opens an existing index like Open, with scorch's merger told
// not to merge (so that segment ids stay put while the test runs).
func openNoMerge(t *testing.T, dir string) *Index {
	t.Helper()
	bi, err := bleve.OpenUsing(dir, map[string]any{
		"bolt_timeout":           "2s",
		"scorchMergePlanOptions": map[string]any{"MaxSegmentsPerTier": 1000, "SegmentsPerMergeTask": 1000, "FloorSegmentSize": 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	ix := &Index{bi: bi, dir: dir, log: slog.New(slog.DiscardHandler), now: time.Now, rank: defaultRank}
	if ix.analyzers, err = analyzersOf(bi.Mapping()); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestStaleBoundFromNewerSnapshot: a word's per-segment bound measured
// on a newer snapshot (after a deletion in the segment) is used by a query
// still running on an older snapshot of the same segment, where the deleted
// paper is live and scores above the bound. MaxScore then skips it.
func TestStaleBoundFromNewerSnapshot(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // one worker: segments largest first
	dir := t.TempDir()
	ix, err := Open(dir, Options{}) // creates the index
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ctx := context.Background()
	filler := "graph network learning model data method result"
	// Segment Y (larger, searched first): one paper mentions zyx once in a long abstract.
	var y []paper.Paper
	for i := range 60 {
		abs := filler
		if i == 0 {
			abs = "zyx " + filler + " " + filler
		}
		y = append(y, paper.Paper{ID: fmt.Sprintf("2403.%05d", i), Title: fmt.Sprintf("Paper %d", i), Abstract: abs, Published: "2024-03-01"})
	}
	// Segment X (smaller): A is the best zyx paper, B a weak one.
	var x []paper.Paper
	for i := range 20 {
		abs := filler
		switch i {
		case 0:
			abs = "zyx zyx zyx graph" // A
		case 1:
			abs = "zyx " + filler + " " + filler + " " + filler // B
		}
		x = append(x, paper.Paper{ID: fmt.Sprintf("2404.%05d", i), Title: fmt.Sprintf("Paper %d", 100+i), Abstract: abs, Published: "2024-04-01"})
	}
	for _, b := range [][]paper.Paper{y, x} {
		ix = openNoMerge(t, dir)
		if err := ix.Upsert(ctx, b); err != nil {
			t.Fatal(err)
		}
		ix.Close()
	}
	ix = openNoMerge(t, dir)
	defer ix.Close()

	clauses := ix.rank.wordClauses(ix.queryTerms("zyx"))
	top := func(r any) string {
		snap := r.(*scorch.IndexSnapshot)
		hits, _, _, err := ix.topWords(ctx, snap, clauses, 1, nil, wordFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			return "none"
		}
		id, _ := snap.Segments()[hits[0].seg].DocID(hits[0].local)
		return string(id)
	}
	// A query that started before the update holds this snapshot.
	old, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if n := len(old.(*scorch.IndexSnapshot).Segments()); n != 2 {
		t.Fatalf("%d segments, want 2", n)
	}
	if got := top(old); got != "2404.00000" {
		t.Fatalf("on the old snapshot with no bounds known the best is %s, want 2404.00000", got)
	}
	ix.bounds = bounds{} // forget what that measured
	// The update: A is deleted from X (replacing it deletes it the same way).
	if err := ix.bi.Delete("2404.00000"); err != nil {
		t.Fatal(err)
	}
	// A query on the new snapshot measures zyx's bound in X without A.
	cur, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	top(cur)
	cur.Close()
	for k, v := range ix.bounds.m {
		t.Logf("bound recorded on the new snapshot: %+v = %v", k, v)
	}
	// The old query goes on, and now uses that bound for X: A is skipped.
	if got := top(old); got != "2404.00000" {
		t.Errorf("old snapshot, with bounds measured on a newer one: best is %s, want 2404.00000 (A)", got)
	}
}
