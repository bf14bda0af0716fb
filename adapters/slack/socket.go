package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/paperbot/paperbot/bot"
)

// acker acknowledges Socket Mode envelopes.
type acker interface {
	Ack(req socketmode.Request, payload ...any) error
}

var _ acker = (*socketmode.Client)(nil)

// runSocket holds the Socket Mode connection (slack-go reconnects on its
// own) and handles its events until ctx is done.
func (a *Adapter) runSocket(ctx context.Context, h bot.Handler) error {
	sm := socketmode.New(a.client, socketmode.OptionLog(slogWriter{a.log}))
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(rctx) }()
	for {
		select {
		case <-ctx.Done():
			cancel()
			<-done
			return nil
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w (check slack.app_token: an xapp- token with connections:write)", err)
		case evt := <-sm.Events:
			a.socketEvent(ctx, sm, h, evt)
		}
	}
}

// socketSeenTimeout bounds the check of an event_id made before its
// envelope is acknowledged (Slack waits 3 s for the ack).
const socketSeenTimeout = 1500 * time.Millisecond

// socketEvent acknowledges an envelope first, then hands it to the inbound
// path shared with HTTP mode.
func (a *Adapter) socketEvent(ctx context.Context, sm acker, h bot.Handler, evt socketmode.Event) {
	ack := func() bool {
		if evt.Request == nil {
			return false
		}
		if err := sm.Ack(*evt.Request); err != nil {
			a.log.WarnContext(ctx, "slack socket mode ack failed", "type", evt.Type, "err", err)
		}
		return true
	}
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.DebugContext(ctx, "slack socket mode connecting")
	case socketmode.EventTypeConnected:
		a.log.InfoContext(ctx, "slack socket mode connected")
	case socketmode.EventTypeConnectionError:
		if e, ok := evt.Data.(*slackgo.ConnectionErrorEvent); ok {
			a.log.WarnContext(ctx, "slack socket mode connection failed; retrying", "attempt", e.Attempt, "backoff", e.Backoff, "err", e.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		a.log.ErrorContext(ctx, "slack socket mode: the app token was refused")
	case socketmode.EventTypeHello, socketmode.EventTypeDisconnect:
		a.log.DebugContext(ctx, "slack socket mode", "event", evt.Type)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slackgo.SlashCommand)
		if reply, foreign := a.foreignCommand(ctx, cmd); ok && foreign && evt.Request != nil {
			// Answered in the ack's payload: nothing run.
			if err := sm.Ack(*evt.Request, reply); err != nil {
				a.log.WarnContext(ctx, "slack socket mode ack failed", "type", evt.Type, "err", err)
			}
			return
		}
		if !ok || !ack() {
			return
		}
		if err := a.checkResponseURL(cmd.ResponseURL); err != nil {
			a.refuseResponseURL(ctx, "slash command", cmd.ResponseURL, err)
			return
		}
		a.command(ctx, h, cmd, nil)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slackgo.InteractionCallback)
		if !ok || !ack() {
			return
		}
		if cb.ResponseURL != "" {
			if err := a.checkResponseURL(cb.ResponseURL); err != nil {
				a.refuseResponseURL(ctx, "button press", cb.ResponseURL, err)
				return
			}
		}
		a.interaction(ctx, h, cb, nil)
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		var env eventEnvelope
		if err := json.Unmarshal(evt.Request.Payload, &env); err != nil {
			ack()
			a.log.WarnContext(ctx, "unreadable slack event", "err", err)
			return
		}
		if env.Type != "event_callback" || env.EventID == "" {
			ack()
			a.event(ctx, h, env, nil)
			return
		}
		// The event_id is checked before the ack: an envelope is not
		// acknowledged when the check fails or is slow (a shared store
		// out of reach), and Slack sends it again; acknowledged first, it
		// was lost. The check is bounded, for the envelopes behind it.
		cctx, cancel := context.WithTimeout(ctx, socketSeenTimeout)
		seen, err := a.events.Seen(cctx, env.EventID)
		cancel()
		if err != nil {
			a.log.WarnContext(ctx, "could not check an event against the ones handled; not acknowledging it, for Slack to send it again", "event_id", env.EventID, "err", err)
			return
		}
		ack()
		if seen {
			a.duplicateEvent(ctx, env.EventID)
			return
		}
		a.handleEvent(ctx, h, env, nil)
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not parse the envelope (an event type it does not
		// know): acknowledge it anyway so Slack does not send it again.
		if e, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var req socketmode.Request
			if json.Unmarshal(e.Message, &req) == nil && req.EnvelopeID != "" {
				_ = sm.Ack(req)
			}
			a.log.WarnContext(ctx, "unreadable slack socket mode message", "err", e.Cause)
		}
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.WarnContext(ctx, "slack socket mode error", "event", evt.Type, "data", fmt.Sprint(evt.Data))
	}
}
