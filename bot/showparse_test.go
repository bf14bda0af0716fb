package bot_test

import (
	"fmt"
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

// What a reviewer found in the first version: an id-shaped number the
// index lacks leaves the words to be searched; the same paper twice is
// one paper with no note; a long list of ids shows a page of them; a
// Slack link's label and a quoted phrase are not ids or words of ids.
func TestNamedPapersEdges(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	second := paper.Paper{ID: "2502.09992", Title: "Large Language Diffusion Models"}
	ranked := paper.Paper{ID: "2305.06112", Title: "Ranked by words"}
	s := &coreSearcher{
		papers:  map[string]paper.Paper{known.ID: known, second.ID: second, ranked.ID: ranked},
		results: paper.Results{Hits: []paper.Hit{{Paper: ranked, Score: 3}}, Total: 1},
	}
	b := newBot(t, bot.Config{Searcher: s})
	m, err := ask(t, b, "mass 0912.3456 GeV")
	if err != nil || m.Kind != bot.KindResults || len(m.Sections) != 1 || m.Sections[0].PaperID != ranked.ID || !strings.Contains(m.Intro, "Not in the index: 0912.3456") {
		t.Errorf("an id-shaped number the index lacks: %v %+v, want the words searched, with a note", err, m)
	}
	m, err = ask(t, b, "show protein 1706.03762 2205.13760")
	if err != nil || m.Kind != bot.KindPaper || m.Sections[0].PaperID != known.ID {
		t.Errorf("show with a missing id before a known one: %v %+v, want the known one", err, m)
	}
	for _, text := range []string{"show 2205.13760 2205.13760v2", "show 2205.13760, 2205.13760.", "similar 2205.13760 2205.13760v2"} {
		m, err := ask(t, b, text)
		if err != nil || strings.Contains(m.Intro, "()") || strings.Contains(m.Title, "Which paper") {
			t.Errorf("%q: %v, intro %q, title %q: want the paper once, no empty note", text, err, m.Intro, m.Title)
		}
	}
	var many []string
	for i := range 12 {
		many = append(many, "2205.13760", fmt.Sprintf("2502.%05d", 9992+i))
	}
	for i := 1; i < 10; i++ { // 2502.09993 to 2502.10001; 2502.10002 and 10003 missing
		id := fmt.Sprintf("2502.%05d", 9992+i)
		s.papers[id] = paper.Paper{ID: id, Title: "Paper " + id}
	}
	m, err = ask(t, b, strings.Join(many, " "))
	if err != nil || m.Kind != bot.KindResults || len(m.Sections) != 5 || !strings.Contains(m.Intro, "6 more of the papers named") ||
		!strings.Contains(m.Intro, "Not in the index: 2502.10002, 2502.10003") {
		t.Errorf("many ids: %v, %d papers shown, intro %q; want a page of 5, 6 more named, 2 missing", err, len(m.Sections), m.Intro)
	}
	m, err = ask(t, b, "see <https://arxiv.org/abs/2205.13760|the tranception paper>")
	if err != nil || m.Kind != bot.KindPaper || !strings.Contains(m.Intro, "“see”") {
		t.Errorf("a Slack link with a label among words: %v, intro %q, want the paper and “see” left", err, m.Intro)
	}
	m, err = ask(t, b, "<https://arxiv.org/abs/2205.13760|the tranception paper>")
	if err != nil || m.Kind != bot.KindPaper || m.Sections[0].PaperID != known.ID {
		t.Errorf("a Slack link with a label alone: %v %+v, want the paper", err, m)
	}
	m, err = ask(t, b, `"protein fitness 2205.13760"`)
	if err != nil || m.Kind != bot.KindResults {
		t.Errorf("a phrase holding an id: %v %+v, want a search of the phrase", err, m)
	}
}
