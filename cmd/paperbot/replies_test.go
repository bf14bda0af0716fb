package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// replyAdapter is a running adapter that can count replies (thread id →
// count), as the Slack and Discord adapters do.
type replyAdapter struct {
	fakeAdapter
	mu     sync.Mutex
	counts map[string]int
	calls  int
}

func (r *replyAdapter) CountReplies(_ context.Context, d bot.Discussion) (bot.ReplyCount, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	return bot.ReplyCount{Replies: r.counts[d.ThreadID]}, nil
}

func (r *replyAdapter) set(thread string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[thread] = n
}

var _ bot.ReplyCounter = (*replyAdapter)(nil)

// discussedDay is a finished digest day that posted and threaded one paper.
func discussedDay(platform, id, thread string, at time.Time) digest.Day {
	return digest.Day{
		Platform: platform, Channel: "C1", ChannelName: "ml-papers", Date: at.Format(time.DateOnly), Status: digest.DayDone,
		Papers: []digest.DayPaper{{
			Paper:  paper.Paper{ID: id, Title: "Paper " + id},
			Day:    1,
			Post:   digest.Step{Done: at, Message: bot.MessageRef{ID: thread}},
			Thread: digest.Step{Done: at, Thread: bot.ThreadRef{ID: thread, URL: "https://chat.example/" + thread}},
		}},
	}
}

// trendingIDs asks the bot for /papers trending and returns the papers in
// the order shown.
func trendingIDs(t *testing.T, b *bot.Bot) []string {
	t.Helper()
	var rec bottest.Recorder
	if err := b.Handle(t.Context(), &bot.Request{Platform: "console", Text: "trending"}, &rec); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range rec.Replies() {
		for _, s := range m.Sections {
			ids = append(ids, s.PaperID)
		}
	}
	return ids
}

// A paper whose thread gained replies rises in sort:trending once the
// hourly refresh has counted them and the re-score has folded them in:
// real index, real state file, the refresh and re-score the serve jobs run.
func TestThreadRepliesRaiseTrending(t *testing.T) {
	start := time.Date(2025, 2, 5, 12, 0, 0, 0, time.UTC)
	clock := sourcestest.NewClock(start, time.Time{})
	ctx := t.Context()
	ix, err := index.Open(t.TempDir(), index.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	const alpha, beta = "2502.00001", "2502.00002"
	if err := ix.Upsert(ctx, []paper.Paper{
		{ID: alpha, Title: "Alpha protein folding", Published: "2025-02-05", Upvotes: 20},
		{ID: beta, Title: "Beta protein design", Published: "2025-02-05", Upvotes: 10},
	}); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SaveDay(ctx, discussedDay("fake", beta, "T-beta", start)); err != nil {
		t.Fatal(err)
	}
	plat := &replyAdapter{fakeAdapter: fakeAdapter{&bottest.Platform{Name: "fake"}}, counts: map[string]int{}}
	poster := func(p string) bot.Poster {
		if p == "fake" {
			return plat
		}
		return nil
	}
	b, err := bot.New(bot.Config{Searcher: ix, Discussions: db})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &configs.Config{}
	cfg.Src.Rescore.Days = 14
	log := slog.New(slog.DiscardHandler)
	rr, err := newReplyRefresh(cfg, db, poster, clock, log)
	if err != nil {
		t.Fatal(err)
	}
	rc := &sources.RescoreJob{Index: ix, Replies: teamReplies(db), Days: 14, Clock: clock, Log: log}

	clock.Advance(time.Hour)
	if _, err := rr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := trendingIDs(t, b); len(got) != 2 || got[0] != alpha {
		t.Fatalf("trending before replies: %v, want %s first", got, alpha)
	}

	// The team replies three times in Beta's thread.
	plat.set("T-beta", 3)
	clock.Advance(time.Hour)
	st, err := rr.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Changed != 1 {
		t.Errorf("refresh %+v, want one count changed", st)
	}
	if _, err := rc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := trendingIDs(t, b); len(got) != 2 || got[0] != beta {
		t.Errorf("trending after replies: %v, want %s first", got, beta)
	}
	p, err := ix.Lookup(ctx, beta)
	if err != nil {
		t.Fatal(err)
	}
	// (10 upvotes + 5 × 3 replies) × ½^(age / 3 days); the age runs
	// from 00:00 UTC of the publication date: 14 hours.
	want := 25 * math.Exp2(-14.0/72)
	if p.Replies != 3 || math.Abs(p.Trending-want) > 1e-6 {
		t.Errorf("%s: replies %d, trending %v; want 3 and %v", beta, p.Replies, p.Trending, want)
	}
	var rec bottest.Recorder
	if err := b.Handle(ctx, &bot.Request{Platform: "fake", Text: "show " + beta}, &rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Text(), "Discussed in #ml-papers (3 replies)") {
		t.Errorf("show %s:\n%s", beta, rec.Text())
	}
	if plat.calls != 2 {
		t.Errorf("%d counts, want one per refresh", plat.calls)
	}
}

// refreshDone is a slog handler that signals when a reply refresh ends.
type refreshDone struct {
	slog.Handler
	done chan struct{}
	once *sync.Once
}

func (h refreshDone) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "discussion replies refreshed" {
		h.once.Do(func() { close(h.done) })
	}
	return h.Handler.Handle(ctx, r)
}

func (h refreshDone) WithAttrs(as []slog.Attr) slog.Handler {
	return refreshDone{Handler: h.Handler.WithAttrs(as), done: h.done, once: h.once}
}

func (h refreshDone) WithGroup(name string) slog.Handler {
	return refreshDone{Handler: h.Handler.WithGroup(name), done: h.done, once: h.once}
}

// serve's jobs include the reply refresh: it counts the replies of the
// recent discussions through the running adapter, and /papers show then
// says how many.
func TestServeRefreshesReplies(t *testing.T) {
	cfg, dataDir := writeDigestConfig(t, "")
	const id = "2205.13760" // in the sample corpus
	db, err := store.Open(filepath.Join(dataDir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.SaveDay(t.Context(), discussedDay("fake", id, "T1", time.Now().Add(-time.Hour)))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(cfg, &env{getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	h := refreshDone{Handler: slog.NewTextHandler(io.Discard, nil), done: make(chan struct{}), once: &sync.Once{}}
	e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	a, err := newApp(t.Context(), e, c, slog.New(h))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	plat := &replyAdapter{fakeAdapter: fakeAdapter{&bottest.Platform{Name: "fake"}}, counts: map[string]int{"T1": 12}}
	a.posters = append(a.posters, plat)

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, job := range a.jobs {
		wg.Go(func() { _ = job(ctx) })
	}
	select {
	case <-h.done:
	case <-time.After(60 * time.Second):
		t.Fatal("no reply refresh within 60s")
	}
	cancel()
	wg.Wait()

	var rec bottest.Recorder
	if err := a.bot.Handle(t.Context(), &bot.Request{Platform: "fake", Text: "show " + id}, &rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Text(), "Discussed in #ml-papers (12 replies)") {
		t.Errorf("show %s:\n%s", id, rec.Text())
	}
}
