package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// The digest's lookups (bot.PostFinder, bot.ThreadFinder) and reply counts
// (bot.ReplyCounter). Each message the adapter posts carries its key in
// message metadata (see metadataType), so a post whose outcome is unknown
// is found again in conversations.history (conversations.replies for
// thread replies): Slack keeps the metadata, and returns it with
// include_all_metadata. Reading needs channels:history (public channels)
// and groups:history (private ones), which the app manifest asks for.

var (
	_ bot.PostFinder     = (*Adapter)(nil)
	_ bot.ThreadFinder   = (*Adapter)(nil)
	_ bot.ReplyCounter   = (*Adapter)(nil)
	_ bot.ChannelChecker = (*Adapter)(nil)
)

// FindPost looks for the message posted with key (bot.PostOptions.Key) to the
// channel, or to the thread when to.Thread is set, since the given time.
// found=false means the channel's history since then has no such message.
func (a *Adapter) FindPost(ctx context.Context, to bot.Destination, m bot.Message, key string, since time.Time) (bot.MessageRef, bool, error) {
	if to.Channel == "" || key == "" {
		return bot.MessageRef{}, false, fault.New(fault.Invalid, "slack: FindPost needs a channel and a key")
	}
	ts, err := a.findPosted(ctx, to.Team, to.Channel, to.Thread, key, since)
	if err != nil {
		return bot.MessageRef{}, false, readError(to.Channel, err)
	}
	if ts == "" {
		return bot.MessageRef{}, false, nil
	}
	return bot.MessageRef{
		Platform: "slack", Team: to.Team, Channel: to.Channel, ID: ts,
		URL: a.permalink(ctx, to.Team, to.Channel, ts),
	}, true, nil
}

// FindThread looks for the thread StartThread started on parent with key:
// on Slack that is the first reply, which carries the key.
func (a *Adapter) FindThread(ctx context.Context, parent bot.MessageRef, key string, since time.Time) (bot.ThreadRef, bool, error) {
	if parent.Channel == "" || parent.ID == "" || key == "" {
		return bot.ThreadRef{}, false, fault.New(fault.Invalid, "slack: FindThread needs a parent message and a key")
	}
	ts, err := a.findPosted(ctx, parent.Team, parent.Channel, parent.ID, key, since)
	if err != nil {
		return bot.ThreadRef{}, false, readError(parent.Channel, err)
	}
	if ts == "" {
		return bot.ThreadRef{}, false, nil
	}
	url := a.permalink(ctx, parent.Team, parent.Channel, ts)
	if url == "" {
		url = parent.URL
	}
	return bot.ThreadRef{ID: parent.ID, Channel: parent.Channel, URL: url}, true, nil
}

// CountReplies counts the replies in a discussion thread (d.ThreadID is the
// parent message's ts) from the parent's reply_count, one
// conversations.replies call of one message. paperbot's own first reply
// (the digest's "discuss it here" message, which is what starts a thread
// on Slack) is not counted; everything else is, paperbot's answers to
// mentions in the thread included. The parent's latest_reply gives the
// time of the last reply. A thread whose parent is gone gives a
// fault.NotFound error.
func (a *Adapter) CountReplies(ctx context.Context, d bot.Discussion) (bot.ReplyCount, error) {
	if d.Channel == "" || d.ThreadID == "" {
		return bot.ReplyCount{}, fault.New(fault.Invalid, "slack: a discussion without a channel or thread")
	}
	api, err := a.apiFor(ctx, d.Team)
	if err != nil {
		return bot.ReplyCount{}, err
	}
	var msgs []slackgo.Message
	err = a.read(ctx, "conversations.replies", func() error {
		var err error
		msgs, _, _, err = api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
			ChannelID: d.Channel, Timestamp: d.ThreadID, Limit: 1,
		})
		return err
	})
	if err != nil {
		return bot.ReplyCount{}, readError(d.Channel, fmt.Errorf("conversations.replies: %w", err))
	}
	for _, m := range msgs {
		if m.Timestamp == d.ThreadID {
			c := bot.ReplyCount{Replies: max(m.ReplyCount-1, 0)}
			if c.Replies > 0 {
				// latest_reply is the ts of the thread's newest reply.
				c.Last = tsTime(m.LatestReply)
			}
			return c, nil
		}
	}
	return bot.ReplyCount{}, fault.New(fault.NotFound, "slack: thread %s in %s has no parent message", d.ThreadID, d.Channel)
}

// readError gives a failed history read its fault kind.
func readError(channel string, err error) error {
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok {
		switch se.Err {
		case "thread_not_found", "channel_not_found", "message_not_found":
			return fault.Wrap(fault.NotFound, err, "Slack does not know that channel or thread (%s)", se.Err)
		case "not_in_channel":
			return fault.Wrap(fault.Invalid, err, "paperbot is not a member of Slack channel %s: invite it with /invite @paperbot", channel)
		case "missing_scope":
			return fault.Wrap(fault.Internal, err, "the Slack app needs the channels:history and groups:history scopes: reinstall it from configs/slack-app-manifest.yaml")
		case "invalid_auth", "not_authed", "token_revoked", "account_inactive":
			return fault.Wrap(fault.Internal, err, "the Slack app's token needs attention (%s)", se.Err)
		}
		return fault.Wrap(fault.Internal, err, "")
	}
	return fault.Wrap(fault.Transient, err, "Slack did not answer")
}

// CheckChannel tells whether the bot can post in a channel
// (bot.ChannelChecker), from one conversations.history read of one
// message: Slack answers channel_not_found for a private channel (or a
// conversation) the bot is not in, where it cannot post. A public channel
// it has not joined (not_in_channel) is fine: chat:write.public posts
// there.
func (a *Adapter) CheckChannel(ctx context.Context, team, channel string) error {
	api, err := a.apiFor(ctx, team)
	if err != nil {
		return err
	}
	err = a.read(ctx, "conversations.history", func() error {
		_, err := api.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{ChannelID: channel, Limit: 1})
		return err
	})
	se, _ := errors.AsType[slackgo.SlackErrorResponse](err)
	switch {
	case err == nil, se.Err == "not_in_channel":
		return nil
	case se.Err == "channel_not_found":
		return fault.Wrap(fault.Invalid, err, "paperbot cannot post here: this is a private channel or a conversation it was not added to. Invite it first (/invite @paperbot), then subscribe again")
	case se.Err == "is_archived":
		return fault.Wrap(fault.Invalid, err, "this channel is archived: paperbot cannot post in it")
	}
	return readError(channel, err)
}
