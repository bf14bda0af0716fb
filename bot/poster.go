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
	Post(ctx context.Context, to Destination, m Message, opts PostOptions) (MessageRef, error)
}

// PostOptions are the optional parameters of a Post or StartThread call.
// They are an argument, not context values, so that what a call depends on
// shows in its signature; a struct, so that an option added later does not
// change the Poster and Threader interfaces again.
type PostOptions struct {
	// Key is the call's idempotency key, or "" for none: at most 25 ASCII
	// characters (it fits a Discord nonce). The digest gives each of its
	// messages and threads a key stable across restarts; posters that can
	// keep it with the message (see PostFinder) do, others ignore it.
	Key string
}

// Threader is an optional capability of a Poster, found by type assertion:
// start a discussion thread on a posted message with a first message in it.
type Threader interface {
	StartThread(ctx context.Context, parent MessageRef, title string, m Message, opts PostOptions) (ThreadRef, error)
}

// PostFinder is an optional capability of a Poster, found by type
// assertion. The digest gives each message a stable idempotency key
// (PostOptions.Key); a poster that keeps the key with the message (Slack message
// metadata, for instance) and can find it again lets the digest settle a
// post whose outcome is unknown (an error after the platform may have
// posted, or a crash) instead of giving it up.
type PostFinder interface {
	// FindPost looks for the message m posted with key to the destination
	// (a thread reply when to.Thread is set) since the given time, a time
	// on the platform's clock (the digest passes LookupSince of the
	// attempt, which allows for MaxClockSkew). m is the message the Post
	// call with that key tried to post: a poster whose platform does not
	// keep the key with the message can still recognise it by its content
	// (Discord returns a message's nonce only when it is created, never
	// when it is fetched). It returns found=false when the platform shows
	// it was not posted.
	FindPost(ctx context.Context, to Destination, m Message, key string, since time.Time) (ref MessageRef, found bool, err error)
}

// ThreadFinder is an optional capability of a Threader: find the thread
// started on parent with key (PostOptions.Key of the StartThread call) since
// the given time. found=false means it was not started.
type ThreadFinder interface {
	FindThread(ctx context.Context, parent MessageRef, key string, since time.Time) (ref ThreadRef, found bool, err error)
}

// TeamFinder is an optional capability of a Poster, found by type
// assertion: which workspace (Slack team id) or server (Discord guild id) a
// channel is in. The digest asks it for the subscriptions of the
// configuration file written without team: or guild:, so that they belong
// to their workspace like those made from chat (/papers subscriptions
// there lists them).
type TeamFinder interface {
	// ChannelTeam returns the team of a channel, or an error that says
	// why it cannot tell (the platform did not answer, the channel is
	// not in a server).
	ChannelTeam(ctx context.Context, channel string) (string, error)
	// OneTeam reports whether every channel the poster posts to is in
	// one workspace (a Slack bot token's): a channel whose team could not
	// be found is then in whichever workspace asks.
	OneTeam() bool
}

// ChannelChecker is an optional capability of a Poster, found by type
// assertion: whether it can post in a channel. /papers subscribe asks it
// before a subscription is stored, so that a digest that could never post
// (a private channel the bot was not invited to, a channel it cannot see)
// is refused at once, with what to do, rather than failing every day.
type ChannelChecker interface {
	// CheckChannel returns a fault.Invalid error whose user message says
	// what to do when the poster cannot post in the channel of team; nil
	// when it can. Any other error means it could not tell.
	CheckChannel(ctx context.Context, team, channel string) error
}

// TeamChecker is an optional capability of a Poster, found by type
// assertion: whether it can post in a workspace at all. A Slack workspace
// that uninstalled the app (or revoked its bot token) has no token left
// to post with, and a Discord server that removed the bot refuses its
// every post: the subscriptions there stay (those of the configuration
// file are the operator's), and the digest skips their days, without
// trying to post, until the workspace installs the app again or the
// server adds the bot back.
type TeamChecker interface {
	// CheckTeam returns a fault.NotFound error whose user message says
	// why when the poster cannot post in team; nil when it can. Any
	// other error means it could not tell.
	CheckTeam(ctx context.Context, team string) error
}

// ReplyCounter is an optional capability of a Poster, found by type
// assertion: count the replies in a remembered discussion thread.
//
// The count is the team's engagement with the paper: the messages in the
// thread other than the one paperbot opened it with (the digest's "discuss
// it here" message). A thread that no longer exists gives a fault.NotFound
// error.
type ReplyCounter interface {
	CountReplies(ctx context.Context, d Discussion) (ReplyCount, error)
}

// ReplyCount is what a ReplyCounter found in a thread.
type ReplyCount struct {
	// Replies is the number of replies (see ReplyCounter).
	Replies int
	// Last is when the latest reply was written, by the platform's clock;
	// zero when there is none (or the platform does not say).
	Last time.Time
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
