package digest_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
)

// A request re-run from a button (Slack's "Share in channel", Discord's
// buttons) runs only the commands that change nothing: a share button
// whose value was changed to "unsubscribe" ran unsubscribe in the channel.
func TestRerunRunsOnlyReadOnlyCommands(t *testing.T) {
	c := newChat(t, manyPapers(30))
	if r, err := c.say("T1", "C1", "subscribe diffusion"); err != nil {
		t.Fatalf("subscribe: %v %s", err, r)
	}
	rerun := func(text string) (string, error) {
		var rec bottest.Recorder
		err := c.b.Handle(t.Context(), &bot.Request{Platform: "fake", Team: "T1", Channel: "C1", ChannelName: "chan-C1", User: "U2", Text: text, Rerun: true}, &rec)
		return rec.Text(), err
	}
	for _, text := range []string{"unsubscribe", "UNSUB", "subscribe robots at 10:00", "digest preview", "subscriptions", "help"} {
		r, err := rerun(text)
		if err == nil || !strings.Contains(r, "was not run") {
			t.Errorf("rerun %q: %v %q, want a refusal that says it was not run", text, err, r)
		}
		if bot.ReadOnlyLine(c.b.Commands(), text) {
			t.Errorf("ReadOnlyLine(%q) = true", text)
		}
	}
	if r, _ := c.say("T1", "C1", "digest"); !strings.Contains(r, "diffusion") {
		t.Errorf("the subscription changed after refused reruns:\n%s", r)
	}
	for _, text := range []string{"diffusion", "search diffusion", "show 2501.00001", "similar 2501.00001", "trending", "trending diffusion"} {
		if r, err := rerun(text); err != nil || strings.Contains(r, "was not run") {
			t.Errorf("rerun %q: %v %q, want it run", text, err, r)
		}
		if !bot.ReadOnlyLine(c.b.Commands(), text) {
			t.Errorf("ReadOnlyLine(%q) = false", text)
		}
	}
}
