package bot_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// Search operators after similar do not apply to one paper's neighbours:
// the reply says they were ignored, and they are not searched for as
// words of the title.
func TestSimilarSaysSearchOperatorsAreIgnored(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	other := paper.Paper{ID: "2307.00494", Title: "Smoothed fitness landscapes"}
	s := &coreSearcher{results: paper.Results{Hits: []paper.Hit{{Paper: known}}, Total: 1}, papers: map[string]paper.Paper{known.ID: known}}
	b := newBot(t, bot.Config{Searcher: s})

	for _, text := range []string{"similar 2205.13760 sort:recent", "similar sort:recent 2205.13760", "similar 2205.13760 year:2024 author:\"Pascal Notin\""} {
		s.queries = nil
		m, err := ask(t, b, text)
		if err != nil || !strings.Contains(m.Title, "Tranception") {
			t.Errorf("%s: %+v %v", text, m, err)
			continue
		}
		if !strings.Contains(m.Intro, "ignored: `similar` takes one paper") || !strings.Contains(m.Intro, "sort:") && !strings.Contains(m.Intro, "year:2024 author:\"Pascal Notin\"") {
			t.Errorf("%s: the reply does not say what was ignored: %q", text, m.Intro)
		}
		if len(s.queries) != 0 {
			t.Errorf("%s: searched %+v, want the id looked up", text, s.queries)
		}
	}

	// Words naming the paper: the operators are not searched as words.
	s.results = paper.Results{Hits: []paper.Hit{{Paper: other}}, Total: 1}
	s.queries = nil
	m, err := ask(t, b, "similar smoothed fitness sort:trending")
	if err != nil || !strings.Contains(m.Intro, "`sort:trending` ignored") {
		t.Errorf("words: %+v %v", m, err)
	}
	if len(s.queries) == 0 || s.queries[0].Text != "smoothed fitness" {
		t.Errorf("searched %+v, want the words without the operator", s.queries)
	}

	// Operators alone name no paper: usage, and what was ignored.
	_, err = ask(t, b, "similar sort:recent")
	if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.UserMessage(err), "Usage") || !strings.Contains(fault.UserMessage(err), "`sort:recent` ignored") {
		t.Errorf("operators alone: %v", err)
	}
	// A paper that is not there: the error says both.
	_, err = ask(t, b, "similar 2401.99999 sort:recent")
	if msg := fault.UserMessage(err); !fault.Is(err, fault.NotFound) || !strings.Contains(msg, "2401.99999") || !strings.Contains(msg, "`sort:recent` ignored") {
		t.Errorf("unknown paper: %v", err)
	}
}

// A query of quote marks alone says the quote is unbalanced (or the
// phrase empty) and shows how to search, rather than that there is
// "nothing to search for" with a note about words after the quote.
func TestLoneQuoteSaysHowToSearch(t *testing.T) {
	s := &coreSearcher{}
	b := newBot(t, bot.Config{Searcher: s})
	for text, want := range map[string]string{
		`"`:   "a quote that is never closed",
		` “ `: "a quote that is never closed",
		`""`:  "an empty phrase",
	} {
		m, err := ask(t, b, text)
		if !fault.Is(err, fault.Invalid) || !strings.Contains(m.Text, want) || !strings.Contains(m.Text, "`/papers \"direct preference optimization\"`") {
			t.Errorf("%q: %+v %v", text, m, err)
		}
	}
	if len(s.queries) != 0 {
		t.Errorf("searched %+v", s.queries)
	}
	// A quote with words is a search.
	if _, err := ask(t, b, `"tranception`); err != nil || len(s.queries) != 1 {
		t.Errorf("quote and words: %v %+v", err, s.queries)
	}
}

// The program's commands typed in chat ("/papers ingest file.jsonl") say
// where they run, rather than suggest a chat command that is near in
// spelling ("digest"); as words that find papers, they are searched.
func TestProgramCommandInChat(t *testing.T) {
	s := &coreSearcher{}
	b := newBot(t, bot.Config{Searcher: s})
	m, err := ask(t, b, "ingest papers.jsonl")
	if !fault.Is(err, fault.Invalid) || !strings.Contains(m.Text, "“ingest” is a command of the paperbot program (`paperbot ingest …`") || strings.Contains(m.Text, "digest") {
		t.Errorf("ingest: %+v %v", m, err)
	}
	s.results = paper.Results{Hits: []paper.Hit{{Paper: paper.Paper{ID: "1", Title: "Version control"}}}, Total: 1}
	if m, err := ask(t, b, "version control"); err != nil || m.Kind != bot.KindPaper && m.Kind != bot.KindResults {
		t.Errorf("a word that finds papers: %+v %v", m, err)
	}
}

// "/papers help me find protein papers" shows the help and says the
// words after it were not searched, and how to search them.
func TestHelpWithWordsSaysTheyWereNotSearched(t *testing.T) {
	b := newBot(t, bot.Config{Searcher: &coreSearcher{}})
	m, err := ask(t, b, "help me find protein papers")
	if err != nil || m.Kind != bot.KindHelp || m.Intro != "(The words after help, “me find protein papers”, were not searched: `/papers me find protein papers` searches them.)" {
		t.Errorf("%+v %v", m, err)
	}
	// Words that name a command would run it: the search is spelt out.
	for q, want := range map[string]string{
		"help show 2205.13760": "`/papers search show 2205.13760` searches them",
		"help help":            "`/papers search help` searches them",
		"help ? me":            "`/papers search ? me` searches them",
		"help showing off":     "`/papers showing off` searches them",
	} {
		if m, _ := ask(t, b, q); !strings.Contains(m.Intro, want) {
			t.Errorf("%s: intro %q, want %q", q, m.Intro, want)
		}
	}
	if m, _ := ask(t, b, "help"); m.Intro != "" {
		t.Errorf("plain help: intro %q", m.Intro)
	}
}
