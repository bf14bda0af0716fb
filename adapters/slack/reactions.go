package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
)

// Reactions (reaction_added, reaction_removed; scope reactions:read) are
// handed to Options.Reactions after the acknowledgement. The bot's own
// reactions never count: the Events API names the app's bot user of the
// workspace in authorizations (auth.test's user id in single-workspace
// mode when it does not).

// reactionEvent is the part of a reaction_added/removed event the adapter reads.
type reactionEvent struct {
	Type     string `json:"type"`
	User     string `json:"user"`
	Reaction string `json:"reaction"`
	Item     struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
	EventTS string `json:"event_ts"`
}

// authorization is one entry of an event envelope's authorizations.
type authorization struct {
	TeamID string `json:"team_id"`
	UserID string `json:"user_id"`
	IsBot  bool   `json:"is_bot"`
}

// reaction handles a reaction event; handled is false for other events.
func (a *Adapter) reaction(ctx context.Context, env eventEnvelope, ack <-chan struct{}) (handled, accepted bool) {
	var ev reactionEvent
	if err := json.Unmarshal(env.Event, &ev); err != nil || (ev.Type != "reaction_added" && ev.Type != "reaction_removed") {
		return false, true
	}
	if a.opts.Reactions == nil || ev.Item.Type != "message" || ev.User == "" || ev.Item.Channel == "" || ev.Item.TS == "" {
		return true, true
	}
	if a.isBotUser(env, ev.User) {
		a.log.DebugContext(ctx, "ignoring the bot's own reaction", "channel", ev.Item.Channel)
		return true, true
	}
	r := bot.Reaction{Platform: "slack", Team: env.TeamID, Channel: ev.Item.Channel, Message: ev.Item.TS,
		User: ev.User, Emoji: ev.Reaction, Removed: ev.Type == "reaction_removed", At: tsTime(ev.EventTS)}
	if a.opts.Hooks.Received != nil {
		a.opts.Hooks.Received("reaction")
	}
	return true, a.afterAck(ctx, ack, "reaction", func(ctx context.Context) {
		if err := a.opts.Reactions.React(ctx, r); err != nil {
			a.log.WarnContext(ctx, "recording a reaction", "channel", r.Channel, "err", err)
		}
	})
}

// afterAck runs fn in the background once ack is closed (nil: at once),
// detached from ctx's cancellation, logging a panic as what; it reports
// false when the adapter is shutting down.
func (a *Adapter) afterAck(ctx context.Context, ack <-chan struct{}, what string, fn func(ctx context.Context)) bool {
	ctx = context.WithoutCancel(ctx)
	return a.work.Go(func() {
		if ack != nil {
			<-ack
		}
		defer func() {
			if p := recover(); p != nil {
				a.log.ErrorContext(ctx, "slack "+what+" panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		fn(ctx)
	})
}

// isBotUser reports whether user is this app's bot user in the event's workspace.
func (a *Adapter) isBotUser(env eventEnvelope, user string) bool {
	for _, au := range env.Authorizations {
		if au.IsBot && au.UserID == user {
			return true
		}
	}
	a.team.mu.Lock()
	defer a.team.mu.Unlock()
	return a.team.user != "" && a.team.user == user
}

// tsTime reads a Slack ts ("1710061200.000100"); zero when it is not one.
func tsTime(ts string) time.Time {
	f, err := strconv.ParseFloat(ts, 64)
	if err != nil || f <= 0 {
		return time.Time{}
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC().Truncate(time.Millisecond)
}

var _ bot.MessageThreader = (*Adapter)(nil)

// ThreadOfMessage returns the thread a message is in (its thread_ts), ""
// for a message in no thread. conversations.replies given a reply's ts
// answers with the thread's parent first.
func (a *Adapter) ThreadOfMessage(ctx context.Context, team, channel, message string) (string, error) {
	api, err := a.apiFor(ctx, team)
	if err != nil {
		return "", err
	}
	var msgs []slackgo.Message
	err = a.read(ctx, "conversations.replies", func() error {
		var err error
		msgs, _, _, err = api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: message, Limit: 1,
		})
		return err
	})
	if err != nil {
		return "", readError(channel, fmt.Errorf("conversations.replies: %w", err))
	}
	for _, m := range msgs {
		if m.ThreadTimestamp != "" {
			return m.ThreadTimestamp, nil
		}
	}
	return "", nil
}

// SetReactions sets Options.Reactions before Run (the sink is built after
// the adapter by cmd/paperbot).
func (a *Adapter) SetReactions(sink bot.ReactionSink) { a.opts.Reactions = sink }
