package index

import (
	"context"
	"math"
)

// conceptWeights weights the words of a long request by how likely each is
// one of its key concepts, from the collection's statistics alone (no
// training, no word lists): a request written as sentences ("I am
// interested in articles describing ...") mixes a few rare, specific words
// with the words of its frame, and a word's rarity is the strongest single
// sign of a key concept (Bendersky and Croft 2008). Each word's weight is
// multiplied by (idf / the request's mean idf)^rank.conceptPower. It
// returns nil when the request is short or the weighting is off.
func (ix *Index) conceptWeights(ctx context.Context, terms []termInfo) []termInfo {
	rp := ix.rank
	if rp.conceptPower == 0 || len(terms) < rp.conceptMin {
		return nil
	}
	r, err := ix.reader()
	if err != nil {
		return nil
	}
	defer r.Close()
	docs, err := r.DocCount()
	if err != nil || docs == 0 {
		return nil
	}
	idf := make([]float64, len(terms))
	var mean float64
	for i, t := range terms {
		df, err := docFreq(ctx, r, fText, t.term)
		if err != nil {
			return nil
		}
		idf[i] = math.Log(1 + (float64(docs)-float64(df)+0.5)/(float64(df)+0.5))
		mean += idf[i]
	}
	mean /= float64(len(terms))
	if mean <= 0 {
		return nil
	}
	out := make([]termInfo, len(terms))
	for i, t := range terms {
		f := math.Pow(idf[i]/mean, rp.conceptPower)
		if rp.conceptCap {
			f = min(f, 1)
		}
		t.weight *= f
		out[i] = t
	}
	return out
}
