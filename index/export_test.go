package index

import "context"

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
