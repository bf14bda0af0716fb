package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/configs/secret"
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
	// (outcome unknown), "500-lost" fails without posting, "drop" posts
	// and then drops the connection without an answer, "err:CODE"
	// answers ok:false.
	script []string
	// afterPost, when set, runs (under f.mu) after each message is stored.
	afterPost func(m fakeMessage)
	// historyFails makes that many conversations.history/replies calls
	// fail with historyStatus (a 500, or a 429 with Retry-After: 3)
	// before they work again.
	historyFails  int
	historyStatus int
	// reads counts conversations.history/replies calls.
	reads int
	// hooks run on each request path (tests block or observe).
	onRequest func(path string)
	// now stamps messages (their ts); nil: a fixed 1700000000.
	now func() time.Time
}

type fakeMessage struct {
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	Blocks   string
	Key      string
	User     string // a person's message (Reply); "" for the bot's
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
	// history answers conversations.history (ts empty) and
	// conversations.replies like Slack: newest first (replies: the parent
	// first, with its reply_count, then the replies oldest first), after
	// oldest, in pages of limit with a cursor. Given a reply's ts,
	// conversations.replies answers with the reply's thread, as Slack does.
	history := func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		ch, thread := r.Form.Get("channel"), r.Form.Get("ts")
		f.mu.Lock()
		f.reads++
		if f.historyFails > 0 {
			f.historyFails--
			status := f.historyStatus
			f.mu.Unlock()
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "3")
			}
			http.Error(w, "history broke", status)
			return
		}
		oldest, _ := strconv.ParseFloat(r.Form.Get("oldest"), 64)
		var msgs []map[string]any
		entry := func(m fakeMessage) map[string]any {
			e := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
			if m.User != "" {
				e["user"] = m.User
			} else {
				e["bot_id"] = "B1"
				e["metadata"] = map[string]any{"event_type": metadataType, "event_payload": map[string]any{"key": m.Key}}
			}
			if m.ThreadTS != "" {
				e["thread_ts"] = m.ThreadTS
			}
			return e
		}
		for _, m := range f.posted {
			if thread != "" && m.Channel == ch && m.TS == thread && m.ThreadTS != "" {
				thread = m.ThreadTS // a reply's ts answers with its whole thread
			}
		}
		if thread != "" {
			replies, parent, latest := 0, false, ""
			for _, m := range f.posted {
				if m.Channel == ch && m.ThreadTS == thread {
					replies++
					latest = m.TS
				}
				parent = parent || (m.Channel == ch && m.TS == thread)
			}
			if replies == 0 && !parent {
				f.mu.Unlock()
				writeJSON(w, map[string]any{"ok": false, "error": "thread_not_found"})
				return
			}
			for _, m := range f.posted {
				if m.Channel == ch && m.TS == thread && m.ThreadTS == "" {
					e := entry(m)
					e["thread_ts"], e["reply_count"] = m.TS, replies
					if latest != "" {
						e["latest_reply"] = latest
					}
					msgs = append(msgs, e)
				}
			}
		}
		for i := range f.posted {
			m := f.posted[i]
			if thread == "" {
				m = f.posted[len(f.posted)-1-i] // newest first
			}
			ts, _ := strconv.ParseFloat(m.TS, 64)
			if m.Channel != ch || (thread != "" && m.ThreadTS != thread) || (thread == "" && m.ThreadTS != "") || (oldest > 0 && ts <= oldest) {
				continue
			}
			msgs = append(msgs, entry(m))
		}
		f.mu.Unlock()
		from, _ := strconv.Atoi(r.Form.Get("cursor"))
		limit, _ := strconv.Atoi(r.Form.Get("limit"))
		if limit <= 0 {
			limit = 100
		}
		msgs = msgs[min(from, len(msgs)):]
		more := len(msgs) > limit
		next := ""
		if more {
			msgs, next = msgs[:limit], strconv.Itoa(from+limit)
		}
		writeJSON(w, map[string]any{"ok": true, "messages": msgs, "has_more": more, "response_metadata": map[string]any{"next_cursor": next}})
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
	case step != "" && step != "500" && step != "drop":
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
	m := fakeMessage{
		Channel:  r.Form.Get("channel"),
		TS:       f.nextTS(),
		ThreadTS: r.Form.Get("thread_ts"),
		Text:     r.Form.Get("text"),
		Blocks:   r.Form.Get("blocks"),
		Key:      meta.EventPayload.Key,
	}
	f.posted = append(f.posted, m)
	if f.afterPost != nil {
		f.afterPost(m)
	}
	if step == "drop" {
		panic(http.ErrAbortHandler)
	}
	if step == "500" {
		http.Error(w, "posted, then broke", http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "message": map[string]any{"text": m.Text}})
}

// nextTS is a new message's ts: the clock's second, and a sequence number
// that keeps every ts unique and increasing. Callers hold f.mu.
func (f *fakeSlack) nextTS() string {
	f.seq++
	sec := int64(1700000000)
	if f.now != nil {
		sec = f.now().Unix()
	}
	return fmt.Sprintf("%d.%06d", sec, f.seq)
}

// Reply adds a person's reply to a thread, as if typed in Slack.
func (f *fakeSlack) Reply(channel, thread, user, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posted = append(f.posted, fakeMessage{Channel: channel, TS: f.nextTS(), ThreadTS: thread, Text: text, User: user})
}

// FailHistory makes the next n history reads fail with status (500, or
// 429 with Retry-After: 3).
func (f *fakeSlack) FailHistory(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.historyFails, f.historyStatus = n, status
}

// Reads is how many history reads were made.
func (f *fakeSlack) Reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
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
	api.mu.Lock()
	api.now = clock.Now // messages are stamped on the adapter's clock
	api.mu.Unlock()
	a, err := New(Options{
		Mode:          ModeHTTP,
		BotToken:      secret.New("xoxb-test"),
		SigningSecret: secret.New(testSecret),
		APIURL:        api.URL(),
		Clock:         clock,
		HTTPClient:    &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
