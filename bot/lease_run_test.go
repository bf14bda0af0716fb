package bot_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
)

// fakeLeases grants leases like a shared store, expiring them on the
// (bubble's) clock at the moment a request is handled; renewals can be
// made to hang, as when the database is unreachable.
type fakeLeases struct {
	mu       sync.Mutex
	holder   string
	token    int64
	expires  time.Time
	renewals int
	released bool
	// hang makes renewals block until their context ends.
	hang bool
}

func (f *fakeLeases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bot.Lease, bool, error) {
	sent := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.holder != holder && now.Before(f.expires) {
		return bot.Lease{}, false, nil
	}
	if f.holder != holder || !now.Before(f.expires) {
		f.token++
	}
	f.holder, f.expires, f.released = holder, now.Add(ttl), false
	return bot.Lease{Name: name, Holder: holder, Token: f.token, Deadline: bot.LeaseDeadline(sent, ttl)}, true, nil
}

func (f *fakeLeases) RenewLease(ctx context.Context, l bot.Lease, ttl time.Duration) (bot.Lease, error) {
	sent := time.Now()
	f.mu.Lock()
	hang := f.hang
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return l, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holder != l.Holder || f.token != l.Token || !time.Now().Before(f.expires) {
		return l, bot.ErrLeaseLost
	}
	f.renewals++
	f.expires = time.Now().Add(ttl)
	l.Deadline = bot.LeaseDeadline(sent, ttl)
	return l, nil
}

func (f *fakeLeases) ReleaseLease(ctx context.Context, l bot.Lease) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holder == l.Holder && f.token == l.Token {
		f.expires, f.released = time.Now(), true
	}
	return nil
}

func (f *fakeLeases) state() fakeLeases {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeLeases{holder: f.holder, token: f.token, expires: f.expires, renewals: f.renewals, released: f.released}
}

// leasedWork records the lease a leased work is given and when it ends.
type leasedWork struct {
	mu      sync.Mutex
	started int
	fence   bot.Lease
	ended   time.Time
	cause   error
}

func (w *leasedWork) run(ctx context.Context, l bot.Lease) error {
	w.mu.Lock()
	w.started++
	w.fence = l
	w.mu.Unlock()
	<-ctx.Done()
	w.mu.Lock()
	w.ended, w.cause = time.Now(), context.Cause(ctx)
	w.mu.Unlock()
	return nil
}

func (w *leasedWork) get() (started int, fence bot.Lease, ended time.Time, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.started, w.fence, w.ended, w.cause
}

func startLeased(t *testing.T, f *fakeLeases, w *leasedWork) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- bot.RunLeased(ctx, bot.LeaseConfig{Leases: f, Name: "digest", Holder: "me", TTL: 15 * time.Second}, w.run)
	}()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunLeased: %v", err)
		}
	}
}

// The work runs under the lease, fenced by it, for as long as renewals
// succeed; when the process stops, the work ends and the lease is released.
func TestRunLeasedHoldsAndReleases(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLeases{}
		w := &leasedWork{}
		stop := startLeased(t, f, w)
		time.Sleep(time.Hour)
		synctest.Wait()
		started, fence, ended, _ := w.get()
		if started != 1 || fence.Token != 1 || fence.Name != "digest" || !ended.IsZero() {
			t.Fatalf("after an hour: started %d, fence %+v, ended %v", started, fence, ended)
		}
		if s := f.state(); s.renewals < 700 { // every 5s
			t.Errorf("%d renewals in an hour", s.renewals)
		}
		stop()
		if _, _, ended, _ := w.get(); ended.IsZero() {
			t.Error("the work did not end with the process")
		}
		if s := f.state(); !s.released {
			t.Error("the lease was not released")
		}
	})
}

// Renewals that cannot reach the store: the work stops at the lease's
// local deadline, which is before the store lets anyone else take it.
func TestRunLeasedStopsBeforeTheLeaseExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLeases{}
		w := &leasedWork{}
		stop := startLeased(t, f, w)
		defer stop()
		time.Sleep(time.Minute)
		f.mu.Lock()
		f.hang = true
		f.mu.Unlock()
		time.Sleep(time.Minute)
		synctest.Wait()
		_, _, ended, cause := w.get()
		expires := f.state().expires
		if ended.IsZero() || !errors.Is(cause, bot.ErrLeaseDeadline) {
			t.Fatalf("the work did not stop at the deadline: ended %v, cause %v", ended, cause)
		}
		if !ended.Before(expires) {
			t.Errorf("the work stopped at %v, not before the lease expired for others at %v", ended, expires)
		}
		if margin := expires.Sub(ended); margin < time.Second {
			t.Errorf("stopped only %v before the expiry", margin)
		}
	})
}

// A renewal that finds the lease taken over stops the work at once, and
// the work runs again when the lease can be taken again.
func TestRunLeasedLostAndRetaken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLeases{}
		w := &leasedWork{}
		stop := startLeased(t, f, w)
		defer stop()
		time.Sleep(time.Second)
		f.mu.Lock()
		f.holder, f.token, f.expires = "other", f.token+1, time.Now().Add(30*time.Second)
		f.mu.Unlock()
		time.Sleep(5 * time.Second) // the next renewal
		synctest.Wait()
		_, _, ended, cause := w.get()
		if !errors.Is(cause, bot.ErrLeaseLost) || ended.IsZero() {
			t.Fatalf("after a takeover: ended %v, cause %v", ended, cause)
		}
		// The other holder's lease expires after 30s; then it is ours.
		time.Sleep(time.Minute)
		synctest.Wait()
		started, fence, _, _ := w.get()
		if started != 2 || fence.Token != 3 {
			t.Errorf("after the other holder's lease expired: started %d times, token %d", started, fence.Token)
		}
	})
}
