package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
)

// Recover turns a panic in a handler into an Internal error. The stack trace
// goes to the log, never to the channel.
func Recover(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request, rw Responder) (err error) {
			defer func() {
				if p := recover(); p != nil {
					log.ErrorContext(ctx, "handler panicked",
						"platform", req.Platform, "channel", req.Channel, "command", req.Command,
						"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					err = fault.Wrap(fault.Internal, fmt.Errorf("panic: %v", p), "")
				}
			}()
			return next.Handle(ctx, req, rw)
		})
	}
}

// Timeout bounds a handler's run time.
func Timeout(d time.Duration) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			err := next.Handle(ctx, req, rw)
			if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				return fault.Wrap(fault.Transient, err, "that took too long (over %s); try a narrower query", d)
			}
			return err
		})
	}
}

// Limit lets at most n commands run at once. The others wait for a turn
// (the platform was acknowledged already), at most maxWaiting of them and
// each for at most maxWait; beyond that a command is refused at once with a
// Transient "busy" error, rather than queued for minutes.
func Limit(n, maxWaiting int, maxWait time.Duration) Middleware {
	turns := make(chan struct{}, n)
	waiting := make(chan struct{}, maxWaiting)
	busy := func(err error) error {
		return fault.Wrap(fault.Transient, err, "I am answering a lot of commands right now")
	}
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			select {
			case turns <- struct{}{}:
			default:
				select {
				case waiting <- struct{}{}:
				default:
					return busy(errors.New("too many commands waiting"))
				}
				t := time.NewTimer(maxWait)
				select {
				case turns <- struct{}{}:
					t.Stop()
					<-waiting
				case <-t.C:
					<-waiting
					return busy(fmt.Errorf("waited %s for a turn", maxWait))
				case <-ctx.Done():
					t.Stop()
					<-waiting
					return busy(ctx.Err())
				}
			}
			defer func() { <-turns }()
			return next.Handle(ctx, req, rw)
		})
	}
}

// Logging logs each request with its duration and outcome.
func Logging(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			start := time.Now()
			err := next.Handle(ctx, req, rw)
			attrs := []any{
				"platform", req.Platform, "team", req.Team, "channel", req.Channel,
				"user", req.User, "text", Truncate(req.Text, 200),
				"duration", time.Since(start),
			}
			switch {
			case err == nil:
				log.InfoContext(ctx, "command", attrs...)
			case fault.KindOf(err) == fault.Internal:
				log.ErrorContext(ctx, "command failed", append(attrs, "kind", fault.KindOf(err).String(), "err", err)...)
			case errors.As(err, new(*undeliveredError)):
				// Neither the answer nor the error reply reached the
				// user: they saw nothing (a response_url expired, the
				// platform unreachable).
				log.WarnContext(ctx, "command answer not delivered", append(attrs, "kind", fault.KindOf(err).String(), "err", err)...)
			default:
				log.InfoContext(ctx, "command refused", append(attrs, "kind", fault.KindOf(err).String(), "err", err)...)
			}
			return err
		})
	}
}

// ErrorReplies answers the user when a handler fails: the kind of error
// decides the wording, and internal details never reach the channel. The
// error is still returned so outer middleware (logging, metrics) sees it.
func ErrorReplies() Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			err := next.Handle(ctx, req, rw)
			if err == nil {
				return nil
			}
			m := ErrorMessage(err)
			// The handler's context may be spent (timeout); the reply still needs
			// a little time of its own.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if rerr := rw.Reply(rctx, m); rerr != nil {
				return errors.Join(err, &undeliveredError{rerr})
			}
			return err
		})
	}
}

// undeliveredError is ErrorReplies' error when the error reply could not
// be sent either: the user got no answer at all.
type undeliveredError struct{ err error }

func (e *undeliveredError) Error() string { return "replying with the error: " + e.err.Error() }
func (e *undeliveredError) Unwrap() error { return e.err }

// ErrorMessage is the reply for a failed command.
func ErrorMessage(err error) Message {
	msg := fault.UserMessage(err)
	switch fault.KindOf(err) {
	case fault.Invalid:
		if msg == "" {
			msg = "I could not read that command."
		}
	case fault.NotFound:
		if msg == "" {
			msg = "Nothing found."
		}
	case fault.Transient:
		if msg == "" {
			msg = "A service I depend on is busy"
		}
		msg += ". Please try again in a minute."
	default:
		msg = "Sorry, something went wrong on my side. It has been logged."
	}
	return Message{Kind: KindError, Text: msg, Intro: msg, Ephemeral: true}
}

// Truncate cuts s to at most n runes, adding "…" when it cut.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
