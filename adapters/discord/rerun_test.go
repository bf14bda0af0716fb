package discord

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
)

// A button's custom_id comes back from the client: one that names a
// command that changes something ("pb:unsubscribe") is refused
// ephemerally and never reaches the core; "pb:similar …" runs, marked as
// a rerun.
func TestButtonRunsOnlyReadOnlyCommands(t *testing.T) {
	h := &recordingHandler{reply: bot.Notice("similar papers…")}
	nop := bot.HandlerFunc(nil)
	specs := []bot.CommandSpec{
		{Name: "search", Default: true, ReadOnly: true, Summary: "search", Handler: nop},
		{Name: "similar", ReadOnly: true, Summary: "similar", Handler: nop},
		{Name: "unsubscribe", Aliases: []string{"unsub"}, Summary: "unsubscribe", Handler: nop},
	}
	f := newHTTPFixtureOpts(t, h, Options{Specs: specs})
	base := `"id":"301","application_id":"100","token":"tok","guild_id":"111","channel_id":"222","member":{"user":{"id":"333","username":"ada"}},"message":{"id":"9"}`
	for _, line := range []string{"unsubscribe", "UNSUB now"} {
		code, body := f.post(`{"type":3,`+base+`,"data":{"custom_id":"pb:`+line+`","component_type":2}}`, true, nil)
		if code != 200 || !strings.Contains(body, `"type":4`) || !strings.Contains(body, `"flags":64`) || !strings.Contains(body, "did not run") {
			t.Errorf("button pb:%s: %d %s, want an ephemeral refusal", line, code, body)
		}
	}
	code, body := f.post(`{"type":3,`+base+`,"data":{"custom_id":"pb:similar 2205.13760","component_type":2}}`, true, nil)
	if code != 200 || !strings.Contains(body, `"type":5`) {
		t.Errorf("button pb:similar: %d %s, want deferred", code, body)
	}
	f.waitFor("PATCH", "/webhooks/100/tok/messages/@original")
	f.stop()
	if reqs := h.Requests(); len(reqs) != 1 || reqs[0].Text != "similar 2205.13760" || !reqs[0].Rerun {
		t.Errorf("core got %+v, want one similar request marked Rerun", reqs)
	}
}
