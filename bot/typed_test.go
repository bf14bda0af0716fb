package bot_test

import (
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
)

// A query shows in a title as typed, once: one that starts or ends with a
// quote mark is not wrapped in a second pair.
func TestTypedQueryInTitles(t *testing.T) {
	hit := paper.Results{Hits: []paper.Hit{{Paper: paper.Paper{ID: "2305.18290", Title: "Direct Preference Optimization"}}}, Total: 2}
	b := newBot(t, bot.Config{Searcher: &coreSearcher{results: hit}})
	for q, want := range map[string]string{
		`“direct preference optimization”`:      `Papers matching “direct preference optimization”`,
		`"direct preference optimization"`:      `Papers matching "direct preference optimization"`,
		`„direct preference optimization“`:      `Papers matching „direct preference optimization“`,
		`«direct preference optimization»`:      `Papers matching «direct preference optimization»`,
		`“direct preference” optimization`:      `Papers matching “direct preference” optimization`,
		`reward models “direct preference”`:     `Papers matching reward models “direct preference”`,
		`direct preference optimization`:        `Papers matching “direct preference optimization”`,
		`Hinton's "capsules" networks`:          `Papers matching “Hinton's "capsules" networks”`,
		"trending “direct preference”":          `Trending papers on “direct preference”`,
		"trending direct preference":            `Trending papers on “direct preference”`,
		"show “no such paper anywhere at all”":  `Which paper did you mean by “no such paper anywhere at all”?`,
		"show no such paper anywhere at all":    `Which paper did you mean by “no such paper anywhere at all”?`,
		"  “direct preference optimization”   ": `Papers matching “direct preference optimization”`,
	} {
		m, _ := ask(t, b, q)
		got := m.Title
		if got == "" {
			got = m.Text
		}
		if len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("%s: title %q, want %q", q, got, want)
		}
	}
	if got := bot.Typed("“abc", 2); got != "“a…" {
		t.Errorf("Typed cut = %q", got)
	}
}

// Words naming several papers: what to do comes first, and the search's
// note that leads into the list ("closest papers:") last.
func TestWhichPaperIntroOrder(t *testing.T) {
	res := paper.Results{Hits: []paper.Hit{
		{Paper: paper.Paper{ID: "2205.13760", Title: "A"}, Score: 1},
		{Paper: paper.Paper{ID: "2305.18290", Title: "B"}, Score: 1},
	}, Total: 2, Notes: []string{`No exact match for "quantum banana"; closest papers:`}}
	b := newBot(t, bot.Config{Searcher: &coreSearcher{results: res}})
	m, err := ask(t, b, `show "quantum banana"`)
	want := "Several match: `/papers show <id>` with one of the ids below. No exact match for \"quantum banana\"; closest papers:"
	if err != nil || m.Intro != want {
		t.Errorf("intro %q (%v), want %q", m.Intro, err, want)
	}
}
