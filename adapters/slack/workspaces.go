package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/install"
)

// Distributed mode: one app installed in many workspaces through OAuth
// (adapters/slack/oauth), each with its own bot token. Every inbound
// payload names its workspace (team_id); the adapter answers and posts with
// that workspace's token, found through Options.Workspaces. Without
// Workspaces (single-workspace mode) the configured bot token is used for
// everything, as before.

var _ bot.TeamChecker = (*Adapter)(nil)

// Workspaces gives each workspace's bot token (adapters/slack/oauth.Service).
type Workspaces interface {
	// BotToken returns the workspace's token: an error wrapping
	// install.ErrNotInstalled for a workspace without an installation,
	// install.ErrUnreadable when the stored token cannot be decrypted.
	BotToken(ctx context.Context, team string) (string, error)
	// Uninstalled forgets a workspace that uninstalled the app or whose
	// bot token was revoked.
	Uninstalled(ctx context.Context, team string) error
	// InstallURL is the install page, for the answer to a workspace that
	// has no installation.
	InstallURL() string
}

// apiFor returns the Web API client of the workspace (team id) a call acts
// for: the one client in single-workspace mode.
func (a *Adapter) apiFor(ctx context.Context, team string) (webAPI, error) {
	if a.opts.Workspaces == nil {
		return a.api, nil
	}
	if team == "" {
		return nil, fault.New(fault.Invalid, "slack: no workspace (team id) to act for: with OAuth installs every post names its workspace (a digest subscription in the configuration needs team:)")
	}
	tok, err := a.opts.Workspaces.BotToken(ctx, team)
	if err != nil {
		return nil, workspaceError(team, err)
	}
	return slackgo.New(tok, a.sopts...), nil
}

// CheckTeam reports whether the adapter can post in the workspace
// (bot.TeamChecker): in distributed mode, a fault.NotFound error for one
// without an installation (uninstalled, or its bot token revoked), whose
// configured subscriptions the digest then skips without posting; with
// one bot token, the same when Slack refuses the token (checkToken).
func (a *Adapter) CheckTeam(ctx context.Context, team string) error {
	if team == "" {
		return nil
	}
	if a.opts.Workspaces == nil {
		return a.checkToken(ctx)
	}
	if _, err := a.opts.Workspaces.BotToken(ctx, team); err != nil {
		return workspaceError(team, err)
	}
	return nil
}

// workspaceError gives a failed token look-up its kind and wording.
func workspaceError(team string, err error) error {
	switch {
	case errors.Is(err, install.ErrNotInstalled):
		return fault.Wrap(fault.NotFound, err, "paperbot is not installed in this Slack workspace (%s)", team)
	case errors.Is(err, install.ErrUnreadable):
		return fault.Wrap(fault.Internal, err, "paperbot cannot read this workspace's stored credentials")
	case fault.KindOf(err) == fault.Internal && fault.UserMessage(err) == "":
		return fault.Wrap(fault.Transient, err, "paperbot cannot reach this workspace's credentials right now")
	}
	return err
}

// installed reports whether the request's workspace can be answered; when
// it cannot, it answers (ephemerally) with what to do instead.
func (a *Adapter) installed(ctx context.Context, req *bot.Request, rw bot.Responder) bool {
	if a.opts.Workspaces == nil {
		return true
	}
	_, err := a.opts.Workspaces.BotToken(ctx, req.Team)
	if err == nil {
		return true
	}
	var text string
	switch {
	case errors.Is(err, install.ErrNotInstalled):
		text = fmt.Sprintf("paperbot is not installed in this workspace (or it was uninstalled). A workspace admin can install it at %s", a.opts.Workspaces.InstallURL())
	case errors.Is(err, install.ErrUnreadable):
		text = fmt.Sprintf("paperbot lost access to this workspace's credentials (its server's encryption key changed). Install it again at %s", a.opts.Workspaces.InstallURL())
	default:
		text = "paperbot cannot reach this workspace's credentials right now. Please try again in a minute."
	}
	a.log.WarnContext(ctx, "slack request from a workspace that cannot be answered", "team", req.Team, "err", err)
	if rerr := rw.Reply(ctx, bot.Message{Kind: bot.KindError, Text: text, Intro: text, Ephemeral: true}); rerr != nil {
		a.log.WarnContext(ctx, "slack: could not tell the workspace", "team", req.Team, "err", rerr)
	}
	return false
}

// lifecycleEvent is the part of app_uninstalled and tokens_revoked read.
type lifecycleEvent struct {
	Type   string `json:"type"`
	Tokens struct {
		OAuth []string `json:"oauth"`
		Bot   []string `json:"bot"`
	} `json:"tokens"`
}

// lifecycle handles app_uninstalled and tokens_revoked (it reports whether
// the event was one of them): in distributed mode the workspace's token and
// subscriptions are deleted, after the acknowledgement; in
// single-workspace mode the configured token no longer works, which is
// logged as an error.
func (a *Adapter) lifecycle(ctx context.Context, env eventEnvelope, ack <-chan struct{}) (handled, accepted bool) {
	var ev lifecycleEvent
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		return false, true
	}
	switch {
	case ev.Type == "app_uninstalled":
	case ev.Type == "tokens_revoked" && len(ev.Tokens.Bot) > 0:
	case ev.Type == "tokens_revoked":
		return true, true // user tokens only: paperbot keeps none
	default:
		return false, true
	}
	team := env.TeamID
	if a.opts.Workspaces == nil {
		a.log.ErrorContext(ctx, "slack: the app was uninstalled or its bot token revoked; the configured slack.bot_token no longer works", "event", ev.Type, "team", team)
		return true, true
	}
	return true, a.afterAck(ctx, ack, "uninstall of "+team, func(ctx context.Context) {
		if err := a.opts.Workspaces.Uninstalled(ctx, team); err != nil {
			a.log.ErrorContext(ctx, "slack: forgetting an uninstalled workspace failed", "team", team, "event", ev.Type, "err", err)
		}
	})
}

// checkToken asks auth.test whether the configured bot token still works
// (single-workspace mode): a fault.NotFound error when Slack refuses it
// (the app was uninstalled, the token revoked), so that the digest skips
// its days instead of trying every post five times; nil when it works or
// Slack cannot be asked.
func (a *Adapter) checkToken(ctx context.Context) error {
	_, err := a.api.AuthTestContext(ctx)
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok && tokenRefused(se.Err) {
		return fault.Wrap(fault.NotFound, err, "Slack refuses the configured slack.bot_token (%s: the app was uninstalled from the workspace, or its token revoked); install the app again and put its new bot token in the configuration", se.Err)
	}
	if err != nil {
		a.log.WarnContext(ctx, "slack auth.test failed; cannot tell whether the bot token still works, posting as usual", "err", err)
	}
	return nil
}

// tokenRefused reports whether a Slack error says the token itself is
// refused.
func tokenRefused(code string) bool {
	switch code {
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired":
		return true
	}
	return false
}
