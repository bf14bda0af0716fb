// Package bottest has fakes that tests of every package use: a Responder
// that records replies, a fake platform that records posts and threads,
// and a fake index (Searcher).
package bottest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/internal/clock"
)

// Recorder is a Responder that keeps every reply.
type Recorder struct {
	mu      sync.Mutex
	replies []bot.Message
}

var _ bot.Responder = (*Recorder)(nil)

// Reply records m.
func (r *Recorder) Reply(_ context.Context, m bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, m)
	return nil
}

// Replies returns the recorded replies.
func (r *Recorder) Replies() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.replies...)
}

// Last returns the last reply, or a zero Message.
func (r *Recorder) Last() bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.replies) == 0 {
		return bot.Message{}
	}
	return r.replies[len(r.replies)-1]
}

// Text is every reply rendered as plain text, joined.
func (r *Recorder) Text() string {
	var b strings.Builder
	for _, m := range r.Replies() {
		b.WriteString(m.PlainText(""))
	}
	return b.String()
}

// Call is one recorded call to the fake platform.
type Call struct {
	// Op is "post" or "thread".
	Op      string
	To      bot.Destination
	Parent  bot.MessageRef
	Title   string
	Message bot.Message
	Ref     bot.MessageRef
	Thread  bot.ThreadRef
	// Key is the call's idempotency key (bot.PostOptions.Key), if any.
	Key string
	// At is when the call was recorded (Platform.Clock, else time.Now).
	At time.Time
}

// Channel is the channel the call went to (a thread's parent channel).
func (c Call) Channel() string {
	if c.Op == "thread" {
		return c.Parent.Channel
	}
	return c.To.Channel
}

// Platform is a fake chat platform implementing bot.Poster and bot.Threader.
// Hooks let tests inject failures before or after each call.
type Platform struct {
	Name string

	// Before, when set, runs before each call; an error fails the call
	// without recording it (nothing was posted).
	Before func(c Call) error
	// After, when set, runs after a call was recorded; an error fails the
	// call although it happened (the outcome looks unknown to the caller).
	After func(c Call) error

	// Clock stamps calls (default: time.Now, which testing/synctest fakes).
	Clock clock.Clock
	// PerChannel, when set, paces calls like a real adapter: calls to one
	// channel (thread starts count for the parent's channel) are spaced
	// at least this far apart; a caller waits for its slot (use
	// testing/synctest to wait in fake time). Channels do not wait for
	// each other.
	PerChannel time.Duration
	// NoFind, when set, makes the platform unable to look up earlier
	// posts: FindPost and FindThread fail (a platform without history).
	NoFind bool
	// Team, when set, is the workspace the platform posts in when a
	// destination names none (as the Slack and Discord adapters find it).
	Team string

	mu    sync.Mutex
	calls []Call
	seq   int
	slots map[string]time.Time
}

var (
	_ bot.Poster       = (*Platform)(nil)
	_ bot.Threader     = (*Platform)(nil)
	_ bot.PostFinder   = (*Platform)(nil)
	_ bot.ThreadFinder = (*Platform)(nil)
)

func (p *Platform) now() time.Time {
	if p.Clock != nil {
		return p.Clock.Now()
	}
	return time.Now()
}

// pace waits for the channel's next slot when PerChannel is set.
func (p *Platform) pace(ctx context.Context, channel string) error {
	if p.PerChannel <= 0 {
		return nil
	}
	p.mu.Lock()
	if p.slots == nil {
		p.slots = map[string]time.Time{}
	}
	now := p.now()
	slot := p.slots[channel]
	if slot.Before(now) {
		slot = now
	}
	p.slots[channel] = slot.Add(p.PerChannel)
	p.mu.Unlock()
	if wait := slot.Sub(now); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (p *Platform) platform() string {
	if p.Name == "" {
		return "fake"
	}
	return p.Name
}

// Post records a message and returns its reference.
func (p *Platform) Post(ctx context.Context, to bot.Destination, m bot.Message, opts bot.PostOptions) (bot.MessageRef, error) {
	c := Call{Op: "post", To: to, Message: m, Key: opts.Key}
	if p.Before != nil {
		if err := p.Before(c); err != nil {
			return bot.MessageRef{}, err
		}
	}
	if err := p.pace(ctx, to.Channel); err != nil {
		return bot.MessageRef{}, err
	}
	p.mu.Lock()
	c.At = p.now()
	p.seq++
	c.Ref = bot.MessageRef{Platform: p.platform(), Team: cmp.Or(to.Team, p.Team), Channel: to.Channel, ID: fmt.Sprintf("m%d", p.seq)}
	c.Ref.URL = "https://chat.example/" + to.Channel + "/" + c.Ref.ID
	p.calls = append(p.calls, c)
	p.mu.Unlock()
	if p.After != nil {
		if err := p.After(c); err != nil {
			return bot.MessageRef{}, err
		}
	}
	return c.Ref, nil
}

// StartThread records a thread started on parent with a first message.
func (p *Platform) StartThread(ctx context.Context, parent bot.MessageRef, title string, m bot.Message, opts bot.PostOptions) (bot.ThreadRef, error) {
	c := Call{Op: "thread", Parent: parent, Title: title, Message: m, Key: opts.Key}
	if p.Before != nil {
		if err := p.Before(c); err != nil {
			return bot.ThreadRef{}, err
		}
	}
	if err := p.pace(ctx, parent.Channel); err != nil {
		return bot.ThreadRef{}, err
	}
	p.mu.Lock()
	c.At = p.now()
	p.seq++
	c.Thread = bot.ThreadRef{ID: parent.ID, Channel: parent.Channel, URL: parent.URL + "/thread"}
	p.calls = append(p.calls, c)
	p.mu.Unlock()
	if p.After != nil {
		if err := p.After(c); err != nil {
			return bot.ThreadRef{}, err
		}
	}
	return c.Thread, nil
}

// Calls returns the recorded calls in order.
func (p *Platform) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// ErrNoFind is returned by FindPost and FindThread when NoFind is set.
var ErrNoFind = errors.New("bottest: this platform cannot look up earlier posts")

// FindPost finds a recorded post with the key (a bot.PostFinder).
func (p *Platform) FindPost(_ context.Context, to bot.Destination, m bot.Message, key string, since time.Time) (bot.MessageRef, bool, error) {
	if p.NoFind {
		return bot.MessageRef{}, false, ErrNoFind
	}
	for _, c := range p.Calls() {
		if c.Op == "post" && key != "" && c.Key == key && c.To.Channel == to.Channel && c.To.Thread == to.Thread && !c.At.Before(since) {
			return c.Ref, true, nil
		}
	}
	return bot.MessageRef{}, false, nil
}

// FindThread finds a recorded thread started with the key (a bot.ThreadFinder).
func (p *Platform) FindThread(_ context.Context, parent bot.MessageRef, key string, since time.Time) (bot.ThreadRef, bool, error) {
	if p.NoFind {
		return bot.ThreadRef{}, false, ErrNoFind
	}
	for _, c := range p.Calls() {
		if c.Op == "thread" && key != "" && c.Key == key && c.Parent.ID == parent.ID && !c.At.Before(since) {
			return c.Thread, true, nil
		}
	}
	return bot.ThreadRef{}, false, nil
}

// CallsTo returns the calls made to one channel, in order.
func (p *Platform) CallsTo(channel string) []Call {
	var out []Call
	for _, c := range p.Calls() {
		if c.Channel() == channel {
			out = append(out, c)
		}
	}
	return out
}

// Reset forgets the recorded calls.
func (p *Platform) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = nil
}
