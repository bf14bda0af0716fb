package index_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// formsIndex holds papers writing one compound in its two forms, and
// fillers holding its parts apart.
func formsIndex(t *testing.T) *index.Index {
	t.Helper()
	var papers []paper.Paper
	add := func(id, title, abstract string) {
		papers = append(papers, paper.Paper{ID: id, Title: title, Abstract: abstract})
	}
	for i := range 8 {
		add(fmt.Sprintf("apart-%d", i), fmt.Sprintf("The wave function of model %d", i), "We compute the wave function and its nodes.")
		add(fmt.Sprintf("nonlinear-%d", i), fmt.Sprintf("Nonlinear optics of crystal %d", i), "A nonlinear response of the crystal.")
		add(fmt.Sprintf("network-%d", i), fmt.Sprintf("Network models %d", i), "A network of nodes.")
	}
	for i := range 6 {
		add(fmt.Sprintf("hyphen-%d", i), fmt.Sprintf("Non-linear waves in plasma %d", i), "Non-linear waves steepen.")
	}
	add("joined", "Wavefunction statistics", "The wavefunction of a chaotic billiard.")
	add("selforganized", "Selforganized flows", "Selforganized patterns in sand.")
	add("net-work", "How the net work of fishermen changed", "The net work done by fishing boats.")
	for i := range 10 {
		add(fmt.Sprintf("filler-%d", i), fmt.Sprintf("A function of waves %d", i), "Each function of the sea, a wave, a net, some work; non-trivial and linear.")
	}
	return withPapers(t, papers)
}

// A query in one form of a compound finds the papers that write it in the
// other, below those that write it as typed; a word that two words met by
// chance spell ("net work") is not a form of it.
func TestSearchFindsOtherFormsOfACompound(t *testing.T) {
	ix := formsIndex(t)
	tests := []struct {
		query     string
		typed     string // prefix of the ids of papers in the form typed
		other     string // a paper in another form, to be found
		notFound  string // a paper to be left out ("" for none)
		otherOnly bool   // no paper holds the typed form
	}{
		{query: "wave function", typed: "apart-", other: "joined"},
		{query: "wavefunction", typed: "joined", other: "apart-0"},
		{query: "self-organized", other: "selforganized", otherOnly: true},
		{query: "non-linear", typed: "hyphen-", other: "nonlinear-0"},
		{query: "nonlinear", typed: "nonlinear-", other: "hyphen-0"},
		{query: "network", typed: "network-", notFound: "net-work"},
	}
	for _, tt := range tests {
		for name, search := range map[string]func(context.Context, *index.Index, paper.Query) (paper.Results, error){
			"fast": index.SearchFast, "bleve": index.SearchBleve,
		} {
			t.Run(tt.query+"/"+name, func(t *testing.T) {
				res, err := search(context.Background(), ix, paper.Query{Text: tt.query, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				got := ids(res)
				if tt.notFound != "" && slices.Contains(got, tt.notFound) {
					t.Errorf("%q found %s: %v", tt.query, tt.notFound, got)
				}
				if tt.other == "" {
					return
				}
				at := slices.Index(got, tt.other)
				if at < 0 {
					t.Fatalf("%q did not find %s, written in another form: %v", tt.query, tt.other, got)
				}
				if tt.otherOnly {
					return
				}
				if len(got) == 0 || !hasPrefix(got[0], tt.typed) {
					t.Errorf("%q: first %v, want a paper in the form typed (%s…) first", tt.query, got, tt.typed)
				}
				for _, id := range got[at:] {
					if hasPrefix(id, tt.typed) {
						t.Errorf("%q ranks %s, in another form, above %s, in the form typed: %v", tt.query, tt.other, id, got)
						break
					}
				}
			})
		}
	}
}

func hasPrefix(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// A sorted listing requires every word it searches: another form of a
// compound is no requirement, and the listing is what it was.
func TestSortedListingIgnoresOtherForms(t *testing.T) {
	ix := formsIndex(t)
	res := search(t, ix, "wave function sort:recent")
	got := ids(res)
	if slices.Contains(got, "joined") {
		t.Errorf("sort:recent wave function lists joined, which writes neither word: %v", got)
	}
	if len(got) == 0 {
		t.Error("sort:recent wave function lists nothing")
	}
}

// Words typed in full also find the papers that only write the acronym
// their field gives them, below those that write the words, and the
// answer says so; an acronym one paper alone gives the words is not
// searched.
func TestSearchFindsTheAcronymOfWordsTyped(t *testing.T) {
	var papers []paper.Paper
	add := func(id, title, abstract string) {
		papers = append(papers, paper.Paper{ID: id, Title: title, Abstract: abstract})
	}
	add("def-1", "Quantum chromodynamics on the lattice", "Lattice quantum chromodynamics (QCD) at finite density.")
	add("def-2", "Confinement in quantum chromodynamics", "We study quantum chromodynamics (QCD) and confinement.")
	add("full", "Quantum chromodynamics at high energy", "Perturbative quantum chromodynamics of jets.")
	add("qcd-only", "Lattice QCD thermodynamics", "The QCD equation of state from the lattice.")
	add("once", "Graph neural networks", "Graph neural networks (GNNX) for molecules, and graph neural networks elsewhere.")
	add("gnnx-only", "GNNX benchmarks", "GNNX on molecules.")
	for i := range 5 {
		add(fmt.Sprintf("quantum-%d", i), fmt.Sprintf("Quantum walks %d", i), "Quantum walks on graphs and networks.")
	}
	ix := withPapers(t, papers)
	for name, search := range map[string]func(context.Context, *index.Index, paper.Query) (paper.Results, error){
		"fast": index.SearchFast, "bleve": index.SearchBleve,
	} {
		t.Run(name, func(t *testing.T) {
			res, err := search(context.Background(), ix, paper.Query{Text: "quantum chromodynamics", Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(res)
			at := slices.Index(got, "qcd-only")
			if at < 0 {
				t.Fatalf("quantum chromodynamics did not find the paper writing QCD: %v (notes %q)", got, res.Notes)
			}
			for _, id := range []string{"def-1", "def-2", "full"} {
				if i := slices.Index(got, id); i < 0 || i > at {
					t.Errorf("quantum chromodynamics ranks qcd-only above %s, which writes the words: %v", id, got)
				}
			}
			if !slices.Contains(res.Notes, "quantum chromodynamics was also searched as QCD.") {
				t.Errorf("notes %q, want one saying QCD was searched", res.Notes)
			}
			res, err = search(context.Background(), ix, paper.Query{Text: "graph neural networks", Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(ids(res), "gnnx-only") {
				t.Errorf("graph neural networks found gnnx-only, by an acronym one paper gives them: %v (notes %q)", ids(res), res.Notes)
			}
		})
	}
}
