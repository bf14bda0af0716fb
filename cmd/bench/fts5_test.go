package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

func TestFTSTranslate(t *testing.T) {
	tr, err := newFTSTranslator()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in string
		want     ftsQuery
	}{
		{"words OR-ed, stop words dropped", "the theory of diffusion models",
			ftsQuery{Match: `({title abstract} : ("theory" OR "diffusion" OR "models"))`}},
		{"one word", "tranception", ftsQuery{Match: `({title abstract} : ("tranception"))`}},
		{"typo kept as typed", "tranceptoin", ftsQuery{Match: `({title abstract} : ("tranceptoin"))`}},
		{"hyphenated word split like unicode61", "triebel--lizorkin spaces",
			ftsQuery{Match: `({title abstract} : ("triebel" OR "lizorkin" OR "spaces"))`}},
		{"phrase", `"direct preference optimization"`,
			ftsQuery{Match: `({title abstract} : "direct preference optimization")`}},
		{"phrase keeps its stop words", `"theory of games"`,
			ftsQuery{Match: `({title abstract} : "theory of games")`}},
		{"word and phrase", `change "random sequences"`,
			ftsQuery{Match: `({title abstract} : ("change")) AND ({title abstract} : "random sequences")`}},
		{"author alone: newest first", `author:"Pascal Notin"`,
			ftsQuery{Match: `(authors : "pascal notin")`, Recent: true}},
		{"author with initials", `author:"Boris I. Shraiman"`,
			ftsQuery{Match: `(authors : "boris i shraiman")`, Recent: true}},
		{"author and topic: ranked", "author:Efroimsky tides",
			ftsQuery{Match: `({title abstract} : ("tides")) AND (authors : "efroimsky")`}},
		{"category alone", "cat:math.AG", ftsQuery{Match: `(categories : "math ag")`, Recent: true}},
		{"category after words", "complexity exact cat:cs.CC",
			ftsQuery{Match: `({title abstract} : ("complexity" OR "exact")) AND (categories : "cs cc")`}},
		{"new-style id", "1011.0240", ftsQuery{IDs: []string{"1011.0240"}}},
		{"old-style id", "math/9201240", ftsQuery{IDs: []string{"math/9201240"}}},
		{"arXiv: prefix", "arXiv:1512.02014", ftsQuery{IDs: []string{"1512.02014"}}},
		{"abs URL with version", "https://arxiv.org/abs/1806.00105v2", ftsQuery{IDs: []string{"1806.00105"}}},
		{"exclusions", `diffusion -survey -"language models"`,
			ftsQuery{Match: `({title abstract} : ("diffusion")) NOT ({title abstract} : "survey") NOT ({title abstract} : "language models")`}},
		{"quotes inside a word are escaped", `o"neil`, ftsQuery{Match: `({title abstract} : ("o" OR "neil"))`}},
		{"only stop words", "the of and", ftsQuery{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tr.Translate(tt.in)
			if got.Match != tt.want.Match || got.Recent != tt.want.Recent || !slices.Equal(got.IDs, tt.want.IDs) {
				t.Errorf("Translate(%q) =\n  %+v\nwant\n  %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitQuery(t *testing.T) {
	got := splitQuery(`  author:"Pascal Notin" protein  "fitness landscape" cat:cs.LG `)
	want := []string{`author:"Pascal Notin"`, "protein", `"fitness landscape"`, "cat:cs.LG"}
	if !slices.Equal(got, want) {
		t.Errorf("splitQuery = %q, want %q", got, want)
	}
}

// TestFTSSearch indexes the tiny corpus in a real SQLite FTS5 database and
// runs translated queries against it.
func TestFTSSearch(t *testing.T) {
	if !fts5Available(t) {
		t.Skip("SQLite has no FTS5 in this build: run with -tags sqlite_fts5")
	}
	ctx := context.Background()
	corpus, papers := tinyCorpus(t)
	path := filepath.Join(t.TempDir(), "fts.db")
	n, rej, err := ingestFTS5(ctx, corpus, path, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(papers) || rej != 0 {
		t.Fatalf("ingested %d (rejected %d), want %d", n, rej, len(papers))
	}
	db, err := openFTS(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := newFTSSearcher(ctx, db, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		q    string
		hits int
	}{
		{"residual", 1},
		{"learning networks", 2},   // OR: Adam's abstract has neither; ResNet, Attention
		{"optimizer", 1},           // porter: optimization
		{`"large N limit"`, 1},     // a phrase
		{`"limit large"`, 0},       // words in the wrong order are no phrase
		{`author:"Kaiming He"`, 1}, // column filter, newest first
		{"author:Notin protein", 1},
		{"cat:cs.LG", 3},
		{"cat:cs.LG transformers", 1},
		{"1706.03762", 1},
		{"https://arxiv.org/abs/hep-th/9711200v2", 1},
		{"2101.00001", 0},
		{"tranceptoin", 0}, // FTS5 has no typo tolerance
	}
	for _, tt := range tests {
		got, err := s.Search(ctx, tt.q)
		if err != nil {
			t.Errorf("Search(%q): %v", tt.q, err)
			continue
		}
		if got != tt.hits {
			t.Errorf("Search(%q) = %d hits, want %d (MATCH %q)", tt.q, got, tt.hits, s.tr.Translate(tt.q).Match)
		}
	}
}
