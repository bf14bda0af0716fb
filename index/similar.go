package index

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
)

// Similar returns papers like the given one: its most distinctive title and
// abstract terms (by tf-idf) as a weighted query, the paper itself excluded.
func (ix *Index) Similar(ctx context.Context, id string, limit int) (paper.Results, error) {
	return readGuarded(ix, func() (paper.Results, error) { return ix.similar(ctx, id, limit, ix.fastPath) })
}

// similar is Similar, with the fast path allowed or not.
func (ix *Index) similar(ctx context.Context, id string, limit int, fast bool) (paper.Results, error) {
	start := time.Now()
	p, err := ix.Lookup(ctx, id)
	if err != nil {
		return paper.Results{}, err
	}
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, maxLimit)
	terms, err := ix.distinctiveTerms(ctx, p, 25)
	if err != nil {
		return paper.Results{}, err
	}
	if len(terms) == 0 {
		return paper.Results{Sort: paper.ByRelevance}, nil
	}
	pq := &parsedQuery{weighted: terms}
	// The paper's terms as a free-word query, the paper itself left out.
	res, err := ix.run(ctx, pq, runArgs{order: paper.ByRelevance, limit: limit, exclude: []string{p.ID}, fast: fast})
	if err != nil {
		return paper.Results{}, err
	}
	hl := ix.newHighlighter(terms, pq)
	for i := range res.Hits {
		h := &res.Hits[i]
		h.Title, h.Snippet = hl.spans(h.Paper.Title, false), hl.snippet(h.Paper.Abstract, snippetBytes)
	}
	res.Took = time.Since(start)
	return res, nil
}

// distinctiveTerms picks a paper's n terms with the highest tf-idf.
func (ix *Index) distinctiveTerms(ctx context.Context, p paper.Paper, n int) ([]termInfo, error) {
	tf := map[string]float64{}
	var order []string
	for i, tok := range ix.english.Analyze([]byte(p.Title + "\n" + p.Title + "\n" + p.Abstract)) {
		t := string(tok.Term)
		if len(t) < 3 || isNumber(t) {
			continue
		}
		if tf[t] == 0 {
			order = append(order, t)
		}
		tf[t]++
		_ = i
	}
	r, err := ix.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	total, _ := ix.bi.DocCount()
	type scored struct {
		t string
		s float64
	}
	var ss []scored
	for _, t := range order {
		df, err := docFreq(ctx, r, fText, t)
		if err != nil {
			return nil, err
		}
		if df <= 1 && total > 1 {
			continue // only this paper has it: it cannot find others
		}
		idf := math.Log(1 + (float64(total)-float64(df)+0.5)/(float64(df)+0.5))
		ss = append(ss, scored{t, (1 + math.Log(tf[t])) * idf})
	}
	slices.SortStableFunc(ss, func(a, b scored) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return 0
	})
	if len(ss) > n {
		ss = ss[:n]
	}
	if len(ss) == 0 {
		return nil, nil
	}
	top := ss[0].s
	out := make([]termInfo, len(ss))
	for i, s := range ss {
		out[i] = termInfo{term: s.t, pos: -10 * (i + 1), weight: s.s / top}
	}
	return out, nil
}

func isNumber(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}
