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

// An id or a link anywhere in a message names its paper, as people write
// them in a chat: show, similar and a search show that paper, not the
// best match of the words around it (the searcher here ranks an unrelated
// paper first for any words).
func TestIDsAmongWordsNameTheirPapers(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	second := paper.Paper{ID: "2502.09992", Title: "Large Language Diffusion Models"}
	unrelated := paper.Paper{ID: "2305.06112", Title: "The Compositional Structure of Bayesian Inference"}
	s := &coreSearcher{
		papers:  map[string]paper.Paper{known.ID: known, second.ID: second, unrelated.ID: unrelated},
		results: paper.Results{Hits: []paper.Hit{{Paper: unrelated, Score: 3}, {Paper: second, Score: 1}}, Total: 2},
	}
	b := newBot(t, bot.Config{Searcher: s})
	for text, ignored := range map[string]string{
		"show see https://arxiv.org/abs/2205.13760":                              "“see”",
		"show paper: 2205.13760":                                                 "“paper:”",
		"show this is what I found: https://arxiv.org/abs/2205.13760 looks cool": "“this is what I found: looks cool”",
		"show https://arxiv.org/abs/2205.13760.":                                 "",
		"show (https://arxiv.org/abs/2205.13760)":                                "",
		`show "https://arxiv.org/abs/2205.13760"`:                                "",
		"what about 2205.13760":                                                  "“what about”",
		"have you read arXiv:2205.13760v2?":                                      "“have you read”",
	} {
		m, err := ask(t, b, text)
		if err != nil || m.Kind != bot.KindPaper || len(m.Sections) != 1 || m.Sections[0].PaperID != known.ID {
			t.Errorf("%q: %v %+v, want paper %s", text, err, m, known.ID)
			continue
		}
		if ignored != "" && !strings.Contains(m.Intro, ignored) {
			t.Errorf("%q: intro %q does not name the words left, %s", text, m.Intro, ignored)
		}
	}
	m, err := ask(t, b, "similar see https://arxiv.org/abs/2205.13760")
	if err != nil || !strings.Contains(m.Title, "Tranception") {
		t.Errorf("similar with words around the link: %v, title %q, want the papers similar to Tranception", err, m.Title)
	}
	m, err = ask(t, b, "show 2205.13760 2502.09992")
	if err != nil || m.Kind != bot.KindPaper || m.Sections[0].PaperID != known.ID || !strings.Contains(m.Intro, "names 2 papers") || strings.Contains(m.Intro, "ignored") {
		t.Errorf("show of two ids: %v %+v, want the first, and the second named", err, m)
	}
	m, err = ask(t, b, "show 2205.13760 or 2502.09992")
	if err != nil || m.Kind != bot.KindPaper || m.Sections[0].PaperID != known.ID || !strings.Contains(m.Intro, "2502.09992") {
		t.Errorf("show naming two papers: %v %+v, want the first and a word of the second", err, m)
	}
	m, err = ask(t, b, "check out https://arxiv.org/abs/2502.09992v2 and https://arxiv.org/abs/2205.13760 and 2601.99999")
	var ids []string
	for _, sec := range m.Sections {
		ids = append(ids, sec.PaperID)
	}
	if err != nil || m.Kind != bot.KindResults || strings.Join(ids, " ") != "2502.09992 2205.13760" ||
		!strings.Contains(m.Intro, "Not in the index: 2601.99999") || !strings.Contains(m.Intro, "“check out and and”") ||
		!strings.Contains(m.Footer, "in the order written") {
		t.Errorf("a search naming three papers: %v, kind %v, papers %v, intro %q", err, m.Kind, ids, m.Intro)
	}
}
