package index

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/paperbot/paperbot/bot/paper"
)

// expand implements pseudo-relevance feedback in the manner of RM3: the top
// papers of a first search are taken as relevant; each term of theirs gets
// the share of the paper it makes up, weighted by how well the paper matched
// (a softmax of the scores, so the best papers count most) and by the term's
// rarity (idf, so words every paper uses are not added); the best terms are
// mixed evenly with the original query. A question like "what problems of
// heat conduction in composite slabs have been solved" thereby gains the
// vocabulary of the papers that answer it. It returns nil when there is
// nothing to expand from.
// fbCandidates times the number of expansion terms are weighed by rarity.
const fbCandidates = 5

func (ix *Index) expand(ctx context.Context, terms []termInfo, hits []paper.Hit) []termInfo {
	rp := ix.rank
	n := min(rp.fbDocs, len(hits))
	if n == 0 || len(terms) == 0 || hits[0].Score <= 0 {
		return nil
	}
	best := hits[0].Score
	weights := make([]float64, n)
	var total float64
	for i, h := range hits[:n] {
		weights[i] = math.Exp((h.Score - best) / (rp.fbTemperature * best))
		total += weights[i]
	}
	// A term's share of a paper is taken over at least the mean length of
	// the papers read: a title-only record of five words would otherwise
	// give each of its words the weight of a whole paper's worth of text
	// and drown the vocabulary of the papers with abstracts (a length
	// floor, as a language model's smoothing toward the mean would do).
	texts := make([][]string, n)
	var mean float64
	for i, h := range hits[:n] {
		for _, t := range ix.english.Analyze([]byte(h.Paper.Title + "\n" + h.Paper.Abstract)) {
			texts[i] = append(texts[i], string(t.Term))
		}
		mean += float64(len(texts[i])) / float64(n)
	}
	rel := map[string]float64{}
	for i, toks := range texts {
		if len(toks) == 0 {
			continue
		}
		w := weights[i] / total / max(float64(len(toks)), mean)
		for _, term := range toks {
			if len(term) >= 3 && !isNumber(term) {
				rel[term] += w
			}
		}
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
	type scored struct {
		term string
		w    float64
	}
	byWeight := func(a, b scored) int {
		if c := cmp.Compare(b.w, a.w); c != 0 {
			return c
		}
		return cmp.Compare(a.term, b.term)
	}
	ranked := make([]scored, 0, len(rel))
	for t, w := range rel {
		ranked = append(ranked, scored{t, w})
	}
	// Looking up a term's document frequency costs a dictionary seek, so
	// only the likeliest candidates are weighed by rarity.
	slices.SortFunc(ranked, byWeight)
	ranked = ranked[:min(len(ranked), fbCandidates*rp.fbTerms)]
	for i, s := range ranked {
		df, err := docFreq(ctx, r, fText, s.term)
		if err != nil {
			return nil
		}
		ranked[i].w *= math.Log(float64(docs+1) / float64(df+1))
	}
	slices.SortFunc(ranked, byWeight)
	ranked = ranked[:min(len(ranked), rp.fbTerms)]
	var fbSum, qSum float64
	for _, s := range ranked {
		fbSum += s.w
	}
	for _, t := range terms {
		qSum += t.weight
	}
	if fbSum <= 0 || qSum <= 0 {
		return nil
	}
	out := make([]termInfo, 0, len(terms)+len(ranked))
	for _, t := range terms {
		t.weight = rp.origWeight * t.weight / qSum
		out = append(out, t)
	}
	for _, s := range ranked {
		w := (1 - rp.origWeight) * s.w / fbSum
		if i := slices.IndexFunc(out, func(t termInfo) bool { return t.term == s.term }); i >= 0 {
			out[i].weight += w
			continue
		}
		out = append(out, termInfo{term: s.term, pos: -1, weight: w})
	}
	// Scale so the largest weight is 1: Bleve boosts stay in a familiar range.
	var top float64
	for _, t := range out {
		top = max(top, t.weight)
	}
	for i := range out {
		out[i].weight /= top
	}
	return out
}
