package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browserRequired reports whether a missing Chromium fails the browser
// tests instead of skipping them (.ci/run sets it).
func browserRequired() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("PAPERBOT_TEST_BROWSER_REQUIRED"))) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

// chromium finds Debian's chromium, or skips the test (fails it where
// PAPERBOT_TEST_BROWSER_REQUIRED is set).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (apt-get install chromium): the install page's browser tests need it"
	if browserRequired() {
		t.Fatal(msg + "; PAPERBOT_TEST_BROWSER_REQUIRED is set, so they must run")
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts headless Chromium for the test and returns a tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, tcancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { tcancel(); cancel(); acancel() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// page is what a page shows: its heading, its text, its URL.
type page struct{ h1, text, url string }

func read(t *testing.T, ctx context.Context) page {
	t.Helper()
	var p page
	err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("h1")))
	if err == nil {
		p.h1, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	}
	if err == nil {
		p.text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	}
	if err == nil {
		p.url, err = chromedp.Run(ctx, chromedp.Location())
	}
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return p
}

// startInstall opens the install page and clicks "Add to Slack": the
// browser is then on the fake Slack's consent page.
func startInstall(t *testing.T, ctx context.Context, s *installServe) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/slack/install"), chromedp.WaitVisible(chromedp.CSS("#add-to-slack")),
		chromedp.Click(chromedp.CSS("#add-to-slack")), chromedp.WaitVisible(chromedp.CSS("#allow"))); err != nil {
		t.Fatalf("install page → Slack: %v", err)
	}
}

// consent clicks Allow (or Cancel) on the fake Slack's page and reads the
// page paperbot shows.
func consent(t *testing.T, ctx context.Context, button string) page {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
		t.Fatalf("clicking %s: %v", button, err)
	}
	waitH1 := func() bool {
		h, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("h1") ? document.querySelector("h1").textContent : ""`))
		return h != "" && !strings.Contains(h, "requesting permission")
	}
	waitFor(t, "paperbot's page after "+button, waitH1)
	return read(t, ctx)
}

func wantPage(t *testing.T, what string, p page, h1 string, text ...string) {
	t.Helper()
	if !strings.Contains(p.h1, h1) {
		t.Errorf("%s: heading %q, want %q (page: %s)", what, p.h1, h1, p.text)
	}
	for _, s := range text {
		if !strings.Contains(p.text, s) {
			t.Errorf("%s: the page lacks %q:\n%s", what, s, p.text)
		}
	}
}

// The install flow end to end in headless Chromium against `paperbot
// serve` and a fake Slack: the install page (lang, keyboard focus visible,
// no script), the consent, the success page; then every way it can go
// wrong (cancel, Slack refusing the code, an expired link, a reused link,
// another browser's link); then two workspaces answered each with its own
// token and seeing only their own subscriptions, one uninstalled without
// touching the other; and no token, client secret or key in the logs,
// the metrics, the pages or the answers.
func TestInstallInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	s := startInstallServe(t)
	var pages []string
	keep := func(p page) page { pages = append(pages, p.text); return p }

	// The install page itself: language, a visible keyboard focus on the
	// button, no script, the cookie's attributes.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/slack/install"), chromedp.WaitVisible(chromedp.CSS("#add-to-slack"))); err != nil {
		t.Fatal(err)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	lang := eval(`document.documentElement.lang`)
	scripts := eval(`String(document.querySelectorAll("script").length)`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	focused := eval(`document.activeElement.id`)
	outline := eval(`getComputedStyle(document.activeElement).outlineStyle + " " + getComputedStyle(document.activeElement).outlineWidth`)
	if lang != "en" || scripts != "0" {
		t.Errorf("install page: lang %q, %s scripts; want en and none", lang, scripts)
	}
	if focused != "add-to-slack" || strings.HasPrefix(outline, "none") || strings.HasSuffix(outline, " 0px") {
		t.Errorf("after Tab the focus is on %q with outline %q; want the Add to Slack button, visibly outlined", focused, outline)
	}
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.base + "/slack/oauth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	cookies := res.Cookies
	if len(cookies) != 1 || !cookies[0].HTTPOnly || cookies[0].SameSite != network.CookieSameSiteLax {
		t.Errorf("install cookie: %+v; want one, HttpOnly, SameSite=Lax", cookies)
	}

	// 1. The user cancels on Slack's page.
	s.slack.setNext("T1", false)
	startInstall(t, ctx, s)
	wantPage(t, "cancel", keep(consent(t, ctx, "#cancel")), "Install cancelled", "nothing was installed")

	// 2. Slack refuses the code.
	s.slack.setNext("T1", true)
	startInstall(t, ctx, s)
	wantPage(t, "refused", keep(consent(t, ctx, "#allow")), "Slack refused the install", "invalid_code", "nothing was stored")

	// 3. The link expired while the user was on Slack's page.
	s.slack.setNext("T1", false)
	startInstall(t, ctx, s)
	s.age(11 * time.Minute)
	wantPage(t, "expired", keep(consent(t, ctx, "#allow")), "This install link expired", "10 minutes")

	// 4. The link was made for another browser (its cookie is not this one's).
	startInstall(t, ctx, s)
	consentURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/slack/install"), chromedp.WaitVisible(chromedp.CSS("#add-to-slack")),
		chromedp.Navigate(consentURL), chromedp.WaitVisible(chromedp.CSS("#allow"))); err != nil {
		t.Fatal(err)
	}
	wantPage(t, "wrong browser", keep(consent(t, ctx, "#allow")), "started in another browser", "Nothing was installed")

	// 5. The real thing: T1 installs.
	startInstall(t, ctx, s)
	ok := keep(consent(t, ctx, "#allow"))
	wantPage(t, "install T1", ok, "paperbot is installed in Team T1", "/papers help")
	// 6. The same callback again (reload, back button): used already.
	if err := chromedp.Do(ctx, chromedp.Navigate(ok.url)); err != nil {
		t.Fatal(err)
	}
	wantPage(t, "reused", keep(read(t, ctx)), "used already", "Each install link works once")
	// 7. A second workspace.
	s.slack.setNext("T2", false)
	startInstall(t, ctx, s)
	wantPage(t, "install T2", keep(consent(t, ctx, "#allow")), "paperbot is installed in Team T2")

	checkTenants(t, s)
	checkNoSecrets(t, s, pages)
}

// checkTenants: each workspace is answered with its own token and sees its
// own subscriptions; an unknown one is told where to install; uninstalling
// one leaves the other as it was.
func checkTenants(t *testing.T, s *installServe) {
	if got := s.command(t, "T1", "C1", "security risk assessment"); !strings.Contains(got, "Security") {
		t.Errorf("T1 /papers: %q, want the sample's security paper", got)
	}
	if got := s.command(t, "T9", "C9", "security"); !strings.Contains(got, "not installed") || !strings.Contains(got, s.base+"/slack/install") {
		t.Errorf("unknown workspace: %q, want where to install", got)
	}
	for _, c := range [][2]string{{"T1", "C1"}, {"T2", "C2"}} {
		if got := s.command(t, c[0], c[1], "subscribe at 09:00 tz UTC"); !strings.Contains(strings.ToLower(got), "digest") {
			t.Errorf("%s subscribe: %q", c[0], got)
		}
	}
	subsOf := func(team string) string { return s.command(t, team, "C"+team[1:], "subscriptions") }
	if got := subsOf("T1"); !strings.Contains(got, "c1-papers") || strings.Contains(got, "c2-papers") {
		t.Errorf("T1 subscriptions: %q, want C1's only", got)
	}
	if got := subsOf("T2"); !strings.Contains(got, "c2-papers") || strings.Contains(got, "c1-papers") {
		t.Errorf("T2 subscriptions: %q, want C2's only", got)
	}
	// App mentions are answered in their thread with the workspace's own
	// token (the fake knows the workspace by the token alone).
	mention := func(team, channel, id string) {
		s.event(t, team, id, map[string]any{"type": "app_mention", "user": "U-" + team, "text": "<@UB" + team + "> 2205.13760", "ts": "1700000001.000100", "channel": channel, "team": team})
	}
	mention("T1", "CM1", "Ev1")
	mention("T2", "CM2", "Ev2")
	waitFor(t, "both mentions answered", func() bool { return len(s.slack.postsOf("CM1")) > 0 && len(s.slack.postsOf("CM2")) > 0 })
	for ch, team := range map[string]string{"CM1": "T1", "CM2": "T2"} {
		for _, p := range s.slack.postsOf(ch) {
			if p.team != team {
				t.Errorf("the answer in %s was posted with %s's token, want %s's", ch, p.team, team)
			}
		}
	}

	// T1 uninstalls: its token and subscriptions go; T2 stays as it was.
	s.slack.revoke("T1")
	s.event(t, "T1", "Ev3", map[string]any{"type": "app_uninstalled"})
	waitFor(t, "T1 forgotten", func() bool { return strings.Contains(s.logs.String(), "slack workspace uninstalled") })
	if got := s.command(t, "T1", "C1", "security"); !strings.Contains(got, "not installed") {
		t.Errorf("T1 after uninstalling: %q, want 'not installed'", got)
	}
	if got := subsOf("T2"); !strings.Contains(got, "c2-papers") {
		t.Errorf("T2 subscriptions after T1 uninstalled: %q", got)
	}
	mention("T2", "CM2", "Ev4")
	waitFor(t, "T2 still answered", func() bool { return len(s.slack.postsOf("CM2")) >= 2 })
	if !strings.Contains(s.logs.String(), "subscriptions_deleted=1") {
		t.Errorf("T1's subscription was not deleted with it:\n%s", s.logs)
	}
}

// checkNoSecrets greps everything paperbot said for the tokens, the client
// secret and the key: the log, the metrics, the pages, the answers, and
// the state file (which holds the tokens sealed).
func checkNoSecrets(t *testing.T, s *installServe, pages []string) {
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `paperbot_slack_installs_total{outcome="ok"} 2`) {
		t.Errorf("metrics lack the two installs")
	}
	for _, o := range []string{"cancelled", "refused", "expired", "wrong_browser", "reused"} {
		if !strings.Contains(string(metrics), `paperbot_slack_installs_total{outcome="`+o+`"} 1`) {
			t.Errorf("metrics lack one %s install", o)
		}
	}
	s.slack.mu.Lock()
	var answers []string
	for _, as := range s.slack.answers {
		for _, a := range as {
			answers = append(answers, a["text"].(string))
		}
	}
	secrets := []string{installClientSecret, installKey}
	for tok := range s.slack.tokens {
		secrets = append(secrets, tok)
	}
	s.slack.mu.Unlock()
	secrets = append(secrets, "xoxb-T1-") // T1's revoked token too
	s.stop()
	state, err := os.ReadFile(s.state)
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{
		"log": s.logs.String(), "metrics": string(metrics), "pages": strings.Join(pages, "\n"),
		"answers": strings.Join(answers, "\n"), "state file": string(state),
	} {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("the %s holds a secret (%.12s…)", where, secret)
			}
		}
	}
}
