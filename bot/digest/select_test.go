package digest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
)

// rankedSearcher returns papers p0..pN-1 in trending order, honouring
// Exclude and Limit, and counts its searches.
type rankedSearcher struct {
	n        int
	searches atomic.Int32
}

func (s *rankedSearcher) Search(_ context.Context, q paper.Query) (paper.Results, error) {
	s.searches.Add(1)
	var res paper.Results
	for i := range s.n {
		id := fmt.Sprintf("p%03d", i)
		if slices.Contains(q.Exclude, id) {
			continue
		}
		res.Total++
		if len(res.Hits) < q.Limit {
			res.Hits = append(res.Hits, paper.Hit{Paper: paper.Paper{ID: id}})
		}
	}
	return res, nil
}
func (s *rankedSearcher) Lookup(context.Context, string) (paper.Paper, error) {
	return paper.Paper{}, nil
}
func (s *rankedSearcher) Similar(context.Context, string, int) (paper.Results, error) {
	return paper.Results{}, nil
}

func ids(res paper.Results) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Paper.ID)
	}
	return out
}

// Many channels planning at once share one search, and each gets exactly
// what its own search with Exclude would have returned.
func TestSelectionsShareOneSearch(t *testing.T) {
	ctx := context.Background()
	shared := &rankedSearcher{n: 300}
	own := &rankedSearcher{n: 300}
	sel := newSelections()
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for c := range 100 {
		// Channel c was sent c papers, not all from the top.
		var sent []string
		for i := 0; i < c; i++ {
			sent = append(sent, fmt.Sprintf("p%03d", 2*i))
		}
		wg.Go(func() {
			got, err := sel.trending(ctx, shared, "topic", sent, 10, now)
			want, _ := own.Search(ctx, paper.Query{Sort: paper.ByTrending, Exclude: sent, Limit: 10})
			if err != nil || !slices.Equal(ids(got), ids(want)) {
				t.Errorf("channel %d: %v %v, want %v", c, ids(got), err, ids(want))
			}
		})
	}
	wg.Wait()
	if n := shared.searches.Load(); n != 1 {
		t.Errorf("%d searches for one topic, want 1", n)
	}
	// A channel that was sent most of the shared selection gets its own search.
	var many []string
	for i := range 195 {
		many = append(many, fmt.Sprintf("p%03d", i))
	}
	got, err := sel.trending(ctx, shared, "topic", many, 10, now)
	if err != nil || len(got.Hits) != 10 || got.Hits[0].Paper.ID != "p195" {
		t.Errorf("beyond the shared selection: %v %v", ids(got), err)
	}
	// A minute later the selection is searched again.
	sel.trending(ctx, shared, "topic", nil, 10, now.Add(2*time.Minute))
	if n := shared.searches.Load(); n != 3 {
		t.Errorf("%d searches, want 3", n)
	}
}
