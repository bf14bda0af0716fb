// Package clock is paperbot's one notion of time: a Clock tells the time
// and waits, so that tests can check schedules, pacing and back-off
// without sleeping (a fake clock advances when asked to sleep, or
// testing/synctest fakes the System clock's timers). It imports only the
// standard library: bot, index/sources and the adapters all take a Clock.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// Sleep waits for d (returning at once when d <= 0) or until ctx is
	// done, in which case it returns ctx's error.
	Sleep(ctx context.Context, d time.Duration) error
}

// System is the real clock.
type System struct{}

var _ Clock = System{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Sleep is the package's Sleep.
func (System) Sleep(ctx context.Context, d time.Duration) error { return Sleep(ctx, d) }

// Sleep waits for d or until ctx is done, with a timer (which
// testing/synctest fakes). It returns ctx's error when ctx ended first,
// and at once when d <= 0 (ctx's error, if any).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
