package index

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/blevesearch/bleve/v2/search"
)

// TestScoresAsBleve: the factor and score scores computes together, and
// the frequency tfFactor shortens, are bit for bit what Bleve's formulas
// give computed on their own (scorer_term.go, from the norm zap stores).
func TestScoresAsBleve(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 200_000 {
		freq := uint64(1 + rng.IntN(40))
		if i%1000 == 0 {
			freq = uint64(rng.Int64N(1 << 30))
		}
		bits := uint32(1 + rng.IntN(6000))
		norm := float64(float32(1.0 / math.Sqrt(float64(bits))))
		st := &clauseStats{avg: math.Ceil(1 + 200*rng.Float64()), idf: 10 * rng.Float64(), qw: []float64{1, rng.Float64()}[rng.IntN(2)]}

		tf := math.Sqrt(float64(freq * freq))
		fieldLength := 1 / (norm * norm)
		wantSat := tf * search.BM25_k1 / (tf + search.BM25_k1*(1-search.BM25_b+search.BM25_b*fieldLength/st.avg))
		want := st.idf * (tf * search.BM25_k1) / (tf + search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLength/st.avg)))
		if st.qw != 1.0 {
			want = want * st.qw
		}
		n, l := zapNorm(bits)
		if n != norm || l != fieldLength {
			t.Fatalf("bits %d: zapNorm %v %v, want %v %v", bits, n, l, norm, fieldLength)
		}
		sf, score := st.scores(freq, l)
		if sf != wantSat || score != want || st.bleveScore(freq, norm) != want {
			t.Fatalf("freq %d length %d: scores %v %v, bleveScore %v; want %v %v", freq, bits, sf, score, st.bleveScore(freq, norm), wantSat, want)
		}
	}
}
