package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func samplePaper() paper.Paper {
	p := paper.Paper{
		ID:         "2205.13760",
		Title:      "Tranception: protein fitness prediction with autoregressive transformers and inference-time retrieval",
		Abstract:   "The ability to accurately model the fitness landscape of protein sequences is critical to a wide range of applications, from quantifying the effects of human variants on disease likelihood, to predicting immune-escape mutations in viruses and designing novel biotherapeutic proteins.",
		Authors:    []string{"Pascal Notin", "Mafalda Dias", "Jonathan Frazer", "Javier Marchena-Hurtado", "Aidan Gomez"},
		Categories: []string{"cs.LG", "q-bio.BM"},
		Published:  "2022-05-27",
		URL:        "https://arxiv.org/abs/2205.13760",
		PDFURL:     "https://arxiv.org/pdf/2205.13760",
		CodeURL:    "https://github.com/OATML-Markslab/Tranception",
		Upvotes:    42,
		Stars:      12345,
	}
	return p
}

func otherPaper() paper.Paper {
	return paper.Paper{
		ID:        "2305.18290",
		Title:     "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
		Abstract:  "While large-scale unsupervised language models (LMs) learn broad world knowledge...",
		Authors:   []string{"Rafael Rafailov", "Archit Sharma"},
		Published: "2023-05-29",
		URL:       "https://arxiv.org/abs/2305.18290",
	}
}

// The messages the golden files show, built the way the core builds them.
func goldenMessages() map[string]struct {
	m   bot.Message
	opt renderOptions
} {
	p, q := samplePaper(), otherPaper()
	results := bot.ResultsMessage("Papers matching “protein fitness”", paper.Results{
		Hits: []paper.Hit{
			{Paper: p, Snippet: []paper.Span{{Text: "…accurately model the "}, {Text: "fitness", Match: true}, {Text: " landscape of "}, {Text: "protein", Match: true}, {Text: " sequences…"}}},
			{Paper: q, Snippet: []paper.Span{{Text: "unsupervised language models"}}},
		},
		Total:      7,
		DidYouMean: "protein fitness",
	}, map[string][]bot.Discussion{p.ID: {{PaperID: p.ID, ChannelName: "ml-papers", URL: "https://example.slack.com/archives/C1/p1", Replies: 12, LastReply: time.Date(2025, 6, 3, 14, 5, 0, 0, time.UTC)}}}, "papers")
	card := bot.PaperMessage(p, nil)
	header := bot.Message{
		Kind:  bot.KindDigestHeader,
		Text:  "Trending papers for Tuesday, 3 June 2025",
		Title: "Trending papers — Tuesday, 3 June 2025",
		Intro: "3 papers on diffusion, one message each: discuss them in their threads.",
	}
	dp := bot.PaperSection(p, nil, false)
	dp.Fields = append(dp.Fields, bot.Field{Name: "Status", Value: "new", Inline: true})
	digestPaper := bot.Message{Kind: bot.KindDigestPaper, Text: p.Title, Sections: []bot.Section{dp}}
	evil := paper.Paper{
		ID:       "2501.00001",
		Title:    "<!channel> & <https://evil|click> *Bold* claims: _all_ you ~need~ is `attention`",
		Abstract: "See <@U123> and <!here> & <#C42|general>. Use *args and snake_case_names ~10x faster.",
		Authors:  []string{"Eve <eve@evil>", "_Mallory_"},
		URL:      "https://arxiv.org/abs/2501.00001",
	}
	evilDisc := []bot.Discussion{{PaperID: evil.ID, ChannelName: "ml_papers_daily", URL: "https://example.slack.com/archives/C1/p1?thread_ts=1_2~3", Replies: 2}}
	return map[string]struct {
		m   bot.Message
		opt renderOptions
	}{
		"results":       {results, renderOptions{Share: "protein fitness"}},
		"paper":         {card, renderOptions{Share: "show 2205.13760"}},
		"digest_header": {header, renderOptions{}},
		"digest_paper":  {digestPaper, renderOptions{}},
		"escaping":      {bot.PaperMessage(evil, evilDisc), renderOptions{}},
		"error":         {bot.ErrorMessage(errString("boom")), renderOptions{}},
		"help":          {bot.HelpMessage("papers", []bot.CommandSpec{{Name: "show", Usage: "<arXiv id or URL>", Summary: "Show one paper", Examples: []string{"show 2205.13760"}}}), renderOptions{}},
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestRenderGolden(t *testing.T) {
	for name, tc := range goldenMessages() {
		t.Run(name, func(t *testing.T) {
			msgs := render(tc.m, tc.opt)
			checkLimits(t, msgs)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(msgs); err != nil {
				t.Fatal(err)
			}
			// Zero-width spaces are invisible: the golden file shows them
			// as the JSON escape that means the same.
			got := bytes.ReplaceAll(buf.Bytes(), []byte("\u200b"), []byte(`\u200b`))
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("rendering of %s differs from %s (go test -update rewrites it):\n%s", name, path, got)
			}
		})
	}
}

// TestRenderEscapes: a title made to ping everyone prints literally, and no
// text from outside reaches Slack with a raw "<", ">" or "&".
func TestRenderEscapes(t *testing.T) {
	m := goldenMessages()["escaping"].m
	m.Ephemeral = false
	msgs := render(m, renderOptions{})
	js, _ := json.Marshal(msgs)
	var decoded []struct {
		Text   string
		Blocks []map[string]any
	}
	if err := json.Unmarshal(js, &decoded); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, d := range decoded {
		texts = append(texts, d.Text)
		for _, b := range d.Blocks {
			collectTexts(b, &texts)
		}
	}
	all := strings.Join(texts, "\n")
	for _, bad := range []string{"<!channel>", "<!here>", "<@U123>", "<https://evil", "<#C42", "<eve@evil>"} {
		if strings.Contains(all, bad) {
			t.Errorf("rendered text contains %q unescaped:\n%s", bad, all)
		}
	}
	for _, want := range []string{"&lt;!channel&gt; &amp; &lt;https://evil|click&gt;", "&lt;!here&gt; &amp; &lt;#C42|general&gt;", "Eve &lt;eve@evil&gt;"} {
		if !strings.Contains(all, want) {
			t.Errorf("rendered text lacks %q:\n%s", want, all)
		}
	}
	// Formatting characters from outside never format: each stands
	// between zero-width spaces (shown and copied as itself), in the
	// title, the abstract, the authors and the channel's name; the URL
	// keeps its characters as they are.
	z := func(c string) string { return "\u200b" + c + "\u200b" }
	for _, want := range []string{
		z("*") + "Bold" + z("*") + " claims: " + z("_") + "all" + z("_") + " you " + z("~") + "need" + z("~") + " is " + z("`") + "attention" + z("`"),
		"Use " + z("*") + "args and snake" + z("_") + "case" + z("_") + "names " + z("~") + "10x",
		z("_") + "Mallory" + z("_"),
		"#ml" + z("_") + "papers" + z("_") + "daily",
		"<https://example.slack.com/archives/C1/p1?thread_ts=1_2~3|",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("rendered text lacks %q:\n%s", want, all)
		}
	}
	for _, tx := range texts {
		for i, c := range tx {
			if strings.ContainsRune("_~`", c) && !(strings.HasSuffix(tx[:i], "\u200b") && strings.HasPrefix(tx[i+1:], "\u200b")) && !strings.Contains(tx, "thread_ts=1_2~3") {
				t.Errorf("%q formats at %q", c, tx[i:])
			}
		}
	}
	// The only markup left is ours: the title link to the paper and the links line.
	for _, tx := range texts {
		for i := 0; i < len(tx); i++ {
			if tx[i] == '<' && !strings.HasPrefix(tx[i:], "<https://arxiv.org/") && !strings.HasPrefix(tx[i:], "<https://www.alphaxiv.org/") && !strings.HasPrefix(tx[i:], "<https://huggingface.co/") && !strings.HasPrefix(tx[i:], "<https://example.slack.com/archives/C1/p1?") {
				t.Errorf("unexpected markup at %q", tx[i:])
			}
		}
	}
	// Every mrkdwn object is verbatim: Slack parses no mentions in it.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "mrkdwn" && v["verbatim"] != true {
				t.Errorf("mrkdwn text without verbatim: %v", v)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, d := range decoded {
		for _, b := range d.Blocks {
			walk(b)
		}
	}
}

func TestEscapeTrunc(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"a & b", 20, "a &amp; b"},
		{"a & b", 6, "a…"},
		{"<<<<", 9, "&lt;&lt;…"},
		{"plain text", 5, "plai…"},
		{"a*b", 20, "a\u200b*\u200bb"},
		{"a*b", 4, "a…"},                 // not "a\u200b*…"
		{"ab_cd", 6, "ab\u200b_\u200b…"}, // the whole escaped character, or none of it
		{"ab_cd", 5, "ab…"},
	}
	for _, tt := range tests {
		if got := escapeTrunc(tt.in, tt.n); got != tt.want {
			t.Errorf("escapeTrunc(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		if got := escapeTrunc(tt.in, tt.n); utf8.RuneCountInString(got) > tt.n {
			t.Errorf("escapeTrunc(%q, %d) = %q is too long", tt.in, tt.n, got)
		}
	}
}

// The core's sentences keep the code spans they write (try `help`), while
// the formatting characters of the words in them never format.
func TestEscapeProse(t *testing.T) {
	z := func(c string) string { return "\u200b" + c + "\u200b" }
	for _, tt := range []struct{ in, want string }{
		{"unknown command \"*x*\"; try `help`", "unknown command \"" + z("*") + "x" + z("*") + "\"; try `help`"},
		{"Usage: `/papers show <arXiv id or URL>`", "Usage: `/papers show &lt;arXiv id or URL&gt;`"},
		{"one ` backtick", "one " + z("`") + " backtick"},
		{"topic snake_case", "topic snake" + z("_") + "case"},
	} {
		if got := escapeProse(tt.in); got != tt.want {
			t.Errorf("escapeProse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A long text is split between characters, never inside an escaped one.
	long := strings.Repeat("_", 5000)
	for _, p := range splitText(escape(long), maxSectionText) {
		if !strings.HasPrefix(p, "\u200b_") || !strings.HasSuffix(p, "_\u200b") {
			t.Errorf("piece of %d runes cut inside an escaped character: %q…%q", runes(p), p[:8], p[len(p)-8:])
		}
	}
}

// TestRenderSplitsLongMessages: a message far beyond Slack's limits (ten
// papers with 20,000-character abstracts, 30 fields each, a 500-character
// title) is split into several messages that each respect every limit and
// together keep every paper.
func TestRenderSplitsLongMessages(t *testing.T) {
	long := strings.Repeat("Protein language models & <structure> predict fitness. ", 360) // ~20k
	var m bot.Message
	m.Kind = bot.KindResults
	m.Title = strings.Repeat("Very long title ", 40)
	m.Text = "many papers"
	m.Ephemeral = true
	for i := range 10 {
		s := bot.Section{PaperID: "p", Title: "Paper " + string(rune('A'+i)), URL: "https://arxiv.org/abs/2205.13760", Summary: bot.Plain(long)}
		for range 30 {
			s.Fields = append(s.Fields, bot.Field{Name: "Field", Value: strings.Repeat("v", 2500), Inline: true})
		}
		m.Sections = append(m.Sections, s)
	}
	m.Footer = "10 papers"
	msgs := render(m, renderOptions{Share: "protein"})
	if len(msgs) < 2 {
		t.Fatalf("got %d messages, want the long message split", len(msgs))
	}
	checkLimits(t, msgs)
	js, _ := json.Marshal(msgs)
	for i := range 10 {
		if !bytes.Contains(js, []byte("Paper "+string(rune('A'+i)))) {
			t.Errorf("paper %c lost in splitting", 'A'+i)
		}
	}
	// The button comes once, at the very end.
	if n := bytes.Count(js, []byte(ShareActionID)); n != 1 {
		t.Errorf("share button appears %d times, want 1", n)
	}
	last, _ := json.Marshal(msgs[len(msgs)-1])
	if !bytes.Contains(last, []byte(ShareActionID)) {
		t.Error("share button is not in the last message")
	}
	// The whole abstract survives (as escaped text).
	words := strings.Count(string(js), "predict fitness.")
	if words != 360*10 {
		t.Errorf("abstract sentences kept: %d, want %d", words, 3600)
	}
}

// checkLimits asserts Slack's documented Block Kit limits on every message.
func checkLimits(t *testing.T, msgs []rendered) {
	t.Helper()
	js, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	var decoded []struct {
		Text   string
		Blocks []map[string]any
	}
	if err := json.Unmarshal(js, &decoded); err != nil {
		t.Fatal(err)
	}
	for i, d := range decoded {
		if strings.TrimSpace(d.Text) == "" {
			t.Errorf("message %d: no top-level text", i)
		}
		if len(d.Blocks) == 0 || len(d.Blocks) > maxBlocks {
			t.Errorf("message %d: %d blocks (1 to %d allowed)", i, len(d.Blocks), maxBlocks)
		}
		total := utf8.RuneCountInString(d.Text)
		for j, b := range d.Blocks {
			var texts []string
			collectTexts(b, &texts)
			for _, tx := range texts {
				total += utf8.RuneCountInString(tx)
			}
			switch b["type"] {
			case "header":
				if n := textLen(b["text"]); n == 0 || n > maxHeaderText {
					t.Errorf("message %d block %d: header of %d characters", i, j, n)
				}
			case "section":
				if n := textLen(b["text"]); n > maxSectionText {
					t.Errorf("message %d block %d: section text of %d characters", i, j, n)
				}
				fields, _ := b["fields"].([]any)
				if len(fields) > maxFields {
					t.Errorf("message %d block %d: %d fields", i, j, len(fields))
				}
				for _, f := range fields {
					if n := textLen(f); n > maxFieldText {
						t.Errorf("message %d block %d: field of %d characters", i, j, n)
					}
				}
				if b["text"] == nil && len(fields) == 0 {
					t.Errorf("message %d block %d: empty section", i, j)
				}
			case "context":
				els, _ := b["elements"].([]any)
				if len(els) == 0 || len(els) > maxContextElems {
					t.Errorf("message %d block %d: %d context elements", i, j, len(els))
				}
			case "actions", "divider":
			default:
				t.Errorf("message %d block %d: unexpected block type %v", i, j, b["type"])
			}
		}
		if total > 12000 {
			t.Errorf("message %d: %d characters of text (Slack fails near 13k)", i, total)
		}
	}
}

func textLen(v any) int {
	m, _ := v.(map[string]any)
	s, _ := m["text"].(string)
	return utf8.RuneCountInString(s)
}

func collectTexts(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v["text"].(string); ok {
			*out = append(*out, s)
		}
		for k, x := range v {
			if k != "text" || !isString(x) {
				collectTexts(x, out)
			}
		}
	case []any:
		for _, x := range v {
			collectTexts(x, out)
		}
	}
}

func isString(v any) bool { _, ok := v.(string); return ok }

func BenchmarkRenderResults(b *testing.B) {
	m := goldenMessages()["results"]
	for b.Loop() {
		render(m.m, m.opt)
	}
}

func BenchmarkRenderLongPaper(b *testing.B) {
	p := samplePaper()
	p.Abstract = strings.Repeat("A long abstract sentence about proteins & <things>. ", 400)
	m := bot.PaperMessage(p, nil)
	for b.Loop() {
		render(m, renderOptions{})
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want []string
	}{
		{"", 10, []string{""}},
		{"short", 10, []string{"short"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"abcdefghijkl", 5, []string{"abcde", "fghij", "kl"}},
		{"aaaa &amp; bb", 7, []string{"aaaa", "&amp;", "bb"}},
		{"xxxxxx&amp;yy", 8, []string{"xxxxxx", "&amp;yy"}},
		{"line one\nline two", 12, []string{"line one", "line two"}},
	}
	for _, tt := range tests {
		got := splitText(tt.in, tt.n)
		if !slices.Equal(got, tt.want) {
			t.Errorf("splitText(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		for _, p := range got {
			if utf8.RuneCountInString(p) > tt.n {
				t.Errorf("piece %q longer than %d", p, tt.n)
			}
		}
	}
}

// Backticks in a paper's title never make code spans in the sentences that
// quote it: the digest thread's first message, a results title.
func TestRenderBackticksInQuotedTitles(t *testing.T) {
	p := paper.Paper{ID: "2401.00001", Title: "Why `torch.compile` is `slow`", URL: "https://arxiv.org/abs/2401.00001"}
	for name, m := range map[string]bot.Message{
		"thread intro": digest.ThreadIntro(p),
		"results":      bot.ResultsMessage("Papers similar to “"+bot.Literal(p.Title)+"”", paper.Results{Hits: []paper.Hit{{Paper: p}}, Total: 1}, nil, "papers"),
	} {
		b, _ := json.Marshal(render(m, renderOptions{}))
		for _, code := range []string{"`torch.compile`", "`slow`"} {
			if strings.Contains(string(b), code) {
				t.Errorf("%s: %s makes a code span: %s", name, code, b)
			}
		}
	}
}
