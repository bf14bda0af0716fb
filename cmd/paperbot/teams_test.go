package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A digest subscription in the configuration file without team: is
// listed by /papers subscriptions in the bot token's workspace (auth.test's
// team_id), not in another one.
func TestServeListsConfigSubscriptionWithoutTeam(t *testing.T) {
	const secret = "teams-test-signing-secret-0123456789"
	api := slackAuthAPI(t) // team_id T1
	answers := make(chan map[string]any, 4)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answers <- m
	}))
	defer sink.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`data_dir: %s
http:
  addr: 127.0.0.1:0
slack:
  mode: http
  bot_token: xoxb-teams-test
  signing_secret: %s
  api_url: %s/api/
digest:
  subscriptions:
    - platform: slack
      channel: C0CONFIG
      channel_name: configured-papers
`, filepath.Join(dir, "data"), secret, api.URL)
	cfgPath := filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs slackLogBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := startSlackServe(t, ctx, cfgPath, func(string) string { return "" }, &logs)
	list := func(team string) string {
		t.Helper()
		form := url.Values{
			"team_id": {team}, "channel_id": {"C9"}, "channel_name": {"general"}, "user_id": {"U1"},
			"command": {"/papers"}, "text": {"subscriptions"}, "response_url": {sink.URL + "/r/" + team},
		}.Encode()
		ts, sig := slackSign(secret, time.Now().Unix(), form)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/commands", strings.NewReader(form))
		req.Header.Set("Content-Type", formType)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", sig)
		resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		select {
		case m := <-answers:
			txt, _ := m["text"].(string)
			return txt
		case <-time.After(20 * time.Second):
			t.Fatal("no answer at the response_url")
		}
		return ""
	}
	if txt := list("T1"); !strings.Contains(txt, "#configured-papers") {
		t.Errorf("subscriptions in the bot token's workspace: %q\nlog:\n%s", txt, logs.String())
	}
	if txt := list("T2"); strings.Contains(txt, "#configured-papers") {
		t.Errorf("subscriptions in another workspace: %q", txt)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
