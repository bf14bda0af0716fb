// Package discord connects paperbot to Discord: the /papers slash command
// over the gateway or the signed HTTP interactions endpoint, replies as
// embeds rendered from the core's neutral Message, command registration
// generated from the core's specs, and posting with threads for the digest.
//
// Every interaction is acknowledged at once (a deferred response, type 5,
// ephemeral unless the user asked for public), then the core runs and its
// replies edit the deferred message and send follow-ups. Nothing an
// interaction carries can panic the adapter: types are switched on, and a
// recover guards the edge.
package discord

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/replay"
	"github.com/paperbot/paperbot/configs/secret"
	"github.com/paperbot/paperbot/internal/clock"
)

// Mode is how interactions reach the bot.
type Mode string

// Modes.
const (
	// Gateway receives interactions over Discord's websocket: no public URL.
	Gateway Mode = "gateway"
	// HTTP receives them on the signed interactions endpoint.
	HTTP Mode = "http"
)

// Options configure the adapter.
type Options struct {
	Mode Mode
	// Token is the bot token (without "Bot "). A Secret: it prints as
	// [redacted] in logs and errors.
	Token secret.Secret
	// PublicKey verifies the interactions endpoint (HTTP mode).
	PublicKey ed25519.PublicKey
	// Command is the slash command's name (default "papers").
	Command string
	// Specs are the core's command specs: interactions are turned back into
	// the text lines they describe.
	Specs []bot.CommandSpec
	// Public makes replies visible to the channel by default (default:
	// ephemeral, only the person who asked sees them).
	Public bool
	// SignatureWindow bounds the age of a signed request (default 5m).
	SignatureWindow time.Duration
	// Replay remembers the signed interactions accepted in HTTP mode, so
	// that one sent again within SignatureWindow is refused (default: a
	// replay.Memory of this process).
	Replay replay.Guard
	// ThreadArchive is the auto-archive duration of started threads, in
	// minutes: 60, 1440, 4320 or 10080 (default 1440).
	ThreadArchive int
	// MaxRateLimitWait is the longest rate-limit wait accepted before giving
	// up with a transient error (default 60s).
	MaxRateLimitWait time.Duration
	// APIURL replaces https://discord.com for every REST call (tests, proxies).
	APIURL string
	// HTTPClient, when set, is the client used for REST calls (its Transport
	// is wrapped when APIURL is set).
	HTTPClient *http.Client

	// Reactions, when set, receives the reactions people add and remove
	// in the guilds' channels (gateway mode only: the gateway then
	// identifies with GUILD_MESSAGE_REACTIONS); nil ignores them.
	Reactions bot.ReactionSink
	// Hooks report the adapter's work (metrics); any may be nil.
	Hooks Hooks

	Logger *slog.Logger
	// Clock tells the time and waits (tests inject a fake one).
	Clock clock.Clock
}

// Hooks are called as the adapter works, for metrics.
type Hooks struct {
	// Rejected: an HTTP interaction refused (no_signature, bad_signature,
	// stale, too_large, unreadable: a body cut short, malformed,
	// replayed: received before,
	// replay_unchecked: the Replay guard failed).
	Rejected func(reason string)
	// Interaction: an interaction accepted (ping, command, component,
	// autocomplete, modal, other).
	Interaction func(kind string)
	// RateLimited: a 429 from Discord, and the wait it asked for.
	RateLimited func(wait time.Duration)
}

// Adapter is the Discord adapter. It implements bot.Adapter and
// bot.Threader, and the digest's optional bot.PostFinder, bot.ThreadFinder
// and bot.ReplyCounter (lookup.go).
type Adapter struct {
	opts    Options
	session *discordgo.Session
	rest    *restClient
	verify  *Verifier
	log     *slog.Logger

	// started is closed when Run has set the handler (or has ended).
	started chan struct{}

	// self is the bot's user id, read once by the digest's lookups.
	self selfID
	// guilds caches the server of each channel posted to without one.
	guilds struct {
		mu sync.Mutex
		of map[string]string
	}

	mu       sync.Mutex
	handler  bot.Handler // set while Run runs
	closed   bool
	inflight sync.WaitGroup
}

var (
	_ bot.Adapter  = (*Adapter)(nil)
	_ bot.Threader = (*Adapter)(nil)
	_ http.Handler = (*Adapter)(nil)
)

// New builds the adapter. It does not connect: Run does.
func New(opts Options) (*Adapter, error) {
	if opts.Mode == "" {
		opts.Mode = Gateway
	}
	if opts.Mode != Gateway && opts.Mode != HTTP {
		return nil, fmt.Errorf("discord: mode %q is not gateway or http", opts.Mode)
	}
	if !opts.Token.IsSet() {
		return nil, errors.New("discord: a bot token is required")
	}
	if opts.Mode == HTTP && len(opts.PublicKey) != ed25519.PublicKeySize {
		return nil, errors.New("discord: http mode needs the application's public key")
	}
	if opts.Command == "" {
		opts.Command = "papers"
	}
	switch opts.ThreadArchive {
	case 0:
		opts.ThreadArchive = 1440
	case 60, 1440, 4320, 10080:
	default:
		return nil, fmt.Errorf("discord: thread archive %d minutes is not one of 60, 1440, 4320, 10080", opts.ThreadArchive)
	}
	if opts.MaxRateLimitWait <= 0 {
		opts.MaxRateLimitWait = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Replay == nil {
		opts.Replay = replay.NewMemory(opts.Clock.Now, 0)
	}

	s, err := discordgo.New("Bot " + opts.Token.Value())
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	// A slash-command bot needs no intents at all (none privileged), no
	// state cache, and no discordgo retries: a retried message POST whose
	// outcome was unknown can post twice, and its 429 sleeps have no cap.
	// Reactions (reactions.go) need GUILD_MESSAGE_REACTIONS, not privileged.
	s.Identify.Intents = intents(opts)
	s.StateEnabled = false
	s.MaxRestRetries = 0
	s.ShouldRetryOnRateLimit = false
	s.SyncEvents = true
	// discordgo logs with the standard logger; the adapter logs gateway
	// connects and disconnects itself, with slog.
	s.LogLevel = -1
	if opts.HTTPClient != nil {
		s.Client = opts.HTTPClient
	}
	if opts.APIURL != "" {
		u, err := url.Parse(opts.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("discord: api_url %q is not an http(s) URL", opts.APIURL)
		}
		c := *s.Client
		c.Transport = &RewriteTransport{Base: u, Next: c.Transport}
		s.Client = &c
	}

	a := &Adapter{opts: opts, session: s, log: opts.Logger, started: make(chan struct{})}
	a.rest = &restClient{
		client:  s.Client,
		base:    DefaultAPIBase,
		token:   secret.New(s.Token),
		agent:   "DiscordBot (https://github.com/paperbot/paperbot, 1) paperbot",
		clock:   opts.Clock,
		maxWait: opts.MaxRateLimitWait,
		log:     opts.Logger,
		buckets: map[string]*bucket{},
		limited: opts.Hooks.RateLimited,
	}
	if opts.Mode == HTTP {
		a.verify = NewVerifier(opts.PublicKey, opts.SignatureWindow, opts.Clock.Now)
	}
	return a, nil
}

// Platform is "discord".
func (a *Adapter) Platform() string { return "discord" }

// Session is the discordgo session (its Client carries every REST call).
func (a *Adapter) Session() *discordgo.Session { return a.session }

// SetSpecs sets the command specs used to read interactions (they come
// from the core, which may be built after the adapter).
func (a *Adapter) SetSpecs(specs []bot.CommandSpec) {
	a.mu.Lock()
	a.opts.Specs = specs
	a.mu.Unlock()
}

func (a *Adapter) specs() []bot.CommandSpec {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.opts.Specs
}

// Run serves interactions until ctx is done, then waits for the replies in
// flight. In gateway mode it holds the websocket (reconnecting on its own);
// in HTTP mode the endpoint (ServeHTTP) is mounted on the caller's server
// and Run only enables it.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	a.mu.Lock()
	if a.closed || a.handler != nil {
		a.mu.Unlock()
		return errors.New("discord: Run called twice")
	}
	a.handler = h
	a.mu.Unlock()
	close(a.started)
	defer a.drain()

	if a.opts.Mode == HTTP {
		if err := a.checkToken(ctx); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}
	remove := a.session.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
		raw := append([]byte(nil), e.RawData...)
		switch {
		case e.Type == "INTERACTION_CREATE":
			a.spawn(ctx, func(ctx context.Context) { a.gatewayInteraction(ctx, raw) })
		case a.opts.Reactions != nil && (e.Type == "MESSAGE_REACTION_ADD" || e.Type == "MESSAGE_REACTION_REMOVE"):
			// In order (SyncEvents): an add is recorded before its removal.
			a.gatewayReaction(ctx, raw, e.Type == "MESSAGE_REACTION_REMOVE")
		}
	})
	defer remove()
	defer a.session.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		if ctx.Err() == nil {
			a.log.WarnContext(ctx, "discord gateway disconnected; reconnecting")
		}
	})()
	defer a.session.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) {
		a.log.InfoContext(ctx, "discord gateway resumed")
	})()
	if err := a.open(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// Shut down while waiting to retry: nothing to close.
			a.log.WarnContext(ctx, "discord gateway never connected; stopped", "err", context.Cause(ctx))
			return nil
		}
		return err
	}
	a.log.InfoContext(ctx, "discord gateway connected")
	<-ctx.Done()
	if err := a.session.Close(); err != nil {
		a.log.WarnContext(ctx, "closing the discord gateway", "err", err)
	}
	return nil
}

// checkToken asks Discord who the bot is (GET /users/@me) when HTTP mode
// starts: nothing else uses the bot token until the first digest post, as
// interaction answers go through each interaction's own webhook token. A
// token Discord refuses stops the start, as it does in gateway mode; Discord
// not answering is only logged (the endpoint works without the token).
func (a *Adapter) checkToken(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	id, err := a.botUserID(cctx)
	switch {
	case err == nil:
		a.log.InfoContext(ctx, "discord ready", "mode", string(a.opts.Mode), "bot_user", id)
	case isUnauthorized(err):
		return tokenRejected(err)
	case ctx.Err() == nil:
		a.log.WarnContext(ctx, "discord: could not check the bot token at start; continuing", "err", err)
	}
	return nil
}

// isUnauthorized reports whether Discord answered 401: the bot token is
// wrong or was reset.
func isUnauthorized(err error) bool {
	e, ok := errors.AsType[*APIError](err)
	return ok && e.Status == http.StatusUnauthorized
}

// tokenRejected is the error for a bot token Discord refuses, in the words
// of the docs' troubleshooting table.
func tokenRejected(err error) error {
	return fmt.Errorf("discord: the bot token was rejected (reset it under Bot → Reset Token, and set discord.token): %w", err)
}

// open connects to the gateway, retrying with backoff; a rejected token is
// fatal. When ctx ends before it connects it returns ctx's error.
func (a *Adapter) open(ctx context.Context) error {
	backoff := time.Second
	for {
		err := a.session.Open()
		if err == nil {
			return nil
		}
		var re *discordgo.RESTError
		var ce *websocket.CloseError
		switch {
		case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized,
			errors.Is(err, discordgo.ErrUnauthorized),
			errors.As(err, &ce) && ce.Code == 4004:
			return tokenRejected(err)
		case errors.As(err, &ce) && (ce.Code == 4013 || ce.Code == 4014):
			return fmt.Errorf("discord: the gateway refused the intents: %w", err)
		}
		a.log.WarnContext(ctx, "connecting to the discord gateway", "err", err, "retry_in", backoff)
		if serr := a.opts.Clock.Sleep(ctx, backoff); serr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return serr
		}
		backoff = min(2*backoff, time.Minute)
	}
}

// drain stops new interactions and waits for those in flight.
func (a *Adapter) drain() {
	a.mu.Lock()
	a.closed = true
	a.handler = nil
	a.mu.Unlock()
	a.inflight.Wait()
}

// spawn runs f in a tracked goroutine, detached from ctx's cancellation (a
// SIGTERM must not cut a reply; the core's Timeout bounds the work). It
// reports false when the adapter is shutting down.
func (a *Adapter) spawn(ctx context.Context, f func(ctx context.Context)) bool {
	if !a.reserve() {
		return false
	}
	a.start(ctx, f)
	return true
}

// reserve counts an interaction in flight before it is acknowledged, so a
// shutdown that begins after the acknowledgement still waits for its work.
// It reports false when the adapter is shutting down.
func (a *Adapter) reserve() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.handler == nil {
		return false
	}
	a.inflight.Add(1)
	return true
}

// start runs f for a reserved interaction, in its own goroutine, detached
// from ctx's cancellation.
func (a *Adapter) start(ctx context.Context, f func(ctx context.Context)) {
	go func() {
		defer a.inflight.Done()
		defer a.recoverLog(ctx, "interaction")
		f(context.WithoutCancel(ctx))
	}()
}

func (a *Adapter) currentHandler() bot.Handler {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handler
}

// startWait is how long an interaction that arrives before Run has started
// waits for it. Discord wants the acknowledgement within 3 seconds, the
// network's share included: past startWait the answer is 503, which
// Discord shows the user as a failure, rather than an answer it ignores.
const startWait = time.Second

// awaitHandler returns the handler, waiting a little (startWait) for Run to
// start: the HTTP server may take requests before the adapter runs. nil
// means the adapter is not running.
func (a *Adapter) awaitHandler(ctx context.Context) bot.Handler {
	if h := a.currentHandler(); h != nil {
		return h
	}
	t := time.NewTimer(startWait)
	defer t.Stop()
	select {
	case <-a.started:
	case <-t.C:
	case <-ctx.Done():
	}
	return a.currentHandler()
}

// JumpURL links to a message: https://discord.com/channels/{guild}/{channel}/{message}
// ("@me" for DMs; without message it links to the channel or thread).
func JumpURL(guild, channel, message string) string {
	if guild == "" {
		guild = "@me"
	}
	u := "https://discord.com/channels/" + guild + "/" + channel
	if message != "" {
		u += "/" + message
	}
	return u
}
