package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSlack is Slack's OAuth authorize page, oauth.v2.access and the Web
// API methods paperbot calls, on loopback, plus the response_url sink.
// Each workspace's bot token is known only to this fake and to paperbot's
// state store: a Web API call names its workspace by that token alone.
type fakeSlack struct {
	t            *testing.T
	srv          *httptest.Server
	clientID     string
	clientSecret string

	mu       sync.Mutex
	next     string            // the team the next approval installs
	refuse   bool              // oauth.v2.access refuses every code
	codes    map[string]string // unused codes → team
	tokens   map[string]string // bot token → team
	posts    []fakePost
	answers  map[string][]map[string]any // response_url id → answers
	answered chan string
}

type fakePost struct{ team, channel, thread, text string }

func newFakeSlack(t *testing.T, clientID, clientSecret string) *fakeSlack {
	f := &fakeSlack{t: t, clientID: clientID, clientSecret: clientSecret, codes: map[string]string{}, tokens: map[string]string{},
		answers: map[string][]map[string]any{}, answered: make(chan string, 64)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/v2/authorize", f.authorize)
	mux.HandleFunc("POST /api/oauth.v2.access", f.access)
	mux.HandleFunc("POST /api/chat.postMessage", f.postMessage)
	mux.HandleFunc("POST /api/chat.getPermalink", func(w http.ResponseWriter, r *http.Request) {
		if f.teamOf(r) == "" {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "permalink": "https://fake.slack/archives/" + r.FormValue("channel") + "/p" + r.FormValue("message_ts")})
	})
	mux.HandleFunc("POST /respond/{id}", func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.answers[r.PathValue("id")] = append(f.answers[r.PathValue("id")], m)
		f.mu.Unlock()
		f.answered <- r.PathValue("id")
		w.Write([]byte("ok"))
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// setNext makes the next approval install team.
func (f *fakeSlack) setNext(team string, refuse bool) {
	f.mu.Lock()
	f.next, f.refuse = team, refuse
	f.mu.Unlock()
}

// authorize is Slack's consent page: Allow sends the browser back with a
// code, Cancel with error=access_denied, both with the state.
func (f *fakeSlack) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != f.clientID || !strings.Contains(q.Get("scope"), "commands") || q.Get("state") == "" {
		http.Error(w, "bad authorize request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	code := fmt.Sprintf("code-%s-%d", f.next, len(f.codes))
	f.codes[code] = f.next
	f.mu.Unlock()
	back := func(v url.Values) string {
		v.Set("state", q.Get("state"))
		return q.Get("redirect_uri") + "?" + v.Encode()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Fake Slack</title><h1>paperbot is requesting permission</h1>
<a id="allow" href="%s">Allow</a> <a id="cancel" href="%s">Cancel</a></html>`,
		html.EscapeString(back(url.Values{"code": {code}})), html.EscapeString(back(url.Values{"error": {"access_denied"}})))
}

func (f *fakeSlack) access(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("client_id") != f.clientID || r.FormValue("client_secret") != f.clientSecret {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_client_id"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	team, ok := f.codes[r.FormValue("code")]
	delete(f.codes, r.FormValue("code"))
	if !ok || f.refuse {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_code"})
		return
	}
	tok := fmt.Sprintf("xoxb-%s-%d-fake-bot-token", team, len(f.tokens))
	f.tokens[tok] = team
	writeJSON(w, map[string]any{
		"ok": true, "access_token": tok, "token_type": "bot", "scope": "commands,chat:write",
		"bot_user_id": "UB" + team, "app_id": "A0FAKE",
		"team": map[string]string{"id": team, "name": "Team " + team}, "authed_user": map[string]string{"id": "U-" + team},
	})
}

// teamOf is the workspace whose token authorises r ("" for none).
func (f *fakeSlack) teamOf(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		tok = r.FormValue("token")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens[tok]
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	team := f.teamOf(r)
	if team == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	f.mu.Lock()
	f.posts = append(f.posts, fakePost{team: team, channel: r.FormValue("channel"), thread: r.FormValue("thread_ts"), text: r.FormValue("text")})
	n := len(f.posts)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": r.FormValue("channel"), "ts": fmt.Sprintf("1700000000.%06d", n)})
}

// revoke forgets a workspace's tokens (the app was uninstalled there).
func (f *fakeSlack) revoke(team string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for tok, t := range f.tokens {
		if t == team {
			delete(f.tokens, tok)
		}
	}
}

func (f *fakeSlack) postsOf(channel string) []fakePost {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakePost
	for _, p := range f.posts {
		if p.channel == channel {
			out = append(out, p)
		}
	}
	return out
}

// installServe is `paperbot serve` in Slack HTTP mode with OAuth installs,
// against the fake, with a clock the test can move.
type installServe struct {
	base   string // http://127.0.0.1:port
	slack  *fakeSlack
	logs   *slackLogBuffer
	secret string // the signing secret
	vars   map[string]string
	state  string // the state file
	cancel context.CancelFunc
	done   <-chan error

	stopOnce sync.Once
	mu       sync.Mutex
	offset   time.Duration
	seq      int
}

const (
	installClientID     = "111.222"
	installClientSecret = "fake-client-secret-0123456789"
	installSigning      = "install-test-signing-secret"
	installKey          = "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
)

func startInstallServe(t *testing.T) *installServe {
	t.Helper()
	f := newFakeSlack(t, installClientID, installClientSecret)
	// The redirect URL names serve's port, so pick it first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`data_dir: %s
http:
  addr: %s
slack:
  mode: http
  signing_secret: ${SLACK_SIGNING_SECRET}
  api_url: %s/api/
  oauth:
    client_id: "%s"
    client_secret: ${SLACK_CLIENT_SECRET}
    redirect_url: http://%s/slack/oauth/callback
    encryption_key: ${PAPERBOT_ENCRYPTION_KEY}
    authorize_url: %s/oauth/v2/authorize
`, filepath.Join(dir, "data"), addr, f.srv.URL, installClientID, addr, f.srv.URL)
	cfgPath := filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &installServe{slack: f, logs: &slackLogBuffer{}, secret: installSigning, state: filepath.Join(dir, "data", "state.db"),
		vars: map[string]string{"SLACK_SIGNING_SECRET": installSigning, "SLACK_CLIENT_SECRET": installClientSecret, "PAPERBOT_ENCRYPTION_KEY": installKey}}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	ready := make(chan string, 1)
	e := &env{getenv: func(k string) string { return s.vars[k] }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: s.logs,
		onReady: func(addr string) { ready <- addr }, now: s.now}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, e, []string{"--config", cfgPath}) }()
	s.done = done
	select {
	case a := <-ready:
		s.base = "http://" + a
	case err := <-done:
		t.Fatalf("serve ended before it was ready: %v\n%s", err, s.logs)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not get ready within 60s")
	}
	t.Cleanup(s.stop)
	return s
}

func (s *installServe) stop() {
	s.stopOnce.Do(func() {
		s.cancel()
		<-s.done
	})
}

func (s *installServe) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.offset)
}

// age moves the install pages' clock forward.
func (s *installServe) age(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// signed POSTs a signed Slack request and returns the status.
func (s *installServe) signed(t *testing.T, path, contentType, body string) int {
	t.Helper()
	return postSlackSigned(t, s.base+path, s.secret, contentType, body)
}

// postSlackSigned POSTs a request signed with secret now to url and
// returns the status.
func postSlackSigned(t *testing.T, url, secret, contentType, body string) int {
	t.Helper()
	ts, sig := slackSign(secret, time.Now().Unix(), body)
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// command sends a signed /papers from a workspace's channel and returns
// the text of its first answer at the response_url.
func (s *installServe) command(t *testing.T, team, channel, text string) string {
	t.Helper()
	s.mu.Lock()
	s.seq++
	id := team + "-" + strconv.Itoa(s.seq)
	s.mu.Unlock()
	form := url.Values{
		"team_id": {team}, "channel_id": {channel}, "channel_name": {strings.ToLower(channel) + "-papers"}, "user_id": {"U-" + team},
		"user_name": {"ada"}, "command": {"/papers"}, "text": {text}, "response_url": {s.slack.srv.URL + "/respond/" + id},
		"trigger_id": {"1.2.3"}, "api_app_id": {"A0FAKE"},
	}.Encode()
	if st := s.signed(t, "/slack/commands", "application/x-www-form-urlencoded", form); st != http.StatusOK {
		t.Fatalf("/papers %s from %s: status %d", text, team, st)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case got := <-s.slack.answered:
			if got != id {
				continue
			}
			s.slack.mu.Lock()
			m := s.slack.answers[id][0]
			s.slack.mu.Unlock()
			txt, _ := m["text"].(string)
			return txt
		case <-deadline:
			t.Fatalf("/papers %s from %s: no answer", text, team)
		}
	}
}

// event sends a signed Events API callback.
func (s *installServe) event(t *testing.T, team, id string, ev map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": team, "event_id": id, "event": ev, "api_app_id": "A0FAKE"})
	if st := s.signed(t, "/slack/events", "application/json", string(body)); st != http.StatusOK {
		t.Fatalf("event %s: status %d", id, st)
	}
}

// waitFor polls cond (a few milliseconds apart) until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		timer := time.NewTimer(5 * time.Millisecond)
		<-timer.C
	}
}
