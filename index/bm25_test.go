package index_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// BM25 saturates a term's frequency itself, on both evaluators: with
// three papers of one length using a word 1, 4 and 9 times, the scores
// s(f) = C·f/(f+K) give (1/s1-1/s4)/(1/s4-1/s9) = 5.4 whatever C and K are;
// Bleve's square root of the frequency gives 3.
func TestTermFrequencyIsLinear(t *testing.T) {
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	filler := strings.Fields("lorem ipsum dolor amet consectetur adipiscing elit tempor incididunt labore magna aliqua")
	var papers []paper.Paper
	for i, f := range []int{1, 4, 9} {
		words := append(strings.Fields(strings.Repeat("zygote ", f)), filler[:len(filler)-f]...)
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("f%d", f), Title: "Report " + []string{"alpha", "beta", "gamma"}[i], Abstract: strings.Join(words, " ")})
	}
	for i := range 20 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("other-%d", i), Title: fmt.Sprintf("Note %d on cells", i), Abstract: strings.Join(filler, " ")})
	}
	w := ix.NewWriter(index.WriterOptions{})
	for _, p := range papers {
		if err := w.Add(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for name, search := range map[string]func(context.Context, *index.Index, paper.Query) (paper.Results, error){"fast path": index.SearchFast, "Bleve": index.SearchBleve} {
		res, err := search(ctx, ix, paper.Query{Text: "zygote", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		s := map[string]float64{}
		for _, h := range res.Hits {
			s[h.Paper.ID] = h.Score
		}
		if len(s) != 3 || s["f1"] <= 0 {
			t.Fatalf("%s: hits %v", name, s)
		}
		r := (1/s["f1"] - 1/s["f4"]) / (1/s["f4"] - 1/s["f9"])
		if math.Abs(r-5.4) > 1e-9 {
			t.Errorf("%s: scores %v: ratio %.6f, want 5.4 (3 is the square root of the frequency)", name, s, r)
		}
	}
}
