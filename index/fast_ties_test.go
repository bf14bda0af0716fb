package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
)

// dupIndex: six batches (segments, until merged) of short random
// abstracts over a 20-word vocabulary, a third of them one of six abstracts
// repeated word for word, so that many papers have exactly the same score.
func dupIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := Open(t.TempDir(), RunOptions(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	vocab := strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango")
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(w, " ")
	}
	dups := make([]string, 6)
	for i := range dups {
		dups[i] = text(5 + rng.IntN(20))
	}
	id := 0
	for seg := range 6 {
		var batch []paper.Paper
		for range 40 + seg*7 {
			abs := text(3 + rng.IntN(40))
			if rng.IntN(3) == 0 {
				abs = dups[rng.IntN(len(dups))]
			}
			batch = append(batch, paper.Paper{ID: fmt.Sprintf("2402.%05d", id), Title: fmt.Sprintf("Untitled %d", id), Abstract: abs, Published: "2024-02-01"})
			id++
		}
		if err := ix.Upsert(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

var dupQueries = []string{"mike november oscar", "alpha echo india oscar", "alpha bravo charlie",
	"papa quebec romeo sierra tango", "delta echo foxtrot golf", "hotel india juliet kilo lima", "bravo foxtrot juliet november sierra"}

// TestRunOrder compares topWords with Bleve through ix.run (no
// pseudo-relevance feedback, so at most 5 terms: Bleve uses its slice
// disjunction, whose scores are deterministic): the same papers in the
// same order, ties included.
func TestRunOrder(t *testing.T) {
	ix := dupIndex(t)
	for round := range 2 {
		for _, q := range dupQueries {
			for _, lim := range []int{1, 3, 10, 50} {
				pq := parseQuery(q)
				fast, slow := runBoth(t, ix, pq, lim)
				for i := range slow.Hits {
					if fast.Hits[i].Paper.ID != slow.Hits[i].Paper.ID {
						t.Errorf("round %d %q limit %d hit %d: fast %s %x, Bleve %s %x", round, q, lim, i,
							fast.Hits[i].Paper.ID, fast.Hits[i].Score, slow.Hits[i].Paper.ID, slow.Hits[i].Score)
						break
					}
				}
			}
		}
	}
}

// TestFastSelfTies: papers with the same abstract (and a title of the
// same length, matching no query word) must get bit-identical scores; Bleve
// gives them identical scores for these queries, topWords does not when the
// per-segment cursor order or the essential/non-essential split differs.
func TestFastSelfTies(t *testing.T) {
	ix := dupIndex(t)
	ctx := context.Background()
	for round := range 2 {
		for _, q := range dupQueries {
			for _, lim := range []int{1, 3, 10, 30, 60} {
				res, err := ix.run(ctx, parseQuery(q), runArgs{order: paper.ByRelevance, limit: lim, fast: true})
				if err != nil {
					t.Fatal(err)
				}
				byAbs := map[string]map[float64][]string{}
				for _, h := range res.Hits {
					if byAbs[h.Paper.Abstract] == nil {
						byAbs[h.Paper.Abstract] = map[float64][]string{}
					}
					byAbs[h.Paper.Abstract][h.Score] = append(byAbs[h.Paper.Abstract][h.Score], h.Paper.ID)
				}
				for _, m := range byAbs {
					if len(m) > 1 {
						t.Errorf("round %d %q limit %d: identical papers, different fast scores: %v", round, q, lim, m)
						break
					}
				}
			}
		}
	}
}

// runBoth runs a parsed query on the fast path and on Bleve's searchers,
// both on one snapshot: background merges renumber documents, which
// reorders ties.
func runBoth(t *testing.T, ix *Index, pq *parsedQuery, lim int) (fast, slow paper.Results) {
	t.Helper()
	ctx := context.Background()
	for try := 0; ; try++ {
		before := Epoch(ix)
		var err error
		fast, err = ix.run(ctx, pq, runArgs{order: paper.ByRelevance, limit: lim, fast: true})
		if err != nil {
			t.Fatal(err)
		}
		slow, err = ix.run(ctx, pq, runArgs{order: paper.ByRelevance, limit: lim})
		if err != nil {
			t.Fatal(err)
		}
		if Epoch(ix) == before || try == 100 {
			return fast, slow
		}
	}
}
