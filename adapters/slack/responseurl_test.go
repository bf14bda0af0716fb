package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/configs/secret"
)

// checkResponseURL accepts https URLs on hooks.slack.com, and the
// configured API URL's host (test fakes); nothing else.
func TestCheckResponseURLOnlySlack(t *testing.T) {
	slack := &Adapter{opts: Options{ResponseHosts: []string{SlackResponseHost}}}
	fake := &Adapter{opts: Options{ResponseHosts: []string{SlackResponseHost}, APIURL: "http://127.0.0.1:5555/api/"}}
	for _, c := range []struct {
		a    *Adapter
		url  string
		want bool
	}{
		{slack, "https://hooks.slack.com/commands/T1/1/abc", true},
		{slack, "https://HOOKS.slack.com:443/actions/T1/1/abc", true},
		{slack, "http://hooks.slack.com/commands/T1/1/abc", false},
		{slack, "https://hooks.slack.com:8443/commands/T1/1/abc", false},
		{slack, "https://hooks.slack.com.evil.example/commands", false},
		{slack, "https://evil.example@hooks.slack.com/commands", false},
		{slack, "https://evil.example/commands", false},
		{slack, "http://127.0.0.1:9801/ssrf", false},
		{slack, "http://169.254.169.254/latest/meta-data/", false},
		{fake, "http://127.0.0.1:9801/commands/T1", true},
		{fake, "https://hooks.slack.com/commands/T1/1/abc", true},
		{fake, "http://10.0.0.1/commands/T1", false},
	} {
		err := c.a.checkResponseURL(c.url)
		if (err == nil) != c.want {
			t.Errorf("checkResponseURL(%q) with API URL %q: %v, want accepted=%v", c.url, c.a.opts.APIURL, err, c.want)
		}
	}
}

// A signed slash command or button press whose response_url is not
// Slack's gets a 400 and a log line, and paperbot posts nothing there
// (before, it POSTed to any http(s) URL the request named).
func TestResponseURLElsewhereRefused(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	var logs syncBuffer
	clock := newFakeClock(time.Now())
	// No APIURL: the adapter talks to Slack itself, so only
	// hooks.slack.com is a reply target.
	a, err := New(Options{
		Mode: ModeHTTP, BotToken: secret.New("xoxb-test"), SigningSecret: secret.New(testSecret),
		Clock: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := startHTTP(t, a, newCore(t))
	ssrf := target.URL + "/ssrf"

	resp := signedPost(t, srv.URL+PathCommands, testSecret, clock.Now(), "application/x-www-form-urlencoded", commandForm("protein", ssrf))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "not Slack's") {
		t.Errorf("slash command with response_url %s: %d %q, want 400 saying it is not Slack's", ssrf, resp.StatusCode, body)
	}

	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1"},
		"channel": map[string]any{"id": "C1"}, "response_url": ssrf,
		"actions": []any{map[string]any{"type": "button", "action_id": ShareActionID, "block_id": "paperbot_actions", "value": "protein"}},
	})
	resp = signedPost(t, srv.URL+PathInteractions, testSecret, clock.Now(), "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode())
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "not Slack's") {
		t.Errorf("button press with response_url %s: %d %q, want 400 saying it is not Slack's", ssrf, resp.StatusCode, body)
	}
	a.work.Wait()
	if n := hits.Load(); n != 0 {
		t.Errorf("paperbot posted %d times to a response_url that is not Slack's", n)
	}
	if got := strings.Count(logs.String(), "refusing a"); got != 2 {
		t.Errorf("%d log lines say a request was refused, want 2:\n%s", got, logs.String())
	}
}

// "Share in channel" sends its value back to paperbot, and whoever sends
// it can change it: a share whose value is "unsubscribe" is refused,
// ephemerally, and the command is not run.
func TestShareRunsOnlyReadOnlyCommands(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	sink := newResponseSink(t)
	var unsubscribed atomic.Int32
	r, err := bot.NewRouter([]bot.CommandSpec{
		{Name: "search", Default: true, ReadOnly: true, Summary: "search", Handler: bot.HandlerFunc(func(ctx context.Context, _ *bot.Request, rw bot.Responder) error {
			return rw.Reply(ctx, bot.Message{Kind: bot.KindResults, Text: "results", Ephemeral: true})
		})},
		{Name: "unsubscribe", Summary: "unsubscribe", Handler: bot.HandlerFunc(func(ctx context.Context, _ *bot.Request, rw bot.Responder) error {
			unsubscribed.Add(1)
			return rw.Reply(ctx, bot.Notice("stopped"))
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := startHTTP(t, a, bot.Chain(r, bot.ErrorReplies()))
	share := func(value string) map[string]any {
		payload, _ := json.Marshal(map[string]any{
			"type": "block_actions", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1"},
			"channel": map[string]any{"id": "C1"}, "response_url": sink.srv.URL,
			"actions": []any{map[string]any{"type": "button", "action_id": ShareActionID, "block_id": "paperbot_actions", "value": value}},
		})
		resp := signedPost(t, srv.URL+PathInteractions, testSecret, clock.Now(), "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode())
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("share %q: status %d", value, resp.StatusCode)
		}
		return sink.next(t)
	}
	m := share("unsubscribe")
	if m["response_type"] != "ephemeral" || !strings.Contains(fmt.Sprint(m), "was not run") {
		t.Errorf("share of unsubscribe answered %v, want an ephemeral refusal", m)
	}
	if m := share("diffusion"); m["response_type"] != "in_channel" {
		t.Errorf("share of a search answered %v, want it in the channel", m)
	}
	a.work.Wait()
	if n := unsubscribed.Load(); n != 0 {
		t.Errorf("unsubscribe ran %d times from a share button", n)
	}
}
