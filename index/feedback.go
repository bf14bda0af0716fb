package index

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"

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
	if rp.fbText == 4 {
		var with []paper.Hit
		for _, h := range hits {
			if strings.TrimSpace(h.Paper.Abstract) != "" {
				with = append(with, h)
			}
		}
		if len(with) > 0 {
			hits = with
		}
	}
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
	rel := map[string]float64{}
	texts := make([]analysis.TokenStream, n)
	var mu float64
	for i, h := range hits[:n] {
		text := h.Paper.Title + "\n" + h.Paper.Abstract
		switch {
		case rp.fbText == 1 || (rp.fbText == 2 && h.Paper.Abstract != ""):
			text = h.Paper.Abstract
		case rp.fbText == 3 && strings.TrimSpace(h.Paper.Abstract) == "":
			text = ""
		}
		texts[i] = ix.english.Analyze([]byte(text))
		mu += float64(len(texts[i])) / float64(n)
	}
	if rp.fbSmooth == 0 {
		mu = 0
	}
	has := map[string]float64{}
	var read float64
	for i, toks := range texts {
		if len(toks) == 0 {
			continue
		}
		read++
		seen := map[string]bool{}
		for _, t := range toks {
			if !seen[string(t.Term)] {
				seen[string(t.Term)] = true
				has[string(t.Term)]++
			}
		}
		norm := float64(len(toks)) + mu
		switch rp.fbSmooth {
		case 2:
			norm = max(float64(len(toks)), mu)
		case 3:
			norm = max(float64(len(toks)), mu/2)
		case 4:
			norm = max(float64(len(toks)), mu/4)
		}
		w := weights[i] / total / norm
		for _, t := range toks {
			if term := string(t.Term); len(term) >= 3 && !isNumber(term) {
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
	if rp.fbCoh > 0 {
		terms = slices.Clone(terms)
		qSum = 0
		for i, t := range terms {
			t.weight *= math.Pow((has[t.term]+1)/(read+1), rp.fbCoh)
			terms[i] = t
			qSum += t.weight
		}
	}
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
