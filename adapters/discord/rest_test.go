package discord

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/configs"
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
	opts := Options{Token: configs.NewSecret(token), APIURL: fake.URL, Logger: log, Now: clock.Now, Sleep: clock.Sleep}
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
		if _, err := a.Post(ctx, bot.Destination{Platform: "discord", Team: "1", Channel: "2"}, bot.Notice("hi")); err != nil {
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
