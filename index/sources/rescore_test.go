package sources_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// Re-scoring rewrites stale scores: a paper written three days ago has
// half its points now.
func TestRescoreDecays(t *testing.T) {
	start := time.Date(2025, 2, 5, 0, 0, 0, 0, time.UTC)
	clock := sourcestest.NewClock(start, time.Time{})
	ix, err := index.Open(t.TempDir(), index.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	papers := []paper.Paper{
		{ID: "2502.00001", Title: "Fresh", Published: "2025-02-05", Upvotes: 80},
		{ID: "2502.00002", Title: "Listed", Rank: 2},
		{ID: "2502.00003", Title: "Silent", Published: "2025-02-05"},
	}
	if err := ix.Upsert(ctx, papers); err != nil {
		t.Fatal(err)
	}
	clock.Advance(72 * time.Hour)
	j := &sources.RescoreJob{Index: ix, Days: 14, Clock: clock, Log: slog.New(slog.DiscardHandler)}
	n, err := j.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d papers rewritten, want 1 (only the decayed one changed)", n)
	}
	p, _ := ix.Lookup(ctx, "2502.00001")
	if p.Trending != 40 {
		t.Errorf("after three days: %v, want 40", p.Trending)
	}
	if n, _ := j.Run(ctx); n != 0 {
		t.Errorf("a second run rewrote %d papers", n)
	}
}
