// Package bottest has fakes that tests of every package use: a Responder
// that records replies, and a fake platform that records posts and threads.
package bottest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/paperbot/paperbot/bot"
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

	mu    sync.Mutex
	calls []Call
	seq   int
}

var (
	_ bot.Poster   = (*Platform)(nil)
	_ bot.Threader = (*Platform)(nil)
)

func (p *Platform) platform() string {
	if p.Name == "" {
		return "fake"
	}
	return p.Name
}

// Post records a message and returns its reference.
func (p *Platform) Post(_ context.Context, to bot.Destination, m bot.Message) (bot.MessageRef, error) {
	c := Call{Op: "post", To: to, Message: m}
	if p.Before != nil {
		if err := p.Before(c); err != nil {
			return bot.MessageRef{}, err
		}
	}
	p.mu.Lock()
	p.seq++
	c.Ref = bot.MessageRef{Platform: p.platform(), Team: to.Team, Channel: to.Channel, ID: fmt.Sprintf("m%d", p.seq)}
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
func (p *Platform) StartThread(_ context.Context, parent bot.MessageRef, title string, m bot.Message) (bot.ThreadRef, error) {
	c := Call{Op: "thread", Parent: parent, Title: title, Message: m}
	if p.Before != nil {
		if err := p.Before(c); err != nil {
			return bot.ThreadRef{}, err
		}
	}
	p.mu.Lock()
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
