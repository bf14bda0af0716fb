package index_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// A request of names alone asks for those people's papers. Names are rare
// in titles and abstracts, so by words alone a paper named after one of
// them, or one by another Peter that mentions a Peter, outscored or tied
// with their own papers (found on the arXiv sample: "Peter Hanggi" tied
// Hänggi's papers with Peter W. Michor's; "Crutchfield" put "Sato-Crutchfield
// formulation" and a citing abstract above Crutchfield's papers).
func TestNamesAloneFindTheirAuthorsPapersFirst(t *testing.T) {
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	papers := []paper.Paper{
		{ID: "hanggi-1", Title: "Stochastic resonance in ion channels", Abstract: "Ion channels driven by noise show stochastic resonance.", Authors: []string{"Igor Goychuk", "Peter Hanggi"}},
		{ID: "hanggi-2", Title: "Ion channel gating", Abstract: "A first passage time analysis of gating.", Authors: []string{"Igor Goychuk", "Peter Hänggi"}},
		{ID: "michor", Title: "Basic differential forms for actions of Lie groups", Abstract: "We use the Peter-Weyl theorem for compact groups and Peter's construction.", Authors: []string{"Peter W. Michor"}},
		{ID: "sato", Title: "Sato-Crutchfield formulation for evolutionary games", Abstract: "Replicator dynamics with memory.", Authors: []string{"E. Ahmed"}},
		{ID: "cites", Title: "Complexity measures", Abstract: "Following Crutchfield and Young, statistical complexity of Crutchfield's machines.", Authors: []string{"A. Other"}},
		{ID: "crutchfield-1", Title: "Statistical measures of complexity", Abstract: "Why measure complexity at all?", Authors: []string{"David P. Feldman", "James P. Crutchfield"}},
		{ID: "crutchfield-2", Title: "Computational mechanics", Abstract: "Pattern and prediction, structure and simplicity.", Authors: []string{"Cosma Rohilla Shalizi", "James P. Crutchfield"}},
	}
	// Many authors named Peter, so that "peter" is held more often in
	// author names than in titles and abstracts, as on arXiv.
	for i := range 12 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("peter-%d", i), Title: fmt.Sprintf("Lattice problem %d", i), Abstract: "Results on lattices.", Authors: []string{fmt.Sprintf("Peter Filler%c", 'a'+i)}})
	}
	if err := ix.Upsert(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		query string
		first []string // the first papers, in any order
		below []string // papers that must come after them
	}{
		{"Peter Hanggi", []string{"hanggi-1", "hanggi-2"}, []string{"michor"}},
		{"peter hänggi", []string{"hanggi-1", "hanggi-2"}, []string{"michor"}},
		{"Crutchfield", []string{"crutchfield-1", "crutchfield-2"}, []string{"sato", "cites"}},
		{"shalizi crutchfield", []string{"crutchfield-2"}, []string{"crutchfield-1", "sato", "cites"}},
	} {
		res := search(t, ix, tt.query)
		got := ids(res)
		if len(got) < len(tt.first) {
			t.Errorf("%q: %v, want %v first", tt.query, got, tt.first)
			continue
		}
		for _, id := range got[:len(tt.first)] {
			if !slices.Contains(tt.first, id) {
				t.Errorf("%q: %v, want %v first, then %v", tt.query, got, tt.first, tt.below)
				break
			}
		}
		for _, id := range tt.below {
			if i := slices.Index(got, id); i >= 0 && i < len(tt.first) {
				t.Errorf("%q: %s is at %d in %v", tt.query, id, i+1, got)
			}
		}
	}
	// A name beside topic words is not a request of names alone: the
	// paper about the topic still comes first.
	if got := ids(search(t, ix, "Sato-Crutchfield formulation evolutionary games")); len(got) == 0 || got[0] != "sato" {
		t.Errorf("a title with a name in it: %v, want sato first", got)
	}
}
