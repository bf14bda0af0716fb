package console

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/paperbot/paperbot/bot"
)

// ReactUsage is the console's help for its reaction commands.
const ReactUsage = "/react <message> <emoji> [as <name>] reacts to a posted message (its number is in the line above it, \"message 3\"), as you or as a teammate; /unreact takes it back."

// SetReactions sets Options.Reactions before Run.
func (a *Adapter) SetReactions(sink bot.ReactionSink) { a.opts.Reactions = sink }

// react handles "/react <message> <emoji> [as <name>]": the console's way
// to react to a digest post or a message in its thread, as a platform's
// reaction event would.
func (a *Adapter) react(ctx context.Context, args string, removed bool) {
	f := strings.Fields(args)
	user := a.opts.User
	if len(f) == 4 && strings.EqualFold(f[2], "as") {
		user, f = f[3], f[:2]
	}
	if len(f) != 2 {
		a.write("Usage: " + ReactUsage + "\n")
		return
	}
	if a.opts.Reactions == nil {
		a.write("Reactions need the state store (state: in the configuration).\n")
		return
	}
	msg, emoji := strings.TrimPrefix(f[0], "#"), strings.Trim(f[1], ":")
	a.mu.Lock()
	posted := a.seq
	a.mu.Unlock()
	if n, err := strconv.Atoi(msg); err != nil || n < 1 || n > posted {
		// Only messages this chat posted can be reacted to: a reaction
		// to one that is not there would count for nothing, silently.
		which := "no message has been posted here yet"
		if posted > 0 {
			which = fmt.Sprintf("the messages posted here are 1 to %d", posted)
		}
		a.write(fmt.Sprintf("There is no message %q to react to: %s (the number is in the line above a post, \"message 3\").\n", bot.Truncate(msg, 20), which))
		return
	}
	if emoji == "" {
		a.write("Usage: " + ReactUsage + "\n")
		return
	}
	// The number is this run's: the id stored is the run's (Options.RunID).
	n, _ := strconv.Atoi(msg)
	err := a.opts.Reactions.React(context.WithoutCancel(ctx), bot.Reaction{Platform: "console", Channel: Channel,
		Message: a.messageID(n), User: user, Emoji: emoji, Removed: removed})
	switch {
	case err != nil:
		a.write(fmt.Sprintf("The reaction was not recorded: %v\n", err))
	case removed:
		a.write(fmt.Sprintf("%s took back %s on message %d.\n", user, shortcode(emoji), n))
	default:
		a.write(fmt.Sprintf("%s reacted %s to message %d.\n", user, shortcode(emoji), n))
	}
}

// shortcode shows an emoji's name as :name:, and an emoji typed as one
// (🔥) as it is.
func shortcode(emoji string) string {
	for _, r := range emoji {
		if r > unicode.MaxASCII {
			return emoji
		}
	}
	return ":" + emoji + ":"
}
