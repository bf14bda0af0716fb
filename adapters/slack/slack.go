// Package slack is paperbot's Slack adapter: /papers over Socket Mode (the
// default: no public URL) or signed HTTP requests, Block Kit rendering of the
// core's neutral messages, app mentions answered in threads, and posting for
// the digest (Poster and Threader) with per-channel pacing, Retry-After on
// 429 and a history check before re-posting a message whose fate is unknown.
//
// Every inbound request is acknowledged first (Socket Mode Ack, or HTTP 200
// with an empty body, which posts nothing); the core then answers through
// the request's response_url, ephemeral unless the message says otherwise.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/replay"
	"github.com/paperbot/paperbot/configs/secret"
	"github.com/paperbot/paperbot/internal/clock"
)

// Connection modes.
const (
	ModeSocket = "socket"
	ModeHTTP   = "http"
)

// Options configure the adapter.
type Options struct {
	// Mode is ModeSocket (default) or ModeHTTP.
	Mode string
	// BotToken is the xoxb- token (needed unless Workspaces is set).
	BotToken secret.Secret
	// Workspaces, when set, gives each workspace's token (OAuth installs,
	// workspaces.go) instead of BotToken.
	Workspaces Workspaces
	// AppToken is the xapp- token with connections:write (Socket Mode).
	AppToken secret.Secret
	// SigningSecret verifies HTTP requests (HTTP mode).
	SigningSecret secret.Secret
	// APIURL overrides the Web API base URL (tests, proxies).
	APIURL string
	// Command is the slash command without "/" (default "papers").
	Command string
	// ResponseHosts are the hosts a response_url may name (https only):
	// default SlackResponseHost. The APIURL's host is accepted too (with
	// its scheme), for test fakes and self-hosted stand-ins. Any other
	// response_url is refused: it would make paperbot post where the
	// request says (server-side request forgery).
	ResponseHosts []string

	// HTTPClient sends Web API calls and response_url replies (default: a
	// client with a 30 s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Clock tells the time (signature windows, event dedupe, pacing) and
	// waits (pacing, Retry-After); tests inject a fake one.
	Clock clock.Clock
	// MaxBody caps a request body in HTTP mode (default DefaultMaxBody).
	MaxBody int64
	// Replay remembers the signed requests accepted in HTTP mode, so that
	// one sent again within its 5-minute window is refused (default: a
	// replay.Memory of this process).
	Replay replay.Guard
	// Seen, when set, is where Events API event_ids are remembered (the
	// replicas' shared state: a retry may reach another replica); default:
	// this process's memory.
	Seen SeenStore
	// PostInterval is the per-channel pacing (default one message a second).
	PostInterval time.Duration
	// Reactions, when set, receives the reactions people add and remove
	// on messages in channels the bot is in (reaction_added,
	// reaction_removed); nil ignores them.
	Reactions bot.ReactionSink
	// Hooks receive counts for metrics; any may be nil.
	Hooks Hooks
}

// Hooks let the caller count what the adapter does (Prometheus in serve).
type Hooks struct {
	// Rejected is called for each refused HTTP request: "unsigned",
	// "stale", "bad_signature", "too_large", "replayed" (a signed request
	// received before), "replay_unchecked" (the Replay guard failed).
	Rejected func(reason string)
	// Received is called for each accepted inbound request: "command",
	// "interaction", "event", "reaction".
	Received func(kind string)
	// DuplicateEvent is called for each event retry that was dropped.
	DuplicateEvent func()
	// RateLimited is called for each 429, with the wait Slack asked for.
	RateLimited func(method string, wait time.Duration)
	// Posted is called for each chat.postMessage outcome: "ok", "error",
	// "recovered" (found in history after an unknown outcome), "unknown".
	Posted func(outcome string)
}

// webAPI is the part of Slack's Web API the adapter uses.
type webAPI interface {
	AuthTestContext(ctx context.Context) (*slackgo.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slackgo.MsgOption) (string, string, error)
	GetPermalinkContext(ctx context.Context, params *slackgo.PermalinkParameters) (string, error)
	GetConversationHistoryContext(ctx context.Context, params *slackgo.GetConversationHistoryParameters) (*slackgo.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slackgo.GetConversationRepliesParameters) ([]slackgo.Message, bool, string, error)
}

var _ webAPI = (*slackgo.Client)(nil)

// Adapter is the Slack adapter. It implements bot.Adapter and bot.Threader,
// and the digest's optional bot.PostFinder, bot.ThreadFinder and
// bot.ReplyCounter (lookup.go).
type Adapter struct {
	opts   Options
	log    *slog.Logger
	client *slackgo.Client
	api    webAPI
	sopts  []slackgo.Option // each workspace's client in distributed mode
	http   *http.Client
	verify *Verifier
	events eventSeen
	pace   *pacer
	work   inflight

	// team is the workspace's team id from auth.test, for posts to a
	// channel named without one (a digest configured with no team).
	team struct {
		mu sync.Mutex
		id string
		// user is the bot's user id from auth.test (its own reactions).
		user string
	}
}

var (
	_ bot.Adapter    = (*Adapter)(nil)
	_ bot.Threader   = (*Adapter)(nil)
	_ bot.TeamFinder = (*Adapter)(nil)
)

// New builds the adapter. It checks the options but does not connect.
func New(opts Options) (*Adapter, error) {
	if opts.Mode == "" {
		opts.Mode = ModeSocket
	}
	if opts.Mode != ModeSocket && opts.Mode != ModeHTTP {
		return nil, fmt.Errorf("slack: mode %q is not %q or %q", opts.Mode, ModeSocket, ModeHTTP)
	}
	if !opts.BotToken.IsSet() && opts.Workspaces == nil {
		return nil, errors.New("slack: a bot token (xoxb-) is required")
	}
	if opts.Mode == ModeSocket && !opts.AppToken.IsSet() {
		return nil, errors.New("slack: Socket Mode needs an app-level token (xapp-) with connections:write")
	}
	if opts.Mode == ModeHTTP && !opts.SigningSecret.IsSet() {
		return nil, errors.New("slack: HTTP mode needs the app's signing secret")
	}
	if opts.Command == "" {
		opts.Command = "papers"
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Replay == nil {
		opts.Replay = replay.NewMemory(opts.Clock.Now, 0)
	}
	if opts.PostInterval <= 0 {
		opts.PostInterval = time.Second
	}
	if len(opts.ResponseHosts) == 0 {
		opts.ResponseHosts = []string{SlackResponseHost}
	}
	log := opts.Logger.With("platform", "slack")
	sopts := []slackgo.Option{
		slackgo.OptionHTTPClient(opts.HTTPClient),
		slackgo.OptionLog(slogWriter{log}),
	}
	if opts.AppToken.IsSet() {
		sopts = append(sopts, slackgo.OptionAppLevelToken(opts.AppToken.Value()))
	}
	if opts.APIURL != "" {
		u := opts.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		sopts = append(sopts, slackgo.OptionAPIURL(u))
	}
	client := slackgo.New(opts.BotToken.Value(), sopts...)
	a := &Adapter{
		opts:   opts,
		log:    log,
		client: client,
		api:    client,
		sopts:  sopts,
		http:   opts.HTTPClient,
		verify: NewVerifier(opts.SigningSecret, opts.Clock),
		events: newEventSeen(opts.Seen, newSeenSet(opts.Clock, time.Hour, 10000), log),
		pace:   newPacer(opts.Clock, opts.PostInterval, 10000),
	}
	return a, nil
}

// Platform is "slack".
func (a *Adapter) Platform() string { return "slack" }

// Mode is the connection mode.
func (a *Adapter) Mode() string { return a.opts.Mode }

// Run receives commands until ctx is done, then waits for the replies in
// flight. In Socket Mode it holds the WebSocket connection; in HTTP mode
// requests come through the routes of HTTPRoutes and Run only waits.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if err := a.checkAuth(ctx); err != nil {
		a.work.CloseAndWait()
		return err
	}
	var err error
	if a.opts.Mode == ModeSocket {
		err = a.runSocket(ctx, h)
	} else {
		<-ctx.Done()
	}
	a.work.CloseAndWait()
	return err
}

// checkAuth calls auth.test: a revoked or wrong bot token stops start-up
// with a clear error; a network failure is only logged (posting will retry
// later).
func (a *Adapter) checkAuth(ctx context.Context) error {
	if a.opts.Workspaces != nil {
		a.log.InfoContext(ctx, "slack connected", "workspaces", "installed through OAuth", "mode", a.opts.Mode)
		return nil
	}
	actx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	res, err := a.api.AuthTestContext(actx)
	if err != nil {
		if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok && tokenRefused(se.Err) {
			return fmt.Errorf("slack: the bot token was refused (%s): check slack.bot_token", se.Err)
		}
		if ctx.Err() != nil {
			return nil
		}
		a.log.WarnContext(ctx, "slack auth.test failed; continuing", "err", err)
		return nil
	}
	a.setTeam(res.TeamID)
	a.team.mu.Lock()
	a.team.user = res.UserID
	a.team.mu.Unlock()
	a.log.InfoContext(ctx, "slack connected", "team", res.TeamID, "team_name", res.Team, "bot_user", res.UserID, "mode", a.opts.Mode)
	return nil
}

func (a *Adapter) setTeam(id string) {
	a.team.mu.Lock()
	a.team.id = id
	a.team.mu.Unlock()
}

// teamID returns the workspace's team id, asking auth.test when start-up
// could not; "" (logged) when Slack does not answer: the post goes ahead.
func (a *Adapter) teamID(ctx context.Context) string {
	if a.opts.Workspaces != nil {
		return ""
	}
	id, err := a.tokenTeam(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "slack auth.test failed; the post is not tied to its workspace", "err", err)
	}
	return id
}

// tokenTeam returns the bot token's workspace (single-workspace mode),
// asking auth.test when start-up could not.
func (a *Adapter) tokenTeam(ctx context.Context) (string, error) {
	a.team.mu.Lock()
	id := a.team.id
	a.team.mu.Unlock()
	if id != "" {
		return id, nil
	}
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		return "", fmt.Errorf("slack auth.test: %w", err)
	}
	a.setTeam(res.TeamID)
	return res.TeamID, nil
}

// ChannelTeam returns the workspace a channel is in (bot.TeamFinder):
// with one bot token, its workspace (auth.test's team_id). With OAuth
// installs a channel id does not say which workspace it is in: the
// subscription needs its team: in the configuration file.
func (a *Adapter) ChannelTeam(ctx context.Context, channel string) (string, error) {
	if a.opts.Workspaces != nil {
		return "", fmt.Errorf("slack: paperbot is installed in several workspaces (slack.oauth), and channel %s does not say which one it is in", channel)
	}
	return a.tokenTeam(ctx)
}

// OneTeam reports whether the adapter posts in one workspace: with a bot
// token (not OAuth installs).
func (a *Adapter) OneTeam() bool { return a.opts.Workspaces == nil }

// dispatch runs the core for one request in the background, after the
// platform was acknowledged. The handler's context does not end with the
// request (or with shutdown): the core's Timeout bounds it. It reports
// whether the work was started (false while shutting down). When ack is
// not nil the work waits for it to close: the acknowledgement goes out
// before any answer.
func (a *Adapter) dispatch(ctx context.Context, h bot.Handler, req *bot.Request, rw bot.Responder, ack <-chan struct{}) bool {
	ctx = context.WithoutCancel(ctx)
	return a.work.Go(func() {
		if ack != nil {
			<-ack
		}
		defer func() {
			if p := recover(); p != nil {
				a.log.ErrorContext(ctx, "slack reply panicked", "channel", req.Channel, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		if !a.installed(ctx, req, rw) {
			return
		}
		if err := h.Handle(ctx, req, rw); err != nil {
			a.log.DebugContext(ctx, "command ended with an error (already answered)", "kind", fault.KindOf(err).String(), "err", err)
		}
	})
}

// slogWriter lets slack-go's logger write to slog (debug level).
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Output(_ int, s string) error {
	w.log.Debug(strings.TrimSpace(s))
	return nil
}
