package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/replay"
)

// Interaction types (Discord's numbers).
const (
	typePing         = 1
	typeCommand      = 2
	typeComponent    = 3
	typeAutocomplete = 4
	typeModalSubmit  = 5
)

// Interaction callback types.
const (
	respPong         = 1
	respMessage      = 4
	respDeferred     = 5
	respAutocomplete = 8
)

// maxBody caps an interaction request's body.
const maxBody = 1 << 20

// interaction is the part of Discord's interaction object the adapter
// reads. It is decoded here rather than with discordgo, whose
// ApplicationCommandData() panics on button clicks and which drops the
// channel's name.
type interaction struct {
	ID            string `json:"id"`
	ApplicationID string `json:"application_id"`
	Type          int    `json:"type"`
	Token         string `json:"token"`
	GuildID       string `json:"guild_id"`
	ChannelID     string `json:"channel_id"`
	Channel       *struct {
		Name string `json:"name"`
	} `json:"channel"`
	Member *struct {
		User *user `json:"user"`
	} `json:"member"`
	User *user           `json:"user"`
	Data json.RawMessage `json:"data"`
}

type user struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	GlobalName string `json:"global_name"`
}

func (in *interaction) user() user {
	if in.Member != nil && in.Member.User != nil {
		return *in.Member.User
	}
	if in.User != nil {
		return *in.User
	}
	return user{}
}

// response is an interaction callback.
type response struct {
	Type int `json:"type"`
	Data any `json:"data,omitempty"`
}

// job is the work that follows an acknowledgement.
type job func(ctx context.Context)

// ServeHTTP is the interactions endpoint (POST /discord/interactions): it
// verifies the signature and freshness (401 and nothing runs on failure),
// answers PING, and acknowledges everything else at once before the core
// runs in the background.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if a.verify == nil {
		http.Error(w, "the interactions endpoint is not enabled (discord.mode is not http)", http.StatusNotFound)
		return
	}
	// Refused before the body is read: unsigned, or announcing a body
	// over the cap. (Anyone can send these; each would cost a read of up
	// to maxBody.)
	if r.Header.Get("X-Signature-Ed25519") == "" || r.Header.Get("X-Signature-Timestamp") == "" {
		a.log.InfoContext(r.Context(), "discord interaction rejected", "reason", ErrNoSignature, "remote", r.RemoteAddr)
		a.hookRejected("no_signature")
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var body []byte
	var err error
	if r.ContentLength <= maxBody {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok || r.ContentLength > maxBody {
		a.hookRejected("too_large")
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		// A body cut short (the client went away): not one too large.
		a.log.InfoContext(r.Context(), "discord interaction rejected", "reason", "reading the body", "err", err, "remote", r.RemoteAddr)
		a.hookRejected("unreadable")
		http.Error(w, "reading the request body", http.StatusBadRequest)
		return
	}
	if err := a.verify.Verify(r.Header.Get("X-Signature-Ed25519"), r.Header.Get("X-Signature-Timestamp"), body); err != nil {
		a.log.InfoContext(r.Context(), "discord interaction rejected", "reason", err, "remote", r.RemoteAddr)
		switch {
		case errors.Is(err, ErrNoSignature):
			a.hookRejected("no_signature")
		case errors.Is(err, ErrStale):
			a.hookRejected("stale")
		default:
			a.hookRejected("bad_signature")
		}
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var in interaction
	if err := json.Unmarshal(body, &in); err != nil {
		a.hookRejected("malformed")
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	if in.Type != typePing && a.awaitHandler(r.Context()) == nil {
		http.Error(w, "starting or shutting down", http.StatusServiceUnavailable)
		return
	}
	if in.Type != typePing {
		// A captured interaction sent again within the window verifies
		// again: take each one once. (A PING changes nothing.)
		err := replay.Check(r.Context(), a.opts.Replay, "discord", r.Header.Get("X-Signature-Timestamp"), r.Header.Get("X-Signature-Ed25519"), a.verify.window, a.opts.Clock.Now())
		switch {
		case errors.Is(err, replay.ErrReplayed):
			a.log.InfoContext(r.Context(), "discord interaction rejected", "reason", err, "remote", r.RemoteAddr)
			a.hookRejected("replayed")
			http.Error(w, "interaction already received", http.StatusUnauthorized)
			return
		case err != nil:
			a.log.WarnContext(r.Context(), "discord interaction rejected", "reason", err, "remote", r.RemoteAddr)
			a.hookRejected("replay_unchecked")
			http.Error(w, "cannot take the interaction now", http.StatusServiceUnavailable)
			return
		}
	}
	resp, work := a.plan(r.Context(), &in)
	// The work is counted in flight before Discord hears "deferred": a
	// shutdown starting now waits for the answer instead of leaving the
	// user with a reply that never comes.
	if work != nil && !a.reserve() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		if work != nil {
			a.inflight.Done()
		}
		return
	}
	if work == nil {
		return
	}
	// Send the acknowledgement before the work starts, so Discord has it
	// before the first edit of @original arrives.
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	a.start(r.Context(), work)
}

// gatewayInteraction handles an INTERACTION_CREATE from the gateway: the
// acknowledgement goes through the callback endpoint, then the work runs.
func (a *Adapter) gatewayInteraction(ctx context.Context, raw []byte) {
	var in interaction
	if err := json.Unmarshal(raw, &in); err != nil {
		a.log.WarnContext(ctx, "malformed discord interaction", "err", err)
		return
	}
	resp, work := a.plan(ctx, &in)
	path := "/interactions/" + in.ID + "/" + in.Token + "/callback"
	if err := a.rest.do(ctx, "POST", path, "POST /interactions/"+in.ID, resp, nil); err != nil {
		a.log.WarnContext(ctx, "acknowledging a discord interaction", "id", in.ID, "err", err)
		return
	}
	if work != nil {
		work(ctx)
	}
}

// plan decides the immediate answer to an interaction and the work that
// follows it. It never panics: whatever goes wrong becomes a polite
// ephemeral answer.
func (a *Adapter) plan(ctx context.Context, in *interaction) (resp response, work job) {
	if a.opts.Hooks.Interaction != nil {
		a.opts.Hooks.Interaction(interactionKind(in.Type))
	}
	defer func() {
		if p := recover(); p != nil {
			a.log.ErrorContext(ctx, "discord interaction panicked", "type", in.Type, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, work = politely("Sorry, something went wrong on my side. It has been logged."), nil
		}
	}()
	switch in.Type {
	case typePing:
		return response{Type: respPong}, nil
	case typeCommand:
		var d commandData
		if err := json.Unmarshal(in.Data, &d); err != nil {
			return politely("I could not read that command."), nil
		}
		if d.Name != a.opts.Command {
			return politely(fmt.Sprintf("I only know /%s. My commands may have changed: try /%s help.", a.opts.Command, a.opts.Command)), nil
		}
		if sub, ok := staleSubcommand(d, a.specs()); ok {
			// Registered by an older version: its options are no query,
			// and searching them would answer something else.
			return politely(fmt.Sprintf("/%s %s is not one of my commands any more (this server's command list is older than the bot; `paperbot register-commands` updates it). Try /%[1]s help.", a.opts.Command, bot.Truncate(sub, 32))), nil
		}
		line, public, chosen := commandLine(d, a.specs())
		if !chosen {
			public = a.opts.Public // the server's default; the user's choice wins
		}
		return a.deferred(in, line, public, false)
	case typeComponent:
		var d commandData
		_ = json.Unmarshal(in.Data, &d)
		if line, ok := strings.CutPrefix(d.CustomID, buttonPrefix); ok && line != "" {
			// A button's custom_id comes back from the client: only a
			// command that changes nothing runs from it (the core checks
			// too, with Rerun; here the refusal can still be ephemeral).
			if specs := a.specs(); len(specs) > 0 && !bot.ReadOnlyLine(specs, line) {
				return politely("That button only runs searches, show, similar and trending again; it did not run " + bot.Truncate(line, 60) + "."), nil
			}
			return a.deferred(in, line, a.opts.Public, true)
		}
		return politely("That button is no longer active. Try /" + a.opts.Command + " again."), nil
	case typeAutocomplete:
		return response{Type: respAutocomplete, Data: map[string]any{"choices": []any{}}}, nil
	case typeModalSubmit:
		return politely("I do not use forms; try /" + a.opts.Command + " help."), nil
	}
	return politely("I do not know what to do with that."), nil
}

// staleSubcommand reports the subcommand of an interaction that no spec
// names (a command list registered by an older version of the bot).
func staleSubcommand(d commandData, specs []bot.CommandSpec) (string, bool) {
	if len(specs) == 0 || len(d.Options) != 1 || d.Options[0].Type != optSubcommand {
		return "", false
	}
	name := d.Options[0].Name
	for _, s := range specs {
		if s.Name == name {
			return "", false
		}
	}
	return name, true
}

func interactionKind(t int) string {
	switch t {
	case typePing:
		return "ping"
	case typeCommand:
		return "command"
	case typeComponent:
		return "component"
	case typeAutocomplete:
		return "autocomplete"
	case typeModalSubmit:
		return "modal"
	}
	return "other"
}

func (a *Adapter) hookRejected(reason string) {
	if a.opts.Hooks.Rejected != nil {
		a.opts.Hooks.Rejected(reason)
	}
}

// politely is an immediate ephemeral answer.
func politely(text string) response {
	return response{Type: respMessage, Data: payload{Content: escape(text), AllowedMentions: noMentions(), Flags: flagEphemeral}}
}

// deferred acknowledges with "thinking…" (ephemeral unless public: the
// choice is made now and holds for the edit) and returns the work that runs
// the core on line.
func (a *Adapter) deferred(in *interaction, line string, public, rerun bool) (response, job) {
	ack := response{Type: respDeferred}
	if !public {
		ack.Data = map[string]int{"flags": flagEphemeral}
	}
	u := in.user()
	name := u.GlobalName
	if name == "" {
		name = u.Username
	}
	req := &bot.Request{
		Platform: "discord", Team: in.GuildID, Channel: in.ChannelID,
		User: u.ID, UserName: name, Text: line, Rerun: rerun,
	}
	if in.Channel != nil {
		req.ChannelName = in.Channel.Name
	}
	appID, token, id := in.ApplicationID, in.Token, in.ID
	// The handler is taken now: a shutdown that begins once the interaction
	// is acknowledged still lets it answer.
	h := a.currentHandler()
	return ack, func(ctx context.Context) {
		rw := &replier{a: a, appID: appID, token: token, id: id, ephemeral: !public}
		if h == nil {
			_ = rw.Reply(ctx, bot.Notice("I am restarting; please try again in a moment."))
			return
		}
		err := h.Handle(ctx, req, rw)
		if err != nil {
			a.log.DebugContext(ctx, "discord command finished with an error", "err", err)
		}
		if !rw.replied() {
			// The deferred "thinking…" is closed: "Done." for a command
			// that succeeded without a message, and for one that failed
			// without its error reaching the user (the core's error reply
			// failed too), the error's words, never "Done.".
			m := bot.Notice("Done.")
			if err != nil {
				m = bot.ErrorMessage(err)
			}
			if err := rw.Reply(ctx, m); err != nil {
				a.log.WarnContext(ctx, "closing a discord interaction", "err", err)
			}
		}
	}
}

// replier answers one interaction: the first message edits the deferred
// response (@original), the rest are follow-ups.
type replier struct {
	a         *Adapter
	appID     string
	token     string // secret for 15 minutes: never in a route name or log
	id        string // the interaction's id, for route names
	ephemeral bool

	mu     sync.Mutex
	edited bool
}

var _ bot.Responder = (*replier)(nil)

func (r *replier) replied() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.edited
}

// Reply sends m, split as Discord's limits require.
func (r *replier) Reply(ctx context.Context, m bot.Message) error {
	if m.Kind == bot.KindError && !r.ephemeral {
		return r.privately(ctx, m)
	}
	// Ephemerality was chosen when the interaction was acknowledged.
	m.Ephemeral = r.ephemeral
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range render(m) {
		if !r.edited {
			if err := r.editOriginal(ctx, p); err != nil {
				return err
			}
			r.edited = true
			continue
		}
		path := "/webhooks/" + r.appID + "/" + r.token + "?wait=true"
		if err := r.a.rest.do(ctx, "POST", path, "POST /webhooks/"+r.appID+"/interaction-"+r.id, p, nil); err != nil {
			return err
		}
	}
	return nil
}

// privateNote resolves a public deferred response whose answer is an
// error; it is deleted once the error has been sent.
const privateNote = "Only the person who asked can see this answer."

// privately sends an error only to the person who asked, on an interaction
// acknowledged publicly. The first message after a deferred response takes
// the deferral's visibility, so a deferral not yet answered is first
// resolved with a short note, the error goes as an ephemeral follow-up,
// and the note is deleted: nothing of the error reaches the channel.
func (r *replier) privately(ctx context.Context, m bot.Message) error {
	m.Ephemeral = true
	r.mu.Lock()
	defer r.mu.Unlock()
	note := !r.edited
	if note {
		if err := r.editOriginal(ctx, payload{Content: privateNote, AllowedMentions: noMentions()}); err != nil {
			return err
		}
		r.edited = true
	}
	for _, p := range render(m) {
		p.Flags |= flagEphemeral
		path := "/webhooks/" + r.appID + "/" + r.token + "?wait=true"
		if err := r.a.rest.do(ctx, "POST", path, "POST /webhooks/"+r.appID+"/interaction-"+r.id, p, nil); err != nil {
			return err
		}
	}
	if note {
		path := "/webhooks/" + r.appID + "/" + r.token + "/messages/@original"
		if err := r.a.rest.do(ctx, "DELETE", path, "DELETE /webhooks/"+r.appID+"/interaction-"+r.id+"/messages/@original", nil, nil); err != nil {
			r.a.log.WarnContext(ctx, "deleting the note of a private error reply", "id", r.id, "err", err)
		}
	}
	return nil
}

// editOriginal edits the deferred response. Discord may not have processed
// the acknowledgement yet when a fast answer arrives (Unknown Webhook): an
// edit is idempotent, so it is tried again shortly.
func (r *replier) editOriginal(ctx context.Context, p payload) error {
	path := "/webhooks/" + r.appID + "/" + r.token + "/messages/@original"
	p.Flags &^= flagEphemeral // set at defer time; an edit cannot change it
	var err error
	for i, wait := 0, 250*time.Millisecond; i < 4; i, wait = i+1, wait*2 {
		err = r.a.rest.do(ctx, "PATCH", path, "PATCH /webhooks/"+r.appID+"/interaction-"+r.id+"/messages/@original", p, nil)
		if err == nil || apiCode(err) != codeUnknownWebhook {
			return err
		}
		if serr := r.a.opts.Clock.Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
	return err
}

// recoverLog keeps a panic in the adapter's own goroutines from crashing the
// process; the stack goes to the log.
func (a *Adapter) recoverLog(ctx context.Context, what string) {
	if p := recover(); p != nil {
		a.log.ErrorContext(ctx, "discord "+what+" panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}
