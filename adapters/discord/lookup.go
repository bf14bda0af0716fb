package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// The digest's lookups (bot.PostFinder, bot.ThreadFinder) and reply counts
// (bot.ReplyCounter).
//
// Discord has no lookup by nonce, and does not return a message's nonce
// when it is fetched (only to the create call and in the gateway's
// MESSAGE_CREATE event; discordgo's Message has no Nonce field for that
// reason). So FindPost reads the channel's messages since the attempt and
// recognises the bot's own channel post by its content: the text and the
// embeds' titles and links of the message it would post (the digest
// passes it to FindPost). A nonce on a fetched message is
// still matched, should Discord ever return one. Reading needs the View
// Channel and Read Message History permissions.

var (
	_ bot.PostFinder     = (*Adapter)(nil)
	_ bot.ThreadFinder   = (*Adapter)(nil)
	_ bot.ReplyCounter   = (*Adapter)(nil)
	_ bot.TeamFinder     = (*Adapter)(nil)
	_ bot.ChannelChecker = (*Adapter)(nil)
)

const (
	// maxFindPages bounds FindPost's reading (100 messages a page): past
	// that it gives up with an error rather than say "not posted".
	maxFindPages = 10
	// discordEpoch is the first millisecond of 2015, where snowflakes start.
	discordEpoch = 1420070400000
	// codeUnknownChannel: no such channel (or thread).
	codeUnknownChannel = 10003
)

// Channel types that are threads.
const (
	typeAnnouncementThread = 10
	typePublicThread       = 11
	typePrivateThread      = 12
)

// selfID caches the bot's user id (GET /users/@me).
type selfID struct {
	mu sync.Mutex
	id string
}

// channelInfo is the part of Discord's channel object the lookups read.
type channelInfo struct {
	ID            string `json:"id"`
	Type          int    `json:"type"`
	GuildID       string `json:"guild_id"`
	ParentID      string `json:"parent_id"`
	LastMessageID string `json:"last_message_id"`
	// MessageCount is a thread's number of messages, not counting the
	// message it was started from nor deleted ones.
	MessageCount *int `json:"message_count"`
}

func (c channelInfo) isThread() bool {
	return c.Type == typeAnnouncementThread || c.Type == typePublicThread || c.Type == typePrivateThread
}

// fetchedMessage is the part of a fetched message FindPost reads.
type fetchedMessage struct {
	ID     string `json:"id"`
	Author struct {
		ID string `json:"id"`
	} `json:"author"`
	// WebhookID is set on interaction answers and webhook posts, which are
	// never digest posts (those are the bot's own channel messages).
	WebhookID string          `json:"webhook_id"`
	Content   string          `json:"content"`
	Embeds    []embedIdentity `json:"embeds"`
	Nonce     json.RawMessage `json:"nonce"`
}

type embedIdentity struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// identity is what recognises a message among the bot's: its text, and
// each embed's title and link.
func identity(content string, embeds []embedIdentity) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(content))
	for _, e := range embeds {
		b.WriteString("\x00")
		b.WriteString(strings.TrimSpace(e.Title))
		b.WriteString("\x01")
		b.WriteString(strings.TrimSpace(e.URL))
	}
	return b.String()
}

func payloadIdentity(p payload) string {
	var es []embedIdentity
	for _, e := range p.Embeds {
		es = append(es, embedIdentity{Title: e.Title, URL: e.URL})
	}
	return identity(p.Content, es)
}

// nonceString reads a nonce, which Discord gives as a string or a number.
func nonceString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// snowflakeAt is the smallest snowflake of the millisecond t.
func snowflakeAt(t time.Time) uint64 {
	ms := t.UnixMilli() - discordEpoch
	if ms <= 0 {
		return 0
	}
	return uint64(ms) << 22
}

// snowflakeTime is when a snowflake id was made (its top 42 bits are
// milliseconds since the Discord epoch).
func snowflakeTime(id uint64) time.Time {
	return time.UnixMilli(int64(id>>22) + discordEpoch).UTC()
}

func parseSnowflake(id string) (uint64, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	return n, err == nil
}

// botUserID returns the bot's user id, asking Discord once.
func (a *Adapter) botUserID(ctx context.Context) (string, error) {
	a.self.mu.Lock()
	defer a.self.mu.Unlock()
	if a.self.id != "" {
		return a.self.id, nil
	}
	var me struct {
		ID string `json:"id"`
	}
	if err := a.rest.do(ctx, "GET", "/users/@me", "GET /users/@me", nil, &me); err != nil {
		return "", err
	}
	if me.ID == "" {
		return "", fault.New(fault.Internal, "discord: GET /users/@me returned no id")
	}
	a.self.id = me.ID
	return me.ID, nil
}

// guildOf returns the id of the server a channel belongs to, asking
// Discord once per channel: a digest subscription configured without its
// guild still gets working jump URLs and "discussed in" links. It returns
// "" (and logs) when Discord cannot say; the post goes ahead.
func (a *Adapter) guildOf(ctx context.Context, channel string) string {
	g, err := a.ChannelTeam(ctx, channel)
	if err != nil && !errors.Is(err, errNoGuild) {
		a.log.WarnContext(ctx, "discord: could not read the channel's server id; its jump links will not open", "channel", channel, "err", err)
	}
	return g
}

// errNoGuild is ChannelTeam's error for a channel outside any server.
var errNoGuild = errors.New("not in a server")

// ChannelTeam returns the id of the server (guild) a channel is in
// (bot.TeamFinder), from GET /channels/{id}, asked once per channel.
func (a *Adapter) ChannelTeam(ctx context.Context, channel string) (string, error) {
	a.guilds.mu.Lock()
	g, ok := a.guilds.of[channel]
	a.guilds.mu.Unlock()
	if !ok {
		ch, err := a.channel(ctx, channel)
		if err != nil {
			return "", err
		}
		g = ch.GuildID
		a.guilds.mu.Lock()
		if a.guilds.of == nil {
			a.guilds.of = map[string]string{}
		}
		a.guilds.of[channel] = g
		a.guilds.mu.Unlock()
	}
	if g == "" {
		return "", fmt.Errorf("discord: channel %s is %w (a direct message?)", channel, errNoGuild)
	}
	return g, nil
}

// OneTeam is false: a Discord bot may be in many servers.
func (a *Adapter) OneTeam() bool { return false }

// channel reads a channel (or thread).
func (a *Adapter) channel(ctx context.Context, id string) (channelInfo, error) {
	var ch channelInfo
	err := a.rest.do(ctx, "GET", "/channels/"+id, "GET /channels/"+id, nil, &ch)
	return ch, err
}

// FindPost looks for the message posted to the channel (or thread, when
// to.Thread is set) by a Post call with key since the given time. It needs
// the message m itself: Discord keeps no key
// with a message. found=false means the channel shows it was not posted:
// nothing was posted there since, or the messages since are all there to
// read and none of the bot's is this one. A window with messages it
// cannot read (no Read Message History permission) or too many of them
// is an error, never "not posted".
func (a *Adapter) FindPost(ctx context.Context, to bot.Destination, m bot.Message, key string, since time.Time) (bot.MessageRef, bool, error) {
	channel := to.Channel
	if to.Thread != "" {
		channel = to.Thread
	}
	if channel == "" {
		return bot.MessageRef{}, false, fault.New(fault.Invalid, "no Discord channel to look in")
	}
	if isEmpty(m) {
		return bot.MessageRef{}, false, fault.New(fault.Internal,
			"discord: FindPost needs the message it looks for: Discord does not return a message's nonce when it is fetched")
	}
	want := m
	want.Ephemeral = false
	parts := render(want)
	wantID := payloadIdentity(parts[0])
	nonce := ""
	if key != "" {
		nonce = keyNonce(key)
	}
	me, err := a.botUserID(ctx)
	if err != nil {
		return bot.MessageRef{}, false, err
	}
	after := snowflakeAt(since)
	ch, err := a.channel(ctx, channel)
	if err != nil {
		return bot.MessageRef{}, false, err
	}
	if last, ok := parseSnowflake(ch.LastMessageID); !ok || last <= after {
		// Nothing was posted to the channel since: not this message either.
		return bot.MessageRef{}, false, nil
	}
	seen := 0
	for range maxFindPages {
		var page []fetchedMessage
		q := url.Values{"after": {strconv.FormatUint(after, 10)}, "limit": {"100"}}
		path := "/channels/" + channel + "/messages?" + q.Encode()
		if err := a.rest.do(ctx, "GET", path, "GET /channels/"+channel+"/messages", nil, &page); err != nil {
			return bot.MessageRef{}, false, err
		}
		seen += len(page)
		for _, m := range page {
			if id, ok := parseSnowflake(m.ID); ok && id > after {
				after = id // pages come newest first
			}
			if m.Author.ID != me || m.WebhookID != "" {
				continue
			}
			if (nonce != "" && nonceString(m.Nonce) == nonce) || identity(m.Content, m.Embeds) == wantID {
				return bot.MessageRef{
					Platform: "discord", Team: to.Team, Channel: channel, ID: m.ID,
					URL: JumpURL(to.Team, channel, m.ID),
				}, true, nil
			}
		}
		if len(page) < 100 {
			if seen == 0 {
				return bot.MessageRef{}, false, fault.New(fault.Invalid,
					"discord: channel %s has messages since %s but none could be read: paperbot needs the Read Message History permission there",
					channel, since.UTC().Format(time.RFC3339))
			}
			return bot.MessageRef{}, false, nil
		}
	}
	return bot.MessageRef{}, false, fault.New(fault.Transient,
		"discord: more than %d messages in channel %s since %s: cannot tell whether the message was posted",
		maxFindPages*100, channel, since.UTC().Format(time.RFC3339))
}

// FindThread looks for the thread StartThread started on parent. A Discord
// thread started from a message has that message's id, so GET
// /channels/{id} tells whether it exists; key and since are not needed.
// A thread that exists with no message in it is reported as not started:
// StartThread's first message is missing (the process died between the
// two calls), and starting it again is safe: StartThread reuses the thread
// (error 160004) and posts the message.
func (a *Adapter) FindThread(ctx context.Context, parent bot.MessageRef, key string, since time.Time) (bot.ThreadRef, bool, error) {
	th, ch, found, err := a.threadOn(ctx, parent)
	if err != nil || !found {
		return bot.ThreadRef{}, false, err
	}
	if ch.MessageCount != nil && *ch.MessageCount == 0 {
		a.log.InfoContext(ctx, "discord thread exists without its first message; it will be started again", "thread", th.ID)
		return bot.ThreadRef{}, false, nil
	}
	return th, true, nil
}

// threadOn reads the thread started on parent, if there is one.
func (a *Adapter) threadOn(ctx context.Context, parent bot.MessageRef) (bot.ThreadRef, channelInfo, bool, error) {
	if parent.ID == "" {
		return bot.ThreadRef{}, channelInfo{}, false, fault.New(fault.Invalid, "no Discord message to look for a thread on")
	}
	ch, err := a.channel(ctx, parent.ID)
	switch {
	case apiCode(err) == codeUnknownChannel || (err != nil && fault.Is(err, fault.NotFound)):
		return bot.ThreadRef{}, ch, false, nil
	case err != nil:
		return bot.ThreadRef{}, ch, false, err
	case !ch.isThread():
		return bot.ThreadRef{}, ch, false, fault.New(fault.Internal, "discord: %s is a channel of type %d, not a thread", parent.ID, ch.Type)
	}
	return bot.ThreadRef{ID: ch.ID, Channel: ch.ID, URL: JumpURL(parent.Team, ch.ID, "")}, ch, true, nil
}

// CountReplies counts the messages in a discussion thread (GET
// /channels/{thread}: message_count, which leaves out the message the
// thread was started from and deleted messages), less paperbot's own
// first message in it (the digest's "discuss it here"); the thread's
// last_message_id, a snowflake, gives the time of the last reply. paperbot's answers
// to commands in the thread count like anyone's. A thread that is gone
// gives a fault.NotFound error.
func (a *Adapter) CountReplies(ctx context.Context, d bot.Discussion) (bot.ReplyCount, error) {
	if d.ThreadID == "" {
		return bot.ReplyCount{}, fault.New(fault.Invalid, "discord: a discussion without a thread")
	}
	ch, err := a.channel(ctx, d.ThreadID)
	if err != nil {
		return bot.ReplyCount{}, err
	}
	if !ch.isThread() {
		return bot.ReplyCount{}, fault.New(fault.NotFound, "discord: %s is no longer a thread (type %d)", d.ThreadID, ch.Type)
	}
	if ch.MessageCount == nil {
		return bot.ReplyCount{}, fault.New(fault.Internal, "discord: thread %s came without a message_count", d.ThreadID)
	}
	c := bot.ReplyCount{Replies: max(*ch.MessageCount-1, 0)}
	if id, ok := parseSnowflake(ch.LastMessageID); ok && c.Replies > 0 {
		c.Last = snowflakeTime(id)
	}
	return c, nil
}

// CheckChannel tells whether the bot can post in a channel
// (bot.ChannelChecker): Discord refuses to show a channel the bot cannot
// see (Missing Access), where it cannot post either. The channel's server
// is remembered for ChannelTeam.
func (a *Adapter) CheckChannel(ctx context.Context, _, channel string) error {
	_, err := a.ChannelTeam(ctx, channel)
	if errors.Is(err, errNoGuild) {
		return nil // a direct message: the bot posts there as it answers there
	}
	return err
}
