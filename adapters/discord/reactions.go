package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/bwmarrin/discordgo"

	"github.com/paperbot/paperbot/bot"
)

// Reactions come over the gateway only (MESSAGE_REACTION_ADD/REMOVE, intent
// GUILD_MESSAGE_REACTIONS, not privileged): an install that answers
// interactions over HTTP alone gets none. They go to Options.Reactions;
// the bot's own (its user id from GET /users/@me, asked once) never count.

// reactionEvent is the part of MESSAGE_REACTION_ADD/REMOVE the adapter reads.
type reactionEvent struct {
	UserID    string `json:"user_id"`
	ChannelID string `json:"channel_id"`
	MessageID string `json:"message_id"`
	GuildID   string `json:"guild_id"`
	Emoji     struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"emoji"`
	Member *struct {
		User struct {
			Bot bool `json:"bot"`
		} `json:"user"`
	} `json:"member"`
}

// intents are the gateway intents the options need: none for commands,
// GUILD_MESSAGE_REACTIONS when reactions are wanted.
func intents(o Options) discordgo.Intent {
	if o.Reactions != nil {
		return discordgo.IntentsGuildMessageReactions
	}
	return discordgo.IntentsNone
}

// gatewayReaction hands one reaction event to Options.Reactions.
func (a *Adapter) gatewayReaction(ctx context.Context, raw []byte, removed bool) {
	defer func() {
		if p := recover(); p != nil {
			a.log.ErrorContext(ctx, "discord reaction panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	var ev reactionEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		a.log.WarnContext(ctx, "unreadable reaction event", "err", err)
		return
	}
	if ev.UserID == "" || ev.ChannelID == "" || ev.MessageID == "" || ev.GuildID == "" {
		return // DMs are no team's
	}
	if ev.Member != nil && ev.Member.User.Bot {
		return // a bot: this one or another
	}
	self, err := a.botUserID(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "discord: the bot's user id is unknown; reaction dropped", "err", err)
		return
	}
	if ev.UserID == self {
		return
	}
	emoji := ev.Emoji.Name
	if emoji == "" {
		emoji = ev.Emoji.ID
	}
	r := bot.Reaction{Platform: "discord", Team: ev.GuildID, Channel: ev.ChannelID, Message: ev.MessageID,
		User: ev.UserID, Emoji: emoji, Removed: removed, At: a.opts.Clock.Now()}
	if err := a.opts.Reactions.React(ctx, r); err != nil {
		a.log.WarnContext(ctx, "recording a reaction", "channel", r.Channel, "err", err)
	}
}

// SetReactions sets Options.Reactions before Run (the sink is built after
// the adapter by cmd/paperbot); the gateway then asks for
// GUILD_MESSAGE_REACTIONS.
func (a *Adapter) SetReactions(sink bot.ReactionSink) {
	a.opts.Reactions = sink
	a.session.Identify.Intents = intents(a.opts)
}
