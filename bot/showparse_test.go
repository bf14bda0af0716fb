package bot_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// show reads the id however it is typed: followed by words (shown, and
// the words said to be ignored), with a capital V version, in full-width
// digits; and a link to another site says it is not one paperbot reads.
func TestShowParsesIDs(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	s := &coreSearcher{papers: map[string]paper.Paper{known.ID: known}}
	b := newBot(t, bot.Config{Searcher: s})
	for _, text := range []string{"show 2205.13760 extra words", "show 2205.13760V2", "show ２２０５．１３７６０", "show ２２０５.１３７６０ｖ３", "show arXiv:2205.13760V1"} {
		m, err := ask(t, b, text)
		if err != nil || m.Kind != bot.KindPaper || len(m.Sections) != 1 || m.Sections[0].PaperID != known.ID {
			t.Errorf("%q: %v %+v, want paper %s", text, err, m, known.ID)
		}
	}
	m, _ := ask(t, b, "show 2205.13760 extra words")
	if !strings.Contains(m.Intro, "“extra words”, were ignored") {
		t.Errorf("show with extra words: intro %q does not say they were ignored", m.Intro)
	}
	for _, text := range []string{"show https://example.com/abs/2205.13760", "similar https://example.com/abs/2205.13760"} {
		m, err := ask(t, b, text)
		if !fault.Is(err, fault.NotFound) || !strings.Contains(m.Text, "is not an arXiv, Hugging Face or alphaXiv link") {
			t.Errorf("%q: %v %q, want it is not an arXiv, Hugging Face or alphaXiv link", text, err, m.Text)
		}
	}
}
