package digest_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
)

// A mistyped subcommand is answered with the corrected command, not
// searched ("/papers unsubscibe" answered "No papers found", and the user
// thought they had unsubscribed); a real word close to a command still
// searches, over a real index (the sample corpus).
func testMistypedCommands(t *testing.T, ix bot.Searcher) {
	c := newChat(t, ix)
	for text, want := range map[string]string{
		"unsubscibe":        "`/papers unsubscribe`",
		"subscibe at 10:00": "`/papers subscribe at 10:00`",
		"trnding":           "`/papers trending`",
		"hlep":              "`/papers help`",
		"shwo 2205.13760":   "`/papers show 2205.13760`",
		"Simlar 2205.13760": "`/papers similar 2205.13760`",
		"subscriptons":      "`/papers subscriptions`",
	} {
		r, err := c.say("T1", "C1", text)
		if err == nil || !strings.Contains(r, "did you mean "+want) || !strings.Contains(r, "/papers search "+text) {
			t.Errorf("%q: %v %q, want did you mean %s", text, err, r, want)
		}
	}
	for _, text := range []string{"sharing economy", "trend", "trends in protein design", "shows", "search unsubscibe", "diffusion"} {
		r, err := c.say("T1", "C1", text)
		if err != nil || strings.Contains(r, "did you mean `") {
			t.Errorf("%q: %v %q, want a search", text, err, r)
		}
	}
}
