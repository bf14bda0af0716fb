package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
)

// The daily digest run by the core (digest.Service, its ledger in a real bbolt
// file) through this adapter against the fake Web API, with the answer to
// one post lost in each way it can be: the digest settles it with
// FindPost/FindThread (the message carries the digest's key) and completes
// the day with every paper posted and threaded exactly once.

// somePapers is a tiny index: n papers, the most trending first.
func somePapers(n int) *bottest.Searcher {
	var ps []paper.Paper
	for i := range n {
		ps = append(ps, paper.Paper{
			ID:       fmt.Sprintf("2506.%05d", i+1),
			Title:    fmt.Sprintf("Paper %d on protein language models", i+1),
			Abstract: "An abstract long enough for a two-line summary. " + "More words. More words. More words.",
			Authors:  []string{"Ada Lovelace", "Alan Turing"},
			URL:      fmt.Sprintf("https://arxiv.org/abs/2506.%05d", i+1),
			Trending: float64(100 - i),
		})
	}
	return bottest.NewSearcher(ps...)
}

var errCrashed = errors.New("crashed: the process is gone")

// crashStore is the real store; once crashed, writes fail as if the
// process had died at that moment (what was committed stays).
type crashStore struct {
	*store.DB
	crashed atomic.Bool
}

func (s *crashStore) SaveDay(ctx context.Context, d digest.Day) error {
	if s.crashed.Load() {
		return errCrashed
	}
	return s.DB.SaveDay(ctx, d)
}

// digestEnv is a bot process: state file, adapter, digest. restart drops
// all of it but the file and the fake Slack.
type digestEnv struct {
	t     *testing.T
	api   *fakeSlack
	clock *fakeClock
	path  string
	st    *crashStore
	a     *Adapter
	d     *digest.Service
}

func newDigestEnv(t *testing.T, api *fakeSlack, clock *fakeClock) *digestEnv {
	e := &digestEnv{t: t, api: api, clock: clock, path: filepath.Join(t.TempDir(), "state.db")}
	e.start()
	t.Cleanup(func() { e.st.Close() })
	return e
}

func (e *digestEnv) start() {
	e.t.Helper()
	db, err := store.Open(e.path, store.Options{NoSync: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = &crashStore{DB: db}
	e.a = newTestAdapter(e.t, e.api, e.clock)
	e.d, err = digest.New(digest.Config{
		Searcher: somePapers(8),
		Store:    e.st,
		Poster:   e.poster,
		Clock:    e.clock,
		Logger:   slog.New(slog.NewTextHandler(e.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// poster is the running adapter of a platform.
func (e *digestEnv) poster(platform string) bot.Poster {
	if platform == "slack" {
		return e.a
	}
	return nil
}

func (e *digestEnv) restart() {
	e.t.Helper()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.start()
}

func TestDigestSettlesUnknownOutcomes(t *testing.T) {
	due := time.Date(2025, 6, 3, 9, 0, 0, 0, time.UTC)
	// The shared table, and what only Slack's fake can do: store a post,
	// then answer 500.
	faults := append(bottest.DigestFaults(),
		bottest.DigestFault{Part: bottest.PaperPost, Paper: 2, Kind: bottest.StoredThenError},
		bottest.DigestFault{Part: bottest.PaperThread, Paper: 2, Kind: bottest.StoredThenError})
	for _, f := range faults {
		// Slack's chat.postMessage calls of the day, in order: the header
		// (1), paper 1 (2), its thread reply (3), paper 2 (4), its reply
		// (5)...
		tc := struct {
			name  string
			call  int    // which post fails
			step  string // how (fakeSlack script)
			crash bool   // the process dies after Slack stored it
		}{name: f.String(), call: 1, crash: f.Kind == bottest.Crash}
		switch f.Part {
		case bottest.PaperPost:
			tc.call = 2 * f.Paper
		case bottest.PaperThread:
			tc.call = 2*f.Paper + 1
		}
		tc.step = map[bottest.DigestFaultKind]string{bottest.AnswerLost: "drop", bottest.Refused: "500-lost", bottest.StoredThenError: "500"}[f.Kind]
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeSlack(t)
			clock := newFakeClock(due.Add(-time.Hour))
			e := newDigestEnv(t, api, clock)
			sub := digest.Subscription{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers",
				Time: "09:00", Zone: "UTC", Top: bottest.DigestTop, Source: digest.SourceConfig, Since: clock.Now()}
			if err := e.st.PutSubscription(t.Context(), sub); err != nil {
				t.Fatal(err)
			}
			if tc.crash {
				api.afterPost = func(fakeMessage) {
					if len(api.posted) == tc.call {
						e.st.crashed.Store(true)
					}
				}
			} else {
				script := make([]string, tc.call)
				script[tc.call-1] = tc.step
				api.Script(script...)
				// The adapter's own history check fails too, so the
				// outcome stays unknown and the digest must settle it.
				api.FailHistory(1, http.StatusInternalServerError)
			}

			clock.Advance(time.Hour + time.Minute)
			if err := e.d.RunDue(t.Context()); err == nil {
				t.Fatal("the first run did not fail")
			}
			if tc.crash {
				e.restart()
			}
			for i := 0; ; i++ {
				clock.Advance(time.Minute)
				err := e.d.RunDue(t.Context())
				if err == nil {
					break
				}
				if i == 3 {
					t.Fatalf("run %d: %v", i+2, err)
				}
			}
			if api.Reads() == 0 {
				t.Error("no history was read: the unknown outcome was not looked up")
			}
			checkDigestDay(t, e.st.DB, api.Posted(), "C1", "2025-06-03", bottest.DigestTop)
		})
	}
}

// checkDigestDay asserts that the channel's day is done, with one header,
// one message per paper and one thread reply under each, all in the
// ledger and none twice.
func checkDigestDay(t *testing.T, db *store.DB, posted []fakeMessage, channel, date string, papers int) {
	t.Helper()
	day, ok, err := db.Day(t.Context(), "slack", channel, date)
	if err != nil || !ok {
		t.Fatalf("day: %v %v", ok, err)
	}
	if day.Status != digest.DayDone || len(day.Papers) != papers {
		t.Fatalf("day %s with %d papers (%s), want done with %d", day.Status, len(day.Papers), day.Note, papers)
	}
	top := map[string]fakeMessage{}
	replies := map[string][]fakeMessage{}
	keys := map[string]bool{}
	for _, m := range posted {
		if m.Channel != channel {
			continue
		}
		if keys[m.Key] {
			t.Errorf("key %s posted twice", m.Key)
		}
		keys[m.Key] = true
		if m.ThreadTS == "" {
			top[m.TS] = m
		} else {
			replies[m.ThreadTS] = append(replies[m.ThreadTS], m)
		}
	}
	if len(top) != papers+1 {
		t.Errorf("%d messages in the channel, want a header and %d papers", len(top), papers)
	}
	if _, ok := top[day.Header.Message.ID]; !ok || !day.Header.IsDone() {
		t.Errorf("header %+v is not a message in the channel", day.Header)
	}
	ids := []string{}
	for _, p := range day.Papers {
		ids = append(ids, p.Paper.ID)
		if !p.Post.IsDone() || p.Post.Unknown || !p.Thread.IsDone() || p.Thread.Unknown {
			t.Errorf("%s: post %+v, thread %+v; want both done", p.Paper.ID, p.Post, p.Thread)
			continue
		}
		m, ok := top[p.Post.Message.ID]
		if !ok || m.Key != p.Post.Key {
			t.Errorf("%s: ledger message %s is not in the channel with key %s", p.Paper.ID, p.Post.Message.ID, p.Post.Key)
		}
		if r := replies[m.TS]; len(r) != 1 || r[0].Key != p.Thread.Key || p.Thread.Thread.ID != m.TS {
			t.Errorf("%s: %d thread replies (%+v), want exactly one with the thread's key", p.Paper.ID, len(r), r)
		}
	}
	disc, err := db.AllDiscussionsOf(t.Context(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if len(disc[id]) != 1 || disc[id][0].URL == "" {
			t.Errorf("%s: discussions %+v, want one with a link", id, disc[id])
		}
	}
}

// After the digest, people reply in a paper's thread: the reply refresh,
// through this adapter, counts them (not paperbot's opening reply) into
// the discussion that /papers show links to.
func TestDigestThreadRepliesCounted(t *testing.T) {
	due := time.Date(2025, 6, 3, 9, 0, 0, 0, time.UTC)
	api := newFakeSlack(t)
	clock := newFakeClock(due.Add(-time.Hour))
	e := newDigestEnv(t, api, clock)
	sub := digest.Subscription{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers",
		Time: "09:00", Zone: "UTC", Top: 2, Source: digest.SourceConfig, Since: clock.Now()}
	if err := e.st.PutSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	day, _, err := e.st.Day(t.Context(), "slack", "C1", "2025-06-03")
	if err != nil || len(day.Papers) != 2 {
		t.Fatalf("day %+v: %v", day, err)
	}
	first, second := day.Papers[0], day.Papers[1]
	for _, u := range []string{"U1", "U2", "U1", "U3"} {
		api.Reply("C1", first.Thread.Thread.ID, u, "interesting")
	}
	clock.Advance(time.Hour)
	r, err := digest.NewReplyRefresh(digest.ReplyRefreshConfig{Store: e.st.DB, Poster: e.poster, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Refresh(t.Context())
	if err != nil || st.Counted != 2 || st.Changed != 1 {
		t.Fatalf("refresh %+v, %v; want 2 counted, 1 changed", st, err)
	}
	disc, err := e.st.AllDiscussionsOf(t.Context(), first.Paper.ID, second.Paper.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := disc[first.Paper.ID][0].Replies; n != 4 {
		t.Errorf("%s: %d replies, want 4", first.Paper.ID, n)
	}
	if n := disc[second.Paper.ID][0].Replies; n != 0 {
		t.Errorf("%s: %d replies, want 0", second.Paper.ID, n)
	}
}

// The host's clock and Slack's disagree by up to the 5 minutes the
// signature window accepts, either way; the process dies after Slack
// stored a post and before the ledger recorded it, and comes back ten
// minutes later. Slack stamps the message (its ts) by its own clock, so the
// lookup must reach back far enough by the host's: the day completes with
// nothing posted twice.
func TestDigestNoDuplicateUnderClockSkew(t *testing.T) {
	due := time.Date(2025, 6, 3, 9, 0, 0, 0, time.UTC)
	for _, skew := range bottest.ClockSkews() {
		for _, call := range []int{1, 4, 5} { // the header, paper 2, thread 2
			t.Run(fmt.Sprintf("host %s, crash after post %d", bottest.SkewName(skew), call), func(t *testing.T) {
				api := newFakeSlack(t)
				clock := newFakeClock(due.Add(-time.Hour))
				e := newDigestEnv(t, api, clock)
				api.mu.Lock()
				api.now = func() time.Time { return clock.Now().Add(-skew) } // Slack's clock
				api.mu.Unlock()
				sub := digest.Subscription{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers",
					Time: "09:00", Zone: "UTC", Top: 3, Source: digest.SourceConfig, Since: clock.Now()}
				if err := e.st.PutSubscription(t.Context(), sub); err != nil {
					t.Fatal(err)
				}
				api.afterPost = func(fakeMessage) {
					if len(api.posted) == call {
						e.st.crashed.Store(true)
					}
				}
				clock.Advance(time.Hour + time.Minute)
				if err := e.d.RunDue(t.Context()); err == nil {
					t.Fatal("the first run did not fail")
				}
				e.restart()
				clock.Advance(10 * time.Minute)
				if err := e.d.RunDue(t.Context()); err != nil {
					t.Fatal(err)
				}
				checkDigestDay(t, e.st.DB, api.Posted(), "C1", "2025-06-03", 3)
			})
		}
	}
}
