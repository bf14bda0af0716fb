package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
)

// TeamKey is the key FairLimit queues by: the request's workspace or guild
// on its platform.
func TeamKey(req *Request) string { return req.Platform + "\x00" + req.Team }

// FairLimit is Limit with fair queueing: at most n commands run at once,
// and the others wait in one queue per key (TeamKey: the workspace). A
// turn that frees goes to the next key in round-robin order, so a
// workspace that floods the bot waits behind its own commands, never in
// front of another workspace's. At most maxWaiting commands wait: when
// they are that many, a command from a key with fewer waiting than the
// longest queue takes the place of that queue's newest command, which is
// answered "busy"; otherwise the new command is. A command waits at most
// maxWait.
//
// A command's turn ends when it starts replying: the platform may take
// its time with the message (Slack paces a channel's messages a second
// apart, and asks to wait on a 429), and replies held every turn while the
// bot waited. Every command replies last; one that went on working after
// a reply would do so without a turn (bounded by UserLimit and Timeout).
func FairLimit(n, maxWaiting int, maxWait time.Duration, key func(*Request) string) Middleware {
	q := &fairQueue{free: n, maxWaiting: maxWaiting, queues: map[string][]*fairWaiter{}}
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			if err := q.acquire(ctx, key(req), maxWait); err != nil {
				return fault.Wrap(fault.Transient, err, "I am answering a lot of commands right now")
			}
			t := &turnResponder{Responder: rw, q: q}
			defer t.giveBack()
			return next.Handle(ctx, req, t)
		})
	}
}

// turnResponder gives its command's turn back when the command replies.
type turnResponder struct {
	Responder
	q    *fairQueue
	once sync.Once
}

func (t *turnResponder) Reply(ctx context.Context, m Message) error {
	t.giveBack()
	return t.Responder.Reply(ctx, m)
}

func (t *turnResponder) giveBack() { t.once.Do(t.q.release) }

type fairWaiter struct {
	ready            chan struct{}
	granted, refused bool // set under fairQueue.mu, before ready closes
}

type fairQueue struct {
	mu         sync.Mutex
	free       int
	maxWaiting int
	waiting    int
	ring       []string // keys with waiting commands, the next to serve first
	queues     map[string][]*fairWaiter
}

func (q *fairQueue) acquire(ctx context.Context, key string, maxWait time.Duration) error {
	q.mu.Lock()
	if q.free > 0 && q.waiting == 0 {
		q.free--
		q.mu.Unlock()
		return nil
	}
	if q.waiting >= q.maxWaiting && !q.evictFor(key) {
		q.mu.Unlock()
		return errors.New("too many commands waiting")
	}
	w := &fairWaiter{ready: make(chan struct{})}
	if len(q.queues[key]) == 0 {
		q.ring = append(q.ring, key)
	}
	q.queues[key] = append(q.queues[key], w)
	q.waiting++
	q.mu.Unlock()

	t := time.NewTimer(maxWait)
	defer t.Stop()
	var cause error
	select {
	case <-w.ready:
	case <-t.C:
		cause = fmt.Errorf("waited %s for a turn", maxWait)
	case <-ctx.Done():
		cause = ctx.Err()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case w.refused:
		return errors.New("too many commands waiting: a workspace with fewer waiting took this one's place")
	case w.granted && cause == nil:
		return nil
	case w.granted:
		// Granted as it gave up: hand the turn on.
		q.handOn()
		return cause
	}
	q.remove(key, w)
	return cause
}

// evictFor refuses the newest command of the longest queue when key's
// queue is shorter; it reports whether it made room. Called with q.mu.
func (q *fairQueue) evictFor(key string) bool {
	longest := ""
	for _, k := range q.ring {
		if len(q.queues[k]) > len(q.queues[longest]) {
			longest = k
		}
	}
	if longest == "" || len(q.queues[key])+1 >= len(q.queues[longest]) {
		return false
	}
	ws := q.queues[longest]
	w := ws[len(ws)-1]
	w.refused = true
	close(w.ready)
	q.remove(longest, w)
	return true
}

// remove takes w out of key's queue. Called with q.mu.
func (q *fairQueue) remove(key string, w *fairWaiter) {
	ws := q.queues[key]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			q.waiting--
			break
		}
	}
	if len(ws) > 0 {
		q.queues[key] = ws
		return
	}
	delete(q.queues, key)
	for i, k := range q.ring {
		if k == key {
			q.ring = append(q.ring[:i], q.ring[i+1:]...)
			break
		}
	}
}

func (q *fairQueue) release() {
	q.mu.Lock()
	q.handOn()
	q.mu.Unlock()
}

// handOn gives a freed turn to the first waiting command of the next key
// in the ring (which then goes to the ring's end), or frees it. Called
// with q.mu.
func (q *fairQueue) handOn() {
	if len(q.ring) == 0 {
		q.free++
		return
	}
	key := q.ring[0]
	w := q.queues[key][0]
	q.remove(key, w)
	if len(q.queues[key]) > 0 {
		// Still waiting: to the end of the ring (remove kept it first).
		q.ring = append(q.ring[1:], key)
	}
	w.granted = true
	close(w.ready)
}
