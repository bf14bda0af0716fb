package slack

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/paperbot/paperbot/bot"
)

// seenSet remembers ids for a while, in bounded memory: Slack retries an
// event it thinks was missed (up to three times over about 5 minutes), and
// each retry carries the same event_id.
type seenSet struct {
	clock bot.Clock
	ttl   time.Duration
	max   int

	mu    sync.Mutex
	at    map[string]time.Time
	queue []seenEntry // insertion order, oldest first
}

type seenEntry struct {
	id string
	at time.Time
}

func newSeenSet(clock bot.Clock, ttl time.Duration, max int) *seenSet {
	return &seenSet{clock: clock, ttl: ttl, max: max, at: map[string]time.Time{}}
}

// Seen records id and reports whether it was already recorded within the TTL.
func (s *seenSet) Seen(id string) bool {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Forget what expired, and the oldest when over capacity.
	for len(s.queue) > 0 && (now.Sub(s.queue[0].at) > s.ttl || len(s.queue) >= s.max) {
		e := s.queue[0]
		s.queue = s.queue[1:]
		if t, ok := s.at[e.id]; ok && t.Equal(e.at) {
			delete(s.at, e.id)
		}
	}
	if len(s.queue) == 0 {
		s.queue = nil // let the backing array go
	}
	if t, ok := s.at[id]; ok && now.Sub(t) <= s.ttl {
		return true
	}
	s.at[id] = now
	s.queue = append(s.queue, seenEntry{id, now})
	return false
}

// Forget drops id, recorded by Seen for work that was then refused, so
// that its retry is taken.
func (s *seenSet) Forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.at, id)
}

// Len is the number of remembered ids.
func (s *seenSet) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.at)
}

// pacer paces posts per channel (Slack allows about one message per second
// per channel, thread replies included) with one token-bucket limiter per
// channel. It keeps at most max limiters: a limiter idle for longer than
// its interval is full again, so forgetting it changes nothing.
type pacer struct {
	clock bot.Clock
	sleep func(context.Context, time.Duration) error
	every time.Duration
	max   int

	mu   sync.Mutex
	lims map[string]*paceEntry
}

type paceEntry struct {
	lim  *rate.Limiter
	last time.Time
}

func newPacer(clock bot.Clock, sleep func(context.Context, time.Duration) error, every time.Duration, max int) *pacer {
	return &pacer{clock: clock, sleep: sleep, every: every, max: max, lims: map[string]*paceEntry{}}
}

// Wait blocks until a message may be posted to channel.
func (p *pacer) Wait(ctx context.Context, channel string) error {
	now := p.clock.Now()
	p.mu.Lock()
	e := p.lims[channel]
	if e == nil {
		if len(p.lims) >= p.max {
			p.sweep(now)
		}
		e = &paceEntry{lim: rate.NewLimiter(rate.Every(p.every), 1)}
		p.lims[channel] = e
	}
	r := e.lim.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	e.last = now.Add(delay)
	p.mu.Unlock()
	if delay <= 0 {
		return nil
	}
	if err := p.sleep(ctx, delay); err != nil {
		r.CancelAt(p.clock.Now())
		return err
	}
	return nil
}

// sweep forgets limiters idle for longer than their interval. Called with
// p.mu held.
func (p *pacer) sweep(now time.Time) {
	for ch, e := range p.lims {
		if now.Sub(e.last) > p.every {
			delete(p.lims, ch)
		}
	}
}

// Len is the number of limiters kept.
func (p *pacer) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lims)
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
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

// inflight tracks the replies being worked on, so Run can wait for them on
// shutdown. After close, no new work starts.
type inflight struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// Go runs fn in a goroutine unless the group is closed; it reports whether
// fn was started.
func (f *inflight) Go(fn func()) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn()
	}()
	return true
}

// CloseAndWait stops new work and waits for the running work to finish.
func (f *inflight) CloseAndWait() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wg.Wait()
}

// Wait waits for the running work without closing the group (tests).
func (f *inflight) Wait() { f.wg.Wait() }
