package slack

import (
	"context"
	"sync"
	"time"

	"github.com/paperbot/paperbot/internal/clock"
)

// seenSet remembers ids for a while, in bounded memory: Slack retries an
// event it thinks was missed (up to three times over about 5 minutes), and
// each retry carries the same event_id.
type seenSet struct {
	clock clock.Clock
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

func newSeenSet(clk clock.Clock, ttl time.Duration, max int) *seenSet {
	return &seenSet{clock: clk, ttl: ttl, max: max, at: map[string]time.Time{}}
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
// per channel, thread replies included). A post may start one interval
// after the previous one to the channel started and, when the caller says
// it ended (Done), one interval after it ended: Slack counts a message when
// it arrives, which is at the latest when its answer comes back, so a slow
// request (a busy host, a far network) never lets the next one arrive
// early and be refused. It keeps at most max channels: one idle for longer
// than the interval may post at once, so forgetting it changes nothing.
type pacer struct {
	clock clock.Clock
	every time.Duration
	max   int

	mu   sync.Mutex
	next map[string]time.Time // the earliest a channel's next post may start
}

func newPacer(clk clock.Clock, every time.Duration, max int) *pacer {
	return &pacer{clock: clk, every: every, max: max, next: map[string]time.Time{}}
}

// Wait blocks until a message may be posted to channel and takes the slot.
func (p *pacer) Wait(ctx context.Context, channel string) error {
	now := p.clock.Now()
	p.mu.Lock()
	slot, ok := p.next[channel]
	if !ok && len(p.next) >= p.max {
		p.sweep(now)
	}
	if slot.Before(now) {
		slot = now
	}
	p.next[channel] = slot.Add(p.every)
	p.mu.Unlock()
	delay := slot.Sub(now)
	if delay <= 0 {
		return nil
	}
	return p.clock.Sleep(ctx, delay)
}

// Done records that a post to channel (its request and answer) ended: the
// next one waits a full interval from now.
func (p *pacer) Done(channel string) {
	now := p.clock.Now()
	p.mu.Lock()
	if n := now.Add(p.every); n.After(p.next[channel]) {
		p.next[channel] = n
	}
	p.mu.Unlock()
}

// sweep forgets channels that may post at once. Called with p.mu held.
func (p *pacer) sweep(now time.Time) {
	for ch, next := range p.next {
		if !next.After(now) {
			delete(p.next, ch)
		}
	}
}

// Len is the number of channels kept.
func (p *pacer) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.next)
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
