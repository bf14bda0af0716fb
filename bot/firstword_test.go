package bot_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// The mistyped-command checks end the first word where the router does:
// at any white space, not only a space. "ingest", a no-break space and a
// file was searched as one word; "search", a tab and "ingest" said that
// ingest is the program's command instead of searching for it.
func TestMistypedFirstWordEndsAtAnyWhiteSpace(t *testing.T) {
	for _, sep := range []string{"\u00a0", "\t", "\n", "\u2003"} {
		s := &coreSearcher{}
		b := newBot(t, bot.Config{Searcher: s})
		m, err := ask(t, b, "ingest"+sep+"papers.jsonl")
		if !fault.Is(err, fault.Invalid) || !strings.Contains(m.Text, "“ingest” is a command of the paperbot program") {
			t.Errorf("ingest%qpapers.jsonl: %+v %v", sep, m, err)
		}
		s.queries = nil
		if _, err := ask(t, b, "search"+sep+"ingest"); err != nil || len(s.queries) != 1 || s.queries[0].Text != "ingest" {
			t.Errorf("search%qingest: %v, queries %+v", sep, err, s.queries)
		}
	}
}

// `/papers show` with a link typed in any case, with www./export., a
// version, a trailing slash or a query shows the paper.
func TestShowLinkInAnyCase(t *testing.T) {
	s := &coreSearcher{papers: map[string]paper.Paper{"2205.13760": {ID: "2205.13760", Title: "Tranception"}}}
	b := newBot(t, bot.Config{Searcher: s})
	for _, link := range []string{
		"https://ARXIV.ORG/abs/2205.13760",
		"Arxiv.org/abs/2205.13760",
		"https://www.arxiv.org/abs/2205.13760v2/",
		"https://export.arxiv.org/abs/2205.13760?context=cs",
		"https://arxiv.org/PDF/2205.13760v2.PDF",
	} {
		m, err := ask(t, b, "show "+link)
		if err != nil || m.Kind != bot.KindPaper || !strings.Contains(m.Text, "Tranception") {
			t.Errorf("show %s: %+v %v", link, m, err)
		}
	}
}
