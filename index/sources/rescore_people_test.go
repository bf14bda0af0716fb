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

// The teammates who reacted to or saved a paper lift its score, and a
// reaction taken back lowers it again (unlike replies, the count is not
// kept at its highest); a source writing the paper again leaves it alone.
func TestRescorePeople(t *testing.T) {
	ix, clock := rescoreIndex(t)
	ctx := context.Background()
	const id = "2503.00001"
	if err := ix.Upsert(ctx, []paper.Paper{{ID: id, Title: "Liked", Published: "2025-03-14", Upvotes: 5}}); err != nil {
		t.Fatal(err)
	}
	people := map[string]int{id: 5}
	j := &sources.RescoreJob{Index: ix, Days: 14, Clock: clock, Log: slog.New(slog.DiscardHandler),
		People: func(context.Context, []string) (map[string]int, error) { return people, nil }}
	score := func(want float64, what string) {
		t.Helper()
		p, err := ix.Lookup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Trending != want {
			t.Errorf("%s: trending %v (people %d), want %v", what, p.Trending, p.People, want)
		}
	}
	if _, err := j.Run(ctx); err != nil {
		t.Fatal(err)
	}
	score(20, "five teammates (5 + 3 × 5)")

	// A source writes the paper again: the team's count stays.
	if err := ix.Upsert(ctx, []paper.Paper{{ID: id, Title: "Liked", Published: "2025-03-14", Upvotes: 5}}); err != nil {
		t.Fatal(err)
	}
	score(20, "after a source's write")

	people = map[string]int{id: 4}
	if _, err := j.Run(ctx); err != nil {
		t.Fatal(err)
	}
	score(17, "one took their reaction back")
	people = map[string]int{}
	if _, err := j.Run(ctx); err != nil {
		t.Fatal(err)
	}
	score(5, "every reaction taken back")
}

// rescoreIndex is an index in t.TempDir() whose clock is 2025-03-14.
func rescoreIndex(t *testing.T) (*index.Index, *sourcestest.Clock) {
	clock := sourcestest.NewClock(time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC), time.Time{})
	ix, err := index.Open(t.TempDir(), index.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, clock
}

// A trending page's paper merged into its arXiv id keeps the team's
// replies and marks recorded under its title id (a digest posted it under
// that id): they are counted under all its ids.
func TestRescoreCountsUnderEveryID(t *testing.T) {
	ix, clock := rescoreIndex(t)
	ctx := context.Background()
	const id = "2503.00001"
	title, abstract := "Liked on a trending page", "What the team liked."
	tid := paper.TitleID(title)
	if err := ix.Upsert(ctx, []paper.Paper{{Title: title, Abstract: abstract, Source: "trending", Rank: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(ctx, []paper.Paper{{ID: id, Title: title, Abstract: abstract, Published: "2025-03-14", Upvotes: 5}}); err != nil {
		t.Fatal(err)
	}
	j := &sources.RescoreJob{Index: ix, Days: 14, Clock: clock, Log: slog.New(slog.DiscardHandler),
		Replies: func(context.Context, []string) (map[string]int, error) { return map[string]int{tid: 3}, nil },
		People:  func(context.Context, []string) (map[string]int, error) { return map[string]int{tid: 2, id: 1}, nil }}
	if _, err := j.Run(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := ix.Lookup(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Replies != 3 || p.People != 3 {
		t.Errorf("replies %d, people %d; want 3 and 3 (those under %s counted)", p.Replies, p.People, tid)
	}
}
