package index_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
)

// Words are searched without their accents, however they are typed, and
// highlighted where the text has them, accents and all.
func TestAccentsFolded(t *testing.T) {
	ix := withPapers(t, []paper.Paper{
		{ID: "math/9204237", Title: "A period mapping in universal Teichmüller space", Abstract: "We study the universal period mapping and the Poincaré metric on it."},
		{ID: "2401.00001", Title: "A period mapping for universal covering spaces", Abstract: "A universal period mapping in the space of curves."},
		{ID: "2401.00002", Title: "Universal spaces and the period mapping", Abstract: "Period mappings of universal families, in a space of moduli."},
	})
	for _, q := range []string{
		"A period mapping in universal Teichmuller space",
		"a period mapping in universal Teichmüller space",
		"teichmuller",
		"poincare metric",
		"Poincaré",
	} {
		res, err := ix.Search(context.Background(), paper.Query{Text: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 || res.Hits[0].Paper.ID != "math/9204237" {
			t.Errorf("%q: %v, want math/9204237 first", q, hitIDs(res))
			continue
		}
		if res.DidYouMean != "" {
			t.Errorf("%q: did you mean %q: the words are there", q, res.DidYouMean)
		}
	}
	res, err := ix.Search(context.Background(), paper.Query{Text: "poincare", Limit: 1})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("%v %v", res.Hits, err)
	}
	var marked []string
	for _, sp := range res.Hits[0].Snippet {
		if sp.Match {
			marked = append(marked, sp.Text)
		}
	}
	if len(marked) != 1 || marked[0] != "Poincaré" {
		t.Errorf("marked %q in the snippet, want [Poincaré]", marked)
	}
}

func hitIDs(res paper.Results) []string {
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.Paper.ID)
	}
	return ids
}

// A correction is shown as the titles spell it, accents and all, though
// it is found among the folded words.
func TestDidYouMeanKeepsAccents(t *testing.T) {
	ix := withPapers(t, []paper.Paper{
		{ID: "math/9204237", Title: "A period mapping in universal Teichmüller space", Abstract: "We study the universal period mapping and the Poincaré metric on it."},
		{ID: "2401.00003", Title: "Schrödinger bridges between Gaussian measures", Abstract: "Entropic transport between Gaussian measures."},
		{ID: "2401.00004", Title: "Gaussian measures on Hilbert spaces", Abstract: "Measures on spaces of functions."},
		// Most titles write this one folded: so is the correction.
		{ID: "2401.00005", Title: "Erdos problems in additive combinatorics", Abstract: "Sum-free sets."},
		{ID: "2401.00006", Title: "On an Erdos conjecture about graphs", Abstract: "Chromatic number."},
		{ID: "2401.00007", Title: "Erdős and the probabilistic method", Abstract: "Random graphs."},
	})
	for _, tt := range []struct{ q, want string }{
		{"teichmiller space", "teichmüller space"},
		{"schrodnger bridges", "schrödinger bridges"},
		{"gausian measures", "gaussian measures"},
		{"erdso problems", "erdos problems"},
	} {
		res, err := ix.Search(context.Background(), paper.Query{Text: tt.q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.DidYouMean != tt.want {
			t.Errorf("%q: did you mean %q, want %q", tt.q, res.DidYouMean, tt.want)
		}
	}
}

// Accents written as a letter and a combining mark (macOS, PDFs) are the
// accented letters, in records and queries alike.
func TestDecomposedAccents(t *testing.T) {
	ix := withPapers(t, []paper.Paper{
		{ID: "2401.50000", Title: "Schro\u0308dinger operators decomposed", Abstract: "Spectra of operators.", Authors: []string{"Pa\u0301l Erdo\u030bs"}},
		{ID: "2401.50001", Title: "Schrödinger bridges composed", Abstract: "Entropic transport.", Authors: []string{"Pál Erdős"}},
		{ID: "2401.50002", Title: "Operators on Hilbert spaces", Abstract: "Bridges between spectra."},
	})
	p, err := ix.Lookup(context.Background(), "2401.50000")
	if err != nil || p.Title != "Schrödinger operators decomposed" || p.Authors[0] != "Pál Erdős" {
		t.Errorf("stored %q by %q (%v), want the composed letters", p.Title, p.Authors, err)
	}
	for q, want := range map[string]string{
		"schrodinger operators":            "2401.50000",
		"Schro\u0308dinger operators":      "2401.50000",
		"Schro\u0308dinger bridges":        "2401.50001",
		"author:\"Pa\u0301l Erdo\u030bs\"": "2401.50000 2401.50001",
		"author:Erdos":                     "2401.50000 2401.50001",
	} {
		res, err := ix.Search(context.Background(), paper.Query{Text: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		got := hitIDs(res)
		if strings.Contains(want, " ") {
			slices.Sort(got) // all of them
		} else if len(got) > 0 {
			got = got[:1] // the first
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%q: %v, want %s", q, hitIDs(res), want)
		}
	}
}

// A word no paper has, with no close spelling either, is not dropped in
// silence: the answer says the other words were searched.
func TestUnknownWordSaid(t *testing.T) {
	ix := withPapers(t, []paper.Paper{
		{ID: "2401.00010", Title: "Schrödinger bridges between Gaussian measures", Abstract: "Entropic transport."},
		{ID: "2401.00011", Title: "Bridges of graphs", Abstract: "Cut edges."},
	})
	for q, want := range map[string]string{
		"xyzzyplugh bridges":         "No paper has “xyzzyplugh”; the other words were searched.",
		"xyzzyplugh qwvbnm bridges":  "No paper has “xyzzyplugh” or “qwvbnm”; the other words were searched.",
		"gaussian bridges":           "",
		"xyzzyplugh":                 "",
		"the bridges of 2024 graphs": "",
	} {
		res, err := ix.Search(context.Background(), paper.Query{Text: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, n := range res.Notes {
			if strings.HasPrefix(n, "No paper has") {
				got = n
			}
		}
		if got != want {
			t.Errorf("%q: note %q, want %q (notes %q)", q, got, want, res.Notes)
		}
	}
	// A digest's topic (a strict trending listing) wants every word:
	// nothing is searched without the unknown one, and nothing says it was.
	res, err := ix.Search(context.Background(), paper.Query{Text: "xyzzyplugh bridges", Limit: 10, Sort: paper.ByTrending, Strict: true})
	if err != nil || res.Total != 0 || len(res.Notes) != 0 {
		t.Errorf("strict: %v, %d papers, notes %q; want none", err, res.Total, res.Notes)
	}
}
