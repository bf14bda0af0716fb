package digest_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/internal/clock"
)

// unfinished is what Config.Refreshing reads: the refreshes the test says
// have not completed.
type unfinished struct {
	mu sync.Mutex
	rs []digest.Refresh
}

func (u *unfinished) set(rs ...digest.Refresh) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.rs = rs
}

func (u *unfinished) read(context.Context) ([]digest.Refresh, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]digest.Refresh(nil), u.rs...), nil
}

// syncBuffer is a log that the scheduler's goroutines write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// refreshEnv is an env whose digest reads the unfinished refreshes from u
// and logs (from Info) to the returned buffer. It must be made inside the
// synctest bubble.
func refreshEnv(t *testing.T, grace time.Duration, u *unfinished, subs ...digest.Subscription) (*env, *syncBuffer) {
	t.Helper()
	e := newEnv(t, manyPapers(20), clock.System{})
	logs := &syncBuffer{}
	e.log = slog.New(slog.NewTextHandler(logs, nil))
	e.cfg.Grace, e.cfg.Refreshing = grace, u.read
	e.restart()
	for _, s := range subs {
		s.Zone, s.Top, s.Since = "UTC", 1, time.Now().Add(-48*time.Hour)
		e.subscribe(s)
	}
	return e, logs
}

// headerAt is when the channel's digest header was posted ("" when none).
func headerAt(e *env, channel string) string {
	hs := headers(e.plat.CallsTo(channel))
	if len(hs) != 1 {
		return ""
	}
	return hs[0].At.UTC().Format("15:04:05")
}

// A digest due while the index's refresh has not completed (a run cut
// short by a kill, which the start-up refresh runs again) waits for it,
// and is planned as soon as the refresh's end wakes the scheduler; with
// nothing unfinished, it is planned at its time.
func TestDigestWaitsForTheRefreshToComplete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2025, 6, 2, 8, 50, 0, 0, time.UTC)
		time.Sleep(time.Until(start))
		u := &unfinished{}
		u.set(digest.Refresh{Job: "huggingface", Since: start.Add(-20 * time.Hour)})
		e, logs := refreshEnv(t, 6*time.Hour, u, digest.Subscription{Channel: "C1", Time: "09:00"}, digest.Subscription{Channel: "C2", Time: "10:00"})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- e.d.Run(ctx) }()

		time.Sleep(time.Until(start.Add(17 * time.Minute)))
		synctest.Wait()
		if n := len(e.plat.Calls()); n != 0 {
			t.Fatalf("%d posts at 09:07 while the refresh has not completed", n)
		}
		u.set() // the refresh completed
		e.d.Wake()
		time.Sleep(time.Until(start.Add(80 * time.Minute)))
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := headerAt(e, "C1"); got != "09:07:00" {
			t.Errorf("C1's digest posted at %q, want at the refresh's end, 09:07:00", got)
		}
		if got := headerAt(e, "C2"); got != "10:00:00" {
			t.Errorf("C2's digest posted at %q, want at its time, 10:00:00", got)
		}
		if n := strings.Count(logs.String(), "digest waits for the source refresh to complete"); n != 1 {
			t.Errorf("the wait logged %d times, want once:\n%s", n, logs)
		}
		if strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), "before the source refresh completed") {
			t.Errorf("the wait logged as an error or as given up:\n%s", logs)
		}
	})
}

// A refresh that does not complete (its sources are down) holds a digest
// for RefreshWait from when the scheduler found it, then the day is
// planned from what the index holds, logged once; a later day does not
// wait for the same refresh again. With a short grace window, the wait
// ends once half of it has passed.
func TestDigestWaitForARefreshIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		grace  time.Duration
		c1, c2 string
	}{
		{"default grace", 6 * time.Hour, "09:30:00", "10:00:00"},
		{"grace of 20m", 20 * time.Minute, "09:10:00", "10:00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Date(2025, 6, 2, 8, 50, 0, 0, time.UTC)
				time.Sleep(time.Until(start))
				u := &unfinished{}
				u.set(digest.Refresh{Job: "arxiv", Since: start.Add(-3 * time.Hour)})
				e, logs := refreshEnv(t, tc.grace, u, digest.Subscription{Channel: "C1", Time: "09:00"}, digest.Subscription{Channel: "C2", Time: "10:00"})
				runScheduler(t, e.d, start.Add(80*time.Minute))
				if got := headerAt(e, "C1"); got != tc.c1 {
					t.Errorf("C1's digest posted at %q, want %s", got, tc.c1)
				}
				if got := headerAt(e, "C2"); got != tc.c2 {
					t.Errorf("C2's digest posted at %q, want %s", got, tc.c2)
				}
				if d := e.day("C1", "2025-06-02"); d.Status != digest.DayDone || len(d.Papers) != 1 {
					t.Errorf("C1's day %s with %d papers, want done with 1", d.Status, len(d.Papers))
				}
				if n := strings.Count(logs.String(), "digest planned before the source refresh completed"); n != 1 {
					t.Errorf("planning without the refresh logged %d times, want once:\n%s", n, logs)
				}
			})
		})
	}
}
