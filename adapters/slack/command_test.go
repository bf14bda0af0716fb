package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A slash command other than the configured one (/other, or any name a
// request carries) is not answered as /papers: a 200 with a short
// ephemeral message, nothing run, the response_url unused. /papers in
// another case still runs.
func TestHTTPOtherSlashCommandIsNotRun(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	sink := newResponseSink(t)
	var calls atomic.Int32
	srv := startHTTP(t, a, countingHandler(&calls))
	form := func(command string) string {
		v, _ := url.ParseQuery(commandForm("protein fitness", sink.srv.URL))
		v.Set("command", command)
		return v.Encode()
	}
	for _, command := range []string{"/other", "/papers2", "/<!channel>"} {
		resp := signedPost(t, srv.URL+PathCommands, testSecret, clock.Now(), "application/x-www-form-urlencoded", form(command))
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m map[string]any
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &m) != nil {
			t.Fatalf("%s: %d %q", command, resp.StatusCode, body)
		}
		text, _ := m["text"].(string)
		if m["response_type"] != "ephemeral" || !strings.HasPrefix(text, "This app answers /papers (`/papers help` lists what it does), not ") || strings.Contains(text, "<!") {
			t.Errorf("%s: %v", command, m)
		}
	}
	resp := signedPost(t, srv.URL+PathCommands, testSecret, clock.Now(), "application/x-www-form-urlencoded", form("/Papers"))
	resp.Body.Close()
	a.work.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("the core ran %d times, want once (for /Papers)", n)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.got) != 0 {
		t.Errorf("posted to the response_url: %v", sink.got)
	}
}

// Over Socket Mode the answer to another command is the ack's payload.
func TestSocketModeOtherSlashCommand(t *testing.T) {
	s := newSocketServer(t)
	a := newSocketAdapter(t, s)
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx, countingHandler(&calls)) }()
	s.send <- map[string]any{
		"envelope_id": "env-other", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{
			"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/other", "text": "protein",
			"response_url": "https://hooks.slack.com/commands/T1/1/x", "trigger_id": "1.2.3", "api_app_id": "A1",
		},
	}
	ack := s.nextAck(t)
	payload, _ := ack["payload"].(map[string]any)
	if ack["envelope_id"] != "env-other" || payload["response_type"] != "ephemeral" || !strings.HasPrefix(payload["text"].(string), "This app answers /papers") {
		t.Errorf("ack = %v", ack)
	}
	cancel()
	if err := <-runErr; err != nil {
		t.Error(err)
	}
	a.work.Wait()
	if n := calls.Load(); n != 0 {
		t.Errorf("the core ran %d times", n)
	}
}

// A channel mention without its name is kept as the mention (the core
// then sees a channel was named), not dropped.
func TestMentionTextKeepsNamelessChannels(t *testing.T) {
	for in, want := range map[string]string{
		"<@UBOT> subscribe <#C2> at 10:00":          "subscribe <#C2> at 10:00",
		"<@UBOT> subscribe <#C2|> at 10:00":         "subscribe <#C2> at 10:00",
		"<@UBOT> subscribe <#C2|other> at 10:00":    "subscribe #other at 10:00",
		"<@UBOT> subscribe <#c2;rm> at 10:00":       "subscribe at 10:00",
		"<@UBOT> subscribe <#G012ABCDEF> diffusion": "subscribe <#G012ABCDEF> diffusion",
	} {
		if got := mentionText(in); got != want {
			t.Errorf("mentionText(%q) = %q, want %q", in, got, want)
		}
	}
}
