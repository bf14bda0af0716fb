package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/replay"
	"github.com/paperbot/paperbot/configs/secret"
)

// fakeSearcher knows two papers; a query for "nothing" finds none.
func fakeSearcher() *bottest.Searcher {
	s := bottest.NewSearcher(samplePaper(), otherPaper())
	s.Match = func(q paper.Query, _ paper.Paper) bool { return !strings.Contains(q.Text, "nothing") }
	return s
}

func newCore(t *testing.T) *bot.Bot {
	t.Helper()
	b, err := bot.New(bot.Config{Searcher: fakeSearcher()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// responseSink is a fake response_url: it records the JSON bodies posted.
type responseSink struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []map[string]any
	recv chan map[string]any
}

func newResponseSink(t *testing.T) *responseSink {
	s := &responseSink{recv: make(chan map[string]any, 16)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.got = append(s.got, m)
		s.mu.Unlock()
		s.recv <- m
		w.Write([]byte("ok"))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *responseSink) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m := <-s.recv:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no reply arrived at the response_url")
		return nil
	}
}

func commandForm(text, responseURL string) string {
	return url.Values{
		"team_id": {"T1"}, "channel_id": {"C1"}, "channel_name": {"ml-papers"},
		"user_id": {"U1"}, "user_name": {"ada"}, "command": {"/papers"}, "text": {text},
		"response_url": {responseURL}, "trigger_id": {"1.2.3"}, "api_app_id": {"A1"},
	}.Encode()
}

func startHTTP(t *testing.T, a *Adapter, h bot.Handler) *httptest.Server {
	mux := http.NewServeMux()
	for p, rh := range a.HTTPRoutes(h) {
		mux.Handle(p, rh)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// A signed /papers gets an empty 200 (which posts nothing) and the answer
// arrives at the response_url: ephemeral Block Kit with a Share button.
func TestHTTPCommandAnswersThroughResponseURL(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	sink := newResponseSink(t)
	srv := startHTTP(t, a, newCore(t))

	resp := signedPost(t, srv.URL+PathCommands, testSecret, clock.Now(), "application/x-www-form-urlencoded", commandForm("protein fitness", sink.srv.URL))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Fatalf("ack = %d %q, want an empty 200", resp.StatusCode, body)
	}
	m := sink.next(t)
	if m["response_type"] != "ephemeral" || m["replace_original"] != false {
		t.Errorf("response_type=%v replace_original=%v, want ephemeral, false", m["response_type"], m["replace_original"])
	}
	if s, _ := m["text"].(string); !strings.Contains(s, "Tranception") {
		t.Errorf("text = %q", s)
	}
	js, _ := json.Marshal(m["blocks"])
	if !strings.Contains(string(js), `"value":"protein fitness"`) || !strings.Contains(string(js), ShareActionID) {
		t.Errorf("no Share button with the query in %s", js)
	}
	if m["unfurl_links"] != false || m["unfurl_media"] != false {
		t.Errorf("unfurl_links=%v unfurl_media=%v", m["unfurl_links"], m["unfurl_media"])
	}
	a.work.Wait()
}

// A bad or stale signature gets 401 and runs nothing; ssl_check gets 200.
func TestHTTPSignatureFailures(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	var calls atomic.Int32
	srv := startHTTP(t, a, countingHandler(&calls))
	form := commandForm("x", "http://127.0.0.1:1/never")

	for _, tt := range []struct {
		name   string
		secret string
		at     time.Time
		path   string
		body   string
		want   int
	}{
		{"wrong secret", "another-secret", clock.Now(), PathCommands, form, http.StatusUnauthorized},
		{"stale", testSecret, clock.Now().Add(-301 * time.Second), PathCommands, form, http.StatusUnauthorized},
		{"from the future", testSecret, clock.Now().Add(301 * time.Second), PathCommands, form, http.StatusUnauthorized},
		{"events, wrong secret", "another-secret", clock.Now(), PathEvents, `{"type":"url_verification","challenge":"c"}`, http.StatusUnauthorized},
		{"interactions, wrong secret", "another-secret", clock.Now(), PathInteractions, "payload=%7B%7D", http.StatusUnauthorized},
		{"ssl_check", testSecret, clock.Now(), PathCommands, "ssl_check=1&token=x", http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := signedPost(t, srv.URL+tt.path, tt.secret, tt.at, "application/x-www-form-urlencoded", tt.body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	a.work.Wait()
	if n := calls.Load(); n != 0 {
		t.Errorf("handler ran %d times", n)
	}
}

// The Events API: url_verification is echoed; an app mention is answered
// in its thread; a retried event (same event_id) is answered once.
func TestHTTPEvents(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	var mu sync.Mutex
	var reqs []bot.Request
	core := newCore(t)
	h := bot.HandlerFunc(func(ctx context.Context, req *bot.Request, rw bot.Responder) error {
		mu.Lock()
		reqs = append(reqs, *req)
		mu.Unlock()
		return core.Handle(ctx, req, rw)
	})
	srv := startHTTP(t, a, h)

	resp := signedPost(t, srv.URL+PathEvents, testSecret, clock.Now(), "application/json", `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification: %d %q", resp.StatusCode, b)
	}

	event := `{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1,
		"event":{"type":"app_mention","user":"U1","text":"<@UBOT> show <https://arxiv.org/abs/2205.13760v2|arxiv.org/abs/2205.13760v2>","ts":"1700000100.000200","channel":"C7","event_ts":"1700000100.000200"}}`
	for range 3 { // the event and two retries
		resp := signedPost(t, srv.URL+PathEvents, testSecret, clock.Now(), "application/json", event)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("event: status %d", resp.StatusCode)
		}
	}
	a.work.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(reqs) != 1 {
		t.Fatalf("handler ran %d times, want once", len(reqs))
	}
	if got := reqs[0]; got.Text != "show https://arxiv.org/abs/2205.13760v2" || got.Thread != "1700000100.000200" || got.Channel != "C7" || got.Team != "T1" {
		t.Errorf("request = %+v", got)
	}
	posted := api.Posted()
	if len(posted) != 1 || posted[0].ThreadTS != "1700000100.000200" || posted[0].Channel != "C7" || !strings.Contains(posted[0].Text, "Tranception") {
		t.Errorf("posted %+v, want one reply in the mention's thread", posted)
	}
}

// "Share in channel" runs the request again and posts it visibly through
// the interaction's response_url, saying who shared it.
func TestHTTPShareInChannel(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	sink := newResponseSink(t)
	srv := startHTTP(t, a, newCore(t))

	payload := map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": "T1"},
		"user":         map[string]any{"id": "U1", "name": "ada"},
		"channel":      map[string]any{"id": "C1", "name": "ml-papers"},
		"response_url": sink.srv.URL,
		"container":    map[string]any{"type": "message", "is_ephemeral": true},
		"actions":      []any{map[string]any{"type": "button", "action_id": ShareActionID, "block_id": "paperbot_actions", "value": "show 2205.13760"}},
	}
	js, _ := json.Marshal(payload)
	resp := signedPost(t, srv.URL+PathInteractions, testSecret, clock.Now(), "application/x-www-form-urlencoded", url.Values{"payload": {string(js)}}.Encode())
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	m := sink.next(t)
	if m["response_type"] != "in_channel" {
		t.Errorf("response_type = %v, want in_channel", m["response_type"])
	}
	blocks, _ := json.Marshal(m["blocks"])
	if !strings.Contains(string(blocks), `Shared by \u003c@U1\u003e`) {
		t.Errorf("no 'Shared by' line in %s", blocks)
	}
	if strings.Contains(string(blocks), ShareActionID) {
		t.Error("a shared message still has the Share button")
	}

	// Sharing something that fails answers the sharer alone.
	payload["actions"] = []any{map[string]any{"type": "button", "block_id": "paperbot_actions", "action_id": ShareActionID, "value": "show 9999.99999"}}
	js, _ = json.Marshal(payload)
	resp = signedPost(t, srv.URL+PathInteractions, testSecret, clock.Now(), "application/x-www-form-urlencoded", url.Values{"payload": {string(js)}}.Encode())
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if m := sink.next(t); m["response_type"] != "ephemeral" {
		t.Errorf("error reply response_type = %v, want ephemeral", m["response_type"])
	}
	a.work.Wait()
}

// A response_url takes at most five replies; a longer answer is cut.
func TestResponseURLUses(t *testing.T) {
	api := newFakeSlack(t)
	a := newTestAdapter(t, api, newFakeClock(time.Now()))
	sink := newResponseSink(t)
	rw := &urlResponder{a: a, url: sink.srv.URL}
	p := samplePaper()
	p.Abstract = strings.Repeat("word ", 20000)
	ctx := context.Background()
	for range 3 {
		if err := rw.Reply(ctx, bot.PaperMessage(p, nil)); err != nil && !strings.Contains(err.Error(), "used up") {
			t.Fatal(err)
		}
	}
	sink.mu.Lock()
	n := len(sink.got)
	sink.mu.Unlock()
	if n != maxResponseURLUses {
		t.Errorf("response_url used %d times, want %d", n, maxResponseURLUses)
	}
}

// A 429 from the response_url is waited out, then the reply goes through.
func TestResponseURLRateLimited(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	rw := &urlResponder{a: a, url: srv.URL}
	if err := rw.Reply(context.Background(), bot.Notice("hello")); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 || len(clock.Sleeps()) != 1 || clock.Sleeps()[0] != 3*time.Second {
		t.Errorf("hits %d, waits %v; want 2 hits and one 3s wait", hits.Load(), clock.Sleeps())
	}
}

func TestMentionText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<@UBOT> diffusion models", "diffusion models"},
		{"<@UBOT|paperbot>   show   <https://arxiv.org/abs/2205.13760>", "show https://arxiv.org/abs/2205.13760"},
		{"<@UBOT> <https://huggingface.co/papers/2205.13760|huggingface.co/papers/2205.13760>", "https://huggingface.co/papers/2205.13760"},
		{"hey <@UBOT> what about author:Notin &amp; &lt;proteins&gt;", "hey what about author:Notin & <proteins>"},
		{"<!here> <@UBOT> trending in <#C42|ml-papers>", "trending in #ml-papers"},
		{"<@UBOT>", ""},
		{"unclosed <bracket", "unclosed <bracket"},
	}
	for _, tt := range tests {
		if got := mentionText(tt.in); got != tt.want {
			t.Errorf("mentionText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSeenSetBounded(t *testing.T) {
	clock := newFakeClock(t0)
	s := newSeenSet(clock, time.Hour, 100)
	if s.Seen("a") || !s.Seen("a") {
		t.Fatal("second sighting not reported")
	}
	for i := range 1000 {
		s.Seen("e" + string(rune(i)))
	}
	if n := s.Len(); n > 100 {
		t.Errorf("remembers %d ids, want at most 100", n)
	}
	clock.Advance(2 * time.Hour)
	s.Seen("b")
	if n := s.Len(); n != 1 {
		t.Errorf("after the TTL, remembers %d ids, want 1", n)
	}
}

// On shutdown Run stops taking requests but first finishes the replies in
// flight; their context is not cancelled by the shutdown.
func TestRunWaitsForRepliesInFlight(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	sink := newResponseSink(t)
	started, release := make(chan struct{}), make(chan struct{})
	var handlerCtxErr error
	h := bot.HandlerFunc(func(ctx context.Context, req *bot.Request, rw bot.Responder) error {
		close(started)
		<-release
		handlerCtxErr = ctx.Err()
		return rw.Reply(ctx, bot.Notice("done: "+req.Text))
	})
	srv := startHTTP(t, a, h)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx, h) }()

	resp := signedPost(t, srv.URL+PathCommands, testSecret, clock.Now(), "application/x-www-form-urlencoded", commandForm("slow one", sink.srv.URL))
	resp.Body.Close()
	<-started
	cancel()
	close(release)
	if err := <-runErr; err != nil {
		t.Fatalf("Run = %v", err)
	}
	// Run returned only after the reply was delivered.
	sink.mu.Lock()
	n := len(sink.got)
	sink.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d replies delivered when Run returned, want 1", n)
	}
	if handlerCtxErr != nil {
		t.Errorf("the handler's context ended with the shutdown: %v", handlerCtxErr)
	}
	// After Run, new requests are refused rather than dropped silently.
	resp = signedPost(t, srv.URL+PathCommands, testSecret, clock.Now(), "application/x-www-form-urlencoded", commandForm("late", sink.srv.URL))
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after shutdown: status %d, want 503", resp.StatusCode)
	}
}

// A reply after the response_url's 30 minutes is not attempted.
func TestResponseURLExpires(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	sink := newResponseSink(t)
	rw := &urlResponder{a: a, url: sink.srv.URL, expires: clock.Now().Add(responseURLLife)}
	clock.Advance(responseURLLife + time.Second)
	if err := rw.Reply(context.Background(), bot.Notice("late")); !fault.Is(err, fault.Transient) {
		t.Errorf("Reply = %v, want a transient error", err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.got) != 0 {
		t.Errorf("an expired response_url was used")
	}
}

// syncBuffer is a log sink that goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.WriteString(string(p))
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A response_url lets whoever holds it post into the channel for 30
// minutes: when it cannot be reached, neither the error nor any log (the
// adapter's, the core's Logging middleware) quotes it, and a malformed one
// is refused without being echoed.
func TestResponseURLNeverLogged(t *testing.T) {
	const secretPath = "/commands/T1/1234/SECRET-CAPABILITY-TOKEN"
	// A server that is gone: the HTTP client fails with a *url.Error,
	// which quotes the whole URL.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	responseURL := gone.URL + secretPath

	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a, err := New(Options{
		Mode: ModeHTTP, BotToken: secret.New("xoxb-test"), SigningSecret: secret.New(testSecret),
		APIURL: api.URL(), Clock: clock, Logger: log,
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	core, err := bot.New(bot.Config{Searcher: fakeSearcher(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	leaks := func(what, s string) {
		t.Helper()
		if strings.Contains(s, "SECRET-CAPABILITY-TOKEN") || strings.Contains(s, "/commands/T1/") {
			t.Errorf("%s quotes the response_url:\n%s", what, s)
		}
	}

	// Directly: the error a reply returns.
	rw := &urlResponder{a: a, url: responseURL}
	err = rw.Reply(t.Context(), bot.Notice("hello"))
	if err == nil || fault.KindOf(err) != fault.Transient || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("reply to a gone response_url: %v, want a transient error that says why", err)
	}
	leaks("the error", err.Error()+" "+fmt.Sprintf("%+v", err))

	// Through the endpoint and the core, with its logging.
	srv := startHTTP(t, a, core)
	resp := signedPost(t, srv.URL+PathCommands, testSecret, clock.Now(), "application/x-www-form-urlencoded", commandForm("protein fitness", responseURL))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ack %d", resp.StatusCode)
	}
	a.work.Wait()
	if !strings.Contains(logs.String(), "connect") {
		t.Fatalf("the failed reply is not logged:\n%s", logs.String())
	}
	leaks("the log", logs.String())

	// A response_url that is not http(s): 400, not echoed, and not logged.
	for _, bad := range []string{"ftp://hooks.slack.com" + secretPath, "hooks.slack.com" + secretPath, "http://%zz" + secretPath} {
		resp = signedPost(t, srv.URL+PathCommands, testSecret, clock.Now(), "application/x-www-form-urlencoded", commandForm("x", bad))
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "not an http(s) URL") {
			t.Errorf("response_url %q: %d %q, want 400", bad, resp.StatusCode, body)
		}
		leaks("the refusal", string(body))
		if err := a.checkResponseURL(bad); err == nil {
			t.Errorf("checkResponseURL(%q) accepted it", bad)
		} else {
			leaks("checkResponseURL", err.Error())
		}
	}
	leaks("the log", logs.String())
}

// An event refused while shutting down (503) is not remembered as seen:
// Slack's retry of it gets 503 too (and is retried again, by the next
// process), not a 200 that drops it as a duplicate of work never done.
func TestRefusedEventIsNotSeen(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	var dups atomic.Int32
	a.opts.Hooks.DuplicateEvent = func() { dups.Add(1) }
	ran := make(chan struct{}, 4)
	h := bot.HandlerFunc(func(context.Context, *bot.Request, bot.Responder) error { ran <- struct{}{}; return nil })
	srv := startHTTP(t, a, h)
	event := `{"team_id":"T1","type":"event_callback","event_id":"Ev9",
		"event":{"type":"app_mention","user":"U1","text":"<@UBOT> diffusion","ts":"1700000100.000200","channel":"C7"}}`

	a.work.CloseAndWait() // shutting down
	for i := range 2 {
		resp := signedPost(t, srv.URL+PathEvents, testSecret, clock.Now(), "application/json", event)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("delivery %d while shutting down: %d, want 503", i+1, resp.StatusCode)
		}
	}
	if n := dups.Load(); n != 0 || a.events.Len() != 0 {
		t.Errorf("%d duplicates counted, %d events remembered; want none", n, a.events.Len())
	}
	if len(ran) != 0 {
		t.Error("the handler ran while shutting down")
	}
}

// A captured signed command or button click sent again within its 5-minute
// window is refused (401) and runs nothing; the same words signed anew (a
// new timestamp) run again. The guard is bounded: when it is full of fresh
// requests, a new one gets 503, never through unchecked.
func TestHTTPReplayRefused(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	api.mu.Lock()
	api.now = clock.Now
	api.mu.Unlock()
	var rejected []string
	a, err := New(Options{
		Mode: ModeHTTP, BotToken: secret.New("xoxb-test"), SigningSecret: secret.New(testSecret),
		APIURL: api.URL(), Clock: clock,
		Replay: replay.NewMemory(clock.Now, 3),
		Hooks:  Hooks{Rejected: func(r string) { rejected = append(rejected, r) }},
	})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	srv := startHTTP(t, a, countingHandler(&calls))
	form := commandForm("x", "http://127.0.0.1:1/never")
	send := func(path, body string, at time.Time) int {
		t.Helper()
		resp := signedPost(t, srv.URL+path, testSecret, at, "application/x-www-form-urlencoded", body)
		resp.Body.Close()
		return resp.StatusCode
	}
	captured := clock.Now()
	if code := send(PathCommands, form, captured); code != http.StatusOK {
		t.Fatalf("first command: %d", code)
	}
	clock.Advance(4 * time.Minute)
	if code := send(PathCommands, form, captured); code != http.StatusUnauthorized {
		t.Errorf("replayed command: %d, want 401", code)
	}
	click := "payload=" + url.QueryEscape(`{"type":"block_actions","team":{"id":"T1"},"channel":{"id":"C1"},"user":{"id":"U1"},"response_url":"http://127.0.0.1:1/never","actions":[{"type":"button","block_id":"paperbot_actions","action_id":"`+ShareActionID+`","value":"x"}]}`)
	if code := send(PathInteractions, click, clock.Now()); code != http.StatusOK {
		t.Fatalf("first click: %d", code)
	}
	if code := send(PathInteractions, click, clock.Now()); code != http.StatusUnauthorized {
		t.Errorf("replayed click: %d, want 401", code)
	}
	if code := send(PathCommands, form, clock.Now().Add(time.Second)); code != http.StatusOK {
		t.Errorf("the same command signed anew: %d, want 200", code)
	}
	// Three fresh requests remembered: the guard is full.
	if code := send(PathCommands, form, clock.Now().Add(2*time.Second)); code != http.StatusServiceUnavailable {
		t.Errorf("a new command with the guard full: %d, want 503", code)
	}
	a.work.Wait()
	if n := calls.Load(); n != 3 {
		t.Errorf("handler ran %d times, want 3", n)
	}
	if want := []string{"replayed", "replayed", "replay_unchecked"}; !slices.Equal(rejected, want) {
		t.Errorf("rejected %v, want %v", rejected, want)
	}
}

// A signed request whose body cannot be read (a form that does not parse, a
// button press without its payload or with broken JSON, an event that is not
// JSON) is answered 400, counted as a refusal and logged without its body;
// the handler never runs.
func TestHTTPSignedButUnreadable(t *testing.T) {
	api := newFakeSlack(t)
	var logs strings.Builder
	var rejected []string
	a, err := New(Options{
		Mode: ModeHTTP, BotToken: secret.New("xoxb-test"), SigningSecret: secret.New(testSecret),
		APIURL: api.URL(), Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Hooks: Hooks{Rejected: func(r string) { rejected = append(rejected, r) }},
	})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	srv := startHTTP(t, a, countingHandler(&calls))
	for i, c := range []struct{ path, body string }{
		{PathCommands, "text=%zz-secret-words"},
		{PathInteractions, "token=x"},
		{PathInteractions, "payload=%7Bsecret-words"},
		{PathEvents, "{secret-words"},
	} {
		resp := signedPost(t, srv.URL+c.path, testSecret, time.Now().Add(time.Duration(i)*time.Second), "application/x-www-form-urlencoded", c.body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s %q: %d, want 400", c.path, c.body, resp.StatusCode)
		}
	}
	a.work.Wait()
	if n := calls.Load(); n != 0 {
		t.Errorf("handler ran %d times", n)
	}
	if want := []string{"unreadable", "unreadable", "unreadable", "unreadable"}; !slices.Equal(rejected, want) {
		t.Errorf("rejected %v, want %v", rejected, want)
	}
	if n := strings.Count(logs.String(), "slack request refused"); n != 4 {
		t.Errorf("%d refusals logged, want 4:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "secret-words") {
		t.Errorf("a body was logged:\n%s", logs.String())
	}
}
