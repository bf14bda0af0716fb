// Package sourcestest has test helpers for the paper sources: a fake clock
// that advances instantly when asked to sleep, so that schedules, request
// spacing and back-off are tested without waiting.
package sourcestest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/paperbot/paperbot/internal/clock"
)

// ErrEnd is returned by Sleep once the clock has passed its End: it stops
// a Refresher at the end of the simulated period.
var ErrEnd = errors.New("sourcestest: end of simulated time")

// Clock is a fake clock. Sleep advances it by the duration at once and
// records the duration. It is safe for concurrent use; with several
// goroutines sleeping, each sleep advances the shared time.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	end    time.Time
	sleeps []time.Duration
}

var _ clock.Clock = (*Clock)(nil)

// NewClock returns a clock at start; once a sleep takes it past end (when
// end is not zero), Sleep returns ErrEnd.
func NewClock(start, end time.Time) *Clock { return &Clock{now: start, end: end} }

// Now is the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the clock by d (nothing when d <= 0).
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.sleeps = append(c.sleeps, d)
	}
	if !c.end.IsZero() && c.now.After(c.end) {
		return ErrEnd
	}
	return nil
}

// Advance moves the clock forward without recording a sleep.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleeps returns the durations slept so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
