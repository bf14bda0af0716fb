package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// A full disk under the state (or a PostgreSQL that refuses writes) made
// every Slack and Discord HTTP command fail with 503 (the replay guard
// cannot record the request) while /healthz said ok, so no orchestrator
// took the replica out of rotation. /healthz now makes a small write to
// the state, as the replay guard does, and says "not ready" once writes
// fail in a row.
const (
	// probeEvery spaces the probe writes: /healthz answers from the last
	// outcome between them.
	probeEvery = 5 * time.Second
	// unwritableAfter is how many probe writes in a row must fail before
	// /healthz says so: one failed write (a hiccup) does not take the
	// replica out of rotation. One that succeeds puts it back.
	unwritableAfter = 3
	// probeTimeout bounds one probe write.
	probeTimeout = 2 * time.Second
)

// seenWriter is the state stores' write that the replay guard makes on
// every signed request (SeenWithin records a key).
type seenWriter interface {
	SeenWithin(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// writeHealth tells /healthz whether the state store takes writes.
type writeHealth struct {
	store seenWriter
	now   func() time.Time
	log   *slog.Logger
	id    string // this process's, in the probe keys (replicas share a database)

	mu     sync.Mutex
	next   time.Time // when the next probe is due
	seq    int
	failed int // probe writes failed in a row
}

func newWriteHealth(store seenWriter, now func() time.Time, log *slog.Logger) *writeHealth {
	if now == nil {
		now = time.Now
	}
	return &writeHealth{store: store, now: now, log: log, id: rand.Text()[:8]}
}

// check makes a probe write when one is due and returns an error saying
// that the state cannot be written once unwritableAfter probes in a row
// failed.
func (h *writeHealth) check(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now := h.now(); !now.Before(h.next) {
		h.next = now.Add(probeEvery)
		h.probe(ctx)
	}
	if h.failed >= unwritableAfter {
		// The reason is in the log: /healthz may face the internet.
		return fmt.Errorf("the state cannot be written (%d writes in a row failed; the log says why)", h.failed)
	}
	return nil
}

// probe writes a key of its own (a key already recorded would be no
// write), expiring soon: the store forgets expired keys as it records
// others.
func (h *writeHealth) probe(ctx context.Context) {
	// The probe is every caller's: a caller that went away does not fail it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
	defer cancel()
	h.seq++
	_, err := h.store.SeenWithin(ctx, fmt.Sprintf("health:%s:%d", h.id, h.seq), time.Minute)
	if err == nil {
		if h.failed >= unwritableAfter {
			h.log.Info("health: the state can be written again; /healthz answers ok", "failed_before", h.failed)
		}
		h.failed = 0
		return
	}
	h.failed++
	switch {
	case h.failed < unwritableAfter:
		h.log.Warn("health: a write to the state failed", "failed", h.failed, "err", err)
	case h.failed == unwritableAfter:
		h.log.Error("health: the state cannot be written; /healthz answers 503 until a write succeeds", "failed", h.failed, "err", err)
	}
}
