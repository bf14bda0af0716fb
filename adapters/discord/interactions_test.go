package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/replay"
	"github.com/paperbot/paperbot/configs/secret"
)

// recordingHandler records the requests the core would get and answers each
// with reply (or runs fn when set).
type recordingHandler struct {
	mu    sync.Mutex
	reqs  []bot.Request
	reply bot.Message
	fn    func(ctx context.Context, req *bot.Request, rw bot.Responder) error
}

func (h *recordingHandler) Handle(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	h.mu.Lock()
	h.reqs = append(h.reqs, *req)
	fn := h.fn
	h.mu.Unlock()
	if fn != nil {
		return fn(ctx, req, rw)
	}
	return rw.Reply(ctx, h.reply)
}

func (h *recordingHandler) Requests() []bot.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bot.Request(nil), h.reqs...)
}

// httpFixture runs the adapter in HTTP mode behind a real loopback server.
type httpFixture struct {
	t      *testing.T
	fake   *discordtest.Server
	a      *Adapter
	h      *recordingHandler
	srv    *httptest.Server
	priv   ed25519.PrivateKey
	clock  *fakeClock
	cancel context.CancelFunc
	done   chan error
}

func newHTTPFixture(t *testing.T, h *recordingHandler) *httpFixture {
	t.Helper()
	return newHTTPFixtureHooks(t, h, Hooks{})
}

func newHTTPFixtureHooks(t *testing.T, h *recordingHandler, hooks Hooks) *httpFixture {
	t.Helper()
	return newHTTPFixtureOpts(t, h, Options{Hooks: hooks})
}

// newHTTPFixtureOpts is newHTTPFixture with options (mode, key and clock
// are the fixture's).
func newHTTPFixtureOpts(t *testing.T, h *recordingHandler, opts Options) *httpFixture {
	t.Helper()
	f := &httpFixture{t: t, fake: discordtest.New(t), h: h, priv: testKey(t), clock: newFakeClock(), done: make(chan error, 1)}
	key, _ := ParsePublicKey(vectorKey)
	opts.Mode, opts.PublicKey, opts.Clock = HTTP, key, f.clock
	f.a = newTestAdapter(t, f.fake, opts)
	f.srv = httptest.NewServer(f.a)
	t.Cleanup(f.srv.Close)
	var ctx context.Context
	ctx, f.cancel = context.WithCancel(context.Background())
	go func() { f.done <- f.a.Run(ctx, h) }()
	<-f.a.started
	t.Cleanup(f.stop)
	return f
}

func (f *httpFixture) stop() {
	if f.cancel != nil {
		f.cancel()
		<-f.done
		f.cancel = nil
	}
}

// post sends body signed now (or with the given headers when sign is false).
func (f *httpFixture) post(body string, sign bool, hdr map[string]string) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL, strings.NewReader(body))
	if sign {
		ts := strconv.FormatInt(f.clock.Now().Unix(), 10)
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(f.priv, []byte(ts+body))))
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// waitFor waits for a request at the fake API (bounded by a generous
// deadline so a bug fails rather than hangs).
func (f *httpFixture) waitFor(method, pathPrefix string) discordtest.Request {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := f.fake.WaitFor(ctx, func(r discordtest.Request) bool {
		return r.Method == method && strings.HasPrefix(r.Path, pathPrefix)
	})
	if err != nil {
		f.t.Fatalf("waiting for %s %s: %v", method, pathPrefix, err)
	}
	return r
}

func commandJSON(sub string, opts ...string) string {
	var o []map[string]any
	for i := 0; i+1 < len(opts); i += 2 {
		if opts[i+1] == "true" || opts[i+1] == "false" {
			o = append(o, map[string]any{"name": opts[i], "type": optBoolean, "value": opts[i+1] == "true"})
			continue
		}
		o = append(o, map[string]any{"name": opts[i], "type": optString, "value": opts[i+1]})
	}
	in := map[string]any{
		"id": "300", "application_id": "100", "type": typeCommand, "token": "tok-en", "version": 1,
		"guild_id": "111", "channel_id": "222", "channel": map[string]any{"id": "222", "name": "ml-papers", "type": 0},
		"member": map[string]any{"user": map[string]any{"id": "333", "username": "ada", "global_name": "Ada L."}},
		"data": map[string]any{"id": "1", "name": "papers", "type": 1,
			"options": []any{map[string]any{"name": sub, "type": optSubcommand, "options": o}}},
	}
	b, _ := json.Marshal(in)
	return string(b)
}

func TestHTTPPing(t *testing.T) {
	f := newHTTPFixture(t, &recordingHandler{})
	code, body := f.post(`{"type":1}`, true, nil)
	if code != 200 || body != `{"type":1}` {
		t.Fatalf("PING: %d %s", code, body)
	}
}

func TestHTTPCommand(t *testing.T) {
	h := &recordingHandler{reply: bot.PaperMessage(samplePapers()[0], nil)}
	f := newHTTPFixture(t, h)
	code, body := f.post(commandJSON("show", "paper", "2205.13760"), true, nil)
	if code != 200 || body != `{"type":5,"data":{"flags":64}}` {
		t.Fatalf("command: %d %s, want a deferred ephemeral response", code, body)
	}
	edit := f.waitFor("PATCH", "/webhooks/100/tok-en/messages/@original")
	var p payload
	if err := edit.JSON(&p); err != nil {
		t.Fatal(err)
	}
	if len(p.Embeds) != 1 || !strings.HasPrefix(p.Embeds[0].Title, "Tranception") || p.AllowedMentions.Parse == nil {
		t.Errorf("edit = %s", edit.Body)
	}
	f.stop()
	reqs := h.Requests()
	want := bot.Request{Platform: "discord", Team: "111", Channel: "222", ChannelName: "ml-papers", User: "333", UserName: "Ada L.", Text: "show 2205.13760"}
	if len(reqs) != 1 || reqs[0] != want {
		t.Errorf("core got %+v, want %+v", reqs, want)
	}
}

func TestHTTPCommandPublicAndFollowups(t *testing.T) {
	var sections []bot.Section
	for range 12 {
		sections = append(sections, bot.PaperSection(samplePapers()[1], nil, false))
	}
	h := &recordingHandler{reply: bot.Message{Kind: bot.KindResults, Title: "Many", Sections: sections, Ephemeral: true}}
	f := newHTTPFixture(t, h)
	code, body := f.post(commandJSON("search", "query", "preference", "public", "true"), true, nil)
	if code != 200 || body != `{"type":5}` {
		t.Fatalf("public command: %d %s", code, body)
	}
	f.waitFor("PATCH", "/webhooks/100/tok-en/messages/@original")
	f.stop() // waits for the reply to finish
	var edits, follows int
	for _, r := range f.fake.Requests() {
		var p payload
		_ = r.JSON(&p)
		switch {
		case r.Method == "PATCH":
			edits++
		case r.Method == "POST" && r.Path == "/webhooks/100/tok-en":
			follows++
			if r.Query.Get("wait") != "true" {
				t.Errorf("follow-up without wait=true")
			}
		default:
			continue
		}
		if p.Flags&flagEphemeral != 0 {
			t.Errorf("public answer sent ephemeral: %s", r.Body)
		}
		if len(p.Embeds) > maxEmbeds {
			t.Errorf("%d embeds in one message", len(p.Embeds))
		}
	}
	if edits != 1 || follows != 1 {
		t.Errorf("%d edits and %d follow-ups, want 1 and 1 (12 embeds split 10+2)", edits, follows)
	}
	if got := h.Requests()[0].Text; got != "search preference" {
		t.Errorf("core got %q", got)
	}
}

// TestHTTPRejects: a bad, missing or stale signature gets 401 and nothing
// runs: no core call, no request to Discord.
func TestHTTPRejects(t *testing.T) {
	h := &recordingHandler{reply: bot.Notice("hi")}
	var mu sync.Mutex
	reasons := map[string]int{}
	f := newHTTPFixtureHooks(t, h, Hooks{Rejected: func(r string) { mu.Lock(); reasons[r]++; mu.Unlock() }})
	body := commandJSON("help")
	ts := strconv.FormatInt(f.clock.Now().Unix(), 10)
	good := hex.EncodeToString(ed25519.Sign(f.priv, []byte(ts+body)))
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	old := strconv.FormatInt(f.clock.Now().Add(-10*time.Minute).Unix(), 10)
	for _, tt := range []struct {
		name string
		hdr  map[string]string
	}{
		{"no headers", nil},
		{"no signature", map[string]string{"X-Signature-Timestamp": ts}},
		{"wrong key", map[string]string{"X-Signature-Timestamp": ts, "X-Signature-Ed25519": hex.EncodeToString(ed25519.Sign(other, []byte(ts+body)))}},
		{"signature of another body", map[string]string{"X-Signature-Timestamp": ts, "X-Signature-Ed25519": hex.EncodeToString(ed25519.Sign(f.priv, []byte(ts+`{"type":1}`)))}},
		{"other timestamp", map[string]string{"X-Signature-Timestamp": old, "X-Signature-Ed25519": good}},
		{"stale but validly signed", map[string]string{"X-Signature-Timestamp": old, "X-Signature-Ed25519": hex.EncodeToString(ed25519.Sign(f.priv, []byte(old+body)))}},
	} {
		code, _ := f.post(body, false, tt.hdr)
		if code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tt.name, code)
		}
	}
	f.stop()
	if n := len(h.Requests()); n != 0 {
		t.Errorf("the core ran %d times", n)
	}
	mu.Lock()
	if want := (map[string]int{"no_signature": 2, "bad_signature": 3, "stale": 1}); fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Errorf("rejections counted %v, want %v", reasons, want)
	}
	mu.Unlock()
	for _, r := range f.fake.Requests() {
		if r.Method == "GET" && r.Path == "/users/@me" {
			continue // Run's check of the token at start
		}
		t.Errorf("a request reached Discord: %s %s", r.Method, r.Path)
	}
}

// TestHTTPOtherInteractions: buttons and other interaction types never
// panic; they are handled or politely refused.
func TestHTTPOtherInteractions(t *testing.T) {
	h := &recordingHandler{reply: bot.Notice("similar papers…")}
	f := newHTTPFixture(t, h)
	base := `"id":"301","application_id":"100","token":"tok","guild_id":"111","channel_id":"222","member":{"user":{"id":"333","username":"ada"}}`
	tests := []struct {
		name, body, want string
	}{
		{"our button", `{"type":3,` + base + `,"message":{"id":"9"},"data":{"custom_id":"pb:similar 2205.13760","component_type":2}}`, `{"type":5,"data":{"flags":64}}`},
		{"a foreign button", `{"type":3,` + base + `,"data":{"custom_id":"something-else","component_type":2}}`, `"type":4`},
		{"a button with garbage data", `{"type":3,` + base + `,"data":"garbage"}`, `"type":4`},
		{"a button without data", `{"type":3,` + base + `}`, `"type":4`},
		{"a select menu", `{"type":3,` + base + `,"data":{"custom_id":"x","component_type":3,"values":["a"]}}`, `"type":4`},
		{"autocomplete", `{"type":4,` + base + `,"data":{"name":"papers","options":[{"name":"search","type":1,"options":[{"name":"query","type":3,"value":"dif","focused":true}]}]}}`, `{"type":8,"data":{"choices":[]}}`},
		{"a modal", `{"type":5,` + base + `,"data":{"custom_id":"m","components":[]}}`, `"type":4`},
		{"an unknown type", `{"type":42,` + base + `}`, `"type":4`},
		{"another command", `{"type":2,` + base + `,"data":{"name":"other","type":1}}`, `"type":4`},
		{"a command with garbage data", `{"type":2,` + base + `,"data":[1,2]}`, `"type":4`},
		{"a subcommand the bot no longer has", `{"type":2,` + base + `,"data":{"name":"papers","type":1,"options":[{"name":"find","type":1,"options":[{"name":"query","type":3,"value":"tranception"}]}]}}`, `/papers find is not one of my commands`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.post(tt.body, true, nil)
			if code != 200 || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s, want %s", code, body, tt.want)
			}
			if strings.Contains(body, `"type":4`) && !strings.Contains(body, `"flags":64`) {
				t.Errorf("refusal is not ephemeral: %s", body)
			}
		})
	}
	f.waitFor("PATCH", "/webhooks/100/tok/messages/@original")
	f.stop()
	if reqs := h.Requests(); len(reqs) != 1 || reqs[0].Text != "similar 2205.13760" {
		t.Errorf("core got %+v, want one similar request from the button", reqs)
	}
	code, body := f.post(`not json`, true, nil)
	if code != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d %s", code, body)
	}
}

// TestHandlerPanic: a panic below the adapter does not crash the process.
func TestHandlerPanic(t *testing.T) {
	h := &recordingHandler{fn: func(context.Context, *bot.Request, bot.Responder) error { panic("boom") }}
	f := newHTTPFixture(t, h)
	code, _ := f.post(commandJSON("help"), true, nil)
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	f.stop() // returns: the panicking goroutine was recovered and counted done
	if len(h.Requests()) != 1 {
		t.Fatal("handler did not run")
	}
}

// TestShutdownWaitsForReplies: Run returns only after the reply in flight
// is sent, and that reply's context is not cancelled by the shutdown.
func TestShutdownWaitsForReplies(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	h := &recordingHandler{fn: func(ctx context.Context, req *bot.Request, rw bot.Responder) error {
		close(entered)
		<-release
		return rw.Reply(ctx, bot.Notice("late but complete"))
	}}
	f := newHTTPFixture(t, h)
	if code, _ := f.post(commandJSON("help"), true, nil); code != 200 {
		t.Fatal(code)
	}
	<-entered
	f.cancel()
	select {
	case <-f.done:
		t.Fatal("Run returned with a reply in flight")
	default:
	}
	close(release)
	if err := <-f.done; err != nil {
		t.Fatal(err)
	}
	f.cancel = nil
	var patched bool
	for _, r := range f.fake.Requests() {
		patched = patched || r.Method == "PATCH" && strings.Contains(string(r.Body), "late but complete")
	}
	if !patched {
		t.Error("the reply in flight was not sent before Run returned")
	}
	// After shutdown, new interactions are refused (Discord shows an error).
	if code, _ := f.post(commandJSON("help"), true, nil); code != http.StatusServiceUnavailable {
		t.Errorf("after shutdown: %d, want 503", code)
	}
}

// TestEditRetriesUnknownWebhook: an edit that reaches Discord before the
// acknowledgement (Unknown Webhook) is tried again.
func TestEditRetriesUnknownWebhook(t *testing.T) {
	h := &recordingHandler{reply: bot.Notice("ok")}
	f := newHTTPFixture(t, h)
	var mu sync.Mutex
	n := 0
	f.fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "PATCH" {
			n++
			if n == 1 {
				return &discordtest.Response{Status: 404, Body: map[string]any{"code": 10015, "message": "Unknown Webhook"}}
			}
		}
		return nil
	})
	f.post(commandJSON("help"), true, nil)
	f.stop()
	if n != 2 {
		t.Errorf("%d PATCH attempts, want 2", n)
	}
	if s := f.clock.Sleeps(); len(s) != 1 || s[0] != 250*time.Millisecond {
		t.Errorf("sleeps = %v", s)
	}
}

// An interaction that arrives before Run has started waits at most a
// second for it, then gets 503: Discord's 3-second deadline leaves no room
// for a longer wait. A PING does not wait.
func TestHTTPBeforeRunAnswersInTime(t *testing.T) {
	priv := testKey(t)
	key, _ := ParsePublicKey(vectorKey)
	synctest.Test(t, func(t *testing.T) {
		a, err := New(Options{Mode: HTTP, Token: secret.New("test-token"), PublicKey: key, APIURL: "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		post := func(body string) (int, time.Duration) {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			r := httptest.NewRequest("POST", "/discord/interactions", strings.NewReader(body))
			r.Header.Set("X-Signature-Timestamp", ts)
			r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, []byte(ts+body))))
			w := httptest.NewRecorder()
			start := time.Now()
			a.ServeHTTP(w, r)
			return w.Code, time.Since(start)
		}
		if code, took := post(`{"type":1}`); code != http.StatusOK || took != 0 {
			t.Errorf("PING before Run: %d after %v, want 200 at once", code, took)
		}
		code, took := post(commandJSON("help"))
		if code != http.StatusServiceUnavailable || took > time.Second {
			t.Errorf("command before Run: %d after %v, want 503 within 1s (Discord's deadline is 3s)", code, took)
		}
	})
}

// The user's public option wins over the server's default (discord.public)
// both ways; without it, the default holds.
func TestPublicChoice(t *testing.T) {
	const ephemeral, public = `{"type":5,"data":{"flags":64}}`, `{"type":5}`
	for _, tt := range []struct {
		serverPublic bool
		opts         []string
		want         string
	}{
		{true, []string{"public", "false"}, ephemeral},
		{true, nil, public},
		{true, []string{"public", "true"}, public},
		{false, []string{"public", "true"}, public},
		{false, []string{"public", "false"}, ephemeral},
		{false, nil, ephemeral},
	} {
		f := newHTTPFixtureOpts(t, &recordingHandler{reply: bot.Notice("hi")}, Options{Public: tt.serverPublic})
		if code, body := f.post(commandJSON("help", tt.opts...), true, nil); code != 200 || body != tt.want {
			t.Errorf("discord.public %v, options %v: %d %s, want %s", tt.serverPublic, tt.opts, code, body, tt.want)
		}
		f.stop()
	}
}

// An error answer to a public interaction reaches only the person who
// asked: the deferral is resolved with a short note, the error goes as an
// ephemeral follow-up, and the note is deleted. Nothing of the error is in
// a public message. After a public answer, a later error is an ephemeral
// follow-up.
func TestPublicErrorsStayPrivate(t *testing.T) {
	const secret = "paper 2401.99999 is not in the index"
	errReply := bot.ErrorMessage(fault.New(fault.NotFound, secret))
	for _, tt := range []struct {
		name    string
		replies []bot.Message
		want    []string // method and path of the webhook calls
	}{
		{"error first", []bot.Message{errReply}, []string{"PATCH @original", "POST followup", "DELETE @original"}},
		{"error after an answer", []bot.Message{bot.Notice("first part"), errReply}, []string{"PATCH @original", "POST followup"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &recordingHandler{fn: func(ctx context.Context, _ *bot.Request, rw bot.Responder) error {
				for _, m := range tt.replies {
					if err := rw.Reply(ctx, m); err != nil {
						return err
					}
				}
				return nil
			}}
			f := newHTTPFixtureOpts(t, h, Options{Public: true})
			if code, body := f.post(commandJSON("show", "paper", "2401.99999"), true, nil); code != 200 || body != `{"type":5}` {
				t.Fatalf("%d %s, want a public deferral", code, body)
			}
			f.stop()
			var calls []string
			for _, r := range f.fake.Requests() {
				if !strings.HasPrefix(r.Path, "/webhooks/") {
					continue
				}
				call := r.Method + " followup"
				if strings.HasSuffix(r.Path, "/messages/@original") {
					call = r.Method + " @original"
				}
				calls = append(calls, call)
				var p payload
				_ = r.JSON(&p)
				if strings.Contains(string(r.Body), secret) && (r.Method != "POST" || p.Flags&flagEphemeral == 0) {
					t.Errorf("the error is in a public message: %s %s %s", r.Method, r.Path, r.Body)
				}
				if r.Method == "POST" && !strings.Contains(string(r.Body), secret) {
					t.Errorf("follow-up without the error: %s", r.Body)
				}
			}
			if strings.Join(calls, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("webhook calls %v, want %v", calls, tt.want)
			}
		})
	}
}

// A captured signed interaction sent again within the signature window is
// refused (401) and runs nothing, even minutes later; the same command
// signed anew runs. A PING may come twice. When the guard is full of fresh
// interactions, a new one gets 503, never through unchecked.
func TestHTTPReplayRefused(t *testing.T) {
	h := &recordingHandler{reply: bot.Notice("hi")}
	var mu sync.Mutex
	var rejected []string
	var now func() time.Time
	f := newHTTPFixtureOpts(t, h, Options{
		Replay: replay.NewMemory(func() time.Time { return now() }, 2),
		Hooks:  Hooks{Rejected: func(r string) { mu.Lock(); rejected = append(rejected, r); mu.Unlock() }},
	})
	now = f.clock.Now
	send := func(body string, at time.Time) int {
		t.Helper()
		ts := strconv.FormatInt(at.Unix(), 10)
		code, _ := f.post(body, false, map[string]string{"X-Signature-Timestamp": ts, "X-Signature-Ed25519": hex.EncodeToString(ed25519.Sign(f.priv, []byte(ts+body)))})
		return code
	}
	body := commandJSON("help")
	captured := f.clock.Now()
	if code := send(body, captured); code != http.StatusOK {
		t.Fatalf("first: %d", code)
	}
	f.clock.Sleep(t.Context(), 4*time.Minute)
	if code := send(body, captured); code != http.StatusUnauthorized {
		t.Errorf("replayed: %d, want 401", code)
	}
	for range 2 {
		if code := send(`{"type":1}`, f.clock.Now()); code != http.StatusOK {
			t.Errorf("ping: %d", code)
		}
	}
	if code := send(body, f.clock.Now()); code != http.StatusOK {
		t.Errorf("signed anew: %d, want 200", code)
	}
	if code := send(body, f.clock.Now().Add(time.Second)); code != http.StatusServiceUnavailable {
		t.Errorf("with the guard full: %d, want 503", code)
	}
	f.stop()
	if n := len(h.Requests()); n != 2 {
		t.Errorf("the core ran %d times, want 2", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"replayed", "replay_unchecked"}; fmt.Sprint(rejected) != fmt.Sprint(want) {
		t.Errorf("rejected %v, want %v", rejected, want)
	}
}

// A command that failed without an answer reaching the user (the core's
// error reply could not be sent either) is not closed with "Done.": the
// user is told it failed, in words for the kind of failure, and the log
// says the answer was not delivered.
func TestFailedCommandIsNotDone(t *testing.T) {
	h := &recordingHandler{fn: func(ctx context.Context, _ *bot.Request, rw bot.Responder) error {
		// As bot.ErrorReplies returns when its reply failed too.
		return fault.New(fault.Transient, "Discord did not take the reply")
	}}
	f := newHTTPFixture(t, h)
	if code, _ := f.post(commandJSON("search", "query", "protein"), true, nil); code != 200 {
		t.Fatalf("status %d", code)
	}
	r := f.waitFor("PATCH", "/webhooks/")
	var p payload
	if err := r.JSON(&p); err != nil {
		t.Fatal(err)
	}
	text := p.Content
	for _, e := range p.Embeds {
		text += " " + e.Description
	}
	if strings.Contains(text, "Done.") {
		t.Errorf("a failed command was answered %q", text)
	}
	if !strings.Contains(text, "try again") {
		t.Errorf("answer %q does not say to try again", text)
	}
}

// errReader fails after the bytes it has.
type errReader struct{ r io.Reader }

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// A body cut short (the client went away) is refused as unreadable with
// 400, not counted as one too large; a body over the limit still is.
func TestHTTPBodyCutShort(t *testing.T) {
	h := &recordingHandler{reply: bot.Notice("hi")}
	var mu sync.Mutex
	var reasons []string
	f := newHTTPFixtureHooks(t, h, Hooks{Rejected: func(r string) { mu.Lock(); reasons = append(reasons, r); mu.Unlock() }})
	for _, body := range []io.Reader{&errReader{strings.NewReader(`{"type":1`)}, strings.NewReader(strings.Repeat("x", maxBody+1))} {
		req := httptest.NewRequest(http.MethodPost, "/discord/interactions", body)
		req.ContentLength = -1 // unknown: the body is read to find out
		req.Header.Set("X-Signature-Ed25519", "00")
		req.Header.Set("X-Signature-Timestamp", "1")
		rec := httptest.NewRecorder()
		f.a.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest && rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d", rec.Code)
		}
	}
	f.stop()
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"unreadable", "too_large"}; !slices.Equal(reasons, want) {
		t.Errorf("rejections %v, want %v", reasons, want)
	}
	if n := len(h.Requests()); n != 0 {
		t.Errorf("the core ran %d times", n)
	}
}

// unreadBody fails the test when the handler reads it.
type unreadBody struct{ t *testing.T }

func (b unreadBody) Read([]byte) (int, error) {
	b.t.Error("the body was read")
	return 0, io.EOF
}

// An unsigned request, or one announcing a body over the cap, is refused
// before its body is read (as the Slack endpoints do): anyone on the
// internet could make the endpoint read a megabyte for each request it
// then refused.
func TestHTTPRefusesBeforeReading(t *testing.T) {
	h := &recordingHandler{reply: bot.Notice("hi")}
	var mu sync.Mutex
	var reasons []string
	f := newHTTPFixtureHooks(t, h, Hooks{Rejected: func(r string) { mu.Lock(); reasons = append(reasons, r); mu.Unlock() }})
	for _, tt := range []struct {
		name   string
		hdr    map[string]string
		length int64
		want   int
	}{
		{"unsigned", nil, 100, http.StatusUnauthorized},
		{"no timestamp", map[string]string{"X-Signature-Ed25519": "00"}, 100, http.StatusUnauthorized},
		{"too large", map[string]string{"X-Signature-Ed25519": "00", "X-Signature-Timestamp": "1"}, maxBody + 1, http.StatusRequestEntityTooLarge},
	} {
		req := httptest.NewRequest(http.MethodPost, "/discord/interactions", unreadBody{t})
		req.ContentLength = tt.length
		for k, v := range tt.hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		f.a.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.want)
		}
	}
	f.stop()
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"no_signature", "no_signature", "too_large"}; !slices.Equal(reasons, want) {
		t.Errorf("rejections %v, want %v", reasons, want)
	}
}
