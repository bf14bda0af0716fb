package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// maxThreadName is Discord's limit on a thread's name.
const maxThreadName = 100

// message is the part of Discord's message object the adapter reads.
type message struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
}

// Post sends m to a channel (or, with to.Thread, into that thread: Discord
// threads are channels). A message too long for one Discord message is sent
// as several; the reference is the first one's. When a later part fails,
// the first part's reference is returned with the error, so the caller
// knows something was posted. The first part's nonce is the call's
// idempotency key (bot.PostOptions.Key) when there is one.
func (a *Adapter) Post(ctx context.Context, to bot.Destination, m bot.Message, opts bot.PostOptions) (bot.MessageRef, error) {
	channel := to.Channel
	if to.Thread != "" {
		channel = to.Thread
	}
	if channel == "" {
		return bot.MessageRef{}, fault.New(fault.Invalid, "no Discord channel to post to")
	}
	m.Ephemeral = false // channel posts are for everyone
	if to.Team == "" && to.Thread == "" {
		to.Team = a.guildOf(ctx, channel)
	}
	var first bot.MessageRef
	key := opts.Key
	for i, p := range render(m) {
		nonce := nonceFor(channel, p)
		if i == 0 && key != "" {
			nonce = keyNonce(key)
		}
		ref, err := a.create(ctx, to.Team, channel, p, nonce)
		if err != nil {
			if i == 0 {
				return bot.MessageRef{}, err
			}
			return first, err
		}
		if i == 0 {
			first = ref
		}
	}
	return first, nil
}

// create posts one message. The message carries an enforced nonce (the
// caller's key, or one derived from its channel and content), so when its
// outcome is unknown (a dropped connection, a 5xx) it can be sent again:
// Discord returns the message it already created (within a few minutes)
// instead of posting twice. Later than that, the digest looks the message
// up (FindPost).
func (a *Adapter) create(ctx context.Context, guild, channel string, p payload, nonce string) (bot.MessageRef, error) {
	var msg message
	path := "/channels/" + channel + "/messages"
	p.Nonce, p.EnforceNonce = nonce, true
	if err := a.rest.send(ctx, "POST", path, "POST "+path, p, &msg, true); err != nil {
		return bot.MessageRef{}, err
	}
	if msg.ChannelID == "" {
		msg.ChannelID = channel
	}
	return bot.MessageRef{
		Platform: "discord", Team: guild, Channel: msg.ChannelID, ID: msg.ID,
		URL: JumpURL(guild, msg.ChannelID, msg.ID),
	}, nil
}

// StartThread starts a public thread from a posted message, named after
// title (cut to 100 characters), and posts m as its first message. A thread
// that already exists for the message (error 160004, e.g. a retry after a
// crash) is used as it is. Discord's thread id is the parent message's id.
// When the start's outcome is unknown (a dropped connection, a 5xx), the
// thread is looked up and, if it was made, m is posted in it.
func (a *Adapter) StartThread(ctx context.Context, parent bot.MessageRef, title string, m bot.Message, opts bot.PostOptions) (bot.ThreadRef, error) {
	if parent.Channel == "" || parent.ID == "" {
		return bot.ThreadRef{}, fault.New(fault.Invalid, "no Discord message to start a thread on")
	}
	name := threadName(title)
	body := map[string]any{"name": name, "auto_archive_duration": a.opts.ThreadArchive}
	var ch struct {
		ID string `json:"id"`
	}
	path := "/channels/" + parent.Channel + "/messages/" + parent.ID + "/threads"
	err := a.rest.do(ctx, "POST", path, "POST /channels/"+parent.Channel+"/threads", body, &ch)
	switch {
	case err == nil:
	case apiCode(err) == codeThreadAlreadyCreated:
		a.log.InfoContext(ctx, "discord thread already exists; using it", "channel", parent.Channel, "message", parent.ID)
		ch.ID = parent.ID
	case fault.Is(err, fault.Transient) && ctx.Err() == nil:
		// The outcome is unknown (the POST is never sent again): look.
		// A thread that was made gets its first message now.
		th, _, found, ferr := a.threadOn(ctx, parent)
		if ferr != nil || !found {
			return bot.ThreadRef{}, err
		}
		a.log.InfoContext(ctx, "discord thread found after an unknown outcome", "channel", parent.Channel, "message", parent.ID, "err", err)
		ch.ID = th.ID
	default:
		return bot.ThreadRef{}, err
	}
	if ch.ID == "" {
		ch.ID = parent.ID
	}
	th := bot.ThreadRef{ID: ch.ID, Channel: ch.ID, URL: JumpURL(parent.Team, ch.ID, "")}
	if isEmpty(m) {
		return th, nil
	}
	if _, err := a.Post(ctx, bot.Destination{Platform: "discord", Team: parent.Team, Channel: parent.Channel, Thread: ch.ID}, m, opts); err != nil {
		return th, errors.Join(errors.New("discord: thread started, but its first message failed"), err)
	}
	return th, nil
}

// nonceFor is a message's nonce: 25 hex digits of a hash of its channel
// and content (Discord allows 25 characters).
func nonceFor(channel string, p payload) string {
	p.Nonce, p.EnforceNonce = "", false
	b, _ := json.Marshal(p)
	h := sha256.Sum256(append([]byte(channel+"\x00"), b...))
	return hex.EncodeToString(h[:])[:25]
}

// keyNonce is the nonce of a message posted with an idempotency key: the
// key itself (the digest's are 24 characters), or, for a key longer than
// Discord's 25 characters, 25 hex digits of its hash.
func keyNonce(key string) string {
	if len(key) <= maxNonce {
		return key
	}
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])[:maxNonce]
}

// maxNonce is the longest nonce Discord takes.
const maxNonce = 25

func isEmpty(m bot.Message) bool {
	return m.Text == "" && m.Title == "" && m.Intro == "" && len(m.Sections) == 0 && m.Footer == ""
}

// threadName makes a valid thread name: one line, 1-100 characters.
func threadName(title string) string {
	name := strings.Join(strings.Fields(title), " ")
	if name == "" {
		name = "Discussion"
	}
	return cut(name, maxThreadName)
}
