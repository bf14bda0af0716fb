package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
)

// The inbound paths shared by Socket Mode and HTTP mode. Each builds a
// request and a responder and starts the core in the background; the caller
// has acknowledged Slack already, or does so and then closes ack.

// command handles a /papers invocation.
func (a *Adapter) command(ctx context.Context, h bot.Handler, cmd slackgo.SlashCommand, ack <-chan struct{}) bool {
	req := &bot.Request{
		Platform:    "slack",
		Team:        cmd.TeamID,
		Channel:     cmd.ChannelID,
		ChannelName: cmd.ChannelName,
		User:        cmd.UserID,
		UserName:    cmd.UserName,
		// Slack escapes &, < and > in the text, and wraps links in <…>
		// when the command escapes its text.
		Text: mentionText(cmd.Text),
	}
	rw := &urlResponder{a: a, url: cmd.ResponseURL, share: req.Text, expires: a.opts.Clock.Now().Add(responseURLLife)}
	if req.Text == "" || len(req.Text) > maxButtonValue {
		rw.share = ""
	}
	if a.opts.Hooks.Received != nil {
		a.opts.Hooks.Received("command")
	}
	return a.dispatch(ctx, h, req, rw, ack)
}

// channelID reports whether s looks like a Slack channel id (C0123ABCD;
// G… and D… for private channels and direct messages).
func channelID(s string) bool {
	return len(s) >= 2 && len(s) <= 21 && strings.ContainsRune("CGD", rune(s[0])) &&
		!strings.ContainsFunc(s, func(r rune) bool { return !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') })
}

// foreignCommand is the answer to a slash command other than the
// configured one (the app may define more, or a request may name any):
// only /<Options.Command> is paperbot's, so another is not run as it.
// ok is false for the configured command (or none named).
func (a *Adapter) foreignCommand(ctx context.Context, cmd slackgo.SlashCommand) (reply map[string]any, ok bool) {
	if cmd.Command == "" || strings.EqualFold(cmd.Command, "/"+a.opts.Command) {
		return nil, false
	}
	a.log.InfoContext(ctx, "slack: a slash command other than the configured one; not run", "command", truncRunes(cmd.Command, 40), "configured", "/"+a.opts.Command)
	text := fmt.Sprintf("This app answers /%s (`/%s help` lists what it does), not %s.", a.opts.Command, a.opts.Command, escapeTrunc(cmd.Command, 40))
	return map[string]any{"response_type": "ephemeral", "text": text}, true
}

// interaction handles a button press: "Share in channel" runs the request
// again and posts the answer visibly, through the interaction's
// response_url (so the bot needs no access to the channel).
func (a *Adapter) interaction(ctx context.Context, h bot.Handler, cb slackgo.InteractionCallback, ack <-chan struct{}) bool {
	if cb.Type != slackgo.InteractionTypeBlockActions || cb.ResponseURL == "" {
		return true
	}
	for _, act := range cb.ActionCallback.BlockActions {
		if act == nil || act.ActionID != ShareActionID || strings.TrimSpace(act.Value) == "" {
			continue
		}
		team := cb.Team.ID
		if team == "" {
			team = cb.User.TeamID
		}
		req := &bot.Request{
			Platform:    "slack",
			Team:        team,
			Channel:     cb.Channel.ID,
			ChannelName: cb.Channel.Name,
			User:        cb.User.ID,
			UserName:    cb.User.Name,
			Text:        strings.TrimSpace(act.Value),
			Rerun:       true,
		}
		rw := &urlResponder{a: a, url: cb.ResponseURL, visible: true, sharedBy: cb.User.ID, expires: a.opts.Clock.Now().Add(responseURLLife)}
		if a.opts.Hooks.Received != nil {
			a.opts.Hooks.Received("interaction")
		}
		return a.dispatch(ctx, h, req, rw, ack)
	}
	return true
}

// eventEnvelope is the outer Events API payload (HTTP body, or the payload
// of a Socket Mode events_api envelope).
type eventEnvelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	TeamID    string          `json:"team_id"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
	// Authorizations name the app's bot user in the workspace (reactions.go).
	Authorizations []authorization `json:"authorizations"`
}

// mentionEvent is the part of an app_mention event the adapter reads.
type mentionEvent struct {
	Type     string `json:"type"`
	User     string `json:"user"`
	BotID    string `json:"bot_id"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	Channel  string `json:"channel"`
	Team     string `json:"team"`
}

// event handles an Events API callback: retries are dropped by event_id;
// an app mention is answered in its thread. An event counts as seen only
// once its work is accepted: one refused while shutting down (503) is
// forgotten, so Slack's retry is not dropped as a duplicate.
func (a *Adapter) event(ctx context.Context, h bot.Handler, env eventEnvelope, ack <-chan struct{}) (accepted bool) {
	if env.Type != "event_callback" {
		return true
	}
	if env.EventID == "" {
		// nothing to deduplicate by
	} else if seen, err := a.events.Seen(ctx, env.EventID); err != nil {
		// Refused (5xx): Slack retries, and the retry is checked again.
		a.log.WarnContext(ctx, "could not check an event against the ones handled; refusing it for Slack to retry", "event_id", env.EventID, "err", err)
		return false
	} else if seen {
		a.duplicateEvent(ctx, env.EventID)
		return true
	}
	return a.handleEvent(ctx, h, env, ack)
}

// duplicateEvent counts and logs an event dropped as a repeat.
func (a *Adapter) duplicateEvent(ctx context.Context, id string) {
	if a.opts.Hooks.DuplicateEvent != nil {
		a.opts.Hooks.DuplicateEvent()
	}
	a.log.DebugContext(ctx, "dropping a repeated event", "event_id", id)
}

// handleEvent is event after its event_id was checked.
func (a *Adapter) handleEvent(ctx context.Context, h bot.Handler, env eventEnvelope, ack <-chan struct{}) (accepted bool) {
	if handled, accepted := a.lifecycle(ctx, env, ack); handled {
		if !accepted && env.EventID != "" {
			a.events.Forget(ctx, env.EventID)
		}
		return accepted
	}
	if handled, accepted := a.reaction(ctx, env, ack); handled {
		if !accepted && env.EventID != "" {
			a.events.Forget(ctx, env.EventID)
		}
		return accepted
	}
	var ev mentionEvent
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		a.log.WarnContext(ctx, "unreadable event", "event_id", env.EventID, "err", err)
		return true
	}
	if ev.Type != "app_mention" || ev.BotID != "" || ev.Channel == "" || ev.TS == "" {
		return true
	}
	thread := ev.ThreadTS
	if thread == "" {
		thread = ev.TS
	}
	team := firstNonEmpty(ev.Team, env.TeamID)
	req := &bot.Request{
		Platform: "slack",
		Team:     team,
		Channel:  ev.Channel,
		Thread:   thread,
		User:     ev.User,
		Text:     mentionText(ev.Text),
	}
	rw := &threadResponder{a: a, team: team, channel: ev.Channel, thread: thread}
	if a.opts.Hooks.Received != nil {
		a.opts.Hooks.Received("event")
	}
	if !a.dispatch(ctx, h, req, rw, ack) {
		if env.EventID != "" {
			a.events.Forget(ctx, env.EventID)
		}
		return false
	}
	return true
}

// threadResponder answers an app mention with visible replies in its thread.
type threadResponder struct {
	a                     *Adapter
	team, channel, thread string
}

func (r *threadResponder) Reply(ctx context.Context, m bot.Message) error {
	_, err := r.a.postMessage(ctx, r.team, r.channel, r.thread, m, "")
	return err
}

// slashFromForm reads a slash command's form fields.
func slashFromForm(f url.Values) slackgo.SlashCommand {
	return slackgo.SlashCommand{
		TeamID:              f.Get("team_id"),
		TeamDomain:          f.Get("team_domain"),
		EnterpriseID:        f.Get("enterprise_id"),
		IsEnterpriseInstall: f.Get("is_enterprise_install") == "true",
		ChannelID:           f.Get("channel_id"),
		ChannelName:         f.Get("channel_name"),
		UserID:              f.Get("user_id"),
		UserName:            f.Get("user_name"),
		Command:             f.Get("command"),
		Text:                f.Get("text"),
		ResponseURL:         f.Get("response_url"),
		TriggerID:           f.Get("trigger_id"),
		APIAppID:            f.Get("api_app_id"),
	}
}

// SlackResponseHost is the host of Slack's response_urls.
const SlackResponseHost = "hooks.slack.com"

// errResponseHost is checkResponseURL's error for a URL elsewhere than
// Slack.
var errResponseHost = errors.New("the response_url is not Slack's (" + SlackResponseHost + ")")

// checkResponseURL accepts as reply targets only https URLs on the
// allowed hosts (Options.ResponseHosts), and the APIURL's host with its
// scheme. The error does not quote the URL: it is a capability to post
// into the channel.
func (a *Adapter) checkResponseURL(s string) error {
	if s == "" {
		return errors.New("no response_url")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return errors.New("the response_url is not an http(s) URL")
	}
	if api, err := url.Parse(a.opts.APIURL); a.opts.APIURL != "" && err == nil && api.Host != "" &&
		strings.EqualFold(u.Hostname(), api.Hostname()) && u.Scheme == api.Scheme {
		return nil
	}
	if u.Scheme == "https" && (u.Port() == "" || u.Port() == "443") {
		for _, h := range a.opts.ResponseHosts {
			if strings.EqualFold(u.Hostname(), h) {
				return nil
			}
		}
	}
	return errResponseHost
}

// refuseResponseURL logs a request refused for its response_url: the
// host only, as the path is a capability.
func (a *Adapter) refuseResponseURL(ctx context.Context, kind, s string, err error) {
	host := ""
	if u, perr := url.Parse(s); perr == nil {
		host = u.Host
	}
	a.log.WarnContext(ctx, "slack: refusing a "+kind+": its response_url is not one paperbot posts to", "host", host, "allowed", a.opts.ResponseHosts, "err", err)
}

// mentionText turns an app mention's text into a command line: the leading
// mention of the bot goes, Slack's link markup becomes the link itself
// ("<https://arxiv.org/abs/2205.13760|arxiv.org/…>" → the URL), user and
// special mentions are dropped, channel links become "#name", and the
// entities Slack escaped are unescaped.
func mentionText(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		inner := s[i+1 : i+j]
		s = s[i+j+1:]
		target, label, _ := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "!"):
			// a user or special mention: not part of the query
		case strings.HasPrefix(target, "#"):
			// A channel with its name is "#name"; without one
			// (<#C0123> or <#C0123|>) it stays the mention, so a
			// command that names a channel still sees that it did.
			if label != "" {
				b.WriteString("#" + label)
			} else if channelID(target[1:]) {
				b.WriteString("<" + target + ">")
			}
		default:
			b.WriteString(target)
		}
	}
	out := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
	return strings.Join(strings.Fields(out), " ")
}
