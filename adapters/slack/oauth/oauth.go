// Package oauth installs paperbot in any Slack workspace: the install page
// with its "Add to Slack" button (and the Discord invite when Discord is
// configured), the OAuth v2 callback that exchanges the code with
// oauth.v2.access and keeps the workspace's bot token sealed in the state
// store, the token of each workspace for the adapter (refreshed before it
// expires when the app rotates tokens), and the clean-up when a workspace
// uninstalls the app.
//
// The OAuth state. The install page gives the browser a cookie (random,
// HttpOnly, SameSite=Lax, Secure behind HTTPS, 10 minutes) and puts in the
// authorize link a state that carries a nonce and its expiry, signed with
// HMAC-SHA256 under a key derived from the encryption key and bound to the
// cookie. The callback checks the signature against the browser's cookie
// (another browser, or a forged state, fails), the expiry, and then marks
// the nonce used in the state store's seen keys (SeenWithin): the one
// record is written only when a state is spent, and in PostgreSQL it is
// shared by every replica, so a state works on whichever replica Slack's
// redirect reaches and works once. Signing rather than storing each state
// means that a page view writes nothing: crawlers and reloads cannot fill
// the store.
package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/internal/clock"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/install"
	"github.com/paperbot/paperbot/configs/secret"
)

// Routes.
const (
	PathInstall  = "/slack/install"
	PathCallback = "/slack/oauth/callback"
)

// StateLife is how long an install link works.
const StateLife = 10 * time.Minute

// refreshMargin is how long before its expiry a rotating token is renewed.
const refreshMargin = 10 * time.Minute

// DefaultAuthorizeURL is Slack's OAuth v2 authorize page.
const DefaultAuthorizeURL = "https://slack.com/oauth/v2/authorize"

// DiscordPermissions is the permission integer of docs/discord.md (View
// Channels, Send Messages, Send Messages in Threads, Create Public
// Threads, Embed Links, Read Message History).
const DiscordPermissions = 309237730304

// cookieName holds the browser's binding secret.
const cookieName = "paperbot_slack_install"

const platform = "slack"

// Store keeps the installations and the spent states.
type Store interface {
	PutInstallation(ctx context.Context, in install.Installation) error
	Installation(ctx context.Context, platform, team string) (install.Installation, bool, error)
	Installations(ctx context.Context, platform string) ([]install.Installation, error)
	DeleteInstallation(ctx context.Context, platform, team string) (bool, error)
	SeenWithin(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Subscriptions are the digest subscriptions, cleaned up on uninstall.
type Subscriptions interface {
	Subscriptions(ctx context.Context) ([]digest.Subscription, error)
	DeleteSubscription(ctx context.Context, platform, channel string) (bool, error)
}

// Options configure the Service.
type Options struct {
	// ClientID and ClientSecret are the app's (Basic Information →
	// App Credentials).
	ClientID     string
	ClientSecret secret.Secret
	// RedirectURL is the public URL of the callback, as entered in the
	// app's OAuth & Permissions → Redirect URLs.
	RedirectURL string
	// AuthorizeURL overrides Slack's authorize page (tests).
	AuthorizeURL string
	// APIURL overrides the Web API base URL for oauth.v2.access (tests).
	APIURL string
	// Scopes are the bot scopes asked for.
	Scopes []string
	// Keyring seals the tokens and signs the states.
	Keyring *install.Keyring
	Store   Store
	// Subscriptions, when set, lose a workspace's channels when it
	// uninstalls the app.
	Subscriptions Subscriptions
	// DiscordAppID, when set, adds the Discord invite to the install page.
	DiscordAppID string
	// Command is the slash command without "/" (default "papers").
	Command    string
	HTTPClient *http.Client
	Logger     *slog.Logger
	Clock      clock.Clock
	// Installed, when set, counts the callbacks by outcome ("ok",
	// "cancelled", "no_code", "bad_state", "expired", "wrong_browser",
	// "reused", "refused", "error").
	Installed func(outcome string)
}

// Service serves the install pages and gives the adapter each workspace's
// token.
type Service struct {
	opts Options
	log  *slog.Logger
	page *template.Template

	// refreshing serialises the refresh of one workspace's token.
	refreshing sync.Map // team → *sync.Mutex
}

//go:embed templates/page.html
var templates embed.FS

// New checks the options and builds the service.
func New(opts Options) (*Service, error) {
	switch {
	case opts.ClientID == "":
		return nil, errors.New("slack oauth: no client id")
	case !opts.ClientSecret.IsSet():
		return nil, errors.New("slack oauth: no client secret")
	case opts.Keyring == nil:
		return nil, errors.New("slack oauth: no encryption key")
	case opts.Store == nil:
		return nil, errors.New("slack oauth: no state store for the installations")
	}
	if u, err := url.Parse(opts.RedirectURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("slack oauth: the redirect URL %q is not an http(s) URL", opts.RedirectURL)
	}
	if opts.AuthorizeURL == "" {
		opts.AuthorizeURL = DefaultAuthorizeURL
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
	if len(opts.Scopes) == 0 {
		opts.Scopes = DefaultScopes
	}
	t, err := template.ParseFS(templates, "templates/page.html")
	if err != nil {
		return nil, err
	}
	return &Service{opts: opts, log: opts.Logger.With("platform", "slack"), page: t}, nil
}

// DefaultScopes are the bot scopes of configs/slack-app-manifest.yaml.
var DefaultScopes = []string{"commands", "chat:write", "chat:write.public", "app_mentions:read", "channels:history", "groups:history"}

// Routes are the install page and the callback, keyed by ServeMux pattern.
func (s *Service) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET " + PathInstall:  http.HandlerFunc(s.serveInstall),
		"GET " + PathCallback: http.HandlerFunc(s.serveCallback),
	}
}

// InstallURL is the public address of the install page (the redirect
// URL's origin).
func (s *Service) InstallURL() string {
	u, _ := url.Parse(s.opts.RedirectURL)
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: PathInstall}).String()
}

// apiURL is the Web API base for the OAuth calls.
func (s *Service) oauthOptions() []slackgo.OAuthOption {
	if s.opts.APIURL == "" {
		return nil
	}
	u := s.opts.APIURL
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return []slackgo.OAuthOption{slackgo.OAuthOptionAPIURL(u)}
}

// --- the OAuth state ---

const nonceSize = 16

// bindingSize is the length of the browser binding in a state.
const bindingSize = 16

// payloadSize is a state's signed part: the nonce, the expiry (Unix
// seconds) and the browser binding.
const payloadSize = nonceSize + 8 + bindingSize

// newState signs a nonce, its expiry and the binding to the browser
// holding cookie. The signature covers the payload alone, so that a state
// that was changed (or made elsewhere) is told from a genuine state
// brought back by another browser (whose binding does not match).
func (s *Service) newState(cookie string, now time.Time) string {
	payload := make([]byte, 0, payloadSize)
	payload = append(payload, make([]byte, nonceSize)...)
	_, _ = rand.Read(payload[:nonceSize])
	payload = binary.BigEndian.AppendUint64(payload, uint64(now.Add(StateLife).Unix()))
	payload = append(payload, s.binding(cookie)...)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s *Service) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.opts.Keyring.StateKey())
	m.Write([]byte("paperbot slack oauth state\x00"))
	m.Write(payload)
	return m.Sum(nil)
}

// binding ties a state to the browser's cookie without showing it.
func (s *Service) binding(cookie string) []byte {
	m := hmac.New(sha256.New, s.opts.Keyring.StateKey())
	m.Write([]byte("paperbot slack oauth browser\x00"))
	m.Write([]byte(cookie))
	return m.Sum(nil)[:bindingSize]
}

// Why a state was refused.
var (
	errBadState     = errors.New("the state is not one this server made")
	errExpired      = errors.New("the state expired")
	errWrongBrowser = errors.New("the state belongs to another browser")
	errReused       = errors.New("the state was used already")
)

// checkState verifies a state for the browser's cookie and spends it.
func (s *Service) checkState(ctx context.Context, state, cookie string, now time.Time) error {
	p, sig, ok := strings.Cut(state, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil || len(payload) != payloadSize || len(mac) != sha256.Size || !hmac.Equal(mac, s.mac(payload)) {
		return errBadState
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(payload[nonceSize:])), 0)
	if now.After(expires) {
		return errExpired
	}
	if cookie == "" || !hmac.Equal(payload[nonceSize+8:], s.binding(cookie)) {
		return errWrongBrowser
	}
	seen, err := s.opts.Store.SeenWithin(ctx, "slack-oauth-state:"+p, StateLife+time.Minute)
	if err != nil {
		return fmt.Errorf("recording the state as used: %w", err)
	}
	if seen {
		return errReused
	}
	return nil
}

// browserCookie returns the browser's binding secret, or makes one.
func browserCookie(r *http.Request) (string, bool) {
	if c, err := r.Cookie(cookieName); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil && len(b) == 32 {
			return c.Value, true
		}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b), false
}

// secure reports whether the browser reached us over HTTPS (directly, or
// through a proxy that says so, or as the public redirect URL says).
func (s *Service) secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") || strings.HasPrefix(s.opts.RedirectURL, "https://")
}

func (s *Service) setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: value, Path: "/slack/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// --- pages ---

type link struct{ URL, Label string }

type pageData struct {
	Title, Heading, Notice, Kind string
	Paras                        []string
	Slack, Open, Discord, Again  *link
	Command                      string
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	d.Command = s.opts.Command
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The callback's URL holds the code: no Referer leaves this page.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := s.page.Execute(w, d); err != nil {
		s.log.WarnContext(r.Context(), "slack install page", "err", err)
	}
}

func (s *Service) discordLink() *link {
	if s.opts.DiscordAppID == "" {
		return nil
	}
	q := url.Values{"client_id": {s.opts.DiscordAppID}, "scope": {"bot applications.commands"}, "permissions": {fmt.Sprint(DiscordPermissions)}}
	return &link{URL: "https://discord.com/oauth2/authorize?" + q.Encode(), Label: "Add to Discord"}
}

func (s *Service) again() *link {
	return &link{URL: PathInstall, Label: "Start again from the install page"}
}

// serveInstall shows the install page: the "Add to Slack" link with a new
// state bound to this browser.
func (s *Service) serveInstall(w http.ResponseWriter, r *http.Request) {
	cookie, _ := browserCookie(r)
	s.setCookie(w, r, cookie, int(StateLife/time.Second))
	q := url.Values{
		"client_id":    {s.opts.ClientID},
		"scope":        {strings.Join(s.opts.Scopes, ",")},
		"redirect_uri": {s.opts.RedirectURL},
		"state":        {s.newState(cookie, s.opts.Clock.Now())},
	}
	d := pageData{
		Title: "Install paperbot", Heading: "Install paperbot",
		Paras: []string{
			"paperbot looks research papers up and answers in your channels: search with /" + s.opts.Command + ", show a paper, find similar ones, and subscribe a channel to a daily digest of trending papers.",
			"Adding it to Slack takes you to Slack, where a workspace admin (or anyone allowed to install apps) approves it. This link works for " + fmt.Sprint(int(StateLife/time.Minute)) + " minutes, in this browser.",
		},
		Slack: &link{URL: s.opts.AuthorizeURL + "?" + q.Encode(), Label: "Add to Slack"},
	}
	if dl := s.discordLink(); dl != nil {
		d.Paras = append(d.Paras, "On Discord, invite the bot to a server you manage (it needs the Manage Server permission there).")
		d.Discord = dl
	}
	s.render(w, r, http.StatusOK, d)
}

func (s *Service) outcome(o string) {
	if s.opts.Installed != nil {
		s.opts.Installed(o)
	}
}

// failure shows what went wrong and how to go on.
func (s *Service) failure(w http.ResponseWriter, r *http.Request, status int, outcome, heading, notice string, paras ...string) {
	s.outcome(outcome)
	s.log.InfoContext(r.Context(), "slack install not completed", "outcome", outcome, "remote", r.RemoteAddr)
	s.render(w, r, status, pageData{Title: heading, Heading: heading, Notice: notice, Kind: "error", Paras: paras, Again: s.again()})
}

// serveCallback is where Slack sends the browser back.
func (s *Service) serveCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			s.outcome("cancelled")
			s.render(w, r, http.StatusOK, pageData{
				Title: "Install cancelled", Heading: "Install cancelled", Kind: "info",
				Notice: "You cancelled the install on Slack's page, so nothing was installed and nothing was stored.",
				Paras:  []string{"If that was a mistake, start again; an admin may also need to approve the app for your workspace."},
				Again:  s.again(),
			})
			return
		}
		what := "an error that is not one of Slack's error codes"
		if errorCode(e) {
			what = "an error (" + e + ")"
		}
		s.failure(w, r, http.StatusBadRequest, "refused", "Slack did not install paperbot",
			"Slack sent the browser back with "+what+", so nothing was installed.")
		return
	}
	// Without a code there is nothing to install: say so, and leave the
	// state unspent, so that the same install can still finish.
	code := q.Get("code")
	if code == "" {
		what := "an authorization code (the code parameter Slack adds when the install is approved)"
		if q.Get("state") == "" {
			what += " and the state of the install page's link"
		}
		s.failure(w, r, http.StatusBadRequest, "no_code", "Slack sent no code",
			"The address that brought you here lacks "+what+", so nothing was installed.",
			"Start from the install page and approve the app on Slack's page; Slack then sends you back here with the code.")
		return
	}
	cookie := ""
	if c, err := r.Cookie(cookieName); err == nil {
		cookie = c.Value
	}
	now := s.opts.Clock.Now()
	if err := s.checkState(ctx, q.Get("state"), cookie, now); err != nil {
		switch {
		case errors.Is(err, errExpired):
			s.failure(w, r, http.StatusBadRequest, "expired", "This install link expired",
				fmt.Sprintf("Install links work for %d minutes and this one is older. Nothing was installed.", int(StateLife/time.Minute)))
		case errors.Is(err, errWrongBrowser):
			s.failure(w, r, http.StatusBadRequest, "wrong_browser", "This install was started in another browser",
				"The install link belongs to another browser, or this browser's cookie for this site was cleared or blocked. Nothing was installed.",
				"Start again from the install page in the browser you will finish in, with cookies allowed for this site.")
		case errors.Is(err, errReused):
			s.failure(w, r, http.StatusBadRequest, "reused", "This install link was used already",
				"Each install link works once, and this one has been used (a reload, or the back button, sends it again). Nothing more was installed.",
				"If the first try did not finish, start again from the install page.")
		case errors.Is(err, errBadState):
			s.failure(w, r, http.StatusBadRequest, "bad_state", "This install link is not valid",
				"The link that brought you here does not carry a valid state from this server's install page: it was changed or cut short, or it did not come from here. Nothing was installed.")
		default:
			s.log.ErrorContext(ctx, "slack install: the state could not be checked", "err", err)
			s.failure(w, r, http.StatusServiceUnavailable, "error", "paperbot could not finish the install",
				"paperbot could not check the install link right now (its state store did not answer). Nothing was installed; try again in a minute.")
		}
		return
	}
	// The cookie stays until it expires: a reload of this page is then
	// told that the link was used, not that it came from another browser.
	res, err := slackgo.GetOAuthV2ResponseContext(ctx, s.opts.HTTPClient, s.opts.ClientID, s.opts.ClientSecret.Value(), code, s.opts.RedirectURL, s.oauthOptions()...)
	if err != nil {
		reason := slackReason(err)
		s.log.WarnContext(ctx, "slack oauth.v2.access refused the code", "reason", reason)
		shown := reason
		if _, ok := errors.AsType[*url.Error](err); ok {
			// The network error names the server's own network (its
			// addresses, resolver, proxy): the log has it.
			shown = "no answer from Slack"
		}
		s.failure(w, r, http.StatusBadGateway, "refused", "Slack refused the install",
			"Slack did not accept the install ("+shown+"), so nothing was stored.",
			"This happens when the link is used twice, took too long, or the app's redirect URL or credentials do not match this server's configuration. Start again; if it keeps failing, the person running paperbot should check slack.oauth in its configuration.")
		return
	}
	in, err := s.save(ctx, res, now)
	if err != nil {
		// An org-wide install has no team id: the line names what Slack
		// sent (the enterprise), never team="".
		attrs := append(nonEmptyAttrs("team", res.Team.ID, "enterprise", res.Enterprise.ID), "err", err)
		if fault.Is(err, fault.Invalid) {
			s.log.WarnContext(ctx, "slack install: not stored", attrs...)
		} else {
			s.log.ErrorContext(ctx, "slack install: storing the installation failed", attrs...)
		}
		s.failure(w, r, http.StatusInternalServerError, "error", "paperbot could not finish the install",
			fault.UserMessage(err)+" Nothing was stored; start again.")
		return
	}
	s.outcome("ok")
	s.log.InfoContext(ctx, "slack workspace installed", "team", in.Team, "team_name", in.TeamName, "by", in.InstalledBy, "rotating", !in.ExpiresAt.IsZero())
	d := pageData{
		Title: "paperbot is installed", Heading: "paperbot is installed in " + nonEmpty(in.TeamName, in.Team), Kind: "ok",
		Notice: "Done: paperbot can now answer in " + nonEmpty(in.TeamName, "your workspace") + ".",
		Paras: []string{
			"Next step: type /" + s.opts.Command + " help in any channel to see what it can do, or /" + s.opts.Command + " followed by a few words to search papers.",
			"To get a daily digest of trending papers in a channel, type /" + s.opts.Command + " subscribe there (invite @paperbot to private channels first).",
		},
		Open: &link{URL: "https://slack.com/app_redirect?" + url.Values{"app": {in.AppID}, "team": {in.Team}}.Encode(), Label: "Open Slack"},
	}
	if in.AppID == "" {
		d.Open = nil
	}
	d.Discord = s.discordLink()
	s.render(w, r, http.StatusOK, d)
}

// nonEmptyAttrs is the key-value pairs whose values are set: a log line
// says nothing rather than team="" for an id Slack did not send.
func nonEmptyAttrs(kv ...string) []any {
	var attrs []any
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			attrs = append(attrs, kv[i], kv[i+1])
		}
	}
	return attrs
}

// save seals the workspace's tokens and stores its installation.
func (s *Service) save(ctx context.Context, res *slackgo.OAuthV2Response, now time.Time) (install.Installation, error) {
	switch {
	case res.IsEnterpriseInstall || res.Team.ID == "":
		return install.Installation{}, fault.New(fault.Invalid, "slack: org-wide installs are not supported; install paperbot in a workspace.")
	case res.AccessToken == "" || (res.TokenType != "" && res.TokenType != "bot"):
		return install.Installation{}, fault.New(fault.Invalid, "slack: Slack's answer held no bot token.")
	}
	in := install.Installation{
		Platform: platform, Team: res.Team.ID, TeamName: res.Team.Name, Enterprise: res.Enterprise.ID,
		AppID: res.AppID, BotUserID: res.BotUserID, Scopes: res.Scope, InstalledBy: res.AuthedUser.ID, InstalledAt: now.UTC(),
	}
	return in, s.store(ctx, in, install.Credentials{BotToken: res.AccessToken, RefreshToken: res.RefreshToken}, res.ExpiresIn, now)
}

// store seals c into in and writes it.
func (s *Service) store(ctx context.Context, in install.Installation, c install.Credentials, expiresIn int, now time.Time) error {
	in.ExpiresAt = time.Time{}
	if c.RefreshToken != "" && expiresIn > 0 {
		in.ExpiresAt = now.Add(time.Duration(expiresIn) * time.Second).UTC()
	}
	sealed, err := s.opts.Keyring.Seal(in.Platform, in.Team, c)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "")
	}
	in.Sealed = sealed
	return s.opts.Store.PutInstallation(ctx, in)
}

// slackReason is the error code Slack gave (never a token or a URL).
func slackReason(err error) string {
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok && se.Err != "" {
		return se.Err
	}
	if sc, ok := errors.AsType[slackgo.StatusCodeError](err); ok {
		return fmt.Sprintf("HTTP %d", sc.Code)
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return "no answer: " + ue.Err.Error()
	}
	return "no usable answer"
}

// errorCode reports whether s has the shape of Slack's error codes
// (access_denied, invalid_scope): only such a code is shown on the page.
// Anyone can link to the callback with error=<a sentence>, which the page
// on paperbot's own address would otherwise repeat to whoever follows it.
func errorCode(s string) bool {
	return len(s) > 0 && len(s) <= 64 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") == ""
}

func nonEmpty(s, or string) string {
	if s == "" {
		return or
	}
	return s
}
