package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// e2eSlack is the Slack Web API as replicas use it for the digest
// (auth.test, chat.postMessage with metadata, chat.getPermalink, and the
// history reads of a lookup after an unknown outcome), plus the
// response_url sink, on loopback, shared by every replica.
type e2eSlack struct {
	srv *httptest.Server

	mu      sync.Mutex
	lastTS  int64 // microseconds
	msgs    []e2eMsg
	answers map[string][]string // response_url id → answers' text
}

type e2eMsg struct {
	channel, ts, thread, text, key string
	at                             time.Time
}

func newE2ESlack(t *testing.T) *e2eSlack {
	f := &e2eSlack{answers: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"ok": true, "team": "Test", "team_id": "T1", "user_id": "UBOT"})
	})
	mux.HandleFunc("/api/chat.postMessage", f.post)
	mux.HandleFunc("/api/chat.getPermalink", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"ok": true, "permalink": "https://fake.slack/archives/" + r.FormValue("channel") + "/p" + r.FormValue("message_ts")})
	})
	mux.HandleFunc("/api/conversations.history", func(w http.ResponseWriter, r *http.Request) {
		ch, oldest := r.FormValue("channel"), r.FormValue("oldest")
		writeJSON(w, map[string]any{"ok": true, "has_more": false, "messages": f.list(func(m e2eMsg) bool {
			return m.channel == ch && m.thread == "" && m.ts >= oldest
		})})
	})
	mux.HandleFunc("/api/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
		ch, ts := r.FormValue("channel"), r.FormValue("ts")
		writeJSON(w, map[string]any{"ok": true, "has_more": false, "messages": f.list(func(m e2eMsg) bool {
			return m.channel == ch && (m.ts == ts || m.thread == ts)
		})})
	})
	mux.HandleFunc("POST /respond/{id}", func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.answers[r.PathValue("id")] = append(f.answers[r.PathValue("id")], m.Text)
		f.mu.Unlock()
		w.Write([]byte("ok"))
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *e2eSlack) post(w http.ResponseWriter, r *http.Request) {
	var meta struct {
		EventPayload map[string]any `json:"event_payload"`
	}
	json.Unmarshal([]byte(r.FormValue("metadata")), &meta)
	f.mu.Lock()
	now := time.Now()
	us := max(now.UnixMicro(), f.lastTS+1)
	f.lastTS = us
	m := e2eMsg{channel: r.FormValue("channel"), ts: fmt.Sprintf("%d.%06d", us/1e6, us%1e6), thread: r.FormValue("thread_ts"),
		text: r.FormValue("text"), key: fmt.Sprint(meta.EventPayload["key"]), at: now}
	f.msgs = append(f.msgs, m)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": m.channel, "ts": m.ts})
}

func (f *e2eSlack) list(keep func(e2eMsg) bool) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []map[string]any{}
	for i := len(f.msgs) - 1; i >= 0; i-- { // newest first, as Slack lists
		m := f.msgs[i]
		if keep(m) {
			out = append(out, map[string]any{"type": "message", "ts": m.ts, "thread_ts": m.thread, "text": m.text,
				"metadata": map[string]any{"event_type": "paperbot_post", "event_payload": map[string]any{"key": m.key}}})
		}
	}
	return out
}

func (f *e2eSlack) messages() []e2eMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]e2eMsg(nil), f.msgs...)
}

func (f *e2eSlack) answersTo(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.answers[id]...)
}

// hfFixture is Hugging Face's daily_papers API, holding every request
// until the test releases it (or the client goes away: a replica killed).
type hfFixture struct {
	srv     *httptest.Server
	release chan struct{}
	papers  []map[string]any

	mu       sync.Mutex
	waiting  int         // requests held now, their clients still there
	arrivals []time.Time // every request
	answered int
}

func newHFFixture(t *testing.T, papers []map[string]any) *hfFixture {
	h := &hfFixture{release: make(chan struct{}), papers: papers}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.arrivals = append(h.arrivals, time.Now())
		h.waiting++
		h.mu.Unlock()
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
		h.mu.Lock()
		h.waiting--
		h.mu.Unlock()
		if r.Context().Err() != nil {
			return
		}
		writeJSON(w, h.papers)
		h.mu.Lock()
		h.answered++
		h.mu.Unlock()
	}))
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
		h.srv.Close()
	})
	return h
}

// state is how many requests are held, how many arrived since t, and how
// many were answered.
func (h *hfFixture) state(since time.Time) (waiting, arrived, answered int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range h.arrivals {
		if a.After(since) {
			arrived++
		}
	}
	return h.waiting, arrived, h.answered
}
