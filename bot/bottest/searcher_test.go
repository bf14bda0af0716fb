package bottest_test

import (
	"errors"
	"testing"

	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// The fake index answers in its papers' order, less the excluded, up to
// the limit, counting every match; Match narrows it; Lookup finds by id.
func TestSearcher(t *testing.T) {
	ctx := t.Context()
	s := bottest.NewSearcher(
		paper.Paper{ID: "1", Title: "Protein language models"},
		paper.Paper{ID: "2", Title: "Diffusion for proteins"},
		paper.Paper{ID: "3", Title: "Robot protein folding"},
	)
	ids := func(r paper.Results) (out []string) {
		for _, h := range r.Hits {
			out = append(out, h.Paper.ID)
		}
		return out
	}
	res, err := s.Search(ctx, paper.Query{Sort: paper.ByTrending, Exclude: []string{"1"}, Limit: 1})
	if err != nil || res.Total != 2 || len(res.Hits) != 1 || res.Hits[0].Paper.ID != "2" || res.Sort != paper.ByTrending {
		t.Errorf("search: %v total %d sort %v, %v; want [2] of 2, by trending", ids(res), res.Total, res.Sort, err)
	}
	s.Match = bottest.TitleWords
	if res, _ := s.Search(ctx, paper.Query{Text: "PROTEIN robot"}); res.Total != 1 || res.Hits[0].Paper.ID != "3" {
		t.Errorf("title words: %v", ids(res))
	}
	if q := s.Queries(); len(q) != 2 || q[1].Text != "PROTEIN robot" {
		t.Errorf("queries %+v", q)
	}
	if p, err := s.Lookup(ctx, "2"); err != nil || p.Title != "Diffusion for proteins" {
		t.Errorf("lookup 2: %+v, %v", p, err)
	}
	if _, err := s.Lookup(ctx, "9"); !fault.Is(err, fault.NotFound) {
		t.Errorf("lookup 9: %v, want not found", err)
	}
	s.Err = errors.New("index down")
	if _, err := s.Search(ctx, paper.Query{}); err == nil {
		t.Error("Err is not returned")
	}
}
