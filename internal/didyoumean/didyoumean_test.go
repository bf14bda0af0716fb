package didyoumean

import (
	"slices"
	"testing"
)

func TestNear(t *testing.T) {
	names := []string{"search", "show", "similar", "trending", "subscribe", "unsubscribe", "unsub", "help", "?"}
	for _, tc := range []struct {
		typed    string
		prefixes bool
		want     []string
	}{
		{"unsubscibe", false, []string{"unsubscribe"}},
		{"hlep", false, []string{"help"}},
		{"shwo", false, []string{"show"}},
		{"SHWO", false, []string{"show"}},
		{"trend", false, nil}, // three edits; a prefix only
		{"trend", true, []string{"trending"}},
		{"ai", false, nil}, // two letters are two edits from anything short
		{"x", false, nil},
		{"sharing", false, nil},
	} {
		if got := Near(tc.typed, names, tc.prefixes); !slices.Equal(got, tc.want) {
			t.Errorf("Near(%q, prefixes=%v) = %q, want %q", tc.typed, tc.prefixes, got, tc.want)
		}
	}
	if got := Phrase([]string{"check", "chat"}); got != `did you mean one of "check", "chat"?` {
		t.Errorf("Phrase = %q", got)
	}
}
