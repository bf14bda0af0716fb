package main

import (
	"context"
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

// A stop while a command's reply hangs (a response_url that never answers)
// ends serve within http.shutdown_timeout, not after bot.timeout and the
// error reply's own 10 s (30 s with the defaults, past docker stop's and
// Kubernetes' grace, and far past the 1 s configured here).
func TestServeStopBoundsRepliesInFlight(t *testing.T) {
	const secret = "drain-test-signing-secret-0123456789"
	api := slackAuthAPI(t)
	// The response_url takes the answer and never replies, until the
	// client gives up (or the test ends).
	hanging := make(chan struct{}, 4)
	testDone := make(chan struct{})
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hanging <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-testDone:
		}
	}))
	defer sink.Close()
	defer close(testDone)

	dir := t.TempDir()
	cfg := fmt.Sprintf(`data_dir: %s
http:
  addr: 127.0.0.1:0
  shutdown_timeout: 1s
slack:
  mode: http
  bot_token: xoxb-drain-test
  signing_secret: ${SLACK_SIGNING_SECRET}
  api_url: %s/api/
`, filepath.Join(dir, "data"), api.URL)
	cfgPath := filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "SLACK_SIGNING_SECRET" {
			return secret
		}
		return ""
	}
	var logs slackLogBuffer
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr, done := startSlackServe(t, ctx, cfgPath, getenv, &logs)

	form := url.Values{
		"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "command": {"/papers"},
		"text": {"tranception"}, "response_url": {sink.URL + "/commands/T1/1/abc"}, "trigger_id": {"1.2.3"},
	}.Encode()
	if code := postSlackSigned(t, "http://"+addr+"/slack/commands", secret, formType, form); code != http.StatusOK {
		t.Fatalf("command: HTTP %d", code)
	}
	select {
	case <-hanging: // the answer is on its way, and stuck
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	}

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve still running 15 s after the stop, with http.shutdown_timeout 1s\n%s", logs.String())
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("serve took %v to stop, with http.shutdown_timeout 1s", took)
	}
	if !strings.Contains(logs.String(), "cut short") {
		t.Errorf("the log does not say a command was cut short:\n%s", logs.String())
	}
}
