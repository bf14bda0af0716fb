package digest_test

import (
	"strings"
	"testing"
)

// Subscribing again with the schedule a channel has says that nothing
// changed (not "changed"), daily and weekly; another schedule is a change.
func TestSubscribeAgainUnchanged(t *testing.T) {
	c := newChat(t, manyPapers(10))
	for _, step := range []struct{ text, want string }{
		{"subscribe diffusion at 9 tz europe/berlin", "Daily digest set for #chan-C1: "},
		{"subscribe diffusion at 09:00 tz Europe/Berlin", "Daily digest unchanged for #chan-C1: "},
		{"subscribe diffusion at 09:00 tz Europe/Berlin top 3", "Daily digest changed for #chan-C1: "},
		{"subscribe weekly at 16:00 day fri", "Weekly recap set for #chan-C1: "},
		{"subscribe weekly at 4pm day friday", "Weekly recap unchanged for #chan-C1: "},
		{"subscribe weekly at 4pm day thu", "Weekly recap changed for #chan-C1: "},
	} {
		r, err := c.say("T1", "C1", step.text)
		if err != nil || !strings.Contains(r, step.want) {
			t.Errorf("%s: %v\n%s\nwant %q", step.text, err, r, step.want)
		}
		if strings.Contains(step.want, "unchanged") && !strings.Contains(r, "Next one: ") {
			t.Errorf("%s: %q, want its next due time as the next one", step.text, r)
		}
	}
}
