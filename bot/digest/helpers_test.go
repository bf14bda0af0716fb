package digest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests use, whatever the host has

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/internal/clock"
)

// fakeSearcher is a small index: papers sorted by trending score; a query
// matches papers whose title has all its words.
type fakeSearcher struct {
	mu     sync.Mutex
	papers []paper.Paper
}

func (f *fakeSearcher) Search(_ context.Context, q paper.Query) (paper.Results, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	words := strings.Fields(strings.ToLower(q.Text))
	skip := map[string]bool{}
	for _, id := range q.Exclude {
		skip[id] = true
	}
	var res paper.Results
	for _, p := range f.papers {
		title := strings.ToLower(p.Title)
		if skip[p.ID] || slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(title, w) }) {
			continue
		}
		res.Total++
		if q.Limit <= 0 || len(res.Hits) < q.Limit {
			res.Hits = append(res.Hits, paper.Hit{Paper: p})
		}
	}
	res.Sort = paper.ByTrending
	return res, nil
}

func (f *fakeSearcher) Lookup(_ context.Context, id string) (paper.Paper, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.papers {
		if p.ID == id || slices.Contains(p.Aliases, id) {
			return p, nil
		}
	}
	return paper.Paper{}, fault.New(fault.NotFound, "no paper %s", id)
}

func (f *fakeSearcher) Similar(context.Context, string, int) (paper.Results, error) {
	return paper.Results{}, nil
}

// manyPapers makes n papers, most trending first; every third is about
// robots, the others about diffusion.
func manyPapers(n int) *fakeSearcher {
	f := &fakeSearcher{}
	for i := range n {
		topic := "diffusion"
		if i%3 == 2 {
			topic = "robots"
		}
		f.papers = append(f.papers, paper.Paper{
			ID:       fmt.Sprintf("2501.%05d", i+1),
			Title:    fmt.Sprintf("Paper %d on %s", i+1, topic),
			Abstract: "An abstract that is long enough to be cut into a two-line summary. " + strings.Repeat("More words follow here. ", 10),
			Authors:  []string{"Ada Lovelace", "Alan Turing"},
			URL:      fmt.Sprintf("https://arxiv.org/abs/2501.%05d", i+1),
			Trending: float64(n - i),
		})
	}
	return f
}

// fakeClock is a settable clock for tests that do not use synctest.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep waits on a timer (testing/synctest's, in the tests that need it):
// these tests set the time, they do not advance it by sleeping.
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	return clock.Sleep(ctx, d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// errCrashed is what the crashing store returns once "the process died".
var errCrashed = errors.New("crashed: the process is gone")

// crashStore wraps the real store; once crashed, every write fails, as if
// the process had died at that moment (what was committed stays).
type crashStore struct {
	digest.Store
	crashed atomic.Bool
	saves   atomic.Int64
	// crashAfterSave, when > 0, crashes right after that many SaveDay calls.
	crashAfterSave int64
}

func (s *crashStore) crash() { s.crashed.Store(true) }

func (s *crashStore) SaveDay(ctx context.Context, d digest.Day) error {
	if s.crashed.Load() {
		return errCrashed
	}
	err := s.Store.SaveDay(ctx, d)
	if n := s.saves.Add(1); s.crashAfterSave > 0 && n == s.crashAfterSave {
		s.crash()
	}
	return err
}

func (s *crashStore) PutSubscription(ctx context.Context, sub digest.Subscription) error {
	if s.crashed.Load() {
		return errCrashed
	}
	return s.Store.PutSubscription(ctx, sub)
}

// env is a digest over a real bbolt file and the fake platform. Its
// process state (store handle, Digest) can be dropped and rebuilt from
// the file, like a restart.
type env struct {
	t    *testing.T
	path string
	db   *store.DB
	st   *crashStore
	d    *digest.Service
	plat *bottest.Platform
	// poster, when set, is what the digest posts through (a wrapper of plat).
	poster bot.Poster
	// down, when set, makes the platform not running (Poster returns nil).
	down   atomic.Bool
	search bot.Searcher
	clock  clock.Clock
	log    *slog.Logger
	cfg    digest.Config
}

func newEnv(t *testing.T, search bot.Searcher, clock clock.Clock) *env {
	t.Helper()
	e := &env{
		t:      t,
		path:   filepath.Join(t.TempDir(), "state.db"),
		plat:   &bottest.Platform{Name: "fake", Clock: clock},
		search: search,
		clock:  clock,
		log:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	e.start()
	t.Cleanup(func() {
		if e.db != nil {
			e.db.Close()
		}
	})
	return e
}

// start opens the state file and builds a Digest on it.
func (e *env) start() {
	e.t.Helper()
	db, err := store.Open(e.path, store.Options{NoSync: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	e.st = &crashStore{Store: db}
	cfg := e.cfg
	cfg.Searcher, cfg.Store, cfg.Clock, cfg.Logger = e.search, e.st, e.clock, e.log
	cfg.Engagement = db // the weekly recap's marks and discussions
	cfg.Poster = func(platform string) bot.Poster {
		switch {
		case platform != "fake" || e.down.Load():
			return nil
		case e.poster != nil:
			return e.poster
		}
		return e.plat
	}
	d, err := digest.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.d = d
}

// restart drops the process state and reopens the file.
func (e *env) restart() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.start()
}

// subscribe stores a subscription directly (as the config file would).
func (e *env) subscribe(s digest.Subscription) {
	e.t.Helper()
	if s.Platform == "" {
		s.Platform = "fake"
	}
	if s.Source == "" {
		s.Source = digest.SourceConfig
	}
	if err := e.st.PutSubscription(context.Background(), s); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) day(channel, date string) digest.Day {
	e.t.Helper()
	d, ok, err := e.db.Day(context.Background(), "fake", channel, date)
	if err != nil || !ok {
		e.t.Fatalf("day %s %s: ok=%v err=%v", channel, date, ok, err)
	}
	return d
}

// posted lists the paper ids posted to a channel, in order.
func posted(calls []bottest.Call) []string {
	var ids []string
	for _, c := range calls {
		if c.Op == "post" && c.Message.Kind == bot.KindDigestPaper {
			ids = append(ids, c.Message.Sections[0].PaperID)
		}
	}
	return ids
}

// headers returns the header posts.
func headers(calls []bottest.Call) []bottest.Call {
	var out []bottest.Call
	for _, c := range calls {
		if c.Op == "post" && c.Message.Kind == bot.KindDigestHeader {
			out = append(out, c)
		}
	}
	return out
}

// checkExactlyOnce asserts that a channel got one header, one message per
// paper of the day's plan and one thread on each of those messages, in
// order, with no duplicate.
func checkExactlyOnce(t *testing.T, calls []bottest.Call, want []string) {
	t.Helper()
	if h := headers(calls); len(h) != 1 {
		t.Errorf("%d headers, want 1", len(h))
	}
	if got := posted(calls); !slices.Equal(got, want) {
		t.Errorf("papers posted %v, want %v", got, want)
	}
	msgOf := map[string]string{} // message id → paper id
	for _, c := range calls {
		if c.Op == "post" && c.Message.Kind == bot.KindDigestPaper {
			msgOf[c.Ref.ID] = c.Message.Sections[0].PaperID
		}
	}
	threads := map[string]int{}
	for _, c := range calls {
		if c.Op != "thread" {
			continue
		}
		id, ok := msgOf[c.Parent.ID]
		if !ok {
			t.Errorf("thread on message %s, which is not a paper's message", c.Parent.ID)
		}
		if c.Message.Kind != bot.KindThreadIntro {
			t.Errorf("thread's first message is %q, want %q", c.Message.Kind, bot.KindThreadIntro)
		}
		threads[id]++
	}
	for _, id := range want {
		if threads[id] != 1 {
			t.Errorf("paper %s has %d threads, want 1", id, threads[id])
		}
	}
	keys := map[string]bool{}
	for _, c := range calls {
		if c.Key == "" {
			t.Errorf("%s call without an idempotency key", c.Op)
		}
		if keys[c.Key] {
			t.Errorf("key %s used twice", c.Key)
		}
		keys[c.Key] = true
	}
}

// checkDayPostedOnce asserts that a channel's day is done, every planned
// paper posted and threaded exactly once.
func checkDayPostedOnce(t *testing.T, e *env, channel, date string) {
	t.Helper()
	d := e.day(channel, date)
	var want []string
	for _, p := range d.Papers {
		want = append(want, p.Paper.ID)
	}
	checkExactlyOnce(t, e.plat.Calls(), want)
	if d.Status != digest.DayDone {
		t.Errorf("day is %s, want done", d.Status)
	}
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// noLookup is a platform without the optional lookup capabilities (like
// the console): it posts and threads, nothing more.
type noLookup struct{ p *bottest.Platform }

func (n noLookup) Post(ctx context.Context, to bot.Destination, m bot.Message, opts bot.PostOptions) (bot.MessageRef, error) {
	return n.p.Post(ctx, to, m, bot.PostOptions{})
}

func (n noLookup) StartThread(ctx context.Context, parent bot.MessageRef, title string, m bot.Message, opts bot.PostOptions) (bot.ThreadRef, error) {
	return n.p.StartThread(ctx, parent, title, m, bot.PostOptions{})
}

var (
	_ bot.Threader   = noLookup{}
	_ bot.PostFinder = (*bottest.Platform)(nil)
)
