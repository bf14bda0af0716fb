package bot

import (
	"context"
	"time"
)

// This file is the contract of posting unprompted (the digest): the Poster
// every adapter is, and the optional capabilities a digest finds on it by
// type assertion.

// Poster posts messages to channels, unprompted (the digest).
type Poster interface {
	Post(ctx context.Context, to Destination, m Message) (MessageRef, error)
}

// Threader is an optional capability of a Poster, found by type assertion:
// start a discussion thread on a posted message with a first message in it.
type Threader interface {
	StartThread(ctx context.Context, parent MessageRef, title string, m Message) (ThreadRef, error)
}

// PostFinder is an optional capability of a Poster, found by type
// assertion. The digest gives each message a stable idempotency key
// (PostKey); a poster that keeps the key with the message (Slack message
// metadata, for instance) and can find it again lets the digest settle a
// post whose outcome is unknown (an error after the platform may have
// posted, or a crash) instead of giving it up.
type PostFinder interface {
	// FindPost looks for a message posted with key to the destination (a
	// thread reply when to.Thread is set) since the given time, a time
	// on the platform's clock (the digest passes LookupSince of the
	// attempt, which allows for MaxClockSkew). It returns found=false
	// when the platform shows it was not posted.
	FindPost(ctx context.Context, to Destination, key string, since time.Time) (ref MessageRef, found bool, err error)
}

// ThreadFinder is an optional capability of a Threader: find the thread
// started on parent with key (PostKey when StartThread was called) since
// the given time. found=false means it was not started.
type ThreadFinder interface {
	FindThread(ctx context.Context, parent MessageRef, key string, since time.Time) (ref ThreadRef, found bool, err error)
}

type postKeyCtx struct{}

// WithPostKey returns a context carrying an idempotency key for the Post
// or StartThread call made with it. Posters that can keep it with the
// message (see PostFinder) read it with PostKey; others ignore it.
func WithPostKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, postKeyCtx{}, key)
}

// PostKey returns the idempotency key of a Post or StartThread call, or "".
// Keys are at most 25 ASCII characters (it fits a Discord nonce).
func PostKey(ctx context.Context) string {
	k, _ := ctx.Value(postKeyCtx{}).(string)
	return k
}

// ReplyCounter is an optional capability of a Poster, found by type
// assertion: count the replies in a remembered discussion thread.
//
// The count is the team's engagement with the paper: the messages in the
// thread other than the one paperbot opened it with (the digest's "discuss
// it here" message). A thread that no longer exists gives a fault.NotFound
// error.
type ReplyCounter interface {
	CountReplies(ctx context.Context, d Discussion) (int, error)
}

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
