package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// metadataType marks the messages paperbot posts; each carries a unique key
// in its metadata, so a post whose outcome is unknown can be found in the
// channel's history instead of being posted twice. The key is the caller's
// idempotency key (bot.PostOptions.Key: the digest's, stable across restarts) when
// there is one, else a random one.
const metadataType = "paperbot_post"

// maxHistoryPages bounds a history search for a post (200 messages a page):
// past that the search gives up with an error rather than say "not posted".
const maxHistoryPages = 10

// Post posts m to a channel (or a thread, when to.Thread is set) and
// returns its reference with a permalink.
func (a *Adapter) Post(ctx context.Context, to bot.Destination, m bot.Message, opts bot.PostOptions) (bot.MessageRef, error) {
	if to.Channel == "" {
		return bot.MessageRef{}, fault.New(fault.Invalid, "slack: no channel to post to")
	}
	ts, err := a.postMessage(ctx, to.Team, to.Channel, to.Thread, m, opts.Key)
	if err != nil {
		return bot.MessageRef{}, err
	}
	if to.Team == "" {
		to.Team = a.teamID(ctx)
	}
	return bot.MessageRef{
		Platform: "slack",
		Team:     to.Team,
		Channel:  to.Channel,
		ID:       ts,
		URL:      a.permalink(ctx, to.Team, to.Channel, ts),
	}, nil
}

// StartThread starts a discussion on a posted message: Slack threads have
// no title, so the thread is the first reply (m) under the parent. The
// returned URL is the reply's permalink, which opens the thread.
func (a *Adapter) StartThread(ctx context.Context, parent bot.MessageRef, title string, m bot.Message, opts bot.PostOptions) (bot.ThreadRef, error) {
	if parent.Channel == "" || parent.ID == "" {
		return bot.ThreadRef{}, fault.New(fault.Invalid, "slack: no parent message to start a thread on")
	}
	ts, err := a.postMessage(ctx, parent.Team, parent.Channel, parent.ID, m, opts.Key)
	if err != nil {
		return bot.ThreadRef{}, err
	}
	url := a.permalink(ctx, parent.Team, parent.Channel, ts)
	if url == "" {
		url = parent.URL
	}
	return bot.ThreadRef{ID: parent.ID, Channel: parent.Channel, URL: url}, nil
}

// postMessage renders m and posts it; a message too long for one Slack
// message is posted as several, and the first one's ts is returned. Once
// the first is posted, a failure of a later part is logged, not returned:
// returning it would make the caller post the whole message again. The
// first part carries the call's key (bot.PostOptions.Key; a random one
// when it is ""), so FindPost and FindThread find it; later parts carry
// that key with ".2", ".3"...
func (a *Adapter) postMessage(ctx context.Context, team, channel, thread string, m bot.Message, base string) (string, error) {
	var first string
	for i, msg := range render(m, renderOptions{}) {
		key := newKey()
		if base != "" {
			key = base
			if i > 0 {
				key = fmt.Sprintf("%s.%d", base, i+1)
			}
		}
		ts, err := a.postOne(ctx, team, channel, thread, msg, key)
		if err != nil {
			if i == 0 {
				return "", err
			}
			a.log.ErrorContext(ctx, "slack: a later part of a long message was not posted", "channel", channel, "part", i+1, "err", err)
			break
		}
		if i == 0 {
			first = ts
		}
	}
	return first, nil
}

// postOne posts one rendered message with chat.postMessage, paced per
// channel. A 429 is waited out (Slack did not take the message). When the
// outcome is unknown (a 5xx, a broken connection, a timeout) the channel's
// recent history is checked for the message before it is posted again, and
// it is posted again at most once.
func (a *Adapter) postOne(ctx context.Context, team, channel, thread string, msg rendered, key string) (string, error) {
	since := bot.LookupSince(a.opts.Clock.Now()) // Slack stamps ts by its own clock
	opts := []slackgo.MsgOption{
		slackgo.MsgOptionText(msg.Text, false), // escaped by render
		slackgo.MsgOptionBlocks(msg.Blocks...),
		slackgo.MsgOptionDisableLinkUnfurl(),
		slackgo.MsgOptionDisableMediaUnfurl(),
		slackgo.MsgOptionMetadata(slackgo.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{"key": key}}),
	}
	if thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(thread))
	}
	api, err := a.apiFor(ctx, team)
	if err != nil {
		return "", err
	}
	rateLimited, reposted := 0, false
	for {
		if err := a.pace.Wait(ctx, channel); err != nil {
			return "", fault.Wrap(fault.Transient, err, "gave up waiting to post")
		}
		_, ts, err := api.PostMessageContext(ctx, channel, opts...)
		a.pace.Done(channel)
		if err == nil {
			a.posted("ok")
			return ts, nil
		}
		switch outcomeOf(err) {
		case outcomeRateLimited:
			if rateLimited == maxRateLimitRetries {
				a.posted("error")
				return "", fault.Wrap(fault.Transient, err, "Slack is rate limiting posts")
			}
			rateLimited++
			wait := time.Second
			if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok && rl.RetryAfter > 0 {
				wait = rl.RetryAfter
			}
			if a.opts.Hooks.RateLimited != nil {
				a.opts.Hooks.RateLimited("chat.postMessage", wait)
			}
			a.log.InfoContext(ctx, "slack rate limit; waiting", "channel", channel, "retry_after", wait)
			if err := a.opts.Clock.Sleep(ctx, wait); err != nil {
				a.posted("error")
				return "", fault.Wrap(fault.Transient, err, "gave up waiting out Slack's rate limit")
			}
		case outcomeRejected:
			a.posted("error")
			return "", postError(channel, err)
		default: // unknown: it may have been posted
			found, ferr := a.findPosted(ctx, team, channel, thread, key, since)
			switch {
			case ferr != nil:
				a.posted("unknown")
				return "", fault.Wrap(fault.Transient, fmt.Errorf("slack: post to %s: outcome unknown (%w), and the history check failed: %w", channel, err, ferr), "Slack did not confirm the post")
			case found != "":
				a.posted("recovered")
				a.log.InfoContext(ctx, "slack post found in history after an unknown outcome", "channel", channel, "ts", found, "err", err)
				return found, nil
			case reposted || ctx.Err() != nil:
				a.posted("unknown")
				return "", fault.Wrap(fault.Transient, fmt.Errorf("slack: post to %s: %w", channel, err), "Slack did not confirm the post")
			}
			reposted = true
			a.log.InfoContext(ctx, "slack post not in history after an unknown outcome; posting again", "channel", channel, "err", err)
		}
	}
}

func (a *Adapter) posted(outcome string) {
	if a.opts.Hooks.Posted != nil {
		a.opts.Hooks.Posted(outcome)
	}
}

type outcome int

const (
	outcomeUnknown     outcome = iota // may or may not have been posted
	outcomeRateLimited                // 429: not posted, try again later
	outcomeRejected                   // Slack answered and refused: not posted
)

// outcomeOf classifies a Web API error by what it says about the post.
func outcomeOf(err error) outcome {
	if _, ok := errors.AsType[*slackgo.RateLimitedError](err); ok {
		return outcomeRateLimited
	}
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok {
		if se.Err == "ratelimited" {
			return outcomeRateLimited
		}
		return outcomeRejected
	}
	if sc, ok := errors.AsType[slackgo.StatusCodeError](err); ok {
		switch {
		case sc.Code == http.StatusTooManyRequests:
			return outcomeRateLimited
		case sc.Code >= 400 && sc.Code < 500:
			return outcomeRejected
		}
		return outcomeUnknown
	}
	// A transport error, a timeout, a 5xx: Slack may have posted it.
	return outcomeUnknown
}

// postError explains a refused post.
func postError(channel string, err error) error {
	se, _ := errors.AsType[slackgo.SlackErrorResponse](err)
	switch se.Err {
	case "channel_not_found":
		return fault.Wrap(fault.NotFound, err, "Slack channel %s was not found (or the bot cannot see it)", channel)
	case "not_in_channel":
		return fault.Wrap(fault.Invalid, err, "paperbot is not a member of Slack channel %s: invite it with /invite @paperbot", channel)
	case "is_archived":
		return fault.Wrap(fault.Invalid, err, "Slack channel %s is archived", channel)
	case "restricted_action", "cannot_reply_to_message", "thread_locked":
		return fault.Wrap(fault.Invalid, err, "Slack does not allow posting there (%s)", se.Err)
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive", "missing_scope":
		return fault.Wrap(fault.Internal, err, "the Slack app's token or scopes need attention (%s)", se.Err)
	}
	return fault.Wrap(fault.Internal, fmt.Errorf("slack: post to %s: %w", channel, err), "")
}

// findPosted looks for a message carrying key among the channel's (or the
// thread's) messages since the post was first tried. It returns "" when
// the message is not there. Slack lists the newest messages first, so the
// whole window is read, page by page (at most maxHistoryPages); a window
// too long to read is an error, never "not there".
func (a *Adapter) findPosted(ctx context.Context, team, channel, thread, key string, since time.Time) (string, error) {
	if ctx.Err() != nil {
		// The caller gave up; the check still gets a moment of its own.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
	}
	api, err := a.apiFor(ctx, team)
	if err != nil {
		return "", err
	}
	oldest := slackTS(since)
	cursor := ""
	for range maxHistoryPages {
		var (
			msgs []slackgo.Message
			more bool
		)
		if thread == "" {
			method := "conversations.history"
			var res *slackgo.GetConversationHistoryResponse
			err := a.read(ctx, method, func() error {
				var err error
				res, err = api.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{
					ChannelID: channel, Oldest: oldest, Limit: 200, Cursor: cursor, IncludeAllMetadata: true,
				})
				return err
			})
			if err != nil {
				return "", fmt.Errorf("%s: %w", method, err)
			}
			msgs, more, cursor = res.Messages, res.HasMore, res.ResponseMetaData.NextCursor
		} else {
			method := "conversations.replies"
			err := a.read(ctx, method, func() error {
				var err error
				msgs, more, cursor, err = api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
					ChannelID: channel, Timestamp: thread, Oldest: oldest, Limit: 200, Cursor: cursor, IncludeAllMetadata: true,
				})
				return err
			})
			if err != nil {
				return "", fmt.Errorf("%s: %w", method, err)
			}
		}
		for _, m := range msgs {
			if m.Metadata.EventType == metadataType && fmt.Sprint(m.Metadata.EventPayload["key"]) == key {
				return m.Timestamp, nil
			}
		}
		if !more || cursor == "" {
			return "", nil
		}
	}
	return "", fmt.Errorf("more than %d pages of messages since %s: cannot tell whether it was posted", maxHistoryPages, since.UTC().Format(time.RFC3339))
}

// read makes one Web API read (call), waiting out 429s (at most
// maxRateLimitRetries): a read can always be made again.
func (a *Adapter) read(ctx context.Context, method string, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		if err == nil || outcomeOf(err) != outcomeRateLimited || attempt == maxRateLimitRetries {
			return err
		}
		wait := time.Second
		if rl, ok := errors.AsType[*slackgo.RateLimitedError](err); ok && rl.RetryAfter > 0 {
			wait = rl.RetryAfter
		}
		if a.opts.Hooks.RateLimited != nil {
			a.opts.Hooks.RateLimited(method, wait)
		}
		a.log.InfoContext(ctx, "slack rate limit; waiting", "method", method, "retry_after", wait)
		if serr := a.opts.Clock.Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
}

// permalink returns a message's permalink, or "" (logged) when Slack does
// not give one: the post itself succeeded and must not be repeated.
func (a *Adapter) permalink(ctx context.Context, team, channel, ts string) string {
	if ts == "" {
		return ""
	}
	api, err := a.apiFor(ctx, team)
	if err != nil {
		a.log.WarnContext(ctx, "slack chat.getPermalink: no client for the workspace", "channel", channel, "err", err)
		return ""
	}
	u, err := api.GetPermalinkContext(ctx, &slackgo.PermalinkParameters{Channel: channel, Ts: ts})
	if err != nil {
		a.log.WarnContext(ctx, "slack chat.getPermalink failed", "channel", channel, "ts", ts, "err", err)
		return ""
	}
	return u
}

// slackTS formats a time as a Slack timestamp ("1531420618.000000").
func slackTS(t time.Time) string {
	return strconv.FormatInt(t.Unix(), 10) + "." + fmt.Sprintf("%06d", t.Nanosecond()/1000)
}

// newKey is a random idempotency key for one post.
func newKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
