package discord

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot/fault"
)

// ChannelTeam (bot.TeamFinder) is the channel's guild_id, asked once per
// channel; a refusal is an error and asked again next time, and a channel
// outside any server says so. The adapter is never in one team.
func TestChannelTeam(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	ctx := context.Background()
	if a.OneTeam() {
		t.Error("a Discord adapter is in one team")
	}
	if g, err := a.ChannelTeam(ctx, "200"); err == nil || !strings.Contains(err.Error(), "not in a server") {
		t.Errorf("a channel without guild_id: %q, %v", g, err)
	}
	fake.SetGuild("111")
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		return &discordtest.Response{Status: http.StatusForbidden, Body: map[string]any{"code": 50001, "message": "Missing Access"}}
	})
	if g, err := a.ChannelTeam(ctx, "222"); err == nil || g != "" {
		t.Errorf("refused: %q, %v; want an error", g, err)
	}
	fake.Intercept(nil)
	for range 2 {
		if g, err := a.ChannelTeam(ctx, "222"); err != nil || g != "111" {
			t.Errorf("ChannelTeam(222) = %q, %v; want 111", g, err)
		}
	}
	n := 0
	for _, r := range fake.Requests() {
		if r.Method == "GET" && r.Path == "/channels/222" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("GET /channels/222 %d times, want 2 (refused, then answered and kept)", n)
	}
}

// CheckChannel (bot.ChannelChecker) refuses a channel Discord will not
// show the bot (Missing Access), saying which permissions it needs, and
// takes one it can read.
func TestCheckChannel(t *testing.T) {
	fake := discordtest.New(t)
	fake.SetGuild("111")
	a := newTestAdapter(t, fake, Options{})
	ctx := context.Background()
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Path == "/channels/333" {
			return &discordtest.Response{Status: http.StatusForbidden, Body: map[string]any{"code": 50001, "message": "Missing Access"}}
		}
		return nil
	})
	err := a.CheckChannel(ctx, "111", "333")
	if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.UserMessage(err), "Send Messages") {
		t.Errorf("hidden channel: %v (%q)", err, fault.UserMessage(err))
	}
	if err := a.CheckChannel(ctx, "111", "222"); err != nil {
		t.Errorf("readable channel: %v", err)
	}
}

// CheckTeam (bot.TeamChecker) says when the bot is no longer in a server
// (Discord refuses to show it: 403 Missing Access, or 404 Unknown Guild
// for a deleted one), so that the digest skips its subscriptions' days
// instead of trying every post five times; when Discord cannot be asked,
// it cannot tell, and the posts are tried.
func TestCheckTeam(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	ctx := context.Background()
	if err := a.CheckTeam(ctx, "111"); err != nil {
		t.Fatalf("a server the bot is in: %v", err)
	}
	if err := a.CheckTeam(ctx, ""); err != nil {
		t.Fatalf("no server (a direct message): %v", err)
	}
	fake.RemoveFromGuild("111")
	err := a.CheckTeam(ctx, "111")
	if !fault.Is(err, fault.NotFound) || !strings.Contains(fault.UserMessage(err), "no longer in the Discord server 111") {
		t.Fatalf("removed from the server: %v (%q), want fault.NotFound saying so", err, fault.UserMessage(err))
	}
	if err := a.CheckTeam(ctx, "333"); err != nil {
		t.Fatalf("another server: %v", err)
	}
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Path == "/guilds/444" {
			return &discordtest.Response{Status: http.StatusNotFound, Body: map[string]any{"code": 10004, "message": "Unknown Guild"}}
		}
		if r.Path == "/guilds/555" {
			return &discordtest.Response{Status: http.StatusBadRequest, Body: map[string]any{"code": 50035, "message": "Invalid Form Body"}}
		}
		return nil
	})
	if err := a.CheckTeam(ctx, "444"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("a deleted server: %v, want fault.NotFound", err)
	}
	if err := a.CheckTeam(ctx, "555"); err != nil {
		t.Fatalf("an answer that says nothing of the server: %v, want nil (post as usual)", err)
	}
	fake.AddToGuild("111")
	if err := a.CheckTeam(ctx, "111"); err != nil {
		t.Fatalf("added back: %v", err)
	}
}
