package digest_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/internal/clock"
)

// hangingPlatform takes its n-th post, then never answers it (Slack
// holding the connection open).
type hangingPlatform struct {
	*bottest.Platform
	n     int64
	posts atomic.Int64
}

func (h *hangingPlatform) Post(ctx context.Context, to bot.Destination, m bot.Message, opts bot.PostOptions) (bot.MessageRef, error) {
	ref, err := h.Platform.Post(ctx, to, m, opts)
	if h.posts.Add(1) == h.n {
		<-ctx.Done()
		return bot.MessageRef{}, ctx.Err()
	}
	return ref, err
}

// A stop (SIGTERM) while the platform holds a post unanswered ends within
// StopTimeout: serve waited out the whole StepTimeout (61 s with Slack's
// client timeout and one repost; up to 2 minutes), past
// http.shutdown_timeout and Docker's --stop-timeout, which then killed it.
// The cut post stays claimed; the next start finds it and finishes the
// day, nothing posted twice.
func TestSchedulerStopDoesNotWaitForAHungPost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2025, 5, 5, 8, 0, 0, 0, time.UTC)
		time.Sleep(time.Until(start))
		e := newEnv(t, manyPapers(20), clock.System{})
		e.cfg.StopTimeout = 10 * time.Second
		e.restart()
		e.poster = &hangingPlatform{Platform: e.plat, n: 2} // the first paper's message
		e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 3, Since: start})

		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- e.d.Run(ctx) }()
		time.Sleep(time.Until(start.Add(time.Hour + time.Minute)))
		if n := len(e.plat.Calls()); n != 2 {
			t.Fatalf("%d calls before the stop, want 2 (the header, the hung post)", n)
		}
		stopped := time.Now()
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		if took := time.Since(stopped); took > 11*time.Second {
			t.Errorf("the stop took %s with a post hanging, want the stop timeout (10s) and a moment", took)
		}
		if d := e.day("C1", "2025-05-05"); d.Status != digest.DayOpen || !d.Papers[0].Post.Uncertain() {
			t.Fatalf("after the stop: day %s, first paper's post %+v; want open, the post claimed", d.Status, d.Papers[0].Post)
		}

		e.poster = nil
		e.restart()
		runScheduler(t, e.d, start.Add(2*time.Hour))
		checkDayPostedOnce(t, e, "C1", "2025-05-05")
	})
}
