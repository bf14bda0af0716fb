package index_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs/sample"
)

// Queries with quoted phrases beside words (or other phrases, exclusions,
// filters) are narrowed to the phrases' papers before Bleve ranks them:
// the answer — papers, scores, order, total — is Bleve's own.
func TestNarrowedPhrasesMatchBleve(t *testing.T) {
	ix := sampleIndex(t)
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	qs := []string{
		`diffusion "language model"`,
		`protein "language model" fitness`,
		`"language model" "state of the art"`,
		`"no such phrase anywhere" models`,
		`reasoning "language model" -survey`,
		`reasoning "language model" -"large language"`,
		`"model" training data`, // a phrase of one word
	}
	// Words of one abstract beside a phrase from another's, and beside
	// its own: some find papers, some none.
	for i, p := range papers {
		w := strings.Fields(strings.ToLower(p.Abstract))
		if len(w) > 40 && i%4 == 0 {
			n := 2 + i%3
			qs = append(qs, w[35]+` "`+strings.Join(w[20:20+n], " ")+`" `+w[5])
		}
	}
	var p paths
	hits := 0
	for _, q := range qs {
		t.Run(q, func(t *testing.T) {
			sameAnswer(t, ix, paper.Query{Text: q, Limit: 10}, &p)
			sameAnswer(t, ix, paper.Query{Text: q, Limit: 4, Offset: 2}, &p)
			sameAnswer(t, ix, paper.Query{Text: q, Limit: 10, Exclude: []string{tranception}}, &p)
			if res := search(t, ix, q); len(res.Hits) > 0 {
				hits++
			}
		})
	}
	p.require(t, fastShare)
	if hits < len(qs)/3 {
		t.Errorf("only %d of %d queries found papers: the comparison shows little", hits, len(qs))
	}
}
