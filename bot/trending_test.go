package bot_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
)

// A trending listing that finds nothing says what makes a paper trending
// and how to search the topic, not "Try fewer words or filters": an index
// of a bulk arXiv import has no signals, and nothing is trending on any
// topic however few its words.
func TestTrendingWithNothingTrending(t *testing.T) {
	s := &coreSearcher{results: paper.Results{Notes: []string{"A note from the index."}, DidYouMean: "chaos"}}
	b := newBot(t, bot.Config{Searcher: s})
	for _, tt := range []struct{ text, want string }{
		{"trending", "Nothing is trending now: no paper has a trending signal (a trending paper has upvotes, stars"},
		{"trending chaos", "No paper on “chaos” is trending now (a trending paper has upvotes"},
		{"trending chaos", "`/papers chaos` searches all papers."},
		// A topic that starts with a command's name is searched with "search".
		{"trending show me", "`/papers search show me` searches all papers."},
		{"trending `chaos`", "`/papers ˋchaosˋ` searches all papers."},
	} {
		m, err := ask(t, b, tt.text)
		if err != nil {
			t.Fatalf("%q: %v", tt.text, err)
		}
		if !strings.Contains(m.Intro, tt.want) {
			t.Errorf("%q: intro %q, want it to hold %q", tt.text, m.Intro, tt.want)
		}
		if strings.Contains(m.Intro, "Try fewer words") {
			t.Errorf("%q: intro %q gives the search's advice", tt.text, m.Intro)
		}
		// The index's notes and the spelling it searched are still said.
		if !strings.HasPrefix(m.Intro, "Did you mean: chaos? A note from the index.") {
			t.Errorf("%q: intro %q lost the notes", tt.text, m.Intro)
		}
	}
	// A search that finds nothing keeps its advice.
	if m, _ := ask(t, b, "chaos"); !strings.Contains(m.Intro, "No papers found. Try fewer words") {
		t.Errorf("search: intro %q", m.Intro)
	}
}
