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
