package index

import "testing"

// TestBitwiseScores: on papers with many exact ties, the fast path's
// scores equal Bleve's bit for bit (Bleve's operations in Bleve's order).
func TestBitwiseScores(t *testing.T) {
	ix := dupIndex(t)
	diff, n := 0, 0
	for _, q := range dupQueries {
		pq := parseQuery(q)
		fast, slow := runBoth(t, ix, pq, 100)
		for i := range slow.Hits {
			n++
			if fast.Hits[i].Score != slow.Hits[i].Score || fast.Hits[i].Paper.ID != slow.Hits[i].Paper.ID {
				diff++
			}
		}
	}
	t.Logf("%d of %d hits differ bitwise or in id", diff, n)
	if diff > 0 {
		t.Fail()
	}
}
