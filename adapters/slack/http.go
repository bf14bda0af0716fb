package slack

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/replay"
)

// HTTP routes of HTTP mode, for the Request URLs of the Slack app.
const (
	PathCommands     = "/slack/commands"
	PathInteractions = "/slack/interactions"
	PathEvents       = "/slack/events"
)

// HTTPRoutes returns the handlers of HTTP mode, keyed by ServeMux pattern,
// which call h for each verified request. Every request is verified (signed
// with the signing secret, timestamp within 5 minutes, body within the
// cap) before anything runs; a failure gets 401 (413 when too large). A
// command or interaction is taken once: the same signed request sent again
// within its window gets 401.
func (a *Adapter) HTTPRoutes(h bot.Handler) map[string]http.Handler {
	return map[string]http.Handler{
		"POST " + PathCommands:     http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serveCommand(w, r, h) }),
		"POST " + PathInteractions: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serveInteraction(w, r, h) }),
		"POST " + PathEvents:       http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serveEvent(w, r, h) }),
	}
}

// readSigned reads a verified body, or answers the request and returns
// false. With once, a signed request received before (a replay within its
// window) is refused with 401, and with 503 when the replay guard cannot
// tell. Events do without: Slack may send a retry with the same signature,
// and an event is taken once by its event_id anyway (for an hour).
func (a *Adapter) readSigned(w http.ResponseWriter, r *http.Request, once bool) ([]byte, bool) {
	var reason string
	body, err := a.verify.readVerified(w, r, a.opts.MaxBody)
	switch {
	case err == nil && !once:
		return body, true
	case err == nil:
		err = replay.Check(r.Context(), a.opts.Replay, "slack", r.Header.Get(headerTimestamp), r.Header.Get(headerSignature), MaxSkew, a.opts.Clock.Now())
		switch {
		case err == nil:
			return body, true
		case errors.Is(err, replay.ErrReplayed):
			reason = "replayed"
			http.Error(w, "request already received", http.StatusUnauthorized)
		default:
			reason = "replay_unchecked"
			http.Error(w, "cannot take the request now", http.StatusServiceUnavailable)
		}
	case errors.Is(err, ErrTooLarge):
		reason = "too_large"
	case errors.Is(err, ErrMissingSignature):
		reason = "unsigned"
	case errors.Is(err, ErrStaleTimestamp):
		reason = "stale"
	case errors.Is(err, ErrBadSignature):
		reason = "bad_signature"
	default:
		reason = "unreadable"
	}
	if a.opts.Hooks.Rejected != nil {
		a.opts.Hooks.Rejected(reason)
	}
	a.log.WarnContext(r.Context(), "slack request refused", "path", r.URL.Path, "reason", reason, "remote", r.RemoteAddr, "err", err)
	return nil, false
}

// unreadable answers 400 to a signed request whose body cannot be read
// (only a holder of the signing secret can send one: a bug in a client of
// ours, or Slack changing a format), counting and logging it as a refusal,
// without the body.
func (a *Adapter) unreadable(w http.ResponseWriter, r *http.Request, what string, err error) {
	if a.opts.Hooks.Rejected != nil {
		a.opts.Hooks.Rejected("unreadable")
	}
	a.log.WarnContext(r.Context(), "slack request refused", "path", r.URL.Path, "reason", "unreadable", "what", what, "remote", r.RemoteAddr, "err", err)
	http.Error(w, what, http.StatusBadRequest)
}

// ackHTTP sends the empty 200 that acknowledges a request (an empty body
// posts nothing) and flushes it, so it is on its way before any answer.
func ackHTTP(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// started acknowledges a request whose work was started, or answers 503
// when the adapter is shutting down.
func started(w http.ResponseWriter, ok bool, ack chan struct{}) {
	if !ok {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ackHTTP(w)
	close(ack)
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	body, ok := a.readSigned(w, r, true)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		a.unreadable(w, r, "unreadable form", err)
		return
	}
	if form.Get("ssl_check") == "1" {
		w.WriteHeader(http.StatusOK)
		return
	}
	cmd := slashFromForm(form)
	if reply, ok := a.foreignCommand(r.Context(), cmd); ok {
		// Answered in the acknowledgement itself: 200 with an ephemeral
		// message, nothing run, the response_url not used.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(reply)
		return
	}
	if err := a.checkResponseURL(cmd.ResponseURL); err != nil {
		a.refuseResponseURL(r.Context(), "slash command", cmd.ResponseURL, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ack := make(chan struct{})
	started(w, a.command(r.Context(), h, cmd, ack), ack)
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	body, ok := a.readSigned(w, r, true)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err == nil && form.Get("payload") == "" {
		err = errors.New("no payload field")
	}
	if err != nil {
		a.unreadable(w, r, "missing payload", err)
		return
	}
	var cb slackgo.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		a.unreadable(w, r, "unreadable payload", err)
		return
	}
	if cb.ResponseURL != "" {
		if err := a.checkResponseURL(cb.ResponseURL); err != nil {
			a.refuseResponseURL(r.Context(), "button press", cb.ResponseURL, err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	ack := make(chan struct{})
	started(w, a.interaction(r.Context(), h, cb, ack), ack)
}

func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	body, ok := a.readSigned(w, r, false)
	if !ok {
		return
	}
	var env eventEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		a.unreadable(w, r, "unreadable event", err)
		return
	}
	if env.Type == "url_verification" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(env.Challenge))
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.DebugContext(r.Context(), "slack event retry", "event_id", env.EventID, "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	ack := make(chan struct{})
	started(w, a.event(r.Context(), h, env, ack), ack)
}
