package index_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// relevanceIndex is a real index of papers made for the failures issue 12
// lists, among filler papers that share their words.
func relevanceIndex(t *testing.T) *index.Index {
	t.Helper()
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	papers := []paper.Paper{
		{ID: "svd", Title: "Singular value decomposition in digital image processing", Abstract: "Image approximation and restoration of noisy images by the singular value decomposition."},
		{ID: "svd2", Title: "Fast matrix factorizations", Abstract: "The singular value decomposition of large matrices, computed fast."},
		{ID: "wysiwyg", Title: "Interactive text formatting systems", Abstract: "A display editor formats text as it will be printed; document formatting systems compared."},
		{ID: "types", Title: "Data types and concurrency", Abstract: "What is the type of a process? Synchronization between processes and the types of messages."},
		{ID: "salton", Title: "A vector space model for automatic indexing", Abstract: "Information retrieval with term vectors and clustering.", Authors: []string{"Gerard Salton", "A. Wong"}},
		{ID: "grad", Title: "Grad school retrieval of information", Abstract: "Information retrieval articles for graduate students.", Authors: []string{"B. Grad"}},
		{ID: "coulomb", Title: "Addendum to 'Equation of state of classical Coulomb plasma mixtures'", Abstract: "Corrections to the equation of state of classical Coulomb plasma mixtures."},
		{ID: "coulomb0", Title: "Equation of state of classical Coulomb plasma mixtures", Abstract: "The equation of state of Coulomb plasmas of several ion species."},
		{ID: "gat", Title: "Graph attention networks", Abstract: "Attention over graph neighbourhoods: masked self-attention layers on graphs."},
		{ID: "gtypo", Title: "Sparse grpah partitioning", Abstract: "A paper that misspells grpah and netwroks once each, on sparse graph partitions."},
		{ID: "maml", Title: "Model-agnostic meta-learning for fast adaptation of deep networks", Abstract: "A meta-learning algorithm for few-shot learning.", Authors: []string{"Chelsea Finn", "Pieter Abbeel", "Sergey Levine"}},
		{ID: "wordnet", Title: "Lexical meta-learning for a Danish wordnet", Abstract: "A wordnet for Danish built from a dictionary, with lexical resources and their meta-data described at length.", Authors: []string{"Finn Årup Nielsen"}},
		{ID: "flows", Title: "Normalizing flows for probabilistic modeling", Abstract: "Normalizing flows transform a simple density into a complex one."},
		{ID: "normalisers", Title: "Normalisers of subgroups", Abstract: "Normalisation of group normalisers in finite groups."},
		{ID: "hydrated", Title: "The structure of hydrated electrons in water clusters observed by photoelectron spectroscopy", Abstract: "Electrons bound to water clusters of various sizes are studied with photoelectron imaging and ab initio molecular dynamics; the binding energies, the vertical detachment energies and the cavity models are compared over a range of cluster sizes and temperatures, and the surface and interior states are discussed."},
		{ID: "graphrnn", Title: "GraphRNN: generating realistic graphs with deep auto-regressive models", Abstract: "A deep generative model of graphs."},
		{ID: "xnor", Title: "XNOR-Net++: improved binary neural networks", Abstract: "Binary networks with scaling factors."},
		{ID: "srslte", Title: "srsLTE: an open-source platform for LTE evolution and experimentation", Abstract: "A software radio suite for LTE."},
	}
	// Fillers that share the words of the lookups (structure, hydrated,
	// graphs, networks, flows...) in their titles and abstracts.
	fill := []string{
		"Hydrated structure of proteins and the structure of water", "On the structure of hydrated ions", "Structure of hydrated salts and their hydrated structure",
		"Graph neural networks for graphs", "Recurrent networks generate graphs", "Binary neural networks and XNOR gates", "LTE networks evolution",
		"Meta-learning surveyed", "Graph generation after GraphRNN: GraphRNN baselines and GraphRNN variants", "Binarization beyond XNOR-Net++ and XNOR-Net++ variants",
		"Measurements with srsLTE: srsLTE on commodity radios with srsLTE", "Flows in networks", "Probabilistic modeling of flows", "Image processing with wavelets", "Text systems of the future",
	}
	for i, f := range fill {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("fill-%d", i), Title: f, Abstract: f + ". " + strings.Repeat("Further results on networks, graphs, structure and images. ", 1+i%3)})
	}
	papers = append(papers,
		paper.Paper{ID: "oqec", Title: "Unified and generalized approach to quantum error correction", Abstract: "A framework for operator quantum error correction that unifies subsystem codes."},
		paper.Paper{ID: "oqec-use", Title: "Codes in practice", Abstract: "We use operator quantum error correction (OQEC); OQEC codes, OQEC bounds and OQEC decoders."},
		paper.Paper{ID: "maml-use", Title: "Few-shot learning revisited", Abstract: "Model-Agnostic Meta-Learning (MAML) is compared: MAML, first-order MAML and MAML++."},
		paper.Paper{ID: "maml-use2", Title: "Meta-learning benchmarks", Abstract: "Baselines include model-agnostic meta-learning (MAML) and MAML variants."},
	)
	for i := range 30 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("graph-%d", i), Title: fmt.Sprintf("Graph problem %d", i), Abstract: "Networks and graphs: attention to detail."})
	}
	if err := ix.Upsert(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
	return ix
}

// Each failure found in issue 12, as the user typed it: the paper wanted
// comes first, and nothing a user types comes back empty while its words
// match papers.
func TestIssue12Failures(t *testing.T) {
	ix := relevanceIndex(t)
	tests := []struct {
		name, query, want string
		note              string // a note the answer must carry
		didYouMean        string // "-" for none
	}{
		{"apostrophe and a quoted title that matches nothing",
			`I'd like to find articles describing the use of singular value decomposition in digital image processing. An article on the subject is H.C. Andrews and C.L. Patterson "Outer product expansions and their uses in digital image processing", vol. 82.`,
			"svd", "No exact match for", ""},
		{"a quoted phrase inside a long request",
			`Articles on text formatting systems, including "what you see is what you get" systems. Examples: t/nroff, scribe, bravo.`,
			"wysiwyg", "No exact match for", ""},
		{"parentheses left open and a quoted phrase",
			`Articles describing the relationship between data types and concurrency (e.g. what is the type of a process? when is a synchronization attempt between two processes "type correct"? in a message-passing system`,
			"types", "No exact match for", ""},
		{"a right name is never corrected", "Information retrieval articles by Gerard Salton", "salton", "", "-"},
		{"a surname alone, as typed", "salton", "salton", "", "-"},
		{"a co-author's surname, first and lower case", "wong information retrieval", "salton", "", "-"},
		{"a quoted title with a typo", `addendum to "qeuation of state of classical coulomb plasma mixtures"`, "coulomb", "", `addendum to "equation of state of classical coulomb plasma mixtures"`},
		{"every misspelt word, even one some paper made", "grpah atention netwroks", "gat", "", "graph attention networks"},
		{"British spelling finds American", "normalising flows", "flows", "", "-"},
		{"half-typed title", "the structure of hydrated", "hydrated", "", "-"},
		{"half-typed title, last word cut", "the structure of hydr", "hydrated", "", ""},
		{"a name opening a title", "GraphRNN", "graphrnn", "", "-"},
		{"a name with symbols opening a title", "XNOR-Net++", "xnor", "", "-"},
		{"a name with inner capitals", "srsLTE", "srslte", "", "-"},
		{"an acronym finds the paper that defines it", "MAML", "maml", "MAML was also searched as model-agnostic meta-learning.", "-"},
		{"an acronym of a physics method", "OQEC", "oqec", "also searched as operator quantum error correction", "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := search(t, ix, tt.query)
			if len(res.Hits) == 0 {
				t.Fatalf("%q found nothing (notes %q)", tt.query, res.Notes)
			}
			if got := res.Hits[0].Paper.ID; got != tt.want {
				t.Errorf("%q: first %s %q, want %s; all %v", tt.query, got, res.Hits[0].Paper.Title, tt.want, ids(res))
			}
			if tt.note != "" && !strings.Contains(strings.Join(res.Notes, " "), tt.note) {
				t.Errorf("%q: notes %q, want one saying %q", tt.query, res.Notes, tt.note)
			}
			switch tt.didYouMean {
			case "":
			case "-":
				if res.DidYouMean != "" {
					t.Errorf("%q: did you mean %q, want nothing corrected", tt.query, res.DidYouMean)
				}
			default:
				if res.DidYouMean != tt.didYouMean {
					t.Errorf("%q: did you mean %q, want %q", tt.query, res.DidYouMean, tt.didYouMean)
				}
			}
		})
	}
}

// Filters filter: author:Finn keeps Finn's papers and the words rank them
// (the paper by Finn Årup Nielsen about a wordnet does not outrank MAML for
// "meta-learning"); filters alone keep their date order.
func TestFiltersFilter(t *testing.T) {
	ix := relevanceIndex(t)
	res := search(t, ix, "author:Finn meta-learning")
	if len(res.Hits) == 0 || res.Hits[0].Paper.ID != "maml" {
		t.Fatalf("author:Finn meta-learning: %v, want maml first", ids(res))
	}
	for _, h := range res.Hits {
		if !strings.Contains(strings.Join(h.Paper.Authors, " "), "Finn") {
			t.Errorf("%s is not by Finn", h.Paper.ID)
		}
	}
	if res := search(t, ix, "author:Finn"); res.Sort != paper.ByRecent || len(res.Hits) != 2 {
		t.Errorf("author:Finn alone: sort %v, %v", res.Sort, ids(res))
	}
}

// A sorted listing needs all its words; when no paper has them all, it
// shows the papers with any of them and says so.
func TestSortedListingRelaxesToAnyWord(t *testing.T) {
	ix := relevanceIndex(t)
	res := search(t, ix, "sort:recent hydrated srslte")
	if len(res.Hits) == 0 {
		t.Fatal("nothing found")
	}
	if !strings.Contains(strings.Join(res.Notes, " "), "No exact match for all of") {
		t.Errorf("notes %q", res.Notes)
	}
	if res := search(t, ix, "sort:recent structure hydrated"); strings.Contains(strings.Join(res.Notes, " "), "No exact match") {
		t.Errorf("a listing whose words match was relaxed: %q", res.Notes)
	}
}

// A quoted phrase some papers hold, beside words none of those papers
// has, answers with the phrase's papers (quoting says "these words,
// literally"), and says the words were given up; a phrase no paper holds
// is loosened to its words.
func TestPhraseKeptOverWordsBesideIt(t *testing.T) {
	ix := relevanceIndex(t)
	tests := []struct {
		query, note string
		want        []string // every hit, in any order; nil: not checked
		first       string
	}{
		{`srslte "classical coulomb plasma"`, `No paper with "classical coulomb plasma" mentions srslte; papers with "classical coulomb plasma":`, []string{"coulomb", "coulomb0"}, ""},
		{`srslte xnor "classical coulomb plasma"`, `mentions any of srslte, xnor;`, []string{"coulomb", "coulomb0"}, ""},
		{`sort:recent srslte xnor "classical coulomb plasma"`, `mentions all of srslte, xnor;`, []string{"coulomb", "coulomb0"}, ""},
		// The phrase matches nothing: its words, with the word beside it.
		{`srslte "lte coulomb"`, `No exact match for "lte coulomb"; closest papers:`, nil, "srslte"},
	}
	for _, tt := range tests {
		res := search(t, ix, tt.query)
		notes := strings.Join(res.Notes, " ")
		if !strings.Contains(notes, tt.note) {
			t.Errorf("%s: notes %q, want one saying %q", tt.query, res.Notes, tt.note)
		}
		if tt.want != nil {
			got := ids(res)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
			}
		}
		if tt.first != "" && (len(res.Hits) == 0 || res.Hits[0].Paper.ID != tt.first) {
			t.Errorf("%s: %v, want %s first", tt.query, ids(res), tt.first)
		}
	}
	// Words that some paper with the phrase has: nothing relaxed.
	if res := search(t, ix, `addendum "classical coulomb plasma"`); len(res.Hits) != 1 || res.Hits[0].Paper.ID != "coulomb" || len(res.Notes) != 0 {
		t.Errorf(`addendum "classical coulomb plasma": %v, notes %q; want coulomb alone, no note`, ids(res), res.Notes)
	}
}

// A misspelling with two corrections of one stem ("models" and "modeles"
// both stem to model) is corrected to the spelling titles use, not the
// first in the alphabet.
func TestCorrectionIsTheSpellingTitlesUse(t *testing.T) {
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ps := []paper.Paper{
		{ID: "fr", Title: "Des modeles statistiques du langage", Abstract: "Nous comparons des modeles de langue."},
		{ID: "typo", Title: "Calibrationless parallel imaging", Abstract: "Deep learning modles for reconstruction."},
	}
	for i := range 30 { // the correction must be far more common (rareRatio)
		ps = append(ps, paper.Paper{ID: fmt.Sprintf("m%d", i), Title: fmt.Sprintf("Models of kind %d", i), Abstract: "We train models and evaluate them."})
	}
	if err := ix.Upsert(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	if res := search(t, ix, "modles"); res.DidYouMean != "models" {
		t.Errorf("modles: DidYouMean %q, want models", res.DidYouMean)
	}
}

// In a large index a misspelling is shared by several papers ("modles"
// in 7 of 1M arXiv papers): a word in one paper in rarePer or fewer may
// be one, unless a paper holds it with the query's other words.
func TestMisspellingSharedByPapers(t *testing.T) {
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var ps []paper.Paper
	for i := range 6 {
		ps = append(ps,
			paper.Paper{ID: fmt.Sprintf("de%d", i), Title: fmt.Sprintf("Matlis-reflexive Moduln, Teil %d", i), Abstract: "Eine Charakterisierung der Moduln."},
			paper.Paper{ID: fmt.Sprintf("eq%d", i), Title: fmt.Sprintf("Clearing markets, part %d", i), Abstract: "An equilibium of prices."})
	}
	for i := range 140 {
		ps = append(ps, paper.Paper{ID: fmt.Sprintf("m%d", i), Title: fmt.Sprintf("Equilibrium of a module, case %d", i), Abstract: "A module in equilibrium with a refined generative model."})
	}
	if err := ix.Upsert(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		per         uint64
		query, want string
	}{
		{0, "refined equilibium generative", ""}, // six papers: more than rareDF
		{20, "refined equilibium generative", "refined equilibrium generative"},
		{20, "moduln", "module"},  // a word alone
		{20, "matlis moduln", ""}, // used as meant
		{20, "moduln charakterisierung", ""},
	} {
		index.SetRarePer(ix, tt.per)
		if res := search(t, ix, tt.query); res.DidYouMean != tt.want {
			t.Errorf("rarePer %d, %q: DidYouMean %q, want %q", tt.per, tt.query, res.DidYouMean, tt.want)
		}
	}
}

// cat: on an index whose papers have no categories (the sample corpus)
// says why it finds nothing; on one with categories, a category no paper
// has is just not found.
func TestCategoriesMissingSaysSo(t *testing.T) {
	const why = "No paper in this index has a category"
	res := search(t, relevanceIndex(t), "cat:cs.LG")
	if len(res.Hits) != 0 || !strings.Contains(strings.Join(res.Notes, " "), why) {
		t.Errorf("cat:cs.LG without categories: %v, notes %q", ids(res), res.Notes)
	}
	res = search(t, categoryIndex(t, 1), "cat:nosuch.XX")
	if len(res.Hits) != 0 || strings.Contains(strings.Join(res.Notes, " "), why) {
		t.Errorf("cat:nosuch.XX with categories: %v, notes %q", ids(res), res.Notes)
	}
}
