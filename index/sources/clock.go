package sources

import (
	"context"
	"time"
)

// Clock tells the time and waits. The fetchers and the refresher take one
// so that tests can check schedules, request spacing and back-off without
// sleeping (a fake clock advances instantly when asked to sleep).
type Clock interface {
	Now() time.Time
	// Sleep waits for d (returning at once when d <= 0) or until ctx is
	// done, in which case it returns ctx's error.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
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

var _ Clock = SystemClock{}
