package slack

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/configs/secret"
)

// socketServer is slacktest's fake Slack with a WebSocket hook: it sends
// the envelopes a test queues and hands back what the client writes.
type socketServer struct {
	srv  *slacktest.Server
	send chan any
	acks chan map[string]any
}

func newSocketServer(t *testing.T) *socketServer {
	s := &socketServer{send: make(chan any, 16), acks: make(chan map[string]any, 16)}
	done := make(chan struct{})
	s.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/ws", slacktest.Websocket(func(conn *websocket.Conn) {
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					var m map[string]any
					if err := conn.ReadJSON(&m); err != nil {
						return
					}
					s.acks <- m
				}
			})
			_ = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A1"}})
			for {
				select {
				case v := <-s.send:
					if err := conn.WriteJSON(v); err != nil {
						return
					}
				case <-done:
					conn.Close()
					wg.Wait()
					return
				}
			}
		}))
	})
	s.srv.Start()
	t.Cleanup(func() {
		close(done)
		s.srv.Stop()
	})
	return s
}

func (s *socketServer) nextAck(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m := <-s.acks:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no ack arrived over the WebSocket")
		return nil
	}
}

func newSocketAdapter(t *testing.T, s *socketServer) *Adapter {
	t.Helper()
	a, err := New(Options{
		BotToken: secret.New("xoxb-test"),
		AppToken: secret.New("xapp-test"),
		APIURL:   s.srv.GetAPIURL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode() != ModeSocket {
		t.Fatalf("default mode %q, want socket", a.Mode())
	}
	return a
}

// A Socket Mode round trip: a slash_commands envelope is acknowledged with
// its envelope_id, and the answer arrives at the response_url.
func TestSocketModeSlashCommand(t *testing.T) {
	s := newSocketServer(t)
	sink := newResponseSink(t)
	a := newSocketAdapter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx, newCore(t)) }()

	s.send <- map[string]any{
		"envelope_id": "1d1b2c3f-env", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{
			"token": "x", "team_id": "T1", "team_domain": "test", "channel_id": "C1", "channel_name": "ml-papers",
			"user_id": "U1", "user_name": "ada", "command": "/papers", "text": "protein fitness",
			"response_url": sink.srv.URL, "trigger_id": "1.2.3", "api_app_id": "A1",
		},
	}
	ack := s.nextAck(t)
	if ack["envelope_id"] != "1d1b2c3f-env" {
		t.Errorf("ack = %v, want envelope_id 1d1b2c3f-env", ack)
	}
	m := sink.next(t)
	if m["response_type"] != "ephemeral" {
		t.Errorf("response_type = %v", m["response_type"])
	}
	if txt, _ := m["text"].(string); !strings.Contains(txt, "Tranception") {
		t.Errorf("answer text = %q", txt)
	}

	cancel()
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run = %v, want nil after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// Events over Socket Mode: every envelope is acknowledged, a retried
// event (same event_id) reaches the core once, in the mention's thread.
func TestSocketModeEventsDeduplicated(t *testing.T) {
	s := newSocketServer(t)
	a := newSocketAdapter(t, s)
	reqs := make(chan bot.Request, 4)
	h := bot.HandlerFunc(func(_ context.Context, req *bot.Request, _ bot.Responder) error {
		reqs <- *req
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx, h) }()

	event := func(envelope, id, text string, retry int) map[string]any {
		return map[string]any{
			"envelope_id": envelope, "type": "events_api", "retry_attempt": retry, "accepts_response_payload": false,
			"payload": map[string]any{
				"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": id, "event_time": 1,
				"event": map[string]any{"type": "app_mention", "user": "U1", "text": "<@UBOT> " + text, "ts": "1700000200.000100", "thread_ts": "1700000100.000001", "channel": "C7", "event_ts": "1700000200.000100"},
			},
		}
	}
	s.send <- event("env-a", "Ev42", "trending", 0)
	s.send <- event("env-b", "Ev42", "trending", 1) // Slack's retry
	s.send <- event("env-c", "Ev43", "diffusion", 0)
	got := map[string]bool{}
	for range 3 {
		got[s.nextAck(t)["envelope_id"].(string)] = true
	}
	if !got["env-a"] || !got["env-b"] || !got["env-c"] {
		t.Errorf("acks %v, want env-a, env-b and env-c", got)
	}
	// Envelopes are handled in order: once Ev43 reached the core, the
	// retry of Ev42 was handled (and dropped).
	var texts []string
	for len(texts) < 2 {
		select {
		case req := <-reqs:
			texts = append(texts, req.Text)
			if req.Text == "trending" && (req.Thread != "1700000100.000001" || req.Channel != "C7") {
				t.Errorf("request = %+v, want it in thread 1700000100.000001 of C7", req)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("mentions reaching the core: %v, want trending and diffusion", texts)
		}
	}
	cancel()
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v", err)
	}
	close(reqs)
	for req := range reqs {
		texts = append(texts, req.Text)
	}
	slices.Sort(texts)
	if !slices.Equal(texts, []string{"diffusion", "trending"}) {
		t.Errorf("the core saw %q, want each event once", texts)
	}
}

// A refused token stops Run with an error that names the setting to fix.
func TestRunRefusedTokens(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"bot token", "/auth.test", "slack.bot_token"},
		{"app token", "/apps.connections.open", "slack.app_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slacktest.NewTestServer(func(c slacktest.Customize) {
				c.Handle(tt.path, func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(`{"ok":false,"error":"invalid_auth"}`))
				})
			})
			srv.Start()
			defer srv.Stop()
			a, err := New(Options{BotToken: secret.New("xoxb-x"), AppToken: secret.New("xapp-x"), APIURL: srv.GetAPIURL()})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err = a.Run(ctx, bot.HandlerFunc(func(context.Context, *bot.Request, bot.Responder) error { return nil }))
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "xoxb-x") || strings.Contains(err.Error(), "xapp-x") {
				t.Errorf("Run = %v, want an error naming %s (and no token)", err, tt.want)
			}
		})
	}
}

// flakySeen is a shared event_id store whose first check fails (the
// replicas' PostgreSQL out of reach for a moment).
type flakySeen struct {
	mu    sync.Mutex
	calls int
	seen  map[string]bool
}

func (f *flakySeen) SeenWithin(_ context.Context, key string, _ time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls++; f.calls == 1 {
		return false, context.DeadlineExceeded
	}
	was := f.seen[key]
	f.seen[key] = true
	return was, nil
}

func (f *flakySeen) ForgetSeen(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.seen, key)
	return nil
}

// An event whose event_id cannot be checked is not acknowledged, so that
// Slack sends it again; acknowledged first (as before), it was lost.
func TestSocketModeEventUncheckedIsNotAcknowledged(t *testing.T) {
	s := newSocketServer(t)
	a, err := New(Options{
		BotToken: secret.New("xoxb-test"),
		AppToken: secret.New("xapp-test"),
		APIURL:   s.srv.GetAPIURL(),
		Seen:     &flakySeen{seen: map[string]bool{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := make(chan bot.Request, 4)
	h := bot.HandlerFunc(func(_ context.Context, req *bot.Request, _ bot.Responder) error {
		reqs <- *req
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx, h) }()
	event := func(envelope, id string, retry int) map[string]any {
		return map[string]any{
			"envelope_id": envelope, "type": "events_api", "retry_attempt": retry,
			"payload": map[string]any{
				"team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": id, "event_time": 1,
				"event": map[string]any{"type": "app_mention", "user": "U1", "text": "<@UBOT> trending", "ts": "1700000200.000100", "channel": "C7", "event_ts": "1700000200.000100"},
			},
		}
	}
	s.send <- event("env-a", "Ev42", 0) // the check fails: no ack
	s.send <- event("env-b", "Ev42", 1) // Slack's retry: acknowledged, handled
	s.send <- event("env-c", "Ev42", 2) // a retry after that: acknowledged, dropped
	// Envelopes are handled in order: env-a's ack would come first.
	for _, want := range []string{"env-b", "env-c"} {
		if got := s.nextAck(t)["envelope_id"]; got != want {
			t.Errorf("ack of %v, want %s (env-a unacknowledged)", got, want)
		}
	}
	cancel()
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v", err)
	}
	close(reqs)
	n := 0
	for range reqs {
		n++
	}
	if n != 1 {
		t.Errorf("the core saw the mention %d times, want once", n)
	}
}
