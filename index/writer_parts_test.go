package index

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/paperbot/paperbot/bot/paper"
)

// On two cores a large batch written in two parts is two segments built at once;
// every paper lands once, and a second run's updates replace the papers
// of both parts.
func TestWriterBuildsPartsAtOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	dir := t.TempDir()
	ix, err := Open(dir, Options{}) // creates the index
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix = openNoMerge(t, dir)
	defer ix.Close()
	ctx := context.Background()
	const n = 2 * minSplit
	write := func(title string) int {
		t.Helper()
		w := ix.NewWriter(WriterOptions{BatchSize: n, Parts: 2})
		writeN(t, w, n, title)
		if w.Written() != n || w.Persisted() != n {
			t.Fatalf("written %d, persisted %d, want %d", w.Written(), w.Persisted(), n)
		}
		return w.batches
	}
	segments := func() int {
		t.Helper()
		r, err := ix.reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		return len(r.(*scorch.IndexSnapshot).Segments())
	}
	// One flush is two Bleve batches, written at once. How many segments
	// the index then holds depends on timing: scorch's persister merges
	// the in-memory segments it finds unpersisted into one file.
	if got := write("Protein language models"); got != 2 {
		t.Errorf("one batch of %d papers was written as %d Bleve batches, want 2", n, got)
	}
	if got := segments(); got < 1 || got > 2 {
		t.Errorf("one batch of %d papers made %d segments, want 1 or 2", n, got)
	}
	write("Graph neural networks")
	if c, err := ix.Count(); err != nil || c != n {
		t.Fatalf("count %d (%v), want %d", c, err, n)
	}
	for _, id := range []string{"2401.00000", fmt.Sprintf("2401.%05d", n-1)} {
		p, err := ix.Lookup(ctx, id)
		if err != nil || p.Title[:5] != "Graph" {
			t.Errorf("%s after the update: %q, %v", id, p.Title, err)
		}
	}
	res, err := ix.Search(ctx, paper.Query{Text: "protein", Limit: 10})
	if err != nil || res.Total != 0 {
		t.Errorf("protein still finds %d papers (%v)", res.Total, err)
	}
	if parts(minSplit-1, 2) != 1 || parts(minSplit, 2) != 2 || parts(minSplit, 0) != 1 || parts(minSplit, 3) != 2 {
		t.Errorf("parts: %d below %d papers, %d at it, %d by default, %d of 3 on 2 cores",
			parts(minSplit-1, 2), minSplit, parts(minSplit, 2), parts(minSplit, 0), parts(minSplit, 3))
	}
	runtime.GOMAXPROCS(1)
	if parts(10*minSplit, 2) != 1 {
		t.Errorf("one core: %d parts", parts(10*minSplit, 2))
	}
}

// While scorch merges segments on disk a batch is written as one part: the
// merge has the other core (at 3M papers two parts starved the merges).
func TestWriterOnePartWhileMerging(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	ix, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.merging() {
		t.Fatal("an empty index is merging")
	}
	const n = 2 * minSplit
	for _, merging := range []bool{false, true} {
		w := ix.NewWriter(WriterOptions{BatchSize: n, Parts: 2})
		w.merging = func() bool { return merging }
		writeN(t, w, n, "Paper")
		if want := map[bool]int{false: 2, true: 1}[merging]; w.batches != want {
			t.Errorf("merging %v: %d Bleve batches, want %d", merging, w.batches, want)
		}
	}
}

// writeN writes n papers titled "title i" through w and closes it.
func writeN(t *testing.T, w *Writer, n int, title string) {
	t.Helper()
	for i := range n {
		p := paper.Paper{ID: fmt.Sprintf("2401.%05d", i), Title: fmt.Sprintf("%s %d", title, i), Published: "2024-01-02"}
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := w.Add(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
