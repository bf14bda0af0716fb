package bot

import (
	"context"
	"time"
)

type postMessageCtx struct{}

// WithPostMessage returns a context carrying the message that an earlier
// Post call with the same key (PostKey) tried to post. The digest passes it
// to PostFinder.FindPost, so that a poster whose platform does not keep the
// key with the message can still recognise the message by its content
// (Discord returns a message's nonce only when it is created, never when
// it is fetched).
func WithPostMessage(ctx context.Context, m Message) context.Context {
	return context.WithValue(ctx, postMessageCtx{}, m)
}

// PostMessage returns the message carried by WithPostMessage, if any.
func PostMessage(ctx context.Context) (Message, bool) {
	m, ok := ctx.Value(postMessageCtx{}).(Message)
	return m, ok
}

// MaxClockSkew is how far this host's clock may be from a platform's, either
// way: the signature windows of the Slack and Discord HTTP endpoints accept
// no more (5 minutes), so a host further off has its signed requests refused
// and is noticed. Platforms stamp messages by their own clocks (Slack's ts,
// Discord's snowflake ids), so a lookup of a post whose outcome is unknown
// must reach back by the skew too (LookupSince).
const MaxClockSkew = 5 * time.Minute

// LookupSince is where a PostFinder or ThreadFinder looks from, on the
// platform's clock, for a post attempted at attempted (this host's clock):
// a minute before the attempt, less MaxClockSkew.
func LookupSince(attempted time.Time) time.Time {
	return attempted.Add(-MaxClockSkew - time.Minute)
}
