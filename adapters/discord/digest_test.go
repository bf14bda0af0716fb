package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/internal/clock"
)

// The daily digest run by the core (digest.Service, its ledger in a real bbolt
// file) through this adapter against the fake Discord API, with one step's
// answer lost in each way it can be: the digest settles it with FindPost
// (the message recognised by its content: Discord keeps no nonce) and
// FindThread, and completes the day with every paper posted and threaded
// exactly once.

// somePapers is a tiny index: n papers, the most trending first.
func somePapers(n int) *bottest.Searcher {
	var ps []paper.Paper
	for i := range n {
		ps = append(ps, paper.Paper{
			ID:       fmt.Sprintf("2506.%05d", i+1),
			Title:    fmt.Sprintf("Paper %d on protein language models", i+1),
			Abstract: "An abstract long enough for a two-line summary. More words. More words. More words.",
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
// all of it but the file and the fake Discord.
type digestEnv struct {
	t     *testing.T
	fake  *discordtest.Server
	clock *fakeClock
	path  string
	st    *crashStore
	a     *Adapter
	d     *digest.Service
}

func newDigestEnv(t *testing.T, fake *discordtest.Server, clock *fakeClock) *digestEnv {
	e := &digestEnv{t: t, fake: fake, clock: clock, path: filepath.Join(t.TempDir(), "state.db")}
	fake.SetClock(clock.Now)
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
	e.a = newTestAdapter(e.t, e.fake, Options{Clock: e.clock})
	e.d, err = digest.New(digest.Config{
		Searcher: somePapers(8),
		Store:    e.st,
		Poster:   e.poster,
		Clock:    clockFunc(e.clock.Now),
		Logger:   slog.New(slog.NewTextHandler(e.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// poster is the running adapter of a platform.
func (e *digestEnv) poster(platform string) bot.Poster {
	if platform == "discord" {
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

type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// Sleep waits on a timer: the digest's clock is only read here.
func (f clockFunc) Sleep(ctx context.Context, d time.Duration) error { return clock.Sleep(ctx, d) }

// dayFaults watches the digest's requests to the fake: which message
// POST to the channel (by nonce: the first of each, in order) or which
// thread start a request is.
type dayFaults struct {
	mu      sync.Mutex
	channel string
	posts   []string // nonces of the channel's messages, in order
	starts  int
	armed   bool
}

func (f *dayFaults) postIndex(r discordtest.Request) int {
	var p struct {
		Nonce string `json:"nonce"`
	}
	_ = json.Unmarshal(r.Body, &p)
	i := slices.Index(f.posts, p.Nonce)
	if i < 0 {
		f.posts = append(f.posts, p.Nonce)
		i = len(f.posts) - 1
	}
	return i + 1
}

func TestDigestSettlesUnknownOutcomes(t *testing.T) {
	due := time.Unix(1700000000, 0).UTC().Truncate(24*time.Hour).AddDate(0, 0, 1).Add(9 * time.Hour)
	const channel = "222"
	lost := &discordtest.Response{AbortAfter: true}
	type faultCase struct {
		name string
		// fault answers a request while armed (nil: as usual); post is
		// the index of a message POST to the channel (1 the header, 2
		// paper 1, 3 paper 2...), start that of a thread start.
		fault func(f *dayFaults, e *digestEnv, r discordtest.Request, post, start int) *discordtest.Response
		crash bool
	}
	// The shared table, made with the fake Discord.
	var cases []faultCase
	for _, df := range bottest.DigestFaults() {
		// hit reports whether a request is the post that goes wrong.
		hit := func(post, start int) bool {
			switch df.Part {
			case bottest.PaperPost:
				return post == df.Paper+1
			case bottest.PaperThread:
				return start == df.Paper
			}
			return post == 1
		}
		c := faultCase{name: df.String(), crash: df.Kind == bottest.Crash}
		switch df.Kind {
		case bottest.AnswerLost:
			c.fault = func(f *dayFaults, e *digestEnv, r discordtest.Request, post, start int) *discordtest.Response {
				// A thread's check (GET the channel) is lost too.
				if hit(post, start) || (df.Part == bottest.PaperThread && r.Method == "GET" && strings.HasPrefix(r.Path, "/channels/")) {
					return lost
				}
				return nil
			}
		case bottest.Refused:
			c.fault = func(f *dayFaults, e *digestEnv, r discordtest.Request, post, start int) *discordtest.Response {
				if hit(post, start) {
					return &discordtest.Response{Status: http.StatusInternalServerError, Body: map[string]any{"message": "oops"}}
				}
				return nil
			}
		case bottest.Crash:
			// The thread's first message goes out before the ledger is
			// written: the crash comes after it.
			c.fault = func(f *dayFaults, e *digestEnv, r discordtest.Request, post, start int) *discordtest.Response {
				if hit(post, start) {
					e.st.crashed.Store(true)
				}
				return nil
			}
		default:
			t.Fatalf("%v: no way to make it with the fake Discord", df)
		}
		cases = append(cases, c)
	}
	// What only Discord has: a thread is started, then its first message
	// posted, in two requests.
	cases = append(cases, faultCase{"crash between thread 2's start and its first message", func(f *dayFaults, e *digestEnv, r discordtest.Request, post, start int) *discordtest.Response {
		if start == 2 {
			e.st.crashed.Store(true)
		}
		if e.st.crashed.Load() && r.Method == "POST" && post == 0 && start == 0 {
			return &discordtest.Response{Abort: true} // the first message never leaves
		}
		return nil
	}, true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := discordtest.New(t)
			clock := &fakeClock{now: due.Add(-time.Hour)}
			e := newDigestEnv(t, fake, clock)
			sub := digest.Subscription{Platform: "discord", Team: "111", Channel: channel, ChannelName: "ml-papers",
				Time: "09:00", Zone: "UTC", Top: bottest.DigestTop, Source: digest.SourceConfig, Since: clock.Now()}
			if err := e.st.PutSubscription(t.Context(), sub); err != nil {
				t.Fatal(err)
			}
			f := &dayFaults{channel: channel, armed: true}
			fake.Intercept(func(r discordtest.Request) *discordtest.Response {
				f.mu.Lock()
				defer f.mu.Unlock()
				post, start := 0, 0
				switch {
				case r.Method == "POST" && r.Path == "/channels/"+channel+"/messages":
					post = f.postIndex(r)
				case r.Method == "POST" && strings.HasSuffix(r.Path, "/threads"):
					f.starts++
					start = f.starts
				}
				if !f.armed {
					return nil
				}
				return tc.fault(f, e, r, post, start)
			})

			clock.Sleep(t.Context(), time.Hour+time.Minute)
			if err := e.d.RunDue(t.Context()); err == nil {
				t.Fatal("the first run did not fail")
			}
			f.mu.Lock()
			f.armed = false
			f.mu.Unlock()
			if tc.crash {
				e.restart()
			}
			for i := 0; ; i++ {
				clock.Sleep(t.Context(), time.Minute)
				err := e.d.RunDue(t.Context())
				if err == nil {
					break
				}
				if i == 3 {
					t.Fatalf("run %d: %v", i+2, err)
				}
			}
			checkDigestDay(t, e.st.DB, fake, channel, bottest.DigestTop)
		})
	}
}

// checkDigestDay asserts that the channel's day is done: one header, one
// message per paper, each with one thread holding paperbot's one first
// message, as the ledger says, nothing twice.
func checkDigestDay(t *testing.T, db *store.DB, fake *discordtest.Server, channel string, papers int) {
	t.Helper()
	days, err := db.Days(t.Context(), "discord", channel)
	if err != nil || len(days) != 1 {
		t.Fatalf("days: %d %v", len(days), err)
	}
	day := days[0]
	if day.Status != digest.DayDone || len(day.Papers) != papers {
		t.Fatalf("day %s with %d papers (%s), want done with %d", day.Status, len(day.Papers), day.Note, papers)
	}
	inChannel := map[string]bool{}
	perChannel := map[string]int{}
	for _, m := range fake.Messages() {
		if m.AuthorID != discordtest.BotUserID {
			continue
		}
		perChannel[m.ChannelID]++
		if m.ChannelID == channel {
			inChannel[m.ID] = true
		}
	}
	if len(inChannel) != papers+1 {
		t.Errorf("%d messages in the channel, want a header and %d papers", len(inChannel), papers)
	}
	if !day.Header.IsDone() || !inChannel[day.Header.Message.ID] {
		t.Errorf("header %+v is not a message in the channel", day.Header)
	}
	threads := fake.Threads()
	if len(threads) != papers {
		t.Errorf("%d threads, want %d", len(threads), papers)
	}
	for _, p := range day.Papers {
		if !p.Post.IsDone() || p.Post.Unknown || !p.Thread.IsDone() || p.Thread.Unknown {
			t.Errorf("%s: post %+v, thread %+v; want both done", p.Paper.ID, p.Post, p.Thread)
			continue
		}
		id := p.Post.Message.ID
		if !inChannel[id] {
			t.Errorf("%s: ledger message %s is not in the channel", p.Paper.ID, id)
		}
		if _, ok := threads[id]; !ok || p.Thread.Thread.ID != id {
			t.Errorf("%s: no thread on its message %s (ledger thread %s)", p.Paper.ID, id, p.Thread.Thread.ID)
		}
		if n := perChannel[id]; n != 1 {
			t.Errorf("%s: %d messages by paperbot in its thread, want its one first message", p.Paper.ID, n)
		}
	}
}

// subscribedDigestEnv is a digest env whose channel 222 (in server 111)
// has a daily digest of 2 papers at 09:00 UTC, due in an hour.
func subscribedDigestEnv(t *testing.T) (*discordtest.Server, *fakeClock, *digestEnv) {
	t.Helper()
	due := time.Unix(1700000000, 0).UTC().Truncate(24*time.Hour).AddDate(0, 0, 1).Add(9 * time.Hour)
	fake := discordtest.New(t)
	clock := &fakeClock{now: due.Add(-time.Hour)}
	e := newDigestEnv(t, fake, clock)
	sub := digest.Subscription{Platform: "discord", Team: "111", Channel: "222", ChannelName: "ml-papers",
		Time: "09:00", Zone: "UTC", Top: 2, Source: digest.SourceConfig, Since: clock.Now()}
	if err := e.st.PutSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	return fake, clock, e
}

// After the digest, people write in a paper's thread: the reply refresh,
// through this adapter, counts them (message_count, less paperbot's first
// message) into the discussion that /papers show links to.
func TestDigestThreadRepliesCounted(t *testing.T) {
	fake, clock, e := subscribedDigestEnv(t)
	clock.Sleep(t.Context(), time.Hour)
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	days, err := e.st.Days(t.Context(), "discord", "222")
	if err != nil || len(days) != 1 || len(days[0].Papers) != 2 {
		t.Fatalf("days %+v: %v", days, err)
	}
	first, second := days[0].Papers[0], days[0].Papers[1]
	for range 5 {
		fake.AddMessage(first.Thread.Thread.ID, "555", "interesting")
	}
	clock.Sleep(t.Context(), time.Hour)
	r, err := digest.NewReplyRefresh(digest.ReplyRefreshConfig{Store: e.st.DB, Poster: e.poster, Clock: clock})
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
	if n := disc[first.Paper.ID][0].Replies; n != 5 {
		t.Errorf("%s: %d replies, want 5", first.Paper.ID, n)
	}
	if n := disc[second.Paper.ID][0].Replies; n != 0 {
		t.Errorf("%s: %d replies, want 0", second.Paper.ID, n)
	}
}

// The host's clock and Discord's disagree by up to the 5 minutes the
// signature window accepts, either way; the process dies after Discord
// created a post and before the ledger recorded it, and comes back ten
// minutes later, when Discord has forgotten the nonce. Discord's message
// ids are snowflakes of its own clock, so the lookup must reach back far
// enough by the host's: the day completes with nothing posted twice.
func TestDigestNoDuplicateUnderClockSkew(t *testing.T) {
	due := time.Unix(1700000000, 0).UTC().Truncate(24*time.Hour).AddDate(0, 0, 1).Add(9 * time.Hour)
	const channel = "222"
	for _, skew := range bottest.ClockSkews() {
		for _, post := range []int{1, 3} { // the header, paper 2
			t.Run(fmt.Sprintf("host %s, crash after post %d", bottest.SkewName(skew), post), func(t *testing.T) {
				fake := discordtest.New(t)
				clock := &fakeClock{now: due.Add(-time.Hour)}
				e := newDigestEnv(t, fake, clock)
				fake.SetClock(func() time.Time { return clock.Now().Add(-skew) }) // Discord's clock
				sub := digest.Subscription{Platform: "discord", Team: "111", Channel: channel, ChannelName: "ml-papers",
					Time: "09:00", Zone: "UTC", Top: 3, Source: digest.SourceConfig, Since: clock.Now()}
				if err := e.st.PutSubscription(t.Context(), sub); err != nil {
					t.Fatal(err)
				}
				f := &dayFaults{channel: channel}
				fake.Intercept(func(r discordtest.Request) *discordtest.Response {
					f.mu.Lock()
					defer f.mu.Unlock()
					if r.Method == "POST" && r.Path == "/channels/"+channel+"/messages" && f.postIndex(r) == post {
						e.st.crashed.Store(true)
					}
					return nil
				})
				clock.Sleep(t.Context(), time.Hour+time.Minute)
				if err := e.d.RunDue(t.Context()); err == nil {
					t.Fatal("the first run did not fail")
				}
				e.restart()
				clock.Sleep(t.Context(), 10*time.Minute)
				if err := e.d.RunDue(t.Context()); err != nil {
					t.Fatal(err)
				}
				checkDigestDay(t, e.st.DB, fake, channel, 3)
			})
		}
	}
}

// The fake forgets a nonce after NonceWindow, as Discord does: the same
// enforced nonce makes one message within the window and a new one after.
func TestFakeForgetsNonces(t *testing.T) {
	fake := discordtest.New(t)
	clock := newFakeClock()
	fake.SetClock(clock.Now)
	a := newTestAdapter(t, fake, Options{Clock: clock})
	post := func() string {
		ref, err := a.Post(t.Context(), bot.Destination{Channel: "222"}, bot.Notice("hello"), bot.PostOptions{Key: "0123456789abcdef01234567"})
		if err != nil {
			t.Fatal(err)
		}
		return ref.ID
	}
	first := post()
	clock.Sleep(t.Context(), discordtest.NonceWindow-time.Second)
	if again := post(); again != first {
		t.Fatalf("within the window: message %s, want the first one %s", again, first)
	}
	clock.Sleep(t.Context(), 2*time.Second)
	if later := post(); later == first {
		t.Fatalf("after the window: message %s again, want a new one", later)
	}
	if n := len(fake.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

// A subscription in a server that removed the bot: its day is skipped,
// with the reason, and nothing is posted or tried (each post was refused,
// and tried again, five times a day); once the bot is added back, the next
// day posts.
func TestDigestSkipsAServerThatRemovedTheBot(t *testing.T) {
	fake, clock, e := subscribedDigestEnv(t)
	fake.RemoveFromGuild("111")
	clock.Sleep(t.Context(), time.Hour)
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	days, err := e.st.Days(t.Context(), "discord", "222")
	if err != nil || len(days) != 1 || days[0].Status != digest.DaySkipped || !strings.Contains(days[0].Note, "no longer in the Discord server 111") {
		t.Fatalf("removed: days %+v: %v", days, err)
	}
	for _, r := range fake.Requests() {
		if r.Method == "POST" {
			t.Errorf("removed: %s %s tried", r.Method, r.Path)
		}
	}
	if subs, err := e.st.Subscriptions(t.Context()); err != nil || len(subs) != 1 {
		t.Errorf("the subscription: %+v, %v; want it kept", subs, err)
	}

	fake.AddToGuild("111")
	clock.Sleep(t.Context(), 24*time.Hour)
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	days, err = e.st.Days(t.Context(), "discord", "222")
	if err != nil || len(days) != 2 {
		t.Fatalf("added back: days %+v: %v", days, err)
	}
	posted := 0
	for _, d := range days {
		if d.Status == digest.DayDone && len(d.Papers) == 2 && d.Papers[1].Post.IsDone() {
			posted++
		}
	}
	if posted != 1 || len(fake.Threads()) != 2 {
		t.Errorf("added back: %d days posted, %d threads; want the new day's 2 papers", posted, len(fake.Threads()))
	}
}

// runDay runs the digest every 10 minutes for 8 hours (past every retry's
// backoff) and returns the POSTs Discord saw and the day.
func runDay(t *testing.T, fake *discordtest.Server, clock *fakeClock, e *digestEnv) (posts int, day digest.Day) {
	t.Helper()
	clock.Sleep(t.Context(), time.Hour)
	for range 48 {
		e.d.RunDue(t.Context()) // the refusals are its errors
		clock.Sleep(t.Context(), 10*time.Minute)
	}
	for _, r := range fake.Requests() {
		if r.Method == "POST" {
			posts++
		}
	}
	days, err := e.st.Days(t.Context(), "discord", "222")
	if err != nil || len(days) != 1 {
		t.Fatalf("days %+v: %v", days, err)
	}
	return posts, days[0]
}

// A channel Discord refuses (deleted: 404 Unknown Channel) refuses the
// day's first message as many times as a step is tried; the day's papers
// are then not tried at all, with the reason. They were tried as many
// times each: 15 refused posts and 3 errors logged a day, every day.
func TestDigestStopsADayTheChannelRefuses(t *testing.T) {
	fake, clock, e := subscribedDigestEnv(t)
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Method == "POST" {
			return &discordtest.Response{Status: http.StatusNotFound, Body: map[string]any{"code": 10003, "message": "Unknown Channel"}}
		}
		return nil
	})
	posts, day := runDay(t, fake, clock, e)
	if posts != day.Header.Attempts || posts < 2 {
		t.Errorf("%d posts tried, want the header's %d attempts alone", posts, day.Header.Attempts)
	}
	for _, p := range day.Papers {
		if p.Post.Attempts != 0 || !strings.Contains(p.Post.Skipped, "the channel refused the day's first message") || !strings.Contains(p.Post.Skipped, "Unknown Channel") {
			t.Errorf("%s: %d attempts, skipped %q; want none, with the reason", p.Paper.ID, p.Post.Attempts, p.Post.Skipped)
		}
	}
	if day.Status != digest.DayDone {
		t.Errorf("day %s, want done", day.Status)
	}
}

// A header given up on errors that were not refusals (Discord answering
// 500 for a while) does not stop the papers: once Discord answers, they
// are posted.
func TestDigestPapersAfterAHeaderLostToOutages(t *testing.T) {
	fake, clock, e := subscribedDigestEnv(t)
	header := true
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Method == "POST" && header {
			return &discordtest.Response{Status: http.StatusInternalServerError, Body: map[string]any{"message": "oops"}}
		}
		return nil
	})
	// The header's steps take the 500s; once it is given up Discord is
	// back (the fake answers again after the first run that gives it up).
	clock.Sleep(t.Context(), time.Hour)
	for range 48 {
		e.d.RunDue(t.Context())
		if days, _ := e.st.Days(t.Context(), "discord", "222"); len(days) == 1 && days[0].Header.Skipped != "" {
			header = false
		}
		clock.Sleep(t.Context(), 10*time.Minute)
	}
	days, err := e.st.Days(t.Context(), "discord", "222")
	if err != nil || len(days) != 1 {
		t.Fatalf("days %+v: %v", days, err)
	}
	for _, p := range days[0].Papers {
		if !p.Post.IsDone() {
			t.Errorf("%s: %+v, want it posted after the outage", p.Paper.ID, p.Post)
		}
	}
}
