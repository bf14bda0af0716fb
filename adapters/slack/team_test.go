package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/install"
	"github.com/paperbot/paperbot/configs/secret"
)

// ChannelTeam (bot.TeamFinder) is the bot token's workspace, from
// auth.test, asked once it answers; its failure is an error that says
// so. With OAuth installs it cannot tell, and the adapter is not in one
// workspace.
func TestChannelTeam(t *testing.T) {
	var calls, fail atomic.Int32
	fail.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/auth.test" {
			http.NotFound(w, r)
			return
		}
		calls.Add(1)
		if fail.Load() == 1 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, map[string]any{"ok": true, "user_id": "UBOT", "team": "Lab", "team_id": "T42"})
	}))
	defer srv.Close()
	build := func(ws Workspaces) *Adapter {
		a, err := New(Options{Mode: ModeHTTP, BotToken: secret.New("xoxb-test"), SigningSecret: secret.New(testSecret),
			APIURL: srv.URL + "/api/", HTTPClient: &http.Client{Timeout: 10 * time.Second}, Workspaces: ws})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	ctx := context.Background()
	a := build(nil)
	if !a.OneTeam() {
		t.Error("a bot token's adapter is not in one workspace")
	}
	if team, err := a.ChannelTeam(ctx, "C1"); err == nil || !strings.Contains(err.Error(), "auth.test") {
		t.Errorf("Slack down: %q, %v; want an error naming auth.test", team, err)
	}
	fail.Store(0)
	for _, ch := range []string{"C1", "C2"} {
		if team, err := a.ChannelTeam(ctx, ch); err != nil || team != "T42" {
			t.Errorf("ChannelTeam(%s) = %q, %v; want T42", ch, team, err)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("auth.test called %d times, want 2 (once failing, once answering)", n)
	}

	o := build(noWorkspaces{})
	if o.OneTeam() {
		t.Error("an adapter with OAuth installs is in one workspace")
	}
	if team, err := o.ChannelTeam(ctx, "C1"); err == nil || !strings.Contains(err.Error(), "C1") {
		t.Errorf("OAuth installs: %q, %v; want an error naming the channel", team, err)
	}
}

// noWorkspaces is an OAuth install list with no workspace.
type noWorkspaces struct{}

func (noWorkspaces) BotToken(context.Context, string) (string, error) {
	return "", install.ErrNotInstalled
}
func (noWorkspaces) Uninstalled(context.Context, string) error { return nil }
func (noWorkspaces) InstallURL() string                        { return "https://example.org/slack/install" }

// CheckChannel (bot.ChannelChecker) refuses a private channel the bot is
// not in (channel_not_found) with what to do, takes a public channel it
// has not joined (chat:write.public posts there), and says nothing is
// wrong when it cannot tell.
func TestCheckChannel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		switch ch := r.Form.Get("channel"); {
		case r.URL.Path != "/api/conversations.history":
			http.NotFound(w, r)
		case ch == "GPRIVATE":
			writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		case ch == "CPUBLIC":
			writeJSON(w, map[string]any{"ok": false, "error": "not_in_channel"})
		case ch == "CBROKEN":
			http.Error(w, "down", http.StatusInternalServerError)
		default:
			writeJSON(w, map[string]any{"ok": true, "messages": []any{}})
		}
	}))
	defer srv.Close()
	a, err := New(Options{Mode: ModeHTTP, BotToken: secret.New("xoxb-test"), SigningSecret: secret.New(testSecret),
		APIURL: srv.URL + "/api/", HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = a.CheckChannel(ctx, "T1", "GPRIVATE")
	if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.UserMessage(err), "/invite @paperbot") {
		t.Errorf("private channel: %v (%q)", err, fault.UserMessage(err))
	}
	for _, ch := range []string{"CPUBLIC", "CMEMBER"} {
		if err := a.CheckChannel(ctx, "T1", ch); err != nil {
			t.Errorf("%s: %v", ch, err)
		}
	}
	if err := a.CheckChannel(ctx, "T1", "CBROKEN"); err == nil || fault.Is(err, fault.Invalid) {
		t.Errorf("Slack down: %v, want an error that is not a refusal", err)
	}
}

// CheckTeam (bot.TeamChecker): a workspace without an installation
// (uninstalled) is fault.NotFound, saying so; in single-workspace mode
// every team can be posted in (the configured token).
func TestCheckTeam(t *testing.T) {
	build := func(ws Workspaces) *Adapter {
		a, err := New(Options{Mode: ModeHTTP, BotToken: secret.New("xoxb-test"), SigningSecret: secret.New(testSecret), Workspaces: ws})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	err := build(noWorkspaces{}).CheckTeam(t.Context(), "T1")
	if !fault.Is(err, fault.NotFound) || !strings.Contains(fault.UserMessage(err), "not installed in this Slack workspace (T1)") {
		t.Errorf("uninstalled workspace: %v (%q)", err, fault.UserMessage(err))
	}
	if err := build(nil).CheckTeam(t.Context(), "T1"); err != nil {
		t.Errorf("single workspace: %v", err)
	}
}

// With one bot token, a workspace that uninstalled the app (or revoked the
// token) is told by auth.test refusing the token: CheckTeam then says so
// (bot.TeamChecker), and the digest skips the day instead of trying every
// post five times. A token that works, or Slack not answering, posts as
// usual.
func TestCheckTeamWithOneToken(t *testing.T) {
	var answer atomic.Value
	answer.Store("ok")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch a := answer.Load().(string); a {
		case "ok":
			writeJSON(w, map[string]any{"ok": true, "user_id": "UBOT", "team": "Lab", "team_id": "T42"})
		case "down":
			http.Error(w, "down", http.StatusServiceUnavailable)
		default:
			writeJSON(w, map[string]any{"ok": false, "error": a})
		}
	}))
	defer srv.Close()
	a, err := New(Options{Mode: ModeHTTP, BotToken: secret.New("xoxb-test"), SigningSecret: secret.New(testSecret),
		APIURL: srv.URL + "/api/", HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.CheckTeam(ctx, "T42"); err != nil {
		t.Fatalf("a working token: %v", err)
	}
	for _, code := range []string{"account_inactive", "token_revoked", "invalid_auth"} {
		answer.Store(code)
		err := a.CheckTeam(ctx, "T42")
		if !fault.Is(err, fault.NotFound) || !strings.Contains(fault.UserMessage(err), "refuses the configured slack.bot_token ("+code) {
			t.Errorf("%s: %v (%q), want fault.NotFound saying the token is refused", code, err, fault.UserMessage(err))
		}
	}
	for _, code := range []string{"down", "ratelimited"} {
		answer.Store(code)
		if err := a.CheckTeam(ctx, "T42"); err != nil {
			t.Errorf("%s: %v, want nil (cannot tell: post as usual)", code, err)
		}
	}
}
