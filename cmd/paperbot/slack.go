package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	slackadapter "github.com/paperbot/paperbot/adapters/slack"
)

// slackPlatform builds the Slack adapter when Slack is configured: Socket
// Mode by default, or signed HTTP requests on serve's server (the routes
// /slack/commands, /slack/interactions and /slack/events).
func slackPlatform(ctx context.Context, d platformDeps) (*platform, error) {
	sc := d.app.cfg.Slack
	if sc == nil {
		return nil, nil
	}
	if sc.Mode == slackadapter.ModeHTTP && d.app.cfg.HTTP.Addr == "off" {
		return nil, fmt.Errorf("slack.mode is http, but http.addr is off: Slack needs the HTTP server to reach /slack/commands")
	}
	installs, err := slackInstalls(ctx, d)
	if err != nil {
		return nil, err
	}
	opts := slackadapter.Options{
		Mode:          sc.Mode,
		BotToken:      sc.BotToken,
		AppToken:      sc.AppToken,
		SigningSecret: sc.SigningSecret,
		APIURL:        sc.APIURL,
		Command:       d.app.cfg.Bot.Command,
		Logger:        d.log,
		Hooks:         slackHooks(d.metrics),
	}
	if installs != nil {
		opts.Workspaces = installs
	}
	// Event retries and replayed requests are remembered in the state
	// (bbolt or PostgreSQL), so a restart does not forget them and, with
	// PostgreSQL, every replica recognises them.
	opts.Seen, opts.Replay = d.app.state, d.app.state
	a, err := slackadapter.New(opts)
	if err != nil {
		return nil, err
	}
	d.app.wireReactions(a)
	p := &platform{adapter: a, routes: map[string]http.Handler{}}
	if sc.Mode == slackadapter.ModeHTTP {
		p.routes = a.HTTPRoutes(d.handler)
	}
	if installs != nil {
		maps.Copy(p.routes, installs.Routes())
	}
	return p, nil
}

// slackHooks counts the adapter's work in Prometheus metrics.
func slackHooks(m *metrics) slackadapter.Hooks {
	if m == nil {
		return slackadapter.Hooks{}
	}
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_slack_rejected_requests_total",
		Help: "Slack HTTP requests refused, by reason (unsigned, stale, bad_signature, too_large, unreadable, replayed, replay_unchecked).",
	}, []string{"reason"})
	received := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_slack_requests_total",
		Help: "Slack requests accepted, by kind (command, interaction, event).",
	}, []string{"kind"})
	duplicates := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "paperbot_slack_duplicate_events_total",
		Help: "Slack event retries dropped because their event_id was already handled.",
	})
	limited := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_slack_rate_limited_total",
		Help: "429 answers from Slack, by method.",
	}, []string{"method"})
	limitedWait := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "paperbot_slack_rate_limited_wait_seconds_total",
		Help: "Time spent waiting out Slack's Retry-After.",
	})
	posts := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_slack_posts_total",
		Help: "chat.postMessage outcomes (ok, error, recovered: found in history after an unknown outcome, unknown).",
	}, []string{"outcome"})
	m.Register(rejected, received, duplicates, limited, limitedWait, posts)
	return slackadapter.Hooks{
		Rejected:       func(reason string) { rejected.WithLabelValues(reason).Inc() },
		Received:       func(kind string) { received.WithLabelValues(kind).Inc() },
		DuplicateEvent: duplicates.Inc,
		RateLimited: func(method string, wait time.Duration) {
			limited.WithLabelValues(method).Inc()
			limitedWait.Add(wait.Seconds())
		},
		Posted: func(outcome string) { posts.WithLabelValues(outcome).Inc() },
	}
}
