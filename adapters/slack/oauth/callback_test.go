package oauth_test

import (
	"bytes"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/slack/oauth"
	"github.com/paperbot/paperbot/bot/install"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/configs/secret"
)

// callbackRig is an install service with its outcomes and log recorded.
type callbackRig struct {
	s    *oauth.Service
	db   *store.DB
	mu   sync.Mutex
	outs []string
	logs bytes.Buffer
}

func newCallbackRig(t *testing.T, access http.Handler) *callbackRig {
	t.Helper()
	srv := httptest.NewServer(access)
	t.Cleanup(srv.Close)
	return newCallbackRigAt(t, srv.URL+"/api/")
}

// newCallbackRigAt is a callbackRig whose Slack Web API is at apiURL.
func newCallbackRigAt(t *testing.T, apiURL string) *callbackRig {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ring, _ := install.NewKeyring(bytes.Repeat([]byte{7}, 32))
	rig := &callbackRig{db: db}
	rig.s, err = oauth.New(oauth.Options{
		ClientID: "cid", ClientSecret: secret.New("cs"), RedirectURL: "https://bot.example.org/slack/oauth/callback",
		APIURL: apiURL, Keyring: ring, Store: db, Subscriptions: db, Clock: &clock{t: time.Now()},
		Logger: slog.New(slog.NewTextHandler(&rig.logs, nil)),
		Installed: func(o string) {
			rig.mu.Lock()
			rig.outs = append(rig.outs, o)
			rig.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rig
}

// start opens the install page: the browser's cookie and the state of
// its "Add to Slack" link.
func (rig *callbackRig) start(t *testing.T) (cookie *http.Cookie, state string) {
	t.Helper()
	rec := httptest.NewRecorder()
	rig.s.Routes()["GET /slack/install"].ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slack/install", nil))
	m := regexp.MustCompile(`href="([^"]*oauth/v2/authorize[^"]*)"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no Add to Slack link:\n%s", rec.Body)
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0], u.Query().Get("state")
}

// back is Slack sending the browser back with query.
func (rig *callbackRig) back(t *testing.T, cookie *http.Cookie, query url.Values) (status int, body, outcome string) {
	t.Helper()
	rig.mu.Lock()
	n := len(rig.outs)
	rig.mu.Unlock()
	req := httptest.NewRequest(http.MethodGet, "/slack/oauth/callback?"+query.Encode(), nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	rig.s.Routes()["GET /slack/oauth/callback"].ServeHTTP(rec, req)
	rig.mu.Lock()
	defer rig.mu.Unlock()
	if len(rig.outs) != n+1 {
		t.Fatalf("%d outcomes counted for one callback: %v", len(rig.outs)-n, rig.outs[n:])
	}
	return rec.Code, rec.Body.String(), rig.outs[n]
}

// A callback with a state but no code says the code is missing and
// leaves the state unspent: the same install then finishes.
func TestCallbackWithoutCodeKeepsTheState(t *testing.T) {
	rig := newCallbackRig(t, &fakeAccess{})
	cookie, state := rig.start(t)
	status, body, outcome := rig.back(t, cookie, url.Values{"state": {state}})
	if status != http.StatusBadRequest || outcome != "no_code" || !strings.Contains(body, "lacks an authorization code") {
		t.Errorf("no code: %d %s\n%s", status, outcome, body)
	}
	if strings.Contains(body, "and the state") {
		t.Errorf("the page says the state is missing too:\n%s", body)
	}
	status, body, outcome = rig.back(t, cookie, url.Values{"state": {state}, "code": {"c1"}})
	if status != http.StatusOK || outcome != "ok" {
		t.Errorf("the same state with its code after a call without: %d %s\n%s", status, outcome, body)
	}
	// Neither: both are named.
	_, body, outcome = rig.back(t, cookie, url.Values{})
	if outcome != "no_code" || !strings.Contains(body, "and the state of the install page") {
		t.Errorf("nothing: %s\n%s", outcome, body)
	}
}

// A state whose signature or payload was changed is an invalid link, not
// "another browser"; a genuine state in another browser is.
func TestTamperedStateIsInvalidNotWrongBrowser(t *testing.T) {
	rig := newCallbackRig(t, &fakeAccess{})
	cookie, state := rig.start(t)
	payload, sig, _ := strings.Cut(state, ".")
	flip := func(s string) string {
		c := "A"
		if s[len(s)/2] == 'A' {
			c = "B"
		}
		return s[:len(s)/2] + c + s[len(s)/2+1:]
	}
	for name, bad := range map[string]string{
		"signature changed": payload + "." + flip(sig),
		"payload changed":   flip(payload) + "." + sig,
		"cut short":         payload,
	} {
		status, body, outcome := rig.back(t, cookie, url.Values{"state": {bad}, "code": {"c1"}})
		if status != http.StatusBadRequest || outcome != "bad_state" || !strings.Contains(body, "This install link is not valid") || strings.Contains(body, "another browser") {
			t.Errorf("%s: %d %s\n%s", name, status, outcome, body)
		}
	}
	other, _ := rig.start(t)
	if _, _, outcome := rig.back(t, other, url.Values{"state": {state}, "code": {"c1"}}); outcome != "wrong_browser" {
		t.Errorf("a genuine state in another browser: %s", outcome)
	}
	if _, _, outcome := rig.back(t, nil, url.Values{"state": {state}, "code": {"c1"}}); outcome != "wrong_browser" {
		t.Errorf("a genuine state without the cookie: %s", outcome)
	}
	// The tampered tries spent nothing: the genuine state still works.
	if _, body, outcome := rig.back(t, cookie, url.Values{"state": {state}, "code": {"c1"}}); outcome != "ok" {
		t.Errorf("the genuine state after tampered ones: %s\n%s", outcome, body)
	}
}

// An org-wide install (no team id) is logged with what Slack sent, never
// with an empty team.
func TestOrgInstallLogsNoEmptyTeam(t *testing.T) {
	access := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"ok": true, "access_token": "xoxb-org", "token_type": "bot", "is_enterprise_install": true,
			"team": nil, "enterprise": map[string]string{"id": "E1", "name": "Org"}, "app_id": "A1",
		})
	})
	rig := newCallbackRig(t, access)
	cookie, state := rig.start(t)
	_, body, outcome := rig.back(t, cookie, url.Values{"state": {state}, "code": {"c1"}})
	if outcome != "error" || !strings.Contains(body, "org-wide installs are not supported") {
		t.Errorf("org install: %s\n%s", outcome, body)
	}
	logs := rig.logs.String()
	if regexp.MustCompile(`team=(""|\s|$)`).MatchString(logs) {
		t.Errorf("a log line with an empty team:\n%s", logs)
	}
	if !strings.Contains(logs, "enterprise=E1") {
		t.Errorf("the log does not name the enterprise:\n%s", logs)
	}
}

// The error Slack sends the browser back with is shown when it is one of
// Slack's error codes (snake_case); other text is not: anyone can link to
// the callback with error=<a sentence>, and the page on the bot's own
// address repeated it ("…an error (your workspace is compromised, call
// …)"). Neither is the callback's outcome changed.
func TestCallbackErrorShowsOnlyAnErrorCode(t *testing.T) {
	rig := newCallbackRig(t, &fakeAccess{})
	_, body, outcome := rig.back(t, nil, url.Values{"error": {"invalid_team_for_non_distributed_app"}})
	if outcome != "refused" || !strings.Contains(body, "(invalid_team_for_non_distributed_app)") {
		t.Errorf("a Slack error code: %s\n%s", outcome, body)
	}
	for _, bad := range []string{"Your workspace was compromised, call +1 555 0100", "x<script>", "réinstallez", "a_b c"} {
		status, body, outcome := rig.back(t, nil, url.Values{"error": {bad}})
		if status != http.StatusBadRequest || outcome != "refused" || strings.Contains(html.UnescapeString(body), bad) || !strings.Contains(body, "an error that is not one of Slack") {
			t.Errorf("error=%q: %d %s\n%s", bad, status, outcome, body)
		}
	}
}

// When Slack cannot be reached for the code's exchange, the page says so
// without the network error, which names the server's own network (an
// address, its resolver, its proxy): "no answer: dial tcp 127.0.0.1:…:
// connect: connection refused" was shown to whoever installed. The log
// keeps it.
func TestCallbackHidesNetworkErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	addr := closed.Listener.Addr().String()
	closed.Close()
	rig := newCallbackRigAt(t, "http://"+addr+"/api/")
	cookie, state := rig.start(t)
	status, body, outcome := rig.back(t, cookie, url.Values{"state": {state}, "code": {"c1"}})
	if status != http.StatusBadGateway || outcome != "refused" || !strings.Contains(body, "no answer from Slack") {
		t.Errorf("Slack unreachable: %d %s\n%s", status, outcome, body)
	}
	host, _, _ := strings.Cut(addr, ":")
	for _, leak := range []string{host, "dial", "connection refused"} {
		if strings.Contains(body, leak) {
			t.Errorf("the page shows %q:\n%s", leak, body)
		}
	}
	if logs := rig.logs.String(); !strings.Contains(logs, "connection refused") {
		t.Errorf("the log does not say why:\n%s", logs)
	}
}
