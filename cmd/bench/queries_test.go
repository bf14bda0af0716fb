package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
)

// TestCheckedInMix checks the query mix the benchmark measures: every
// class is there in force, nothing repeats, no query would be taken for a
// subcommand, and each class holds what its name says.
func TestCheckedInMix(t *testing.T) {
	qs, err := loadQueries(filepath.Join("testdata", "queries.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 300 {
		t.Errorf("%d queries, want a few hundred", len(qs))
	}
	per := map[string]int{}
	seen := map[string]bool{}
	for _, q := range qs {
		per[q.Class]++
		if seen[q.Text] {
			t.Errorf("query %q appears twice", q.Text)
		}
		seen[q.Text] = true
		first := strings.ToLower(strings.Fields(q.Text)[0])
		if reservedFirstWords[first] {
			t.Errorf("query %q starts with the subcommand %q", q.Text, first)
		}
		words := len(strings.Fields(q.Text))
		switch q.Class {
		case "words1", "words2", "words3":
			if want := int(q.Class[5] - '0'); words != want {
				t.Errorf("%s query %q has %d words", q.Class, q.Text, words)
			}
		case "words45":
			if words < 4 || words > 5 {
				t.Errorf("words45 query %q has %d words", q.Text, words)
			}
		case "phrase":
			if strings.Count(q.Text, `"`) != 2 {
				t.Errorf("phrase query %q has no quoted phrase", q.Text)
			}
		case "author":
			if !strings.HasPrefix(q.Text, "author:") {
				t.Errorf("author query %q lacks author:", q.Text)
			}
		case "cat":
			if !strings.Contains(q.Text, "cat:") {
				t.Errorf("cat query %q lacks cat:", q.Text)
			}
		case "id":
			if _, ok := paper.ParseArxivID(q.Text); !ok {
				t.Errorf("id query %q is not an arXiv id or URL", q.Text)
			}
		case "title":
			if words < 3 {
				t.Errorf("title query %q is too short for a title", q.Text)
			}
		}
	}
	for _, c := range queryClasses {
		if per[c] < 20 {
			t.Errorf("class %s has %d queries, want at least 20", c, per[c])
		}
	}
}

func TestReadQueriesErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no tab", "words1 diffusion\n", "mix:1: want class<TAB>query"},
		{"empty query", "words1\t  \n", "mix:1: want class<TAB>query"},
		{"unknown class", "# c\nwords9\tx\n", `mix:2: unknown query class "words9"`},
		{"nothing", "# only comments\n\n", "mix: no queries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readQueries(strings.NewReader(tt.in), "mix")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestWriteReadQueriesRoundTrip(t *testing.T) {
	qs := []Query{{"words1", "diffusion"}, {"phrase", `"large language models"`}, {"author", `author:"Pascal Notin"`}}
	var b bytes.Buffer
	if err := writeQueries(&b, qs, "test"); err != nil {
		t.Fatal(err)
	}
	got, err := readQueries(&b, "mix")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(qs) {
		t.Errorf("round trip = %v, want %v", got, qs)
	}
}

// TestGenerateDeterministic draws a mix twice from the same papers and
// expects the same queries, each class filled.
func TestGenerateDeterministic(t *testing.T) {
	_, papers := tinyCorpus(t)
	// Enough distinct material for 40 queries of every class.
	var many []paper.Paper
	for i := range 60 {
		for j, p := range papers {
			p.ID = fmt.Sprintf("2301.%05d", i*len(papers)+j+1)
			p.Title = fmt.Sprintf("%s variant%c%c study", p.Title, 'a'+i%26, 'a'+i/26)
			p.Authors = append([]string(nil), p.Authors...)
			p.Authors[0] = fmt.Sprintf("%s Smith%c%c", strings.Fields(p.Authors[0])[0], 'a'+i%26, 'a'+i/26)
			many = append(many, p)
		}
	}
	gen := func() []Query {
		g, err := newMixGen(many)
		if err != nil {
			t.Fatal(err)
		}
		return g.generate()
	}
	a, b := gen(), gen()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("two generations from the same papers differ")
	}
	if len(a) != len(queryClasses)*queriesPerClass {
		t.Errorf("%d queries, want %d", len(a), len(queryClasses)*queriesPerClass)
	}
}

// TestMixIsCurrent regenerates the mix from the real sample, when it is
// there, and compares it with the checked-in file.
func TestMixIsCurrent(t *testing.T) {
	if os.Getenv("PAPERBOT_BENCH_DATA_TESTS") == "" {
		t.Skip("reads the 250k sample (about 20 s): set PAPERBOT_BENCH_DATA_TESTS=1")
	}
	path, err := findDataset("")
	if err != nil {
		t.Skipf("no arXiv sample: %v", err)
	}
	papers, err := readPapers(t.Context(), path, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	g, err := newMixGen(papers)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeQueries(&b, g.generate(), filepath.Base(path)); err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join("testdata", "queries.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Error("testdata/queries.tsv differs from what gen-queries draws; run `go run -tags sqlite_fts5 . gen-queries` in cmd/bench")
	}
}

func TestFreeWordQuery(t *testing.T) {
	for q, want := range map[string]bool{
		"diffusion language models":          true,
		"tranceptoin":                        true,
		`"quantum hall effect"`:              false,
		"author:Shelah":                      false,
		"cat:cs.LG transformers":             false,
		"1706.03762":                         false,
		"https://arxiv.org/abs/1706.03762v2": false,
		"diffusion -survey":                  false,
		"Attention is all you need":          true,
	} {
		if got := freeWordQuery(q); got != want {
			t.Errorf("freeWordQuery(%q) = %v, want %v", q, got, want)
		}
	}
}
