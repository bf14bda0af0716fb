package digest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
)

// countingPlatform is a running platform that can count replies: counts
// by thread id, errors by thread id; every call is recorded with its
// (synctest) time.
type countingPlatform struct {
	bottest.Platform
	mu     sync.Mutex
	counts map[string]int
	last   map[string]time.Time
	errs   map[string]error
	calls  []countCall
}

type countCall struct {
	thread string
	at     time.Time
}

func (p *countingPlatform) CountReplies(_ context.Context, d bot.Discussion) (bot.ReplyCount, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, countCall{d.ThreadID, time.Now()})
	if err := p.errs[d.ThreadID]; err != nil {
		return bot.ReplyCount{}, err
	}
	return bot.ReplyCount{Replies: p.counts[d.ThreadID], Last: p.last[d.ThreadID]}, nil
}

func (p *countingPlatform) set(thread string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[thread] = n
}

func (p *countingPlatform) Calls() []countCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]countCall(nil), p.calls...)
}

var _ bot.ReplyCounter = (*countingPlatform)(nil)

// threadedDay is a finished digest day whose papers were each posted and
// threaded at start (thread id "t-<paper>").
func threadedDay(platform, channel, date string, start time.Time, ids ...string) digest.Day {
	d := digest.Day{Platform: platform, Channel: channel, ChannelName: "ml-papers", Date: date, Status: digest.DayDone}
	for _, id := range ids {
		d.Papers = append(d.Papers, digest.DayPaper{
			Paper:  paper.Paper{ID: id, Title: "Paper " + id},
			Post:   digest.Step{Done: start, Message: bot.MessageRef{ID: "m-" + id}},
			Thread: digest.Step{Done: start, Thread: bot.ThreadRef{ID: "t-" + id, URL: "https://chat.example/t-" + id}},
		})
	}
	return d
}

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func replies(t *testing.T, db *store.DB, id string) int {
	t.Helper()
	ds, err := db.AllDiscussionsOf(t.Context(), id)
	if err != nil || len(ds[id]) != 1 {
		t.Fatalf("discussions of %s: %+v %v", id, ds, err)
	}
	return ds[id][0].Replies
}

// One refresh over a real store: counts that changed are stored, a gone
// thread and a failed count keep their old count, discussions outside the
// window and on platforms that cannot count are left alone; calls on one
// platform are paced, platforms run side by side.
func TestReplyRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		db := openStore(t)
		ctx := t.Context()
		for _, d := range []digest.Day{
			threadedDay("slack", "C1", "2025-05-04", now.Add(-24*time.Hour), "a", "b", "gone", "broken"),
			threadedDay("slack", "C1", "2025-04-01", now.Add(-30*24*time.Hour), "old"),
			threadedDay("discord", "D1", "2025-05-04", now.Add(-2*time.Hour), "d1", "d2"),
			threadedDay("console", "K1", "2025-05-04", now.Add(-2*time.Hour), "k"),
		} {
			if err := db.SaveDay(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := db.SetReplies(ctx, bot.Discussion{PaperID: "gone", Platform: "slack", Channel: "C1", ThreadID: "t-gone"}, 4); !ok || err != nil {
			t.Fatal(ok, err)
		}
		slack := &countingPlatform{
			counts: map[string]int{"t-a": 12, "t-b": 0, "t-old": 99},
			errs: map[string]error{
				"t-gone":   fault.New(fault.NotFound, "thread_not_found"),
				"t-broken": fault.New(fault.Transient, "Slack is having trouble"),
			},
		}
		discord := &countingPlatform{counts: map[string]int{"t-d1": 2, "t-d2": 7}}
		var logs bytes.Buffer
		r, err := digest.NewReplyRefresh(digest.ReplyRefreshConfig{
			Store: db,
			Poster: func(p string) bot.Poster {
				switch p {
				case "slack":
					return slack
				case "discord":
					return discord
				case "console":
					return &bottest.Platform{} // cannot count
				}
				return nil
			},
			Pace:   2 * time.Second,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now() // (saving days took bbolt's batch delays)
		st, err := r.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := digest.ReplyStats{Discussions: 7, Counted: 4, Changed: 3, Gone: 1, Failed: 1, Skipped: 1}
		if st != want {
			t.Errorf("stats %+v, want %+v", st, want)
		}
		for id, n := range map[string]int{"a": 12, "b": 0, "gone": 4, "broken": 0, "old": 0, "d1": 2, "d2": 7, "k": 0} {
			if got := replies(t, db, id); got != n {
				t.Errorf("%s: %d replies, want %d", id, got, n)
			}
		}
		for _, c := range slack.Calls() {
			if c.thread == "t-old" {
				t.Error("a discussion outside the window was counted")
			}
		}
		// Paced: each platform's calls 2s apart; both started at once.
		for name, p := range map[string]*countingPlatform{"slack": slack, "discord": discord} {
			calls := p.Calls()
			if len(calls) == 0 || !calls[0].at.Equal(began) {
				t.Fatalf("%s calls %v, want the first at once", name, calls)
			}
			for i := 1; i < len(calls); i++ {
				if d := calls[i].at.Sub(calls[i-1].at); d != 2*time.Second {
					t.Errorf("%s calls %d and %d are %s apart, want 2s", name, i-1, i, d)
				}
			}
		}
		if !strings.Contains(logs.String(), "counting discussion replies") || !strings.Contains(logs.String(), "thread=t-broken") {
			t.Errorf("the failure was not logged:\n%s", logs.String())
		}
		if !strings.Contains(logs.String(), "changed=3") {
			t.Errorf("no summary line:\n%s", logs.String())
		}
	})
}

// A platform that keeps failing (a revoked token) is given up for this
// refresh after MaxFailures in a row, logged; the others go on.
func TestReplyRefreshStopsAfterRepeatedFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := openStore(t)
		ids := []string{"p1", "p2", "p3", "p4", "p5", "p6"}
		if err := db.SaveDay(t.Context(), threadedDay("slack", "C1", "2025-05-04", time.Now().Add(-time.Hour), ids...)); err != nil {
			t.Fatal(err)
		}
		p := &countingPlatform{errs: map[string]error{}}
		for _, id := range ids {
			p.errs["t-"+id] = errors.New("invalid_auth")
		}
		r, err := digest.NewReplyRefresh(digest.ReplyRefreshConfig{Store: db, Poster: func(string) bot.Poster { return p }, MaxFailures: 3})
		if err != nil {
			t.Fatal(err)
		}
		st, err := r.Refresh(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Calls()) != 3 || st.Failed != 3 || st.Skipped != 3 {
			t.Errorf("%d calls, stats %+v; want 3 calls, 3 failed, 3 left for the next refresh", len(p.Calls()), st)
		}
	})
}

// Run refreshes at once and then every hour until ctx ends; a count that
// grows between refreshes is stored by the next one.
func TestReplyRefreshRunsHourly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		db := openStore(t)
		if err := db.SaveDay(t.Context(), threadedDay("slack", "C1", "2025-05-04", start, "a")); err != nil {
			t.Fatal(err)
		}
		p := &countingPlatform{counts: map[string]int{"t-a": 1}}
		r, err := digest.NewReplyRefresh(digest.ReplyRefreshConfig{Store: db, Poster: func(string) bot.Poster { return p }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		synctest.Wait()
		if got := replies(t, db, "a"); got != 1 {
			t.Fatalf("after the first refresh: %d replies, want 1", got)
		}
		p.set("t-a", 5)
		time.Sleep(59 * time.Minute)
		synctest.Wait()
		if got := replies(t, db, "a"); got != 1 {
			t.Errorf("refreshed before the hour: %d", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := replies(t, db, "a"); got != 5 {
			t.Errorf("after an hour: %d replies, want 5", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		calls := p.Calls()
		if len(calls) != 2 || calls[1].at.Sub(calls[0].at) != time.Hour {
			t.Errorf("calls %v, want two an hour apart", calls)
		}
	})
}

// The refresh keeps the time of the last reply with the count, and a
// new reply that leaves the count as it was (one deleted, one written)
// still moves the time.
func TestReplyRefreshKeepsTheLastReplyTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		db := openStore(t)
		ctx := t.Context()
		if err := db.SaveDay(ctx, threadedDay("slack", "C1", "2025-05-04", now.Add(-24*time.Hour), "a")); err != nil {
			t.Fatal(err)
		}
		first := now.Add(-time.Hour).UTC()
		slack := &countingPlatform{counts: map[string]int{"t-a": 2}, last: map[string]time.Time{"t-a": first}}
		r, err := digest.NewReplyRefresh(digest.ReplyRefreshConfig{Store: db, Poster: func(string) bot.Poster { return slack }})
		if err != nil {
			t.Fatal(err)
		}
		lastOf := func() time.Time {
			t.Helper()
			ds, err := db.AllDiscussionsOf(ctx, "a")
			if err != nil || len(ds["a"]) != 1 {
				t.Fatalf("%v %v", ds, err)
			}
			return ds["a"][0].LastReply
		}
		if _, err := r.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := lastOf(); !got.Equal(first) {
			t.Errorf("last reply %v, want %v", got, first)
		}
		later := now.Add(-time.Minute).UTC()
		slack.mu.Lock()
		slack.last["t-a"] = later
		slack.mu.Unlock()
		st, err := r.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := lastOf(); !got.Equal(later) || st.Changed != 1 {
			t.Errorf("last reply %v (%d changed), want %v", got, st.Changed, later)
		}
	})
}
