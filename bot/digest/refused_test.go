package digest_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
)

// A refused subscribe says so, says what was wrong, and shows the usage,
// in one shape for every refusal (before, a topic whose words matched
// only in part answered "…; closest papers:" with nothing after, and
// never said the subscription was not changed). Over the sample corpus.
func testSubscribeRefusalsSayNotChanged(t *testing.T, ix bot.Searcher) {
	c := newChat(t, ix)
	if r, err := c.say("T1", "C1", "subscribe protein at 08:00"); err != nil {
		t.Fatalf("subscribe: %v %s", err, r)
	}
	long := "subscribe " + strings.Repeat("protein ", 3000)
	for text, want := range map[string]string{
		"subscribe diffusion top three":            "“top three” was read as words of the topic: top takes a number",
		`subscribe "unclosed quote at 10:00`:       "A quote was not closed",
		long:                                       "cut to its first",
		"subscribe top 0":                          "top 0",
		"subscribe top 1000":                       "1000",
		"subscribe protein year:abc":               "year:abc is not a year",
		"subscribe diffusion at 10:00 at 11:00":    "given twice",
		"subscribe diffusion models tz Mars/Olymp": "Mars/Olymp",
	} {
		r, err := c.say("T1", "C1", text)
		name := bot.Truncate(text, 50)
		if err == nil || !strings.HasPrefix(r, "Subscription not changed: ") || !strings.Contains(r, want) ||
			!strings.HasSuffix(strings.TrimSpace(r), "Usage: /papers subscribe [topic] [at HH:MM] [tz Area/City] [top N] [days mon-fri]") {
			t.Errorf("%q: %v\n%q\nwant \"Subscription not changed: …%s…. Usage: …\"", name, err, r, want)
		}
		if strings.Contains(r, "closest papers") {
			t.Errorf("%q: %q speaks of closest papers", name, r)
		}
	}
	if r, _ := c.say("T1", "C1", "digest"); !strings.Contains(r, "08:00") || !strings.Contains(r, "protein") {
		t.Errorf("the subscription changed after refusals:\n%s", r)
	}
}
