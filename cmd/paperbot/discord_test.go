package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
)

// The RFC 8032 test key: its public half is the key in PLATFORM-RULES.md's
// Discord vector; the test signs interactions with the private half.
const (
	discordTestSeed   = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	discordTestPublic = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	discordTestToken  = "discord-serve-test-token"
)

// discordLog is a log sink safe for serve and the test to share.
type discordLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *discordLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *discordLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func writeDiscordConfig(t *testing.T, apiURL, extra string) (string, func(string) string) {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`data_dir: %s
http:
  addr: 127.0.0.1:0
log:
  level: debug
discord:
  token: ${DISCORD_BOT_TOKEN}
  public_key: %s
  api_url: %s
%s`, filepath.Join(dir, "data"), discordTestPublic, apiURL, extra)
	path := filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, func(k string) string {
		if k == "DISCORD_BOT_TOKEN" {
			return discordTestToken
		}
		return ""
	}
}

// startDiscordServe runs `paperbot serve --config path` until ctx ends and
// returns its HTTP address and a channel with serve's result.
func startDiscordServe(t *testing.T, ctx context.Context, cfgPath string, getenv func(string) string, stderr io.Writer) (string, <-chan error) {
	t.Helper()
	ready := make(chan string, 1)
	e := &env{getenv: getenv, stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr, onReady: func(addr string) { ready <- addr }}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, e, []string{"--config", cfgPath}) }()
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

func interactionJSON(token, sub, option, value string) string {
	b, _ := json.Marshal(map[string]any{
		"id": "30000000000000001", "application_id": "10000000000000001", "type": 2, "token": token, "version": 1,
		"guild_id": "11", "channel_id": "22", "channel": map[string]any{"id": "22", "name": "ml-papers"},
		"member": map[string]any{"user": map[string]any{"id": "33", "username": "ada"}},
		"data": map[string]any{"id": "1", "name": "papers", "type": 1, "options": []any{map[string]any{
			"name": sub, "type": 1, "options": []any{map[string]any{"name": option, "type": 3, "value": value}},
		}}},
	})
	return string(b)
}

// Over real loopback HTTP against `paperbot serve` in Discord HTTP mode: a
// signed PING gets {"type":1}; a signed /papers gets a deferred response at
// once and its answer arrives as a PATCH of @original at the fake Discord
// API; a bad signature gets 401 and runs nothing; the token stays out of
// the log.
func TestServeDiscordHTTP(t *testing.T) {
	fake := discordtest.New(t)
	ackSeen := make(chan struct{})
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Method == http.MethodPatch {
			// Hold the answer until the test has the acknowledgement: an
			// adapter that answered before acknowledging would deadlock here
			// and fail on the client's 3 s timeout.
			<-ackSeen
		}
		return nil
	})
	cfgPath, getenv := writeDiscordConfig(t, fake.URL, "  mode: http\n")
	var logs discordLog
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := startDiscordServe(t, ctx, cfgPath, getenv, &logs)
	endpoint := "http://" + addr + "/discord/interactions"

	seed, _ := hex.DecodeString(discordTestSeed)
	priv := ed25519.NewKeyFromSeed(seed)
	client := &http.Client{Timeout: 3 * time.Second}
	post := func(body string, sign func(ts string) string) (int, string) {
		t.Helper()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", sign(ts))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	signed := func(body string) func(string) string {
		return func(ts string) string { return hex.EncodeToString(ed25519.Sign(priv, []byte(ts+body))) }
	}

	// A bad signature: 401, and nothing runs (checked after shutdown, which
	// waits for every reply in flight).
	bad := interactionJSON("bad-token", "search", "query", "tranception")
	if code, body := post(bad, signed(bad+" ")); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d %s, want 401", code, body)
	}
	if code, body := post(`{"type":1}`, signed(`{"type":1}`)); code != http.StatusOK || body != `{"type":1}` {
		t.Errorf("PING: %d %s", code, body)
	}
	cmd := interactionJSON("good-token", "search", "query", "tranception")
	start := time.Now()
	code, body := post(cmd, signed(cmd))
	if code != http.StatusOK || body != `{"type":5,"data":{"flags":64}}` {
		t.Fatalf("/papers: %d %s, want a deferred ephemeral response", code, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("acknowledged after %s, over Discord's 3 s", d)
	}
	close(ackSeen)
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	edit, err := fake.WaitFor(wctx, func(r discordtest.Request) bool {
		return r.Method == http.MethodPatch && r.Path == "/webhooks/10000000000000001/good-token/messages/@original"
	})
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Embeds []struct {
			Title string `json:"title"`
		} `json:"embeds"`
		AllowedMentions struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	if err := edit.JSON(&answer); err != nil {
		t.Fatal(err)
	}
	if len(answer.Embeds) == 0 || !strings.Contains(strings.ToLower(answer.Embeds[0].Title), "tranception") {
		t.Errorf("answer = %s, want the Tranception paper", edit.Body)
	}
	if answer.AllowedMentions.Parse == nil {
		t.Errorf("answer without allowed_mentions: %s", edit.Body)
	}
	if got := edit.Header.Get("Authorization"); got != "Bot "+discordTestToken {
		t.Errorf("Authorization = %q", got)
	}

	// The metrics count the refusal and the interactions.
	mresp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{
		`paperbot_discord_rejected_requests_total{reason="bad_signature"} 1`,
		`paperbot_discord_interactions_total{kind="command"} 1`,
		`paperbot_discord_interactions_total{kind="ping"} 1`,
	} {
		if !strings.Contains(string(metricsText), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r.Path, "bad-token") {
			t.Errorf("the badly signed interaction ran: %s %s", r.Method, r.Path)
		}
	}
	if strings.Contains(logs.String(), discordTestToken) {
		t.Error("the bot token reached the log")
	}
}

// register-commands sends the core's commands to Discord's bulk overwrite,
// in the guild given, and --dry-run sends nothing.
func TestRegisterCommands(t *testing.T) {
	fake := discordtest.New(t)
	cfgPath, getenv := writeDiscordConfig(t, fake.URL, "  application_id: \"10000000000000001\"\n  guild_id: \"555\"\n")
	cfg, err := loadConfig(cfgPath, &env{getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	specs, err := commandSpecs(cfg)
	if err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"register-commands", "--config", cfgPath, "--dry-run"}, getenv, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr.String())
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("dry run sent %d requests", n)
	}
	dry := stdout.String()

	for _, tt := range []struct {
		args []string
		path string
	}{
		{nil, "/applications/10000000000000001/guilds/555/commands"},
		{[]string{"--guild", "777"}, "/applications/10000000000000001/guilds/777/commands"},
		{[]string{"--global"}, "/applications/10000000000000001/commands"},
	} {
		stdout.Reset()
		stderr.Reset()
		args := append([]string{"register-commands", "--config", cfgPath}, tt.args...)
		if code := run(context.Background(), args, getenv, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr.String())
		}
		reqs := fake.Requests()
		last := reqs[len(reqs)-1]
		if last.Method != http.MethodPut || last.Path != tt.path {
			t.Errorf("%v: sent %s %s, want PUT %s", tt.args, last.Method, last.Path, tt.path)
		}
		var cmds []struct {
			Name    string `json:"name"`
			Options []struct {
				Name string `json:"name"`
				Type int    `json:"type"`
			} `json:"options"`
		}
		if err := last.JSON(&cmds); err != nil {
			t.Fatal(err)
		}
		if len(cmds) != 1 || cmds[0].Name != "papers" || len(cmds[0].Options) != len(specs) {
			t.Fatalf("%v: sent %s", tt.args, last.Body)
		}
		for i, s := range specs {
			if o := cmds[0].Options[i]; o.Name != s.Name || o.Type != 1 {
				t.Errorf("subcommand %d = %+v, want %s", i, o, s.Name)
			}
		}
		var sent, printed any
		_ = json.Unmarshal(last.Body, &sent)
		_ = json.Unmarshal([]byte(dry), &printed)
		if a, b := fmt.Sprint(sent), fmt.Sprint(printed); a != b {
			t.Errorf("--dry-run printed something else than what is sent:\n%s\n%s", b, a)
		}
		if !strings.Contains(stdout.String(), "registered /papers") {
			t.Errorf("stdout = %q", stdout.String())
		}
	}

	if code := run(context.Background(), []string{"register-commands", "--config", cfgPath, "--global", "--guild", "1"}, getenv, strings.NewReader(""), &stdout, &stderr); code != 2 {
		t.Errorf("--global with --guild: exit %d, want 2", code)
	}
}

// A Discord subscription of the configuration file without guild: whose
// server cannot be found (the bot was removed from it: GET /channels/{id}
// answers 403 Missing Access) is reported at start-up as a configuration
// problem, naming the file, its line and what to do; it was a warning
// without either, and no server's /papers subscriptions lists it.
func TestServeReportsAConfiguredChannelWithoutServer(t *testing.T) {
	fake := discordtest.New(t)
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Method == http.MethodGet && r.Path == "/channels/999" {
			return &discordtest.Response{Status: http.StatusForbidden, Body: map[string]any{"message": "Missing Access", "code": 50001}}
		}
		return nil
	})
	cfgPath, getenv := writeDiscordConfig(t, fake.URL, "  mode: http\ndigest:\n  subscriptions:\n    - platform: discord\n      channel: \"999\"\n")
	var logs discordLog
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, done := startDiscordServe(t, ctx, cfgPath, getenv, &logs)
	want := cfgPath + ":13:7: digest.subscriptions[0]: discord channel 999: its server could not be found"
	waitFor(t, "the report", func() bool { return strings.Contains(logs.String(), want) })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	for _, w := range []string{"level=ERROR", "Missing Access", "Add the bot to the server again, give the subscription its guild:, or remove it"} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("the log does not say %q:\n%s", w, logs.String())
		}
	}
}
