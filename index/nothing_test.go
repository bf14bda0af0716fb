package index_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// TestNothingToSearchIsTrue: a query with nothing usable in it is refused
// with a message that is true of it. A quote left open with nothing
// searchable after it did not have "the words after it searched as
// words", and a phrase of symbols alone is not every paper at its best.
func TestNothingToSearchIsTrue(t *testing.T) {
	ix := sampleIndex(t)
	for _, c := range []struct {
		q    string
		want []string // in the message, besides "nothing to search for"
	}{
		{`" -`, []string{"quote was not closed", "symbols"}},
		{`“ -`, []string{"quote was not closed", "symbols"}},
		{`-"`, []string{"quote was not closed"}},
		{`"`, []string{"quote was not closed and no words follow it"}},
		{`„`, []string{"quote was not closed"}},
		{`" the of`, []string{"quote was not closed", "common words"}},
		{`" author:`, []string{"quote was not closed", "author: needs a value"}},
		{`" cat:`, []string{"quote was not closed", "cat: needs a value"}},
		{`author:`, []string{"author: needs a value"}},
		{`cat:`, []string{"cat: needs a value"}},
		{`the cat:`, []string{"cat: needs a value", "common words"}},
		{`year: sort:`, []string{"year: needs a value", "sort: needs a value"}},
		{`"-"`, []string{"symbols"}},
		{`«…»`, []string{"symbols"}},
		{`"" -`, []string{"symbols"}},
		{`""`, nil},
		{`-`, []string{"symbols"}},
	} {
		_, err := ix.Search(context.Background(), paper.Query{Text: c.q, Limit: 5})
		if !fault.Is(err, fault.Invalid) {
			t.Errorf("Search(%q) = %v, want an invalid-input error", c.q, err)
			continue
		}
		msg := fault.UserMessage(err)
		if !strings.Contains(msg, "nothing to search for") {
			t.Errorf("Search(%q): %q does not say there is nothing to search for", c.q, msg)
		}
		if strings.Contains(msg, "were searched") {
			t.Errorf("Search(%q): %q says something was searched", c.q, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("Search(%q): %q does not say %q", c.q, msg, w)
			}
		}
	}
	// A quote left open before filters alone: the filters are used, and
	// the note does not claim words were searched.
	for _, q := range []string{`" -x`, `"" -x`, `" author:Notin`, `“ year:2022`} {
		res := search(t, ix, q)
		if len(res.Hits) == 0 {
			t.Errorf("Search(%q) found nothing", q)
		}
		if n := strings.Join(res.Notes, " "); strings.Contains(n, "searched as words") {
			t.Errorf("Search(%q): notes %q say words after the quote were searched", q, n)
		}
	}
	// An empty phrase beside what is searched is ignored, and said to be.
	res := search(t, ix, `"" -x`)
	if n := strings.Join(res.Notes, " "); !strings.Contains(n, "Two quotes with nothing between them were ignored") {
		t.Errorf(`Search("\"\" -x"): notes %q do not mention the empty phrase`, n)
	}
	// Words after the quote are searched, and the note says so.
	res = search(t, ix, `" protein fitness`)
	if n := strings.Join(res.Notes, " "); len(res.Hits) == 0 || !strings.Contains(n, "searched as words") {
		t.Errorf(`Search("\" protein fitness") = %d hits, notes %q`, len(res.Hits), n)
	}
}
