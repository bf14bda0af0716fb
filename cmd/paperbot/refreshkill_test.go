package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
)

// `paperbot serve` is SIGKILLed while its Hugging Face refresh writes (the
// first day's list in the index, the second's fetch held). The restarted
// serve's digest, due at once, waits for the refresh its start runs again
// and posts the paper that refresh brings.
func TestServeKilledMidRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds paperbot and runs serve twice: not in -short")
	}
	dir, bin := buildPaperbot(t)
	slack := newE2ESlack(t)
	hf := newHeldDaily(t)
	now := time.Now().UTC()
	today, yesterday := now.Format(time.DateOnly), now.AddDate(0, 0, -1).Format(time.DateOnly)
	const modest, best = "A Modest Paper", "The Paper Of The Week"
	hf.set(today, dailyPaper("2612.00001", modest, now.Add(-2*time.Hour), 2), nil)
	hf.set(yesterday, "[]", make(chan struct{})) // held until the client is gone
	config := fmt.Sprintf(`data_dir: DATA_DIR
log:
  format: json
http:
  addr: 127.0.0.1:0
slack:
  mode: http
  bot_token: ${SLACK_BOT_TOKEN}
  signing_secret: ${SLACK_SIGNING_SECRET}
  api_url: %s/api/
sources:
  huggingface:
    base_url: %s
    days: 2
    min_interval: 1ms
  rescore:
    disabled: true
`, slack.srv.URL, hf.URL)
	env := []string{"SLACK_BOT_TOKEN=" + e2eBotToken, "SLACK_SIGNING_SECRET=" + e2eSecret}
	p := startE2EProc(t, bin, "node", dir, config, env)
	hf.waitAsked(t, yesterday)
	p.cmd.Process.Kill()
	<-p.done

	due := now.Add(-5 * time.Minute)
	putSubscription(t, filepath.Join(dir, "node", "data"), digest.Subscription{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "papers",
		Time: due.Format("15:04"), Zone: "UTC", Top: 1, Source: digest.SourceChat, Since: due.Add(-48 * time.Hour)})
	release := make(chan struct{})
	hf.set(yesterday, dailyPaper("2612.00002", best, now.Add(-26*time.Hour), 900), release)
	p = startE2EProc(t, bin, "node", dir, config, env)
	hf.waitAsked(t, yesterday)
	log := func() string { b, _ := os.ReadFile(p.log); return string(b) }
	until(t, 60*time.Second, "the digest waiting for the refresh (or posting)", func() bool {
		return strings.Contains(log(), "digest waits for the source refresh to complete") || len(slack.messages()) > 0
	})
	if n := len(slack.messages()); n != 0 {
		close(release)
		t.Fatalf("%d posts while the refresh the kill cut short was held", n)
	}
	close(release)
	until(t, 60*time.Second, "the digest's header, paper and thread", func() bool { return len(slack.messages()) >= 3 })
	var texts []string
	for _, m := range slack.messages() {
		texts = append(texts, m.text)
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, best) || strings.Contains(all, modest) {
		t.Errorf("posted:\n%s\nwant %q (the refresh's), not %q (the half-filled index's)", all, best, modest)
	}
}
