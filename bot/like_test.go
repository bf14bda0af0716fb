package bot_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
)

// A search phrased as a request for similar papers ("papers like X",
// "more like X") answers as similar does, for the paper named; the words
// "papers like" are not searched.
func TestSearchPhrasedAsLikeIsSimilar(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	s := &coreSearcher{results: paper.Results{Hits: []paper.Hit{{Paper: known}}, Total: 1}, papers: map[string]paper.Paper{known.ID: known}}
	b := newBot(t, bot.Config{Searcher: s})

	for _, text := range []string{"papers like 2205.13760", "Papers similar to 2205.13760", "more like https://arxiv.org/abs/2205.13760v3"} {
		s.queries = nil
		m, err := ask(t, b, text)
		if err != nil || !strings.HasPrefix(m.Title, "Papers similar to") || !strings.Contains(m.Title, "Tranception") {
			t.Errorf("%s: %+v %v", text, m, err)
		}
		if len(s.queries) != 0 {
			t.Errorf("%s: searched %+v, want the id looked up", text, s.queries)
		}
	}

	// Words naming the paper: they are searched, without "papers like".
	s.queries = nil
	m, err := ask(t, b, "papers like tranception")
	if err != nil || !strings.HasPrefix(m.Title, "Papers similar to") {
		t.Errorf("by name: %+v %v", m, err)
	}
	if len(s.queries) == 0 || s.queries[0].Text != "tranception" {
		t.Errorf("searched %+v, want the name alone", s.queries)
	}

	// The words alone, or in another place, are an ordinary search.
	for _, text := range []string{"papers like", "models like transformers"} {
		s.queries = nil
		m, err := ask(t, b, text)
		if err != nil || !strings.HasPrefix(m.Title, "Papers matching") || len(s.queries) == 0 || s.queries[0].Text != text {
			t.Errorf("%s: %+v %v, searched %+v", text, m, err, s.queries)
		}
	}
}
