package index

import (
	"context"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// BleveOnly returns a context whose searches run on Bleve's own searchers
// only, never on topWords.
func BleveOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, bleveOnlyKey{}, true)
}

// FastRuns is how many queries the free-word fast path answered.
func FastRuns(ix *Index) int64 { return ix.fastRuns.Load() }

// ColumnSegments is how many segments' listing columns are in memory.
func ColumnSegments(ix *Index) int {
	ix.columns.mu.Lock()
	defer ix.columns.mu.Unlock()
	return len(ix.columns.m)
}

// Epoch is the index's current snapshot number: it changes whenever a
// batch, a persisted segment or a merge changes what searches see.
func Epoch(ix *Index) uint64 {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return 0
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return 0
	}
	v, _ := s.StatsMap()["CurRootEpoch"].(uint64)
	return v
}
