package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// heldDaily is a fake Hugging Face whose daily list of each date the test
// sets; the list of a date in held is answered once its channel is closed
// (a refresh held in the middle), and every request's date is sent on
// asked.
type heldDaily struct {
	*httptest.Server
	asked chan string

	mu    sync.Mutex
	lists map[string]string
	held  map[string]chan struct{}
}

func newHeldDaily(t *testing.T) *heldDaily {
	h := &heldDaily{asked: make(chan string, 16), lists: map[string]string{}, held: map[string]chan struct{}{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		date := r.URL.Query().Get("date")
		h.mu.Lock()
		list, hold := h.lists[date], h.held[date]
		h.mu.Unlock()
		h.asked <- date
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		if list == "" {
			list = "[]"
		}
		io.WriteString(w, list)
	}))
	t.Cleanup(h.Close)
	return h
}

// set makes date's list papers, answered at once (hold nil) or once hold
// is closed.
func (h *heldDaily) set(date, papers string, hold chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lists[date], h.held[date] = papers, hold
}

// waitAsked waits for the request of date.
func (h *heldDaily) waitAsked(t *testing.T, date string) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case d := <-h.asked:
			if d == date {
				return
			}
		case <-timeout:
			t.Fatalf("Hugging Face was not asked for %s within 60s", date)
		}
	}
}

// dailyPaper is one entry of a Hugging Face daily list.
func dailyPaper(id, title string, published time.Time, upvotes int) string {
	return fmt.Sprintf(`[{"paper":{"id":%q,"authors":[{"name":"Ana Lima"}],"publishedAt":%q,"title":%q,"summary":"Text about %s.","upvotes":%d},"numComments":0}]`,
		id, published.Format(time.RFC3339), title, title, upvotes)
}

// logWatch is a log that the test can wait on.
type logWatch struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func newLogWatch() *logWatch { return &logWatch{wrote: make(chan struct{}, 1)} }

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitFor waits until the log holds one of subs and returns it.
func (w *logWatch) waitFor(t *testing.T, subs ...string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		s := w.String()
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return sub
			}
		}
		select {
		case <-w.wrote:
		case <-timeout:
			t.Fatalf("none of %q logged within 60s:\n%s", subs, s)
		}
	}
}

// runApp builds the app of cfg and runs its jobs, as serve does, with the
// platform plat (nil: none); stop ends them and closes the app. The digest
// scheduler (the first job) starts once digestAfter is closed (nil: at
// once).
func runApp(t *testing.T, cfg string, plat *bottest.Platform, logs io.Writer, digestAfter <-chan struct{}) (stop func()) {
	t.Helper()
	e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	c, err := loadConfig(cfg, e)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(t.Context(), e, c, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if plat != nil {
		a.posters = append(a.posters, fakeAdapter{plat})
	}
	ctx, cancel := context.WithCancel(t.Context())
	g, gctx := errgroup.WithContext(ctx)
	for i, job := range a.jobs {
		g.Go(func() error {
			if i == 0 && digestAfter != nil {
				select {
				case <-digestAfter:
				case <-gctx.Done():
					return nil
				}
			}
			return job(gctx)
		})
	}
	return func() {
		cancel()
		if err := g.Wait(); err != nil {
			t.Errorf("jobs: %v", err)
		}
		a.Close()
	}
}

// serve was stopped (or killed) while its Hugging Face refresh wrote: the
// index holds the first day's list, not the second's. The next start's
// digest, due at once, waits for the refresh that start-up runs, and posts
// the paper the refresh brings, not the best of the half-filled index.
func TestDigestWaitsForAnInterruptedRefresh(t *testing.T) {
	hf := newHeldDaily(t)
	cfg, dataDir := writeDigestConfig(t, fmt.Sprintf(`sources:
  huggingface:
    base_url: %s
    days: 2
    min_interval: 1ms
`, hf.URL))
	now := time.Now().UTC()
	today, yesterday := now.Format(time.DateOnly), now.AddDate(0, 0, -1).Format(time.DateOnly)
	hf.set(today, dailyPaper("2612.00001", "A Modest Paper", now.Add(-2*time.Hour), 2), nil)

	// The first run writes today's list and is stopped while it reads
	// yesterday's.
	stopped := make(chan struct{})
	hf.set(yesterday, "[]", stopped)
	stop := runApp(t, cfg, nil, io.Discard, nil)
	hf.waitAsked(t, yesterday)
	stop()
	close(stopped)

	// A channel whose digest is due now.
	due := now.Add(-5 * time.Minute)
	putSubscription(t, dataDir, digest.Subscription{
		Platform: "fake", Channel: "F1", ChannelName: "papers", Time: due.Format("15:04"), Zone: "UTC",
		Top: 1, Source: digest.SourceChat, Since: due.Add(-48 * time.Hour),
	})

	// The restart: the refresh reads yesterday's list (the paper of the
	// week) and is held there.
	release := make(chan struct{})
	hf.set(yesterday, dailyPaper("2612.00002", "The Paper Of The Week", now.Add(-26*time.Hour), 900), release)
	plat := &bottest.Platform{Name: "fake"}
	posted := make(chan struct{})
	var once sync.Once
	plat.After = func(c bottest.Call) error {
		if c.Op == "thread" {
			once.Do(func() { close(posted) })
		}
		return nil
	}
	logs := newLogWatch()
	stop = runApp(t, cfg, plat, logs, nil)
	defer stop()
	hf.waitAsked(t, yesterday)
	if got := logs.waitFor(t, "digest waits for the source refresh", "digest planned"); got != "digest waits for the source refresh" {
		close(release)
		t.Fatalf("the digest was planned while the refresh was held:\n%s", logs)
	}
	if n := len(plat.Calls()); n != 0 {
		t.Fatalf("%d posts while the refresh was held", n)
	}
	close(release)
	select {
	case <-posted:
	case <-time.After(60 * time.Second):
		t.Fatalf("nothing posted within 60s of the refresh's end:\n%s", logs)
	}
	var ids []string
	for _, c := range plat.Calls() {
		if c.Op == "post" && c.Message.Kind != bot.KindDigestHeader {
			ids = append(ids, c.Message.Sections[0].PaperID)
		}
	}
	if strings.Join(ids, ",") != "2612.00002" {
		t.Errorf("posted %v, want the paper of the refresh, 2612.00002\n%s", ids, logs)
	}
	if n := strings.Count(logs.String(), "digest waits for the source refresh"); n != 1 {
		t.Errorf("the wait logged %d times, want once:\n%s", n, logs)
	}
}

// A refresh under way in this process (not cut short: the index holds
// what its runs before wrote) does not hold a digest due now: it is
// planned at once from the index, as before.
func TestDigestDoesNotWaitForARefreshUnderWay(t *testing.T) {
	hf := newHeldDaily(t)
	cfg, dataDir := writeDigestConfig(t, fmt.Sprintf(`sources:
  huggingface:
    base_url: %s
    days: 1
    min_interval: 1ms
`, hf.URL))
	now := time.Now().UTC()
	hold := make(chan struct{})
	defer close(hold)
	hf.set(now.Format(time.DateOnly), "[]", hold)
	ix, err := index.Open(filepath.Join(dataDir, "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = ix.Upsert(t.Context(), []paper.Paper{{ID: "2612.00001", Title: "A Paper Already Indexed", Abstract: "Text.", Authors: []string{"Ana Lima"},
		Published: now.Format(paper.DateLayout), Upvotes: 5}})
	ix.Close()
	if err != nil {
		t.Fatal(err)
	}
	due := now.Add(-5 * time.Minute)
	putSubscription(t, dataDir, digest.Subscription{
		Platform: "fake", Channel: "F1", ChannelName: "papers", Time: due.Format("15:04"), Zone: "UTC",
		Top: 1, Source: digest.SourceChat, Since: due.Add(-48 * time.Hour),
	})
	logs := newLogWatch()
	held := make(chan struct{})
	stop := runApp(t, cfg, &bottest.Platform{Name: "fake"}, logs, held)
	defer stop()
	hf.waitAsked(t, now.Format(time.DateOnly))
	close(held) // the digest starts while the refresh is under way
	if got := logs.waitFor(t, "digest waits for the source refresh", "digest planned"); got != "digest planned" {
		t.Fatalf("the digest waited for a refresh under way:\n%s", logs)
	}
}
