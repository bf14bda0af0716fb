package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/configs"
)

// fakeSlack is a fake Slack Web API on a real loopback HTTP server. It
// keeps the messages "posted" (with their metadata, so the history check
// can find them) and lets tests script failures of chat.postMessage.
type fakeSlack struct {
	srv *httptest.Server

	mu       sync.Mutex
	attempts []url.Values // every chat.postMessage request
	posted   []fakeMessage
	seq      int
	// script, when not empty, decides each chat.postMessage in turn:
	// "429:N" rate limits with Retry-After N, "500" fails after posting
	// (outcome unknown), "500-lost" fails without posting, "err:CODE"
	// answers ok:false.
	script []string
	// hooks run on each request path (tests block or observe).
	onRequest func(path string)
}

type fakeMessage struct {
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	Blocks   string
	Key      string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"ok": true, "user_id": "UBOT", "team": "Test Team", "team_id": "T1"})
	})
	mux.HandleFunc("/api/chat.postMessage", f.postMessage)
	mux.HandleFunc("/api/chat.getPermalink", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		ch, ts := r.Form.Get("channel"), r.Form.Get("message_ts")
		writeJSON(w, map[string]any{"ok": true, "channel": ch, "permalink": fmt.Sprintf("https://test.slack.com/archives/%s/p%s", ch, ts)})
	})
	history := func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		ch, thread := r.Form.Get("channel"), r.Form.Get("ts")
		f.mu.Lock()
		var msgs []map[string]any
		for _, m := range f.posted {
			if m.Channel != ch || (thread != "" && m.ThreadTS != thread) || (thread == "" && m.ThreadTS != "") {
				continue
			}
			msgs = append(msgs, map[string]any{
				"type": "message", "ts": m.TS, "text": m.Text, "bot_id": "B1",
				"metadata": map[string]any{"event_type": metadataType, "event_payload": map[string]any{"key": m.Key}},
			})
		}
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "messages": msgs, "has_more": false})
	}
	mux.HandleFunc("/api/conversations.history", history)
	mux.HandleFunc("/api/conversations.replies", history)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		hook := f.onRequest
		f.mu.Unlock()
		if hook != nil {
			hook(r.URL.Path)
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) URL() string { return f.srv.URL + "/api/" }

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, r.Form)
	step := ""
	if len(f.script) > 0 {
		step, f.script = f.script[0], f.script[1:]
	}
	var n int
	switch {
	case fmt.Sprint(step) == "500-lost":
		http.Error(w, "upstream broke", http.StatusInternalServerError)
		return
	case len(step) > 4 && step[:4] == "err:":
		writeJSON(w, map[string]any{"ok": false, "error": step[4:]})
		return
	case step != "" && step != "500":
		if _, err := fmt.Sscanf(step, "429:%d", &n); err == nil {
			w.Header().Set("Retry-After", fmt.Sprint(n))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
	}
	var meta struct {
		EventPayload struct {
			Key string `json:"key"`
		} `json:"event_payload"`
	}
	_ = json.Unmarshal([]byte(r.Form.Get("metadata")), &meta)
	f.seq++
	m := fakeMessage{
		Channel:  r.Form.Get("channel"),
		TS:       fmt.Sprintf("1700000000.%06d", f.seq),
		ThreadTS: r.Form.Get("thread_ts"),
		Text:     r.Form.Get("text"),
		Blocks:   r.Form.Get("blocks"),
		Key:      meta.EventPayload.Key,
	}
	f.posted = append(f.posted, m)
	if step == "500" {
		http.Error(w, "posted, then broke", http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "message": map[string]any{"text": m.Text}})
}

func (f *fakeSlack) Posted() []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMessage(nil), f.posted...)
}

func (f *fakeSlack) Attempts() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.attempts...)
}

func (f *fakeSlack) Script(steps ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = steps
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// fakeClock is a settable clock; its Sleep advances it and records the
// waits, so pacing and Retry-After are tested without sleeping.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// newTestAdapter builds an HTTP-mode adapter against the fake Web API.
func newTestAdapter(t *testing.T, api *fakeSlack, clock *fakeClock) *Adapter {
	t.Helper()
	a, err := New(Options{
		Mode:          ModeHTTP,
		BotToken:      configs.NewSecret("xoxb-test"),
		SigningSecret: configs.NewSecret(testSecret),
		APIURL:        api.URL(),
		Clock:         clock,
		Sleep:         clock.Sleep,
		HTTPClient:    &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
