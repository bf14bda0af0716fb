package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
)

// TestGatewayInteraction: over the gateway the acknowledgement goes to the
// callback endpoint, then the answer edits @original.
func TestGatewayInteraction(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	h := &recordingHandler{reply: bot.Notice("hello")}
	a.mu.Lock()
	a.handler = h
	a.mu.Unlock()
	a.gatewayInteraction(context.Background(), []byte(commandJSON("trending", "topic", "diffusion")))
	reqs := fake.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/interactions/300/tok-en/callback" || reqs[1].Method != "PATCH" {
		t.Fatalf("requests = %+v", reqs)
	}
	if string(reqs[0].Body) != `{"type":5,"data":{"flags":64}}` {
		t.Errorf("callback = %s", reqs[0].Body)
	}
	if got := h.Requests(); len(got) != 1 || got[0].Text != "trending diffusion" {
		t.Errorf("core got %+v", got)
	}
	// A button click over the gateway does not panic either.
	a.gatewayInteraction(context.Background(), []byte(`{"type":3,"id":"1","token":"t","data":{"custom_id":"zzz"}}`))
	last := fake.Requests()[2]
	if !strings.Contains(string(last.Body), `"type":4`) {
		t.Errorf("button answer = %s", last.Body)
	}
}

// TestGatewayMode: Run in gateway mode connects to the (fake) gateway with
// no intents at all, and an INTERACTION_CREATE from it is acknowledged
// through the callback endpoint and answered by editing @original.
func TestGatewayMode(t *testing.T) {
	fake := discordtest.New(t)
	h := &recordingHandler{reply: bot.Notice("from the gateway")}
	a := newTestAdapter(t, fake, Options{Mode: Gateway})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := fake.WaitIdentified(wctx); err != nil {
		t.Fatal(err)
	}
	var ident struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
	}
	if err := json.Unmarshal(fake.Identify(), &ident); err != nil {
		t.Fatal(err)
	}
	if ident.Intents != 0 || ident.Token != "Bot test-token" {
		t.Errorf("identify: intents %d, token %q; want no intents", ident.Intents, ident.Token)
	}
	if err := fake.Dispatch("INTERACTION_CREATE", json.RawMessage(commandJSON("show", "paper", "2205.13760"))); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitFor(wctx, func(r discordtest.Request) bool { return r.Method == "PATCH" }); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range fake.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	got := strings.Join(paths, "\n")
	if !strings.Contains(got, "POST /interactions/300/tok-en/callback\nPATCH /webhooks/100/tok-en/messages/@original") {
		t.Errorf("requests:\n%s", got)
	}
	if reqs := h.Requests(); len(reqs) != 1 || reqs[0].Text != "show 2205.13760" {
		t.Errorf("core got %+v", reqs)
	}
}

// TestGatewayBadToken: a token the gateway rejects ends Run with an error
// that says so, instead of reconnecting forever.
func TestGatewayBadToken(t *testing.T) {
	fake := discordtest.New(t)
	fake.CloseOnIdentify(4004)
	a := newTestAdapter(t, fake, Options{Mode: Gateway})
	err := a.Run(context.Background(), &recordingHandler{})
	if err == nil || !strings.Contains(err.Error(), "token was rejected") {
		t.Fatalf("Run = %v, want a rejected-token error", err)
	}
}

// A gateway that cannot be reached is retried until shutdown; then Run
// ends without claiming "discord gateway connected" (the line the docs
// tell users to look for), and says it never connected.
func TestGatewayNeverConnected(t *testing.T) {
	fake := discordtest.New(t)
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if strings.HasPrefix(r.Path, "/gateway") {
			return &discordtest.Response{Status: http.StatusServiceUnavailable, Body: map[string]any{"message": "down"}}
		}
		return nil
	})
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	retries := 0
	a := newTestAdapter(t, fake, Options{Mode: Gateway,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Clock: sleepFunc(func(ctx context.Context, d time.Duration) error {
			if retries++; retries == 3 {
				cancel() // SIGTERM while waiting to retry
			}
			return ctx.Err()
		})})
	if err := a.Run(ctx, &recordingHandler{}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if strings.Contains(logs.String(), "discord gateway connected") {
		t.Errorf("logged a connection that never happened:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "discord gateway never connected") {
		t.Errorf("no word that it never connected:\n%s", logs.String())
	}
}

// sleepFunc is the real time with the test's Sleep.
type sleepFunc func(ctx context.Context, d time.Duration) error

func (sleepFunc) Now() time.Time                                     { return time.Now() }
func (f sleepFunc) Sleep(ctx context.Context, d time.Duration) error { return f(ctx, d) }
