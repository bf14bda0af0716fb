package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// slackLogBuffer is a bytes.Buffer safe for a logger and a test to share.
type slackLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *slackLogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *slackLogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSlackServe runs `paperbot serve --config path` (the serve command of
// run, with an env whose onReady hook reports the HTTP address) until ctx
// ends. It returns the address and a channel with serve's result.
func startSlackServe(t *testing.T, ctx context.Context, cfgPath string, getenv func(string) string, stderr io.Writer) (string, <-chan error) {
	t.Helper()
	return startServeEnv(t, ctx, cfgPath, &env{getenv: getenv, stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr})
}

// startServeEnv is startSlackServe in an env of the test's own (its
// onReady is set here).
func startServeEnv(t *testing.T, ctx context.Context, cfgPath string, e *env) (string, <-chan error) {
	t.Helper()
	ready := make(chan string, 1)
	e.onReady = func(addr string) { ready <- addr }
	var serveCmd *command
	for _, c := range commands() {
		if c.name == "serve" {
			serveCmd = &c
		}
	}
	done := make(chan error, 1)
	go func() { done <- serveCmd.run(ctx, e, []string{"--config", cfgPath}) }()
	select {
	case addr := <-ready:
		return addr, done
	case err := <-done:
		t.Fatalf("serve ended before it was ready: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not get ready within 60s")
	}
	return "", nil
}

// formType is the content type of Slack's slash commands.
const formType = "application/x-www-form-urlencoded"

// slackAuthAPI is a fake Slack Web API whose every method (auth.test at
// the start) answers ok; closed when the test ends.
func slackAuthAPI(t *testing.T) *httptest.Server {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true,"team":"Test","user_id":"UBOT","team_id":"T1"}`))
	}))
	t.Cleanup(api.Close)
	return api
}

func slackSign(secret string, ts int64, body string) (string, string) {
	tss := strconv.FormatInt(ts, 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", tss, body)
	return tss, "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Over real loopback HTTP against `paperbot serve` in Slack HTTP mode: a
// signed /papers gets its 200 before the answer is sent, and within 3 s;
// the answer arrives at the response_url; bad or stale signatures get 401
// and run nothing; ssl_check gets 200; no secret reaches the log.
func TestServeSlackHTTP(t *testing.T) {
	const (
		botToken = "xoxb-111-222-serve-test-token"
		secret   = "serve-test-signing-secret-0123456789"
	)
	// The fake Web API: auth.test only (answers go to response_url).
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/auth.test") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true,"team":"Test","user_id":"UBOT","team_id":"T1"}`))
	}))
	defer api.Close()

	// The response_url holds each answer until the test has seen the ack:
	// if the adapter answered before acknowledging, the ack would never
	// come (the client's 3 s timeout fails the test).
	ackSeen := make(chan struct{})
	answers := make(chan map[string]any, 8)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ackSeen
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answers <- m
		w.Write([]byte("ok"))
	}))
	defer sink.Close()

	dir := t.TempDir()
	cfg := fmt.Sprintf(`data_dir: %s
http:
  addr: 127.0.0.1:0
slack:
  mode: http
  bot_token: ${SLACK_BOT_TOKEN}
  signing_secret: ${SLACK_SIGNING_SECRET}
  api_url: %s/api/
`, filepath.Join(dir, "data"), api.URL)
	cfgPath := filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SLACK_BOT_TOKEN": botToken, "SLACK_SIGNING_SECRET": secret}
	getenv := func(k string) string { return vars[k] }
	var logs slackLogBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := startSlackServe(t, ctx, cfgPath, getenv, &logs)
	base := "http://" + addr

	client := &http.Client{Timeout: 3 * time.Second}
	post := func(body string, ts int64, sig string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
			req.Header.Set("X-Slack-Signature", sig)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST /slack/commands: %v (no acknowledgement within 3 s)", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	form := url.Values{
		"team_id": {"T1"}, "channel_id": {"C1"}, "channel_name": {"ml-papers"}, "user_id": {"U1"},
		"user_name": {"ada"}, "command": {"/papers"}, "text": {"security risk assessment"},
		"response_url": {sink.URL + "/commands/T1/1/abc"}, "trigger_id": {"1.2.3"}, "api_app_id": {"A1"},
	}.Encode()

	// Bad and stale signatures first: 401, and nothing runs.
	now := time.Now().Unix()
	_, good := slackSign(secret, now, form)
	_, wrong := slackSign("another-secret", now, form)
	_, stale := slackSign(secret, now-301, form)
	for _, c := range []struct {
		name string
		ts   int64
		sig  string
	}{{"wrong secret", now, wrong}, {"stale", now - 301, stale}, {"unsigned", 0, ""}, {"lolno", now, "v0=lolno"}} {
		if resp := post(form, c.ts, c.sig); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", c.name, resp.StatusCode)
		}
	}
	// ssl_check gets 200 and nothing else.
	ssl := "ssl_check=1&token=x"
	_, sslSig := slackSign(secret, now, ssl)
	if resp := post(ssl, now, sslSig); resp.StatusCode != http.StatusOK {
		t.Errorf("ssl_check: status %d, want 200", resp.StatusCode)
	}

	// The signed command: 200 first (within the client's 3 s), then the answer.
	resp := post(form, now, good)
	if resp.StatusCode != http.StatusOK || resp.ContentLength > 0 {
		t.Fatalf("signed command: status %d length %d, want an empty 200", resp.StatusCode, resp.ContentLength)
	}
	close(ackSeen)
	var answer map[string]any
	select {
	case answer = <-answers:
	case <-time.After(20 * time.Second):
		t.Fatal("no answer at the response_url")
	}
	if answer["response_type"] != "ephemeral" {
		t.Errorf("response_type = %v, want ephemeral", answer["response_type"])
	}
	if txt, _ := answer["text"].(string); !strings.Contains(txt, "Security") {
		t.Errorf("answer text = %q, want the sample's security paper", txt)
	}
	if blocks, _ := answer["blocks"].([]any); len(blocks) == 0 {
		t.Error("answer has no blocks")
	}

	// The metrics saw one command and four refusals.
	mresp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{
		`paperbot_slack_rejected_requests_total{reason="bad_signature"} 2`,
		`paperbot_slack_rejected_requests_total{reason="stale"} 1`,
		`paperbot_slack_rejected_requests_total{reason="unsigned"} 1`,
		`paperbot_slack_requests_total{kind="command"} 1`,
	} {
		if !strings.Contains(string(metricsText), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	// serve waited for replies in flight: nothing else was answered.
	if n := len(answers); n != 0 {
		t.Errorf("%d more answers arrived; the refused requests ran", n)
	}

	// A restart remembers what was received: the same signed command,
	// replayed within its 5-minute window, is refused and runs nothing.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	addr, done = startSlackServe(t, ctx2, cfgPath, getenv, &logs)
	base = "http://" + addr
	if resp := post(form, now, good); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the command replayed after a restart: status %d, want 401", resp.StatusCode)
	}
	cancel2()
	if err := <-done; err != nil {
		t.Errorf("serve after the restart: %v", err)
	}
	if n := len(answers); n != 0 {
		t.Errorf("the replayed command was answered after a restart")
	}

	out := logs.String()
	for _, s := range []string{botToken, secret} {
		if strings.Contains(out, s) {
			t.Errorf("a secret appears in the log:\n%s", out)
		}
	}
}

// The app manifest creates what the adapter needs: /papers, the bot
// scopes, the app_mention event, interactivity and Socket Mode.
func TestSlackAppManifest(t *testing.T) {
	data, err := os.ReadFile("../../configs/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Display struct {
			Name            string `yaml:"name"`
			Description     string `yaml:"description"`
			LongDescription string `yaml:"long_description"`
		} `yaml:"display_information"`
		Features struct {
			BotUser struct {
				DisplayName string `yaml:"display_name"`
			} `yaml:"bot_user"`
			SlashCommands []struct {
				Command string `yaml:"command"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				IsEnabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Display.Name == "" || len(m.Display.Description) > 140 || len(m.Display.LongDescription) < 175 || m.Features.BotUser.DisplayName == "" {
		t.Errorf("display information out of Slack's bounds: %+v", m.Display)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/papers" {
		t.Errorf("slash commands = %+v, want /papers", m.Features.SlashCommands)
	}
	for _, s := range []string{"commands", "chat:write", "app_mentions:read", "channels:history", "groups:history"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("bot scopes lack %s", s)
		}
	}
	if !slices.Contains(m.Settings.Events.BotEvents, "app_mention") || !m.Settings.Interactivity.IsEnabled || !m.Settings.SocketMode {
		t.Errorf("settings = %+v, want app_mention, interactivity and Socket Mode", m.Settings)
	}
}
