package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// failingWrites is a state store whose writes of seen keys (the replay
// guard's, /healthz's probe) fail while failing is set, as on a full disk.
type failingWrites struct {
	stateStore
	failing atomic.Bool
	mu      sync.Mutex
	keys    []string // the keys it was asked to write
}

func (f *failingWrites) SeenWithin(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	f.mu.Lock()
	f.keys = append(f.keys, key)
	f.mu.Unlock()
	if f.failing.Load() {
		return false, fmt.Errorf("state state.db: recording a seen key: write state.db: %w", syscall.ENOSPC)
	}
	if f.stateStore == nil {
		return false, nil
	}
	return f.stateStore.SeenWithin(ctx, key, ttl)
}

func (f *failingWrites) written() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.keys...)
}

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// /healthz's probe writes: at most one every probeEvery, each to a key of
// its own; one failed write is no failure, unwritableAfter in a row are,
// and the next write that succeeds ends it.
func TestWriteHealth(t *testing.T) {
	store := &failingWrites{}
	clock := &testClock{t: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	var logs slackLogBuffer
	h := newWriteHealth(store, clock.now, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := t.Context()
	check := func(step string, wantErr bool, wantWrites int) {
		t.Helper()
		err := h.check(ctx)
		if (err != nil) != wantErr || len(store.written()) != wantWrites {
			t.Fatalf("%s: %v (want an error: %v), %d writes (want %d)", step, err, wantErr, len(store.written()), wantWrites)
		}
	}
	check("first", false, 1)
	check("again at once: no write", false, 1)
	store.failing.Store(true)
	for i := range unwritableAfter - 1 {
		clock.add(probeEvery)
		check(fmt.Sprintf("failed write %d", i+1), false, 2+i)
	}
	clock.add(probeEvery / 2)
	check("between probes", false, unwritableAfter)
	clock.add(probeEvery / 2)
	check("failed writes in a row", true, unwritableAfter+1)
	check("between probes, still failing", true, unwritableAfter+1)
	store.failing.Store(false)
	clock.add(probeEvery)
	check("a write succeeds", false, unwritableAfter+2)

	keys := store.written()
	for i, k := range keys {
		if !strings.HasPrefix(k, "health:") || strings.Contains(strings.Join(keys[:i], " "), k) {
			t.Errorf("probe key %q (of %q): want a health: key of its own", k, keys)
		}
	}
	log := logs.String()
	for _, want := range []string{"level=WARN msg=\"health: a write to the state failed\" failed=1 err=",
		"level=ERROR msg=\"health: the state cannot be written; /healthz answers 503 until a write succeeds\" failed=3 err=\"state state.db: recording a seen key: write state.db: no space left on device\"",
		"level=INFO msg=\"health: the state can be written again; /healthz answers ok\" failed_before=3"} {
		if !strings.Contains(log, want) {
			t.Errorf("log has no %s:\n%s", want, log)
		}
	}
}

// With writes to the state failing (a full disk), `paperbot serve` in
// Slack HTTP mode refused every signed command with 503 while /healthz
// said ok. /healthz now answers 503 once writes failed in a row, and ok
// again once they succeed.
func TestHealthzReportsAStateThatCannotBeWritten(t *testing.T) {
	const secret = "health-test-signing-secret-0123456789"
	api := slackAuthAPI(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "paperbot.yaml")
	cfg := fmt.Sprintf("data_dir: %s\nhttp:\n  addr: 127.0.0.1:0\nslack:\n  mode: http\n  bot_token: xoxb-1-2-health\n  signing_secret: %s\n  api_url: %s/api/\n",
		filepath.Join(dir, "data"), secret, api.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var state *failingWrites
	clock := &testClock{t: time.Now()}
	var logs slackLogBuffer
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr, done := startServeEnv(t, ctx, cfgPath, &env{getenv: cliEnv(nil), stdin: strings.NewReader(""), stdout: io.Discard, stderr: &logs,
		now: clock.now, wrapState: func(s stateStore) stateStore { state = &failingWrites{stateStore: s}; return state }})
	base := "http://" + addr

	healthz := func() (int, string) {
		t.Helper()
		code, _, body := cliGet(t, base+"/healthz")
		return code, body
	}
	command := func() int {
		t.Helper()
		form := url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "command": {"/papers"}, "text": {"help"},
			"response_url": {api.URL + "/respond"}}.Encode()
		return postSlackSigned(t, base+"/slack/commands", secret, formType, form)
	}

	if code, body := healthz(); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz with a state that takes writes: %d %q", code, body)
	}
	state.failing.Store(true)
	if code := command(); code != http.StatusServiceUnavailable {
		t.Errorf("a signed command with the state's writes failing: %d, want 503", code)
	}
	for i := range unwritableAfter {
		clock.add(probeEvery)
		code, body := healthz()
		want := http.StatusOK
		if i == unwritableAfter-1 {
			want = http.StatusServiceUnavailable
		}
		if code != want {
			t.Fatalf("/healthz after %d failed probe writes: %d %q, want %d", i+1, code, body, want)
		}
		if want != http.StatusOK && body != "not ready: the state cannot be written ("+strconv.Itoa(unwritableAfter)+" writes in a row failed; the log says why)\n" {
			t.Errorf("/healthz says %q", body)
		}
	}
	state.failing.Store(false)
	clock.add(probeEvery)
	if code, body := healthz(); code != http.StatusOK {
		t.Errorf("/healthz once the state takes writes again: %d %q", code, body)
	}
	if code := command(); code != http.StatusOK {
		t.Errorf("a signed command once the state takes writes again: %d, want 200", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
}
