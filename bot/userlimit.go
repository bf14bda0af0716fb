package bot

import (
	"context"
	"sync"

	"github.com/paperbot/paperbot/bot/fault"
)

// UserKey is the key UserLimit counts by: the person, in their workspace
// or guild on their platform.
func UserKey(req *Request) string { return req.Platform + "\x00" + req.Team + "\x00" + req.User }

// UserLimit lets one person have at most n commands in progress (running
// or waiting for a turn) at once; the next is refused at once with a
// Transient error that says so. FairLimit shares the turns among
// workspaces, but within one a script or a held key could fill the
// waiting room, and a teammate's command waited behind all of it.
func UserLimit(n int, key func(*Request) string) Middleware {
	var mu sync.Mutex
	busy := map[string]int{}
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			k := key(req)
			mu.Lock()
			if busy[k] >= n {
				mu.Unlock()
				return fault.New(fault.Transient, "you have %d commands in progress already; their answers come first", n)
			}
			busy[k]++
			mu.Unlock()
			defer func() {
				mu.Lock()
				if busy[k]--; busy[k] == 0 {
					delete(busy, k)
				}
				mu.Unlock()
			}()
			return next.Handle(ctx, req, rw)
		})
	}
}
