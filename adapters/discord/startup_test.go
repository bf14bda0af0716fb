package discord

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
)

// In HTTP mode nothing else uses the bot token until the first digest post
// (interaction answers go through the interaction's own webhook token), so
// Run checks it at start, as the gateway's connection does: a token Discord
// refuses stops the start with the error the docs name.
func TestHTTPModeRejectedTokenStopsStart(t *testing.T) {
	fake := discordtest.New(t)
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Method == "GET" && r.Path == "/users/@me" {
			return &discordtest.Response{Status: http.StatusUnauthorized, Body: map[string]any{"message": "401: Unauthorized", "code": 0}}
		}
		return nil
	})
	key, _ := ParsePublicKey(vectorKey)
	a := newTestAdapter(t, fake, Options{Mode: HTTP, PublicKey: key})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, &recordingHandler{}) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second): // a bound so that the bug fails rather than hangs
		cancel()
		err = <-done
	}
	if err == nil || !strings.Contains(err.Error(), "the bot token was rejected") {
		t.Fatalf("Run = %v, want a rejected-token error", err)
	}
	if strings.Contains(err.Error(), "test-token") {
		t.Errorf("the error shows the token: %v", err)
	}
}

// A token Discord accepts is logged with the bot's user, so the operator
// sees that HTTP mode is ready; Discord not answering only warns (the
// interactions endpoint works without the token) and Run goes on.
func TestHTTPModeTokenCheckAtStart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		level  slog.Level
		msg    string
	}{
		{"accepted", 0, slog.LevelInfo, "discord ready"},
		{"discord down", http.StatusServiceUnavailable, slog.LevelWarn, "discord: could not check the bot token at start; continuing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := discordtest.New(t)
			if tc.status != 0 {
				fake.Intercept(func(r discordtest.Request) *discordtest.Response {
					return &discordtest.Response{Status: tc.status, Body: map[string]any{"message": "down"}}
				})
			}
			logs := make(chan slog.Record, 100)
			key, _ := ParsePublicKey(vectorKey)
			a := newTestAdapter(t, fake, Options{Mode: HTTP, PublicKey: key, Logger: slog.New(chanHandler(logs))})
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx, &recordingHandler{}) }()
			var got *slog.Record
			deadline := time.After(10 * time.Second) // a bound so that the bug fails rather than hangs
		wait:
			for {
				select {
				case r := <-logs:
					if r.Message == tc.msg {
						got = &r
						break wait
					}
				case err := <-done:
					t.Fatalf("Run ended before logging %q: %v", tc.msg, err)
				case <-deadline:
					break wait
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run = %v", err)
			}
			if got == nil {
				t.Fatalf("no log line %q", tc.msg)
			}
			if got.Level != tc.level {
				t.Errorf("%q logged at %s, want %s", tc.msg, got.Level, tc.level)
			}
			attrs := map[string]string{}
			got.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
			if tc.status == 0 && (attrs["bot_user"] != discordtest.BotUserID || attrs["mode"] != "http") {
				t.Errorf("ready line attrs = %v, want the bot user %s and mode=http", attrs, discordtest.BotUserID)
			}
			for _, v := range attrs {
				if strings.Contains(v, "test-token") {
					t.Errorf("the log shows the token: %v", attrs)
				}
			}
		})
	}
}

// chanHandler sends every record to a channel (dropping it when full).
type chanHandler chan slog.Record

func (h chanHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h chanHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h <- r.Clone():
	default:
	}
	return nil
}
func (h chanHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h chanHandler) WithGroup(string) slog.Handler      { return h }

// register-commands with a token Discord refuses says so in the words the
// docs use, with or without discord.application_id (looked up with the
// token when missing), and never shows the token.
func TestRegisterRejectedToken(t *testing.T) {
	for _, appID := range []string{"", "100000000000000001"} {
		fake := discordtest.New(t)
		fake.Intercept(func(r discordtest.Request) *discordtest.Response {
			return &discordtest.Response{Status: http.StatusUnauthorized, Body: map[string]any{"message": "401: Unauthorized", "code": 0}}
		})
		a := newTestAdapter(t, fake, Options{})
		_, err := a.Register(t.Context(), appID, "", []Command{{Name: "papers", Description: "x"}})
		if err == nil || !strings.Contains(err.Error(), "the bot token was rejected") || strings.Contains(err.Error(), "test-token") {
			t.Errorf("application_id %q: Register = %v, want the rejected-token error", appID, err)
		}
	}
}
