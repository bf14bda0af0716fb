package discord

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/configs/secret"
)

// The bot token never reaches a log or an error: the options and the
// adapter print it as [redacted], and failed calls (refused, or cut off)
// name the route, not the credentials.
func TestTokenNeverPrinted(t *testing.T) {
	const token = "SECRET-BOT-TOKEN-123"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fake := discordtest.New(t)
	clock := newFakeClock()
	opts := Options{Token: secret.New(token), APIURL: fake.URL, Logger: log, Clock: clock}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	leaks := func(what, s string) {
		t.Helper()
		if strings.Contains(s, token) {
			t.Errorf("%s shows the token: %s", what, s)
		}
	}
	leaks("the options", fmt.Sprintf("%v %+v %#v %s", opts, opts, opts, opts.Token))
	leaks("the adapter", fmt.Sprintf("%v %+v", a, a.rest))
	log.Info("options", "opts", opts, "token", opts.Token)

	ctx := context.Background()
	for _, answer := range []*discordtest.Response{
		{Status: 401, Body: map[string]any{"code": 0, "message": "401: Unauthorized"}},
		{Abort: true},
	} {
		fake.Intercept(func(discordtest.Request) *discordtest.Response { return answer })
		var errs []string
		if _, err := a.ApplicationID(ctx); err != nil {
			errs = append(errs, fmt.Sprintf("%v %+v", err, err))
		}
		if _, err := a.Post(ctx, bot.Destination{Platform: "discord", Team: "1", Channel: "2"}, bot.Notice("hi"), bot.PostOptions{}); err != nil {
			errs = append(errs, fmt.Sprintf("%v %+v", err, err))
		}
		if len(errs) != 2 {
			t.Fatalf("calls answered %+v succeeded: %v", answer, errs)
		}
		leaks("an error", strings.Join(errs, "\n"))
	}
	// The token did go where it belongs.
	if reqs := fake.Requests(); len(reqs) == 0 || reqs[0].Header.Get("Authorization") != "Bot "+token {
		t.Fatalf("requests %d, Authorization %q", len(reqs), reqs[0].Header.Get("Authorization"))
	}
	leaks("the log", logs.String())
	if !strings.Contains(logs.String(), "[redacted]") {
		t.Errorf("the log does not show the token as [redacted]:\n%s", logs.String())
	}
}

// Errors name the request once ("PUT /applications/..."), keep Discord's
// field errors of an invalid body (code 50035), and say "could not reach
// Discord" once when the connection is cut.
func TestErrorTexts(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	cmd := Command{Name: "papers", Description: "papers"}
	fake.Intercept(func(discordtest.Request) *discordtest.Response {
		return &discordtest.Response{Status: 400, Body: map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": map[string]any{
			"0": map[string]any{
				"name":        map[string]any{"_errors": []any{map[string]any{"code": "APPLICATION_COMMAND_INVALID_NAME", "message": "Command name is invalid"}}},
				"description": map[string]any{"_errors": []any{map[string]any{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 100 in length."}}},
			}}}}
	})
	_, err := a.Register(t.Context(), "1", "2", []Command{cmd})
	want := "discord: PUT /applications/1/guilds/2/commands: HTTP 400 (code 50035): Invalid Form Body: " +
		"0.description: Must be between 1 and 100 in length. (BASE_TYPE_BAD_LENGTH); 0.name: Command name is invalid (APPLICATION_COMMAND_INVALID_NAME)"
	if err == nil || err.Error() != want {
		t.Errorf("a 400:\n got %v\nwant %s", err, want)
	}
	fake.Intercept(func(discordtest.Request) *discordtest.Response { return &discordtest.Response{Abort: true} })
	_, err = a.Register(t.Context(), "1", "2", []Command{cmd})
	if err == nil || strings.Count(err.Error(), "PUT") != 1 || strings.Count(err.Error(), "could not reach Discord") != 1 ||
		!strings.HasPrefix(err.Error(), "I could not reach Discord: PUT /applications/1/guilds/2/commands: ") {
		t.Errorf("a cut connection: %v", err)
	}
}

// Interaction endpoints (the callback that acknowledges within 3 s, the
// edit of @original, follow-ups) are not bound to the bot's global rate
// limit (Discord's rate-limit documentation): a global 429 earned by
// posting (a digest to many channels) held them too, so commands were
// acknowledged late ("The application did not respond") or not answered
// while the digest went on. Other routes still wait.
func TestGlobalRateLimitSparesInteractions(t *testing.T) {
	fake := discordtest.New(t)
	clock := newFakeClock()
	a := newTestAdapter(t, fake, Options{Clock: clock, MaxRateLimitWait: time.Minute})
	first := true
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Method == "POST" && strings.HasPrefix(r.Path, "/channels/") && first {
			first = false
			return &discordtest.Response{Status: 429, Body: map[string]any{"retry_after": 30.0, "global": true}}
		}
		return nil
	})
	ctx := context.Background()
	post := bot.Destination{Platform: "discord", Team: "1", Channel: "2"}
	// The digest's post meets a global 429 and waits it out (30 s)...
	if _, err := a.Post(ctx, post, bot.Notice("digest"), bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	sleeps := len(clock.Sleeps())
	// ...and an interaction arriving now is acknowledged and answered at
	// once: the global limit is still on (set 30 s ahead of the clock,
	// which the fake's sleep moved only for the post).
	a.rest.mu.Lock()
	a.rest.global = clock.Now().Add(30 * time.Second)
	a.rest.mu.Unlock()
	if err := a.rest.do(ctx, "POST", "/interactions/301/tok/callback", "POST /interactions/301", response{Type: respDeferred}, nil); err != nil {
		t.Fatalf("acknowledging: %v", err)
	}
	rw := &replier{a: a, appID: "100", token: "tok", id: "301"}
	if err := rw.Reply(ctx, bot.Notice("answer")); err != nil {
		t.Fatalf("answering: %v", err)
	}
	if s := clock.Sleeps()[sleeps:]; len(s) != 0 {
		t.Errorf("the interaction waited %v for the global rate limit", s)
	}
	// A channel post still waits for it.
	if _, err := a.Post(ctx, post, bot.Notice("next"), bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := clock.Sleeps()[sleeps:]; len(s) != 1 || s[0] != 30*time.Second {
		t.Errorf("the next channel post waited %v, want 30s", s)
	}
}
