// Package fault gives errors a kind that maps to a clear user-facing reply.
//
// Every layer (index, sources, store, bot) wraps its errors with a Kind so the
// core can answer "that query is malformed" or "no such paper" instead of a
// raw error string, while the full error still reaches the log.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by what the user can do about it.
type Kind int

const (
	// Internal is a bug or an unexpected failure; the user sees a generic apology.
	Internal Kind = iota
	// Invalid means the user's input was wrong; the message says what and where.
	Invalid
	// NotFound means the thing asked for does not exist.
	NotFound
	// Transient means trying again later may work (rate limits, timeouts, upstream down).
	Transient
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not_found"
	case Transient:
		return "transient"
	default:
		return "internal"
	}
}

// Error is an error with a kind and a message that is safe to show to users.
type Error struct {
	Kind Kind
	// Msg is shown to the user as is. It must not contain secrets or stack traces.
	Msg string
	// Err is the underlying cause, logged but never shown.
	Err error
}

// Error is the message, then its cause, each said once: a cause that
// begins with the message stands alone, and a message that already holds
// its cause's text stands alone.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	cause := e.Err.Error()
	switch {
	case e.Msg == "" || strings.HasPrefix(cause, e.Msg):
		return cause
	case strings.Contains(e.Msg, cause):
		return e.Msg
	}
	return e.Msg + ": " + cause
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind whose message is shown to users.
func New(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Wrap attaches a kind and a user-facing message to err. It returns nil when err is nil.
func Wrap(k Kind, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...), Err: err}
}

// KindOf reports the kind of the outermost *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// UserMessage returns the message of the outermost *Error in err's chain, or
// "" when there is none (the caller then shows a generic message).
func UserMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// Is reports whether err has kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }
