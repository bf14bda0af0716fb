package oauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"

	"github.com/paperbot/paperbot/adapters/slack/oauth"
	"github.com/paperbot/paperbot/bot/install"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/configs/secret"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Sleep is not used by the install service.
func (c *clock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeAccess is oauth.v2.access: codes and refresh grants, each refresh
// giving a new pair.
type fakeAccess struct {
	mu       sync.Mutex
	refresh  int
	grants   []string
	failNext bool
}

func (f *fakeAccess) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.FormValue("client_secret") != "cs" {
		io.WriteString(w, `{"ok":false,"error":"invalid_client_id"}`)
		return
	}
	f.grants = append(f.grants, r.FormValue("grant_type")+":"+r.FormValue("refresh_token")+r.FormValue("code"))
	if f.failNext {
		f.failNext = false
		io.WriteString(w, `{"ok":false,"error":"invalid_refresh_token"}`)
		return
	}
	f.refresh++
	json.NewEncoder(w).Encode(map[string]any{
		"ok": true, "access_token": "xoxe.xoxb-" + string(rune('0'+f.refresh)), "refresh_token": "xoxe-1-r" + string(rune('0'+f.refresh)),
		"expires_in": 43200, "token_type": "bot", "team": map[string]string{"id": "T1", "name": "One"}, "app_id": "A1",
	})
}

func newService(t *testing.T, c *clock, fa *fakeAccess, subs oauth.Subscriptions, discord string) (*oauth.Service, *store.DB, *install.Keyring) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := httptest.NewServer(fa)
	t.Cleanup(srv.Close)
	ring, _ := install.NewKeyring(bytes.Repeat([]byte{7}, 32))
	if subs == nil {
		subs = db
	}
	s, err := oauth.New(oauth.Options{
		ClientID: "cid", ClientSecret: secret.New("cs"), RedirectURL: "https://bot.example.org/slack/oauth/callback",
		APIURL: srv.URL + "/api/", Keyring: ring, Store: db, Subscriptions: subs, Clock: c, DiscordAppID: discord,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, db, ring
}

// A rotating token is renewed before it expires (10 minutes before), with
// grant_type=refresh_token and the stored refresh token, and the new pair
// is stored sealed; a failed refresh keeps the still-valid token, and an
// expired token whose refresh fails is an error, not the dead token.
func TestTokenRotation(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	fa := &fakeAccess{}
	s, db, ring := newService(t, c, fa, nil, "")
	sealed, _ := ring.Seal("slack", "T1", install.Credentials{BotToken: "xoxe.xoxb-0", RefreshToken: "xoxe-1-r0"})
	if err := db.PutInstallation(t.Context(), install.Installation{Platform: "slack", Team: "T1", Sealed: sealed, ExpiresAt: c.Now().Add(12 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tok := func() string {
		t.Helper()
		v, err := s.BotToken(t.Context(), "T1")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := tok(); got != "xoxe.xoxb-0" || len(fa.grants) != 0 {
		t.Fatalf("fresh token: %q, %d refreshes", got, len(fa.grants))
	}
	c.add(12*time.Hour - 11*time.Minute)
	if got := tok(); got != "xoxe.xoxb-0" {
		t.Fatalf("11 minutes before expiry: %q, want the old token", got)
	}
	c.add(2 * time.Minute) // 9 minutes left: renewed
	if got := tok(); got != "xoxe.xoxb-1" || fa.grants[0] != "refresh_token:xoxe-1-r0" {
		t.Fatalf("9 minutes before expiry: %q, grants %v", got, fa.grants)
	}
	in, _, _ := db.Installation(t.Context(), "slack", "T1")
	creds, _, err := ring.Open("slack", "T1", in.Sealed)
	if err != nil || creds.BotToken != "xoxe.xoxb-1" || creds.RefreshToken != "xoxe-1-r1" || !in.ExpiresAt.Equal(c.Now().Add(12*time.Hour)) {
		t.Errorf("stored pair %v/%v expiring %v, err %v", creds.BotToken == "xoxe.xoxb-1", creds.RefreshToken == "xoxe-1-r1", in.ExpiresAt, err)
	}
	// The next refresh fails while the token is still valid: it is used.
	c.add(12*time.Hour - 5*time.Minute)
	fa.failNext = true
	if got := tok(); got != "xoxe.xoxb-1" {
		t.Errorf("failed refresh, token still valid: %q", got)
	}
	// Expired and the refresh fails: an error.
	c.add(10 * time.Minute)
	fa.mu.Lock()
	fa.failNext = true
	fa.mu.Unlock()
	if _, err := s.BotToken(t.Context(), "T1"); err == nil || strings.Contains(err.Error(), "xoxe") {
		t.Errorf("expired, refresh failed: err %v", err)
	}
	if _, err := s.BotToken(t.Context(), "T9"); !errors.Is(err, install.ErrNotInstalled) {
		t.Errorf("unknown team: %v", err)
	}
}

// Uninstalling forgets the workspace's installation and its channels'
// subscriptions made from chat, and nothing of another workspace. The
// configuration file's subscription there stays (the operator's; the
// digest skips it until the workspace installs the app again): it was
// deleted, and back at the next start.
func TestUninstalled(t *testing.T) {
	c := &clock{t: time.Now()}
	s, db, ring := newService(t, c, &fakeAccess{}, nil, "")
	ctx := t.Context()
	for _, team := range []string{"T1", "T2"} {
		sealed, _ := ring.Seal("slack", team, install.Credentials{BotToken: "xoxb-" + team})
		db.PutInstallation(ctx, install.Installation{Platform: "slack", Team: team, Sealed: sealed})
		db.PutSubscription(ctx, digest.Subscription{Platform: "slack", Team: team, Channel: "C" + team, Time: "09:00", Zone: "UTC", Top: 3})
	}
	db.PutSubscription(ctx, digest.Subscription{Platform: "discord", Team: "T1", Channel: "D1", Time: "09:00", Zone: "UTC", Top: 3})
	db.PutSubscription(ctx, digest.Subscription{Platform: "slack", Team: "T1", Channel: "CCONFIG", Time: "09:00", Zone: "UTC", Top: 3, Source: digest.SourceConfig})
	if err := s.Uninstalled(ctx, "T1"); err != nil {
		t.Fatal(err)
	}
	subs, _ := db.Subscriptions(ctx)
	var left []string
	for _, sub := range subs {
		left = append(left, sub.Channel)
	}
	if slices.Sort(left); strings.Join(left, ",") != "CCONFIG,CT2,D1" {
		t.Errorf("subscriptions left: %v, want the configuration's, CT2 and the Discord one", left)
	}
	if _, err := s.BotToken(ctx, "T1"); !errors.Is(err, install.ErrNotInstalled) {
		t.Errorf("T1 after uninstall: %v", err)
	}
	if tok, err := s.BotToken(ctx, "T2"); err != nil || tok != "xoxb-T2" {
		t.Errorf("T2 after T1 uninstalled: %v", err)
	}
}

// The install page links Discord's invite with the bot and
// applications.commands scopes and docs/discord.md's permissions, and
// sets the cookie Secure behind HTTPS.
func TestInstallPage(t *testing.T) {
	s, _, _ := newService(t, &clock{t: time.Now()}, &fakeAccess{}, nil, "998877")
	rec := httptest.NewRecorder()
	s.Routes()["GET /slack/install"].ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slack/install", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`lang="en"`, `id="add-to-slack"`, "scope=commands%2Cchat%3Awrite",
		`https://discord.com/oauth2/authorize?client_id=998877&amp;permissions=309237730304&amp;scope=bot&#43;applications.commands`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("install page lacks %s", want)
		}
	}
	ck := rec.Result().Cookies()
	if len(ck) != 1 || !ck[0].Secure || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || ck[0].MaxAge != 600 {
		t.Errorf("cookie %+v", ck)
	}
	if rec.Header().Get("Referrer-Policy") != "no-referrer" || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("headers %v", rec.Header())
	}
}
