package clock_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/internal/clock"
)

// Sleep waits the whole duration, returns early with ctx's error when ctx
// ends, and does not wait for a duration <= 0.
func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var sys clock.Clock = clock.System{}
		if err := sys.Sleep(t.Context(), time.Hour); err != nil || time.Since(start) != time.Hour {
			t.Errorf("Sleep(1h) = %v after %v, want nil after 1h", err, time.Since(start))
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		start = time.Now()
		if err := clock.Sleep(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Minute {
			t.Errorf("Sleep(1h) with a 1m deadline = %v after %v", err, time.Since(start))
		}
		start = time.Now()
		if err := clock.Sleep(t.Context(), -time.Second); err != nil || time.Since(start) != 0 {
			t.Errorf("Sleep(-1s) = %v after %v", err, time.Since(start))
		}
		if err := clock.Sleep(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Sleep(0) with an ended ctx = %v", err)
		}
	})
}
