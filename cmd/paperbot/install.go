package main

import (
	"context"
	"fmt"
	"time"

	"github.com/paperbot/paperbot/internal/clock"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paperbot/paperbot/adapters/slack/oauth"
	"github.com/paperbot/paperbot/bot/install"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/bot/store/pgstore"
)

// slackInstalls builds the OAuth install service when slack.oauth is
// configured (nil otherwise): the install page and callback on serve's
// server, and each workspace's token for the adapter. Tokens sealed by a
// previous key are sealed again with the current one before anything
// runs.
func slackInstalls(ctx context.Context, d platformDeps) (*oauth.Service, error) {
	sc := d.app.cfg.Slack
	if sc == nil || sc.OAuth == nil {
		return nil, nil
	}
	o := sc.OAuth
	if d.app.cfg.HTTP.Addr == "off" {
		return nil, fmt.Errorf("slack.oauth is set, but http.addr is off: the install page and /slack/oauth/callback need the HTTP server")
	}
	st, ok := d.app.state.(oauth.Store)
	if !ok || d.app.state == nil {
		return nil, fmt.Errorf("slack.oauth needs the state store for the installations, and none is open")
	}
	cur, err := install.ParseKey(o.EncryptionKey.Value())
	if err != nil {
		return nil, fmt.Errorf("slack.oauth.encryption_key: %w", err)
	}
	var prev [][]byte
	for i, k := range o.PreviousEncryptionKeys {
		b, err := install.ParseKey(k.Value())
		if err != nil {
			return nil, fmt.Errorf("slack.oauth.previous_encryption_keys: key %d: %w", i+1, err)
		}
		prev = append(prev, b)
	}
	ring, err := install.NewKeyring(cur, prev...)
	if err != nil {
		return nil, err
	}
	opts := oauth.Options{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		AuthorizeURL: o.AuthorizeURL, APIURL: sc.APIURL,
		Keyring: ring, Store: st, Subscriptions: d.app.state,
		Command: d.app.cfg.Bot.Command, Logger: d.log,
	}
	if d.now != nil {
		opts.Clock = clockFunc(d.now)
	}
	if dc := d.app.cfg.Disc; dc != nil {
		opts.DiscordAppID = dc.ApplicationID
		if dc.ApplicationID == "" {
			d.log.Warn("discord.application_id is not set: the install page cannot link the Discord invite")
		}
	}
	if d.metrics != nil {
		installs := prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperbot_slack_installs_total",
			Help: "Slack OAuth callbacks by outcome (ok, cancelled, no_code, bad_state, expired, wrong_browser, reused, refused, error).",
		}, []string{"outcome"})
		d.metrics.Register(installs)
		opts.Installed = func(outcome string) { installs.WithLabelValues(outcome).Inc() }
	}
	svc, err := oauth.New(opts)
	if err != nil {
		return nil, err
	}
	n, err := svc.Rekey(ctx)
	if err != nil {
		d.log.Error("slack installations", "err", err)
	}
	d.log.Info("slack installs through OAuth", "install_page", svc.InstallURL(), "keyring", ring, "sealed_again", n)
	return svc, nil
}

// clockFunc is a clock.Clock telling the time of a function (env.now).
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

func (clockFunc) Sleep(ctx context.Context, d time.Duration) error { return clock.Sleep(ctx, d) }

// Both state backends keep the installations and the spent states.
var (
	_ oauth.Store = (*store.DB)(nil)
	_ oauth.Store = (*pgstore.Store)(nil)
)
