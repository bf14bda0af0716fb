package bot_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
)

// Control characters and bidi overrides typed in a query are neither
// echoed back (a terminal bell, an escape sequence in the console, a
// reversed line in Slack) nor searched.
func TestQueriesAreCleanedOfControlCharacters(t *testing.T) {
	s := &coreSearcher{results: paper.Results{Hits: []paper.Hit{{Paper: paper.Paper{ID: "2205.13760", Title: "Tranception"}}}, Total: 1}}
	b := newBot(t, bot.Config{Searcher: s})
	m, err := ask(t, b, "dif\x00fu\asion \x1b[31mred\u202Eevil\u2066 \xff models")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x00", "\a", "\x1b", "\u202E", "\u2066", "\uFFFD"} {
		if strings.Contains(m.Text+m.Title+m.Intro, bad) {
			t.Errorf("the reply echoes %q: %q", bad, m.Text)
		}
		for _, q := range s.queries {
			if strings.Contains(q.Text, bad) {
				t.Errorf("searched for %q: %q", bad, q.Text)
			}
		}
	}
	if len(s.queries) == 0 || s.queries[len(s.queries)-1].Text != "diffusion [31mredevil  models" {
		t.Errorf("searched %+v, want the query without its control characters", s.queries)
	}
}

// Invisible characters inside a word (a zero-width space from a web page,
// a soft hyphen from a PDF, a word joiner, a byte order mark) are removed:
// "diff\u200busion" was searched as typed and found nothing, while the
// answer's echo of it read "diffusion". The joiners that scripts spell
// with (U+200C, U+200D) stay.
func TestQueriesAreCleanedOfInvisibleCharacters(t *testing.T) {
	s := &coreSearcher{results: paper.Results{Hits: []paper.Hit{{Paper: paper.Paper{ID: "2205.13760", Title: "Tranception"}}}, Total: 1}}
	b := newBot(t, bot.Config{Searcher: s})
	if _, err := ask(t, b, "\ufeffdiff\u200busion mod\u00adels\u2060 \u180e می\u200cخواهم"); err != nil {
		t.Fatal(err)
	}
	if len(s.queries) == 0 || s.queries[len(s.queries)-1].Text != "diffusion models  می\u200cخواهم" {
		t.Errorf("searched %+v, want the words without their invisible characters", s.queries)
	}
}
