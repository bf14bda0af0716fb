package index

import (
	"context"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// After a bulk ingest of many small batches, Settle returns once the
// merges they called for are done: scorch's merge policy finds nothing
// left to merge in the segments the index holds, so the next open starts
// no merge.
func TestSettleLeavesNoMergePending(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{Bulk: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	const n, batch = 600, 20 // 30 segments of 20 papers, far past the 10 a tier holds
	writeN(t, ix.NewWriter(WriterOptions{BatchSize: batch}), n, "Settled segments")
	if err := ix.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap, err := ix.rawSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var segs []mergeplan.Segment
	for _, s := range snap.Segments() {
		segs = append(segs, s)
	}
	plan, err := mergeplan.Plan(segs, &mergeplan.DefaultMergePlanOptions)
	if err != nil {
		t.Fatal(err)
	}
	if plan != nil && len(plan.Tasks) > 0 {
		t.Errorf("after Settle the %d segments still call for %d merges", len(segs), len(plan.Tasks))
	}
	if c, err := ix.Count(); err != nil || c != n {
		t.Errorf("count %d (%v), want %d", c, err, n)
	}
}

// An index nothing was written to is settled at once (an ingest of a file
// without papers waited for ever on scorch's epochs).
func TestSettleEmptyIndex(t *testing.T) {
	ix, err := Open(t.TempDir(), Options{Bulk: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	writeN(t, ix.NewWriter(WriterOptions{}), 0, "Nothing")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ix.Settle(ctx); err != nil {
		t.Fatalf("Settle on an empty index: %v", err)
	}
}
