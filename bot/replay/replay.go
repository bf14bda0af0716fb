// Package replay refuses a signed request that is sent again while its
// signature is still fresh. Slack and Discord sign each request with a
// timestamp, and the endpoints accept a timestamp within a window (5
// minutes) of their clock; within that window a captured request verifies
// again. A Guard remembers each accepted (timestamp, signature) pair until
// its window closes.
//
// Memory is the one-process Guard. A replicated deployment shares one
// through its database: Guard's one method is the state stores'
// SeenWithin.
package replay

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Guard remembers signed requests for as long as they would verify. Its one
// method is the state stores' (bot/store's bbolt DB, pgstore's PostgreSQL
// Store), so a replicated deployment shares one guard through its
// database; Memory is the one-process guard.
type Guard interface {
	// SeenWithin records key for ttl and reports whether it was already
	// recorded and had not expired, atomically.
	SeenWithin(ctx context.Context, key string, ttl time.Duration) (seen bool, err error)
}

// ErrReplayed is Check's error for a request that was accepted before.
var ErrReplayed = errors.New("replay: this signed request was received before")

// Check records a request whose signature verified: its platform, its
// signed timestamp (Unix seconds, as Slack and Discord send it) and its
// signature, accepted for window either side of the timestamp, at now. It
// returns ErrReplayed when the same request was recorded before, ErrFull
// (from Memory) or the Guard's error when it cannot tell; the endpoint
// refuses the request on any error. The key is
// "replay:PLATFORM:" and 32 hex digits of a hash of the timestamp and the
// signature, so its length does not depend on what was signed.
func Check(ctx context.Context, g Guard, platform, timestamp, signature string, window time.Duration, now time.Time) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("replay: timestamp %q is not a Unix time", timestamp)
	}
	ttl := time.Unix(sec, 0).Add(window).Sub(now)
	if ttl <= 0 {
		return nil // no longer fresh: the signature check refuses it
	}
	sum := sha256.Sum256([]byte(timestamp + "\x00" + signature))
	seen, err := g.SeenWithin(ctx, "replay:"+platform+":"+hex.EncodeToString(sum[:16]), ttl)
	switch {
	case err != nil:
		return err
	case seen:
		return ErrReplayed
	}
	return nil
}

// ErrFull is Memory's error when it holds its maximum of requests that are
// all still fresh. Only requests with a valid signature are recorded, so
// it takes the platform's own traffic (DefaultMax in one signature window,
// over 300 a second for 5 minutes) to fill it; the request is refused
// rather than let a replay through.
var ErrFull = errors.New("replay: too many signed requests in the freshness window to remember another")

// DefaultMax bounds Memory by default: about 10 MB.
const DefaultMax = 100_000

// Memory is a Guard in this process's memory, bounded by a number of keys.
// A key is kept as 16 bytes of its SHA-256, so its size does not depend on
// the key's.
type Memory struct {
	now func() time.Time
	max int

	mu      sync.Mutex
	expires map[[16]byte]time.Time
	queue   expiryHeap
}

var _ Guard = (*Memory)(nil)

// NewMemory returns a Memory holding at most max keys (DefaultMax when
// max <= 0); now is its clock (time.Now when nil).
func NewMemory(now func() time.Time, max int) *Memory {
	if now == nil {
		now = time.Now
	}
	if max <= 0 {
		max = DefaultMax
	}
	return &Memory{now: now, max: max, expires: map[[16]byte]time.Time{}}
}

// SeenWithin implements Guard.
func (m *Memory) SeenWithin(_ context.Context, key string, ttl time.Duration) (bool, error) {
	sum := sha256.Sum256([]byte(key))
	var k [16]byte
	copy(k[:], sum[:])
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.queue.Len() > 0 && !m.queue[0].expires.After(now) {
		e := heap.Pop(&m.queue).(entry)
		if t, ok := m.expires[e.key]; ok && t.Equal(e.expires) {
			delete(m.expires, e.key)
		}
	}
	if t, ok := m.expires[k]; ok && t.After(now) {
		return true, nil
	}
	if ttl <= 0 {
		return false, nil // nothing to remember
	}
	if len(m.expires) >= m.max {
		return false, ErrFull
	}
	expires := now.Add(ttl)
	m.expires[k] = expires
	heap.Push(&m.queue, entry{key: k, expires: expires})
	return false, nil
}

// Len is the number of keys remembered.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.expires)
}

type entry struct {
	key     [16]byte
	expires time.Time
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
