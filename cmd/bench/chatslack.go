package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fakeSlack is a loopback Slack: auth.test for the adapter's start-up
// check, chat.postMessage (one message per second per channel when enforce
// is set: a faster one gets a 429 with Retry-After, as Slack answers),
// chat.getPermalink, any other Web API method answered ok, and
// response_url endpoints that note when each reply arrives.
type fakeSlack struct {
	srv *http.Server
	url string
	// enforce is the per-channel interval (0: no rate limit).
	enforce time.Duration

	mu      sync.Mutex
	replies map[int]time.Time
	// start, posts (per channel, offsets from start), last accepted post
	// per channel, 429s answered, ts counter.
	start   time.Time
	posts   map[string][]time.Duration
	last    map[string]time.Time
	limited int
	ts      int
	// msgs are the accepted messages per channel (history for the
	// adapter's check after an unknown outcome); keys counts each
	// message's idempotency key, to find duplicates.
	msgs map[string][]fakeMsg
	keys map[string]int
}

type fakeMsg struct {
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	Type     string          `json:"type"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// rateTolerance forgives the jitter between the adapter's pacer and the
// fake's clock on loopback.
const rateTolerance = 20 * time.Millisecond

func startFakeSlack() (*fakeSlack, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &fakeSlack{url: "http://" + ln.Addr().String(), replies: map[int]time.Time{}, posts: map[string][]time.Duration{}, last: map[string]time.Time{},
		msgs: map[string][]fakeMsg{}, keys: map[string]int{}}
	mux := http.NewServeMux()
	jsonOK := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
	mux.HandleFunc("POST /api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		jsonOK(w, `{"ok":true,"url":"https://bench.slack.com/","team":"bench","user":"paperbot","team_id":"TBENCH","user_id":"UBOT","bot_id":"BBOT"}`)
	})
	mux.HandleFunc("POST /api/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		ch := r.FormValue("channel")
		f.mu.Lock()
		if last, ok := f.last[ch]; ok && f.enforce > 0 && now.Sub(last) < f.enforce-rateTolerance {
			f.limited++
			f.mu.Unlock()
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
			return
		}
		f.last[ch] = now
		f.posts[ch] = append(f.posts[ch], now.Sub(f.start))
		f.ts++
		ts := fmt.Sprintf("1700000000.%06d", f.ts)
		m := fakeMsg{TS: ts, ThreadTS: r.FormValue("thread_ts"), Type: "message"}
		if md := r.FormValue("metadata"); md != "" && json.Valid([]byte(md)) {
			m.Metadata = json.RawMessage(md)
			var k struct {
				Payload map[string]any `json:"event_payload"`
			}
			json.Unmarshal(m.Metadata, &k)
			if key := fmt.Sprint(k.Payload["key"]); k.Payload != nil {
				f.keys[key]++
			}
		}
		f.msgs[ch] = append(f.msgs[ch], m)
		f.mu.Unlock()
		jsonOK(w, fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q}`, ch, ts))
	})
	mux.HandleFunc("/api/chat.getPermalink", func(w http.ResponseWriter, r *http.Request) {
		ch, ts := r.FormValue("channel"), r.FormValue("message_ts")
		jsonOK(w, fmt.Sprintf(`{"ok":true,"channel":%q,"permalink":"https://bench.slack.com/archives/%s/p%s"}`, ch, ch, strings.ReplaceAll(ts, ".", "")))
	})
	// History for the adapter's check after an unknown outcome.
	history := func(w http.ResponseWriter, r *http.Request, thread string) {
		f.mu.Lock()
		var out []fakeMsg
		for _, m := range f.msgs[r.FormValue("channel")] {
			if (thread == "" && m.ThreadTS == "") || (thread != "" && (m.ThreadTS == thread || m.TS == thread)) {
				out = append(out, m)
			}
		}
		f.mu.Unlock()
		b, _ := json.Marshal(map[string]any{"ok": true, "messages": out, "has_more": false})
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
	mux.HandleFunc("/api/conversations.history", func(w http.ResponseWriter, r *http.Request) { history(w, r, "") })
	mux.HandleFunc("/api/conversations.replies", func(w http.ResponseWriter, r *http.Request) { history(w, r, r.FormValue("ts")) })
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		jsonOK(w, `{"ok":true}`)
	})
	mux.HandleFunc("POST /respond/{id}", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		io.Copy(io.Discard, r.Body)
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		if _, seen := f.replies[id]; !seen {
			f.replies[id] = now
		}
		f.mu.Unlock()
		io.WriteString(w, "ok")
	})
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go f.srv.Serve(ln)
	return f, nil
}

// resetPosts forgets the posts so far and times new ones from start.
func (f *fakeSlack) resetPosts(start time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.start = start
	f.posts = map[string][]time.Duration{}
	f.last = map[string]time.Time{}
	f.limited = 0
	f.msgs = map[string][]fakeMsg{}
	f.keys = map[string]int{}
}

// duplicates counts messages posted again under a key already posted.
func (f *fakeSlack) duplicates() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.keys {
		n += c - 1
	}
	return n
}

func (f *fakeSlack) replyAt(id int) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.replies[id]
	return t, ok
}

func (f *fakeSlack) replyCount(ids []int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, id := range ids {
		if _, ok := f.replies[id]; ok {
			n++
		}
	}
	return n
}

// postStats returns the accepted posts per channel and the 429s answered.
func (f *fakeSlack) postStats() (map[string][]time.Duration, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]time.Duration, len(f.posts))
	for ch, ts := range f.posts {
		out[ch] = slices.Clone(ts)
	}
	return out, f.limited
}

// signSlack signs a request body like Slack does (v0 HMAC-SHA256).
func signSlack(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// slackEscape escapes text the way Slack sends it in a slash command.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
