package index_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// Words narrowed by categories or one-word authors are answered on the
// fast path (the words' MaxScore over the papers those filters keep) with Bleve's
// answer: papers, order, scores, totals.
func TestFilteredWordsMatchBleve(t *testing.T) {
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
		{Text: "language models author:Singh", Limit: 10},
		{Text: "galaxies author:Li author:Müller", Limit: 10},
		{Text: "reasoning groups author:muller cat:cs.LG", Limit: 10, Offset: 2},
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
					if res, err := ix.Search(context.Background(), q); err != nil || len(res.Hits) == 0 && !strings.Contains(q.Text, "nosuch") {
						t.Errorf("%d hits, err %v: the comparison shows nothing", len(res.Hits), err)
					}
				})
			}
			p.require(t, fastShare)
		})
	}

}

// A name of several words is a phrase of the authors field: words
// narrowed by it are answered on the fast path too, with Bleve's answer.
func TestWordsWithAFullNameMatchBleve(t *testing.T) {
	ix := categoryIndex(t, 3)
	var p paths
	for _, q := range []paper.Query{
		{Text: `language author:"Ada Singh"`, Limit: 10},
		{Text: `language models author:"ada singh" cat:cs.CL`, Limit: 5, Offset: 2},
		{Text: `galaxies reasoning author:"Dora Muller" author:Li`, Limit: 10},
		{Text: `models author:"Chen Li" author:"Eve Singh"`, Limit: 10, Exclude: []string{"2402.00005"}},
		{Text: `models author:"Singh Ada"`, Limit: 10}, // out of order: none
		{Text: `models author:"Li Eve"`, Limit: 10},    // "Chen Li ; Eve Singh": two authors' names, not one: none
	} {
		sameAnswer(t, ix, q, &p)
		res, err := ix.Search(context.Background(), q)
		none := strings.Contains(q.Text, "Singh Ada") || strings.Contains(q.Text, "Li Eve")
		if err != nil || none != (len(res.Hits) == 0) {
			t.Errorf("%q: %d hits, err %v", q.Text, len(res.Hits), err)
		}
	}
	p.require(t, 1)
}
