package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paperbot/paperbot/adapters/discord"
	"github.com/paperbot/paperbot/bot/replay"
	"github.com/paperbot/paperbot/configs"
)

// discordRoute is where the HTTP interactions endpoint is mounted.
const discordRoute = "POST /discord/interactions"

// discordPlatform builds the Discord adapter when Discord is configured:
// the gateway by default, or the signed interactions endpoint on serve's
// server (discord.mode: http).
func discordPlatform(ctx context.Context, d platformDeps) (*platform, error) {
	dc := d.app.cfg.Disc
	if dc == nil {
		return nil, nil
	}
	if dc.Mode == string(discord.HTTP) && d.app.cfg.HTTP.Addr == "off" {
		return nil, fmt.Errorf("discord.mode is http, but http.addr is off: Discord needs the HTTP server to reach /discord/interactions")
	}
	hooks := discordHooks(d.metrics)
	build := func() (*discord.Adapter, error) {
		// A replayed interaction is refused after a restart too, and on
		// any replica.
		a, err := newDiscordAdapter(d.app.cfg, d.log, hooks, d.app.state)
		if err != nil {
			return nil, err
		}
		a.SetSpecs(d.app.bot.Commands())
		d.app.wireReactions(a)
		return a, nil
	}
	a, err := build()
	if err != nil {
		return nil, err
	}
	p := &platform{adapter: a}
	if dc.Mode == string(discord.HTTP) {
		p.routes = map[string]http.Handler{discordRoute: a}
	} else if r := d.app.replicas; r != nil {
		// One gateway connection among the replicas; each posts through
		// its own adapter's REST client.
		p.adapter = leasedGateway{Adapter: a, replicas: r, build: build}
	}
	return p, nil
}

// newDiscordAdapter builds the adapter from the configuration; guard, when
// not nil, remembers the signed interactions (the replicas' shared store).
func newDiscordAdapter(cfg *configs.Config, log *slog.Logger, hooks discord.Hooks, guard replay.Guard) (*discord.Adapter, error) {
	dc := cfg.Disc
	opts := discord.Options{
		Mode:             discord.Mode(dc.Mode),
		Token:            dc.Token,
		Command:          cfg.Bot.Command,
		Public:           dc.Public,
		SignatureWindow:  dc.SignatureWindow,
		ThreadArchive:    int(dc.ThreadArchive / time.Minute),
		MaxRateLimitWait: dc.MaxRateLimitWait,
		APIURL:           dc.APIURL,
		Logger:           log.With("platform", "discord"),
		Hooks:            hooks,
		Replay:           guard,
	}
	if dc.PublicKey != "" {
		key, err := discord.ParsePublicKey(dc.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("discord.public_key: %w", err)
		}
		opts.PublicKey = key
	}
	return discord.New(opts)
}

// discordHooks counts the adapter's work in Prometheus metrics.
func discordHooks(m *metrics) discord.Hooks {
	if m == nil {
		return discord.Hooks{}
	}
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_discord_rejected_requests_total",
		Help: "Discord interaction requests refused, by reason (no_signature, bad_signature, stale, too_large, malformed, replayed, replay_unchecked).",
	}, []string{"reason"})
	interactions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_discord_interactions_total",
		Help: "Discord interactions received, by kind (ping, command, component, autocomplete, modal, other).",
	}, []string{"kind"})
	limited := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "paperbot_discord_rate_limited_total",
		Help: "429 answers from Discord's API.",
	})
	limitedWait := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "paperbot_discord_rate_limited_wait_seconds_total",
		Help: "Time Discord asked to wait (retry_after) in its 429 answers.",
	})
	m.Register(rejected, interactions, limited, limitedWait)
	return discord.Hooks{
		Rejected:    func(reason string) { rejected.WithLabelValues(reason).Inc() },
		Interaction: func(kind string) { interactions.WithLabelValues(kind).Inc() },
		RateLimited: func(wait time.Duration) {
			limited.Inc()
			limitedWait.Add(wait.Seconds())
		},
	}
}
