package main

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/paperbot/paperbot/bot"
)

// errShutdownTimeout is why a command still working when
// http.shutdown_timeout has passed after the stop is cut short.
var errShutdownTimeout = errors.New("paperbot is shutting down: http.shutdown_timeout passed")

// drain bounds the commands in flight at shutdown. The adapters let a
// command they have acknowledged run on after the stop (its context does
// not end with the request or the shutdown: bot.timeout bounds it, and an
// error reply gets 10 s of its own), so that a reply in flight is not lost;
// without a bound a stop could take bot.timeout and more, past the
// http.shutdown_timeout operators size their stop grace to (docker stop's
// 10 s, Kubernetes' terminationGracePeriodSeconds), and the process is then
// killed. Once stop has been called, a command still running gets timeout
// more; then its context, and that of every reply it sends, ends.
type drain struct {
	next    bot.Handler
	log     *slog.Logger
	timeout time.Duration

	hard    context.Context // ends timeout after the stop
	cut     context.CancelCauseFunc
	running atomic.Int64
}

func newDrain(next bot.Handler, timeout time.Duration, log *slog.Logger) *drain {
	hard, cut := context.WithCancelCause(context.Background())
	return &drain{next: next, log: log, timeout: timeout, hard: hard, cut: cut}
}

// after starts the bound when stopping ends. The returned function
// releases the timer (call it once serve has returned).
func (d *drain) after(stopping context.Context) (release func()) {
	var timer atomic.Pointer[time.Timer]
	stop := context.AfterFunc(stopping, func() {
		timer.Store(time.AfterFunc(d.timeout, func() {
			if n := d.running.Load(); n > 0 {
				d.log.Warn("shutdown: commands still running after http.shutdown_timeout are cut short", "commands", n, "shutdown_timeout", d.timeout.String())
			}
			d.cut(errShutdownTimeout)
		}))
	})
	return func() {
		stop()
		if t := timer.Load(); t != nil {
			t.Stop()
		}
		d.cut(context.Canceled)
	}
}

// Handle runs the command with a context, and replies with contexts, that
// end when the bound has passed.
func (d *drain) Handle(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	d.running.Add(1)
	defer d.running.Add(-1)
	ctx, cancel := d.bounded(ctx)
	defer cancel()
	return d.next.Handle(ctx, req, bot.ResponderFunc(func(rctx context.Context, m bot.Message) error {
		rctx, cancel := d.bounded(rctx)
		defer cancel()
		return rw.Reply(rctx, m)
	}))
}

// bounded is ctx, ended with the bound too.
func (d *drain) bounded(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(d.hard, func() { cancel(context.Cause(d.hard)) })
	return ctx, func() {
		stop()
		cancel(nil)
	}
}
