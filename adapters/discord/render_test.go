package discord

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

func errInvalid(msg string) error { return fault.New(fault.Invalid, "%s", msg) }

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares v, as indented JSON, with testdata/name.golden.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\n%s", path, got)
	}
}

// checkLimits fails the test when a payload breaks one of Discord's limits.
func checkLimits(t *testing.T, ps []payload) {
	t.Helper()
	if len(ps) == 0 {
		t.Fatal("no payloads")
	}
	for i, p := range ps {
		if runes(p.Content) > maxContent {
			t.Errorf("message %d: content has %d characters (max %d)", i, runes(p.Content), maxContent)
		}
		if p.Content == "" && len(p.Embeds) == 0 {
			t.Errorf("message %d is empty", i)
		}
		if p.AllowedMentions.Parse == nil || len(p.AllowedMentions.Parse) != 0 {
			t.Errorf("message %d: allowed_mentions.parse = %v, want []", i, p.AllowedMentions.Parse)
		}
		if len(p.Embeds) > maxEmbeds {
			t.Errorf("message %d: %d embeds (max %d)", i, len(p.Embeds), maxEmbeds)
		}
		total := 0
		for j, e := range p.Embeds {
			total += embedSize(e)
			if runes(e.Title) > maxTitle {
				t.Errorf("message %d embed %d: title has %d characters", i, j, runes(e.Title))
			}
			if runes(e.Description) > maxDescription {
				t.Errorf("message %d embed %d: description has %d characters", i, j, runes(e.Description))
			}
			if len(e.Fields) > maxFields {
				t.Errorf("message %d embed %d: %d fields", i, j, len(e.Fields))
			}
			for k, f := range e.Fields {
				if f.Name == "" || f.Value == "" {
					t.Errorf("message %d embed %d field %d: empty name or value", i, j, k)
				}
				if runes(f.Name) > maxFieldName || runes(f.Value) > maxFieldValue {
					t.Errorf("message %d embed %d field %d: name %d / value %d characters", i, j, k, runes(f.Name), runes(f.Value))
				}
			}
			if e.Footer != nil && runes(e.Footer.Text) > maxFooter {
				t.Errorf("message %d embed %d: footer has %d characters", i, j, runes(e.Footer.Text))
			}
			if e.Title == "" && e.Description == "" && len(e.Fields) == 0 && e.Footer == nil {
				t.Errorf("message %d embed %d is empty", i, j)
			}
		}
		if total > maxEmbedsTotal {
			t.Errorf("message %d: embeds hold %d characters (max %d)", i, total, maxEmbedsTotal)
		}
	}
}

func samplePapers() []paper.Paper {
	return []paper.Paper{
		{
			ID: "2205.13760", Title: "Tranception: protein fitness prediction with autoregressive transformers and inference-time retrieval",
			Abstract:   "The ability to accurately model the fitness landscape of protein sequences is critical to a wide range of applications, from quantifying the effects of human variants on disease likelihood, to predicting immune-escape mutations in viruses and designing novel biotherapeutic proteins.",
			Authors:    []string{"Pascal Notin", "Mafalda Dias", "Jonathan Frazer", "Javier Marchena-Hurtado", "Aidan Gomez", "Debora S. Marks", "Yarin Gal"},
			Categories: []string{"cs.LG", "q-bio.QM"}, Published: "2022-05-27",
			URL: "https://arxiv.org/abs/2205.13760", PDFURL: "https://arxiv.org/pdf/2205.13760", CodeURL: "https://github.com/OATML-Markslab/Tranception",
			Upvotes: 42, Stars: 12345,
			AISummary: "Tranception combines autoregressive predictions with retrieval of homologous sequences at inference time.",
		},
		{
			ID: "2305.18290", Title: "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
			Abstract:   "While large-scale unsupervised language models (LMs) learn broad world knowledge and some reasoning skills, achieving precise control of their behavior is difficult.",
			Authors:    []string{"Rafael Rafailov", "Archit Sharma", "Eric Mitchell"},
			Categories: []string{"cs.LG", "cs.AI", "cs.CL"}, Published: "2023-05-29",
			URL: "https://arxiv.org/abs/2305.18290", PDFURL: "https://arxiv.org/pdf/2305.18290",
			Upvotes: 310,
		},
	}
}

func TestRenderGolden(t *testing.T) {
	ps := samplePapers()
	disc := map[string][]bot.Discussion{
		"2205.13760": {{PaperID: "2205.13760", ChannelName: "ml-papers", URL: "https://discord.com/channels/1/2/3", Replies: 12, LastReply: time.Date(2025, 6, 3, 14, 5, 0, 0, time.UTC)}},
	}
	results := bot.ResultsMessage("Papers matching “protein fitness”", paper.Results{
		Hits: []paper.Hit{
			{Paper: ps[0], Snippet: []paper.Span{{Text: "…the "}, {Text: "fitness", Match: true}, {Text: " landscape of "}, {Text: "protein", Match: true}, {Text: " sequences is critical…"}}},
			{Paper: ps[1], Snippet: []paper.Span{{Text: "achieving precise control of their behavior (*not* `fitness`) is difficult."}}},
		},
		Total: 17, DidYouMean: "protein fitness landscape",
	}, disc, "papers")

	header := bot.Message{
		Kind: bot.KindDigestHeader, Title: "Trending papers · Monday 6 January",
		Intro: "2 new papers on protein design, each with its own thread below.", Text: "Trending papers: 2 new",
	}
	digestPaper := bot.Message{
		Kind: bot.KindDigestPaper, Text: ps[1].Title,
		Sections: []bot.Section{bot.PaperSection(ps[1], nil, false)},
		Footer:   "New today · #2 of 2",
	}
	tests := []struct {
		name string
		m    bot.Message
	}{
		{"results", results},
		{"paper", bot.PaperMessage(ps[0], disc["2205.13760"])},
		{"digest_header", header},
		{"digest_paper", digestPaper},
		{"help", bot.HelpMessage("papers", []bot.CommandSpec{
			{Name: "search", Default: true, Usage: "<query>", Summary: "Search papers", Examples: []string{"diffusion language models", "author:Notin protein"}},
			{Name: "show", Usage: "<arXiv id or URL>", Summary: "Show one paper", Examples: []string{"show 2205.13760"}},
		})},
		{"error", bot.ErrorMessage(errInvalid("unknown command \"shwo\"; try `help`"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(tt.m)
			checkLimits(t, out)
			golden(t, tt.name, out)
		})
	}
}

// TestRenderEveryone: a paper titled to ping everyone pings no one.
func TestRenderEveryone(t *testing.T) {
	p := paper.Paper{ID: "2401.00001", Title: "@everyone look: <@&123> and @here", Abstract: "Hi <@456> @everyone", URL: "https://arxiv.org/abs/2401.00001"}
	for _, m := range []bot.Message{
		bot.PaperMessage(p, nil),
		{Kind: bot.KindDigestHeader, Title: p.Title, Intro: "@everyone"},
		bot.Notice("@here"),
	} {
		out := render(m)
		checkLimits(t, out)
		b, _ := json.Marshal(out)
		s := string(b)
		if !strings.Contains(s, `"allowed_mentions":{"parse":[]}`) {
			t.Errorf("no allowed_mentions {parse: []} in %s", s)
		}
		for _, bad := range []string{"@everyone", "@here", "<@"} {
			if strings.Contains(s, bad) {
				t.Errorf("%q survives rendering: %s", bad, s)
			}
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"a*b*c", `a\*b\*c`},
		{"snake_case and ~~strike~~", `snake\_case and \~\~strike\~\~`},
		{"[link](https://evil.example)", `\[link\](https://evil.example)`},
		{"<@123> <#456> <t:1700000000>", `\<@123\> \<#456\> \<t:1700000000\>`},
		{"try `/papers help` now", "try `/papers help` now"},
		{"one ` tick", "one \\` tick"},
		{"# Heading\n- item\n> quote\n1. list", "\\# Heading\n\\- item\n\\> quote\n1\\. list"},
		{"mid-line - and # are fine", "mid-line - and # are fine"},
		{"see https://github.com/a_b/c_d*e", "see https://github.com/a_b/c_d*e"},
		{"@everyone and @here", "@\u200beveryone and @\u200bhere"},
		{`back\slash`, `back\\slash`},
		{"||spoiler||", `\|\|spoiler\|\|`},
		// Text that only starts like a URL is escaped as any other.
		{"http://@everyone", "http://@\u200beveryone"},
		{"https://**bold** and https://||x||", `https://\*\*bold\*\* and https://\|\|x\|\|`},
		{"see https://x.org/@here/a_b", "see https://x.org/@\u200bhere/a\\_b"},
		{"https://", "https://"},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRenderLimits: a message far over every limit is split, never cut
// into an error: every part is within limits and no text is lost.
func TestRenderLimits(t *testing.T) {
	long := strings.Repeat("word_with*marks ", 2000) // 32000 characters, escapes included
	var sections []bot.Section
	for i := range 14 {
		var fields []bot.Field
		for j := range 30 {
			fields = append(fields, bot.Field{Name: strings.Repeat("N", 300), Value: strings.Repeat("v", 1500) + string(rune('a'+j%26)), Inline: j%2 == 0})
		}
		sections = append(sections, bot.Section{
			PaperID: "x", Title: strings.Repeat("T", 400) + string(rune('A'+i)), URL: "https://arxiv.org/abs/2401.00001",
			Summary: bot.Plain(long), Fields: fields,
			Links: []bot.Link{{Label: "Abstract", URL: "https://arxiv.org/abs/2401.00001"}, {Label: "bad", URL: "javascript:alert(1)"}},
		})
	}
	tests := []bot.Message{
		{Kind: bot.KindResults, Title: strings.Repeat("t", 3000), Intro: long, Sections: sections, Footer: strings.Repeat("f", 5000), Ephemeral: true},
		{Kind: bot.KindHelp, Title: long, Intro: long, Sections: sections, Footer: long},
		{Kind: bot.KindPaper, Sections: sections[:1]},
		{Kind: bot.KindNotice, Text: long},
		{Kind: bot.KindDigestPaper, Sections: []bot.Section{{Title: strings.Repeat("T", 256), Summary: bot.Plain(strings.Repeat("é", 4096))}}, Footer: strings.Repeat("f", 2048)},
	}
	for i, m := range tests {
		out := render(m)
		checkLimits(t, out)
		for _, p := range out {
			if m.Ephemeral != (p.Flags&flagEphemeral != 0) {
				t.Errorf("message %d: ephemeral flag %v, want %v", i, p.Flags&flagEphemeral != 0, m.Ephemeral)
			}
		}
		// Nothing is lost: every "word" of the long text arrives.
		if m.Kind == bot.KindNotice {
			n := 0
			for _, p := range out {
				n += strings.Count(p.Content, `word\_with\*marks`)
				for _, e := range p.Embeds {
					n += strings.Count(e.Description, `word\_with\*marks`)
				}
			}
			if n != 2000 {
				t.Errorf("notice split lost text: %d of 2000 words arrived", n)
			}
		}
		if m.Kind == bot.KindResults {
			titles := 0
			for _, p := range out {
				for _, e := range p.Embeds {
					if e.Title != "" {
						titles++
					}
				}
			}
			if titles != len(sections) {
				t.Errorf("results: %d paper titles arrived, want %d", titles, len(sections))
			}
		}
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want []string
	}{
		{"", 10, nil},
		{"short", 10, []string{"short"}},
		{"aaaa bbbb cccc", 9, []string{"aaaa bbbb", "cccc"}},
		{"line one\nline two", 12, []string{"line one", "line two"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{`abc\*defgh`, 4, []string{"abc", `\*de`, "fgh"}},
	}
	for _, tt := range tests {
		got := splitText(tt.in, tt.n)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitText(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// Backticks in a paper's title and abstract never make code spans, in the
// `show` embed (title, description, fields) nor in the core's sentences
// quoting the title; the core's own `commands` keep theirs.
func TestRenderBackticksInPaperData(t *testing.T) {
	p := paper.Paper{ID: "2401.00001", Title: "Why `torch.compile` is `slow`", Abstract: "We profile `torch.compile` and `jit`.",
		Authors: []string{"A `b` C"}, URL: "https://arxiv.org/abs/2401.00001"}
	for name, m := range map[string]bot.Message{
		"show":          bot.PaperMessage(p, nil),
		"results":       bot.ResultsMessage("Papers similar to “"+bot.Literal(p.Title)+"”", paper.Results{Hits: []paper.Hit{{Paper: p}}, Total: 1}, nil, "papers"),
		"thread intro":  digest.ThreadIntro(p),
		"core's prose":  bot.Notice("try `/papers help` on “" + bot.Literal(p.Title) + "”"),
		"digest header": {Kind: bot.KindDigestHeader, Title: "Trending on “" + bot.Literal(p.Title) + "”"},
	} {
		b, _ := json.Marshal(render(m))
		s := string(b)
		for _, code := range []string{"`torch.compile`", "`slow`", "`jit`", "`b`"} {
			if strings.Contains(s, code) {
				t.Errorf("%s: %s makes a code span: %s", name, code, s)
			}
		}
		if name == "core's prose" && !strings.Contains(s, "`/papers help`") {
			t.Errorf("%s: the core's code span is gone: %s", name, s)
		}
	}
}
