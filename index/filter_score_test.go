package index_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// categoryIndex is a real index of synthetic papers whose abstracts mix a
// few words and which carry categories (archives among them) and authors, written in
// batches (segments) of 90/batches papers.
func categoryIndex(t *testing.T, batches int) *index.Index {
	t.Helper()
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	cats := [][]string{{"cs.CL"}, {"cs.LG", "cs.CL"}, {"astro-ph", "astro-ph.GA"}, {"astro-ph.GA"}, {"math.GR", "cs.LG", "stat.ML"}}
	words := []string{"language", "models", "reasoning", "galaxies", "groups", "large"}
	var papers []paper.Paper
	// (The words are in abstracts only: a title holding them would earn
	// a bonus in proportion to the best score of the answer.)
	for i := range 90 {
		papers = append(papers, paper.Paper{
			ID:         fmt.Sprintf("2402.%05d", i),
			Title:      fmt.Sprintf("Paper %d", i),
			Abstract:   fmt.Sprintf("We study %s with %s and %s, %s.", words[i%len(words)], words[(i/3)%len(words)], words[(i/7)%len(words)], words[(i+2)%len(words)]),
			Categories: cats[i%len(cats)],
			Authors:    []string{[]string{"Ada Singh", "Bo Li", "Chen Li"}[i%3], []string{"Eve Singh", "Dora Müller"}[(i/4)%2]},
			Published:  "2024-02-01",
		})
	}
	n := len(papers) / batches
	for len(papers) > 0 {
		b := papers[:min(n, len(papers))]
		papers = papers[len(b):]
		if err := ix.Upsert(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// Filters narrow the papers and never rank them: a paper's score under
// "words cat:X" (or with a topic filter) is its score under "words". Bleve's
// disjunctions and conjunctions ignore a boost of their own, so a filter
// given boost 0 only as a whole added its BM25 score to every match (twice
// for a paper holding an archive and one of its categories).
func TestFiltersDoNotScore(t *testing.T) {
	ix := categoryIndex(t, 1)
	ctx := context.Background()
	scores := func(q paper.Query) map[string]float64 {
		t.Helper()
		q.Limit = 100
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%+v): %v", q, err)
		}
		m := map[string]float64{}
		for _, h := range res.Hits {
			m[h.Paper.ID] = h.Score
		}
		return m
	}
	for _, c := range []struct {
		words    string
		narrowed paper.Query
	}{
		{"language models", paper.Query{Text: "language models cat:cs.CL"}},
		{"galaxies reasoning", paper.Query{Text: "galaxies reasoning cat:astro-ph"}},
		{"large groups", paper.Query{Text: "large groups cat:cs.LG cat:math.GR"}},
		{"language models", paper.Query{Text: "language models", Filter: "reasoning"}},
	} {
		all := scores(paper.Query{Text: c.words})
		got := scores(c.narrowed)
		if len(got) == 0 || len(got) == len(all) {
			t.Fatalf("%+v: %d of %d papers: the filter should narrow the matches", c.narrowed, len(got), len(all))
		}
		for id, s := range got {
			want, ok := all[id]
			if !ok {
				t.Errorf("%q: %s is not a match of %q", c.narrowed.Text, id, c.words)
				continue
			}
			if math.Abs(s-want) > 1e-12*math.Max(1, want) {
				t.Errorf("%q (filter %q): %s scores %v, %q alone %v: the filter added to the score", c.narrowed.Text, c.narrowed.Filter, id, s, c.words, want)
			}
		}
	}
}
