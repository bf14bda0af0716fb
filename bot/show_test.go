package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

type fetcher struct {
	p     paper.Paper
	calls int
}

func (f *fetcher) Fetch(_ context.Context, id string) (paper.Paper, error) {
	f.calls++
	if id != f.p.ID {
		return paper.Paper{}, fault.New(fault.NotFound, "arXiv has no paper %s", id)
	}
	return f.p, nil
}

type indexer struct{ got []paper.Paper }

func (i *indexer) Upsert(_ context.Context, ps []paper.Paper) error {
	i.got = append(i.got, ps...)
	return nil
}

func TestShowCommand(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception", Abstract: "full abstract"}
	remote := paper.Paper{ID: "2401.00001", Title: "Fetched from arXiv"}
	f, ix := &fetcher{p: remote}, &indexer{}
	b := newBot(t, bot.Config{Searcher: &coreSearcher{papers: map[string]paper.Paper{known.ID: known}}, Fetcher: f, Indexer: ix})

	m, err := ask(t, b, "show https://arxiv.org/abs/2205.13760v2")
	if err != nil || m.Kind != bot.KindPaper || m.Sections[0].PaperID != known.ID || paper.PlainText(m.Sections[0].Summary) != "full abstract" {
		t.Errorf("show known: %+v %v", m, err)
	}
	m, err = ask(t, b, "show 2401.00001")
	if err != nil || m.Sections[0].Title != remote.Title || len(ix.got) != 1 {
		t.Errorf("show fetched: %+v %v, indexed %v", m, err, ix.got)
	}
	m, err = ask(t, b, "show 2401.00002")
	if !fault.Is(err, fault.NotFound) || !strings.Contains(m.Text, "2401.00002") {
		t.Errorf("show missing: %+v %v", m, err)
	}
	// Written like an arXiv id but not one: what is wrong with it.
	for _, bad := range []string{"2205.137600", "https://arxiv.org/abs/2205.137600"} {
		m, err = ask(t, b, "show "+bad)
		if !fault.Is(err, fault.Invalid) || !strings.HasPrefix(m.Text, "2205.137600 is not an arXiv id: it has 6 digits after the dot") {
			t.Errorf("show %s: %q %v", bad, m.Text, err)
		}
	}
	m, err = ask(t, b, "show")
	if !fault.Is(err, fault.Invalid) || !strings.Contains(m.Text, "Usage") {
		t.Errorf("show without an id: %+v %v", m, err)
	}
	// Words after show name a paper, searched for; when none matches, the
	// answer says so (and that an id or a link works too).
	m, err = ask(t, b, "show not an id at all")
	if !fault.Is(err, fault.NotFound) || !strings.HasPrefix(m.Text, "no paper matches “not an id at all”") || !strings.Contains(m.Text, "`/papers show <arXiv id or URL>`") {
		t.Errorf("show with words: %+v %v", m, err)
	}
}

// A query that starts with an ordinary word is a query: no alias takes
// "related", "top", "find", "get", "like", "hot", "sub"… for a command;
// show and similar search for the paper their words name (the words
// after the command, here one clear match) when they are no id or link (a
// one-word argument that names an indexed paper, or looks like an id or a
// link, is still looked up).
func TestCommandWordsStartingAQuery(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	custom := paper.Paper{ID: "acl-2023-long-1", Title: "A paper with its own id"}
	hit := paper.Paper{ID: "2307.00494", Title: "Smoothed fitness landscapes"}
	s := &coreSearcher{results: paper.Results{Hits: []paper.Hit{{Paper: hit}}, Total: 1}, papers: map[string]paper.Paper{known.ID: known, custom.ID: custom}}
	b := newBot(t, bot.Config{Searcher: s, Digest: digest.ChatCommands(nil, "papers")}) // declared, never run here
	tests := []struct {
		text string
		// query is the search run ("" for none); kind the reply's kind;
		// notFound an error that names the argument.
		query    string
		kind     bot.Kind
		notFound bool
	}{
		{"related work on retrieval", "related work on retrieval", bot.KindResults, false},
		{"top quarks", "top quarks", bot.KindResults, false},
		{"hot dense matter", "hot dense matter", bot.KindResults, false},
		{"find diffusion", "find diffusion", bot.KindResults, false},
		{"s matrices", "s matrices", bot.KindResults, false},
		{"get real", "get real", bot.KindResults, false},
		{"like a human", "like a human", bot.KindResults, false},
		{"paper folding", "paper folding", bot.KindResults, false},
		{"sub quadratic attention", "sub quadratic attention", bot.KindResults, false},
		{"subs and dubs", "subs and dubs", bot.KindResults, false},
		{"commands in natural language", "commands in natural language", bot.KindResults, false},
		{"show me diffusion papers", "me diffusion papers", bot.KindPaper, false},
		{"SHOW ME diffusion", "ME diffusion", bot.KindPaper, false},
		{"show diffusion", "diffusion", bot.KindPaper, false},
		{"similar to protein fitness", "to protein fitness", bot.KindResults, false},
		{"similar transformers", "transformers", bot.KindResults, false},
		// Ids and links are looked up, and not finding them is said.
		{"show 2205.13760", "", bot.KindPaper, false},
		{"show acl-2023-long-1", "", bot.KindPaper, false},
		{"show 2401.99999", "", bot.KindError, true},
		{"show t-0123456789", "", bot.KindError, true},
		{"show https://openreview.net/forum?id=abc", "", bot.KindError, true},
		{"similar 2401.99999", "", bot.KindError, true},
		{"similar arXiv:2205.13760", "", bot.KindResults, false},
		{"similar acl-2023-long-1", "", bot.KindResults, false},
		{"?", "", bot.KindHelp, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			s.queries = nil
			m, err := ask(t, b, tt.text)
			if tt.notFound != fault.Is(err, fault.NotFound) || (!tt.notFound && err != nil) {
				t.Fatalf("%q: error %v (reply %q)", tt.text, err, m.Text)
			}
			if m.Kind != tt.kind {
				t.Errorf("%q: a %v reply %q, want %v", tt.text, m.Kind, m.Text, tt.kind)
			}
			var searched string
			for _, q := range s.queries {
				if q.Sort == paper.ByTrending {
					t.Errorf("%q: ran trending", tt.text)
				}
				searched = q.Text
			}
			if searched != tt.query {
				t.Errorf("%q: searched %q, want %q", tt.text, searched, tt.query)
			}
		})
	}
}

func TestSearchWithAnIDShowsThePaper(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	s := &coreSearcher{results: paper.Results{Exact: true, Hits: []paper.Hit{{Paper: known}}}, papers: map[string]paper.Paper{known.ID: known}}
	b := newBot(t, bot.Config{Searcher: s})
	m, err := ask(t, b, "https://huggingface.co/papers/2205.13760")
	if err != nil || m.Kind != bot.KindPaper {
		t.Errorf("%+v %v", m, err)
	}
}

func TestSimilarAndTrendingCommands(t *testing.T) {
	known := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	other := paper.Paper{ID: "2307.00494", Title: "Smoothed fitness landscapes"}
	s := &coreSearcher{results: paper.Results{Hits: []paper.Hit{{Paper: other}}, Total: 1}, papers: map[string]paper.Paper{known.ID: known}}
	b := newBot(t, bot.Config{Searcher: s})
	m, err := ask(t, b, "similar 2205.13760")
	if err != nil || !strings.Contains(m.Title, "Tranception") || m.Sections[0].PaperID != other.ID {
		t.Errorf("similar: %+v %v", m, err)
	}
	if _, err := ask(t, b, "similar"); !fault.Is(err, fault.Invalid) {
		t.Errorf("similar without an id: %v", err)
	}
	if _, err := ask(t, b, "similar 9901.00001"); !fault.Is(err, fault.NotFound) {
		t.Errorf("similar of an unknown paper: %v", err)
	}
	m, err = ask(t, b, "trending diffusion")
	if err != nil || m.Title != "Trending papers on “diffusion”" {
		t.Errorf("trending: %+v %v", m, err)
	}
	if q := s.queries[len(s.queries)-1]; q.Sort != paper.ByTrending || q.Text != "diffusion" {
		t.Errorf("trending asked %+v", q)
	}
	s.results = paper.Results{}
	m, _ = ask(t, b, "nothing matches this")
	if !strings.Contains(m.Intro, "No papers found") {
		t.Errorf("empty results: %+v", m)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	b := newBot(t, bot.Config{Searcher: &coreSearcher{}})
	m, err := ask(t, b, "help")
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != bot.KindHelp || !m.Ephemeral {
		t.Errorf("kind %v ephemeral %v", m.Kind, m.Ephemeral)
	}
	for _, spec := range b.Commands() {
		if !strings.Contains(m.Text, spec.Summary) {
			t.Errorf("help text lacks %s: %q", spec.Name, spec.Summary)
		}
	}
	// The empty command is help too.
	if m2, _ := ask(t, b, ""); m2.Kind != bot.KindHelp {
		t.Errorf("empty command gave %v", m2.Kind)
	}
}

// A discussion with no link (the console's threads) is still named on the
// paper's card; one with a link is a link.
func TestPaperCardNamesDiscussions(t *testing.T) {
	p := paper.Paper{ID: "2205.13760", Title: "Tranception"}
	m := bot.PaperMessage(p, []bot.Discussion{
		{PaperID: p.ID, Platform: "console", ChannelName: "console", ThreadID: "m3"},
		{PaperID: p.ID, Platform: "slack", ChannelName: "ml-papers", URL: "https://x.slack.com/archives/C1/p1"},
	})
	s := m.Sections[0]
	var fields, links []string
	for _, f := range s.Fields {
		fields = append(fields, f.Name+": "+f.Value)
	}
	for _, l := range s.Links {
		links = append(links, l.Label)
	}
	if !slices.Contains(fields, "Discussion: Discussed in #console") {
		t.Errorf("fields %q do not name the console thread", fields)
	}
	if !slices.Contains(links, "Discussed in #ml-papers") {
		t.Errorf("links %q do not link the Slack thread", links)
	}
}

// byQuery is a Searcher that answers each query text with its own results.
type byQuery struct {
	coreSearcher
	answers map[string]paper.Results
	similar []string // the ids Similar was asked about
}

func (s *byQuery) Search(_ context.Context, q paper.Query) (paper.Results, error) {
	s.queries = append(s.queries, q)
	return s.answers[q.Text], nil
}

func (s *byQuery) Similar(_ context.Context, id string, _ int) (paper.Results, error) {
	s.similar = append(s.similar, id)
	return paper.Results{Hits: []paper.Hit{{Paper: paper.Paper{ID: "2307.00494", Title: "Smoothed fitness landscapes"}}}, Total: 1}, nil
}

// `/papers show tranception` shows Tranception, and `/papers similar
// tranception` lists papers like it: words that are no id or link name the
// paper, searched for without the command word. When the best match is not
// clearly ahead (scores as on the sample corpus) the answer lists the
// matches and asks which, with the command to type; when nothing matches,
// it says so.
func TestShowAndSimilarFindThePaperByName(t *testing.T) {
	tranception := paper.Paper{ID: "2205.13760", Title: "Tranception: protein fitness prediction"}
	ddpm := paper.Paper{ID: "2102.09672", Title: "Improved Denoising Diffusion Probabilistic Models"}
	egnn := paper.Paper{ID: "2203.17003", Title: "Equivariant Diffusion for Molecule Generation in 3D"}
	dilog := paper.Paper{ID: "hep-th/9408113", Title: "Dilogarithm identities"}
	dilog1 := paper.Paper{ID: "hep-th/9212150", Title: "Dilogarithm identities, partitions and spectra in conformal field theory, I"}
	lie := paper.Paper{ID: "math/9201256", Title: "Lie groups"}
	lie2 := paper.Paper{ID: "math/9201257", Title: "Lie Groups"}
	s := &byQuery{answers: map[string]paper.Results{
		"tranception":         {Hits: []paper.Hit{{Paper: tranception, Score: 1.5}}, Total: 1},
		"denoising diffusion": {Hits: []paper.Hit{{Paper: ddpm, Score: 2.41}, {Paper: egnn, Score: 1.07}}, Total: 9},
		"diffusion":           {Hits: []paper.Hit{{Paper: egnn, Score: 1.31}, {Paper: ddpm, Score: 1.30}}, Total: 40},
		// A pasted title, and others that start with it (arXiv sample).
		"Dilogarithm identities.":  {Hits: []paper.Hit{{Paper: dilog, Score: 26.7}, {Paper: dilog1, Score: 21.4}}, Total: 548},
		"“dilogarithm identities”": {Hits: []paper.Hit{{Paper: dilog1, Score: 20.1}, {Paper: dilog, Score: 17.0}}, Total: 548},
		"dilogarithm identites":    {Hits: []paper.Hit{{Paper: dilog, Score: 26.7}, {Paper: dilog1, Score: 21.4}}, Total: 548, DidYouMean: "dilogarithm identities"},
		// Two papers with that very title: which one is not clear.
		"lie groups": {Hits: []paper.Hit{{Paper: lie, Score: 7.7}, {Paper: lie2, Score: 7.6}}, Total: 30},
	}}
	b := newBot(t, bot.Config{Searcher: s})
	for _, tt := range []struct {
		text, query string
		kind        bot.Kind
		want        string // the reply's title, or its first section's for a paper
		similarTo   string
	}{
		{"show tranception", "tranception", bot.KindPaper, tranception.Title, ""},
		{"show denoising diffusion", "denoising diffusion", bot.KindPaper, ddpm.Title, ""},
		{"similar tranception", "tranception", bot.KindResults, "Papers similar to “Tranception: protein fitness prediction”", tranception.ID},
		{"show diffusion", "diffusion", bot.KindResults, "Which paper did you mean by “diffusion”?", ""},
		{"similar diffusion", "diffusion", bot.KindResults, "Which paper did you mean by “diffusion”?", ""},
		{"show Dilogarithm identities.", "Dilogarithm identities.", bot.KindPaper, dilog.Title, ""},
		{"show “dilogarithm identities”", "“dilogarithm identities”", bot.KindPaper, dilog.Title, ""},
		{"similar dilogarithm identites", "dilogarithm identites", bot.KindResults, "Papers similar to “Dilogarithm identities”", dilog.ID},
		{"show lie groups", "lie groups", bot.KindResults, "Which paper did you mean by “lie groups”?", ""},
	} {
		s.queries, s.similar = nil, nil
		m, err := ask(t, b, tt.text)
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		got := m.Title
		if m.Kind == bot.KindPaper {
			got = m.Sections[0].Title
		}
		if m.Kind != tt.kind || got != tt.want {
			t.Errorf("%q: a %s reply %q, want a %s reply %q", tt.text, m.Kind, got, tt.kind, tt.want)
		}
		if len(s.queries) != 1 || s.queries[0].Text != tt.query {
			t.Errorf("%q: searched %+v, want %q", tt.text, s.queries, tt.query)
		}
		if tt.similarTo != "" && (len(s.similar) != 1 || s.similar[0] != tt.similarTo) {
			t.Errorf("%q: similar to %v, want %s", tt.text, s.similar, tt.similarTo)
		}
		if verb, _, _ := strings.Cut(tt.text, " "); strings.HasPrefix(tt.want, "Which") &&
			(len(m.Sections) != 2 || !strings.Contains(m.Intro, "`/papers "+verb+" <id>`")) {
			t.Errorf("%q: asks which with %d papers and %q", tt.text, len(m.Sections), m.Intro)
		}
	}
	m, err := ask(t, b, "similar nothing like it")
	if !fault.Is(err, fault.NotFound) || !strings.HasPrefix(m.Text, "no paper matches “nothing like it”") {
		t.Errorf("no match: %q %v", m.Text, err)
	}
	// A result's place in a listing is not a paper: the reply says what
	// to give instead of listing the papers that mention "2".
	for _, text := range []string{"show 2", "similar #3", "show 10."} {
		s.queries = nil
		m, err := ask(t, b, text)
		if !fault.Is(err, fault.Invalid) || !strings.Contains(m.Text, "is a number, not a paper") || !strings.Contains(m.Text, "the id shown under a result") || len(s.queries) != 0 {
			t.Errorf("%q: %q %v, searched %+v", text, m.Text, err, s.queries)
		}
	}
}
