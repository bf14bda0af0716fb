package index_test

import (
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// Words narrowed by exact categories are answered on the fast path (the
// words' MaxScore over the papers of those categories) with Bleve's
// answer: papers, order, scores, totals.
func TestCategoryWordsMatchBleve(t *testing.T) {
	ix := categoryIndex(t, 6)
	qs := []paper.Query{
		{Text: "language models cat:cs.CL", Limit: 10},
		{Text: "language models cat:cs.CL", Limit: 5, Offset: 4},
		{Text: "galaxies reasoning cat:astro-ph.GA", Limit: 10, Exclude: []string{"2402.00003", "2402.00008"}},
		{Text: "large groups cat:cs.LG cat:math.GR", Limit: 10},
		{Text: "large groups reasoning models cat:stat.ML", Limit: 10}, // feedback's second pass too
		{Text: "models cat:nosuch.XX", Limit: 10},
		{Text: "galaxies cat:astro-ph", Limit: 10}, // an archive: astro-ph and astro-ph.*
		{Text: "language models cat:cs cat:math.GR", Limit: 10},
	}
	// Both ways of taking the filter: walking the words' postings past the
	// papers it drops, and visiting the papers it keeps.
	for _, way := range []struct {
		name  string
		ratio uint64
	}{{"walk", 1 << 40}, {"visit", 0}} {
		t.Run(way.name, func(t *testing.T) {
			defer index.SetFilterRatio(way.ratio)()
			var p paths
			for _, q := range qs {
				t.Run(q.Text, func(t *testing.T) {
					sameAnswer(t, ix, q, &p)
				})
			}
			p.require(t, fastShare)
		})
	}

}
