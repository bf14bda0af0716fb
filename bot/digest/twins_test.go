package digest_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
)

// A trending page's paper (no id in its format: a title id) posted by a
// digest, then merged into its arXiv id when the arXiv record comes, is
// one paper: the next digest does not post it again, and the thread the
// first one started is the arXiv paper's (show and search link it), over
// a real index and state file both opened again in between.
func TestTrendingPaperPostedOnceWhenItsArxivTwinComes(t *testing.T) {
	ctx := t.Context()
	clock := &fakeClock{t: time.Date(2025, 5, 5, 8, 0, 0, 0, time.UTC)}
	dir := filepath.Join(t.TempDir(), "ix")
	open := func() *index.Index {
		ix, err := index.Open(dir, index.Options{Logger: discard, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	ix := open()
	defer func() { ix.Close() }()

	const page = "Get trending papers in your email inbox!\n" +
		"Tranception: Protein Fitness Prediction with Autoregressive Transformers\n" +
		"The ability to accurately model the fitness landscape of protein sequences is critical…\n" +
		"Graph Rewiring for Over-squashing\n" +
		"Message passing neural networks suffer from over-squashing on long-range tasks.\n"
	var trending []paper.Paper
	err := sources.Parse(ctx, strings.NewReader(page), "trending.txt", sources.Trending, sources.Handler{
		Paper: func(p paper.Paper) error { trending = append(trending, p); return nil },
	})
	if err != nil || len(trending) != 2 || !paper.IsTitleID(trending[0].ID) {
		t.Fatalf("the trending page: %+v, %v", trending, err)
	}
	tid := trending[0].ID
	if err := ix.Upsert(ctx, trending); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, ix, clock)
	e.subscribe(digest.Subscription{Channel: "C1", ChannelName: "ml-papers", Time: "09:00", Zone: "UTC", Top: 1, Since: clock.Now()})
	clock.Set(time.Date(2025, 5, 5, 9, 1, 0, 0, time.UTC))
	if err := e.d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	first := e.day("C1", "2025-05-05")
	if len(first.Papers) != 1 || first.Papers[0].Paper.ID != tid || !first.Papers[0].Thread.IsDone() {
		t.Fatalf("the first digest posted %+v, want the trending page's top paper %s with its thread", first.Papers, tid)
	}
	thread := first.Papers[0].Thread.Thread.URL

	// Its arXiv record comes (Hugging Face's, many upvotes: it tops the
	// next digest unless it is known as posted).
	arxiv := paper.Paper{
		ID: "2205.13760", Title: "Tranception: protein fitness prediction with autoregressive transformers",
		Abstract: "The ability to accurately model the fitness landscape of protein sequences is critical to a wide range of applications.",
		Authors:  []string{"Pascal Notin"}, Published: "2025-05-05", Upvotes: 500, Source: "huggingface",
	}
	// So does the second paper's, which the first digest saw in the
	// channel's trending window under its title id.
	arxiv2 := paper.Paper{
		ID: "2111.14522", Title: "Graph rewiring for over-squashing", Source: "arxiv",
		Abstract: "Message passing neural networks suffer from over-squashing on long-range tasks, which we address by rewiring.",
	}
	if err := ix.Upsert(ctx, []paper.Paper{arxiv, arxiv2}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{tid, trending[1].ID} {
		// The title id finds the paper it was merged into (Lookup reads
		// aliases), never a paper of its own.
		if p, err := ix.Lookup(ctx, id); err != nil || p.ID == id {
			t.Fatalf("%s was not merged into its arXiv id: %s, %v", id, p.ID, err)
		}
	}
	// A restart: the index and the state file are opened again.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = open()
	e.search = ix
	e.restart()

	clock.Set(time.Date(2025, 5, 6, 9, 1, 0, 0, time.UTC))
	if err := e.d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	second := e.day("C1", "2025-05-06")
	if len(second.Papers) != 1 || second.Papers[0].Paper.ID != arxiv2.ID || second.Papers[0].Day != 2 {
		t.Errorf("the second digest planned %+v, want %s, still trending on day 2 (not %s again, as %s)", second.Papers, arxiv2.ID, tid, arxiv.ID)
	}
	if got := posted(e.plat.CallsTo("C1")); !slices.Equal(got, []string{tid, arxiv2.ID}) {
		t.Errorf("posted %q over two days, want %s then %s", got, tid, arxiv2.ID)
	}

	b, err := bot.New(bot.Config{Searcher: ix, Discussions: e.db, Digest: e.d, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"show " + arxiv.ID, "tranception"} {
		checkThreadLinked(t, b, text, arxiv.ID, "Discussed in #ml-papers", thread)
	}
}
