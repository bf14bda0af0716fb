package index_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
)

// Queries as researchers type them, and the answers they got wrong.

// A surname typed alone, or with a first name, is a search for that
// author's papers: it is never "corrected" to the common word a letter or
// two away, even when a few abstracts cite it and that word is in many
// more (on the arXiv sample "Yoshua Bengio" answered "Did you mean: Yoshua
// begin?" with papers that begin things).
func TestSurnameIsNotCorrected(t *testing.T) {
	papers := []paper.Paper{
		{ID: "b1", Title: "Deep directed generative autoencoders", Abstract: "Autoencoders for discrete data.", Authors: []string{"Sherjil Ozair", "Yoshua Bengio"}},
		{ID: "b2", Title: "Learning speaker representations with mutual information", Abstract: "Speaker embeddings learnt without labels.", Authors: []string{"Mirco Ravanelli", "Yoshua Bengio"}},
		{ID: "cites", Title: "Word embeddings revisited", Abstract: "The neural language model of Bengio et al. and its successors."},
	}
	for i := range 30 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("begin-%d", i), Title: fmt.Sprintf("Where things begin %d", i), Abstract: "We begin with a model and begin again."})
	}
	ix := withPapers(t, papers)
	for _, q := range []string{"Bengio", "bengio", "Yoshua Bengio", "yoshua bengio"} {
		res := search(t, ix, q)
		if res.DidYouMean != "" {
			t.Errorf("%q: did you mean %q, want the name left as typed", q, res.DidYouMean)
		}
		if got := strings.Join(ids(res), " "); !strings.Contains(got, "b1") || !strings.Contains(got, "b2") || strings.Contains(got, "begin-") {
			t.Errorf("%q: %v, want Bengio's papers and none that begin", q, got)
		}
	}
	// A misspelling no author has is still corrected.
	if res := search(t, ix, "begni"); res.DidYouMean != "begin" {
		t.Errorf("begni: did you mean %q, want begin", res.DidYouMean)
	}
}

// An acronym is expanded as the papers about the query's other words spell
// it out: on the arXiv sample "CP violation" was also searched as "cyber
// physical", and its answer was cyber-physical systems; "LDA band gap"
// wants the local density approximation, "LDA topic models" latent
// Dirichlet allocation.
func TestAcronymExpandedInContext(t *testing.T) {
	// More papers on each topic than the papers an acronym's expansion is
	// read from, as on any real index.
	var papers []paper.Paper
	for i := range 25 {
		papers = append(papers,
			paper.Paper{ID: fmt.Sprintf("kaon-%d", i), Title: fmt.Sprintf("CP violation in kaon decays %d", i), Abstract: "We measure the violation of CP symmetry in neutral kaon decays."},
			paper.Paper{ID: fmt.Sprintf("topic-%d", i), Title: fmt.Sprintf("Topic models of text %d", i), Abstract: "Latent Dirichlet allocation (LDA) topic models: LDA on documents."},
		)
	}
	for i := range 5 {
		papers = append(papers,
			paper.Paper{ID: fmt.Sprintf("cps-%d", i), Title: fmt.Sprintf("Securing cyber-physical systems %d", i), Abstract: "Attacks on cyber-physical (CP) systems: CP security, CP attacks."},
			paper.Paper{ID: fmt.Sprintf("dft-%d", i), Title: fmt.Sprintf("The band gap of semiconductors %d", i), Abstract: "The local density approximation (LDA) underestimates the band gap of insulators."},
		)
	}
	ix := withPapers(t, papers)
	tests := []struct {
		query, first, note, notNote string
	}{
		{"CP violation", "kaon-", "", "also searched"},
		{"LDA", "topic-", "LDA was also searched as latent dirichlet allocation.", ""},
		{"LDA band gap", "dft-", "LDA was also searched as local density approximation.", "latent"},
		{"LDA topic models", "topic-", "LDA was also searched as latent dirichlet allocation.", "local"},
	}
	for _, tt := range tests {
		res := search(t, ix, tt.query)
		notes := strings.Join(res.Notes, " ")
		if len(res.Hits) == 0 || !strings.HasPrefix(res.Hits[0].Paper.ID, tt.first) {
			t.Errorf("%q: %v, want a %s paper first (notes %q)", tt.query, ids(res), tt.first, notes)
		}
		if tt.note != "" && !strings.Contains(notes, tt.note) {
			t.Errorf("%q: notes %q, want %q", tt.query, notes, tt.note)
		}
		if tt.notNote != "" && strings.Contains(notes, tt.notNote) {
			t.Errorf("%q: notes %q, want none saying %q", tt.query, notes, tt.notNote)
		}
	}
}

// A snippet shows every match of the passage it was chosen for: on the
// arXiv sample "GPT-2" chose the passage from a "2" to "GPTs", then moved
// its start back to a sentence's beginning and cut "GPTs" off its end,
// leaving the "2" alone. And "et al. and" is no sentence's beginning.
func TestSnippetShowsItsMatches(t *testing.T) {
	filler := strings.Repeat("The filler words here say nothing much. ", 12)
	abstract := filler + "A sentence that begins well before the first word we want, then says alpha, and then goes on for a long while with nothing of interest in it at all, filling the space, until finally, after many more words than one would like to read, and a few more words still, and yet others, it says beta. " + filler
	cited := filler + "We follow the method of Smith et al. and extend it to gamma rays of high energy. " + filler
	ix := withPapers(t, []paper.Paper{
		{ID: "ab", Title: "A paper", Abstract: abstract},
		{ID: "g", Title: "Another paper", Abstract: cited},
	})
	marked := func(h paper.Hit) []string {
		var out []string
		for _, s := range h.Snippet {
			if s.Match {
				out = append(out, s.Text)
			}
		}
		return out
	}
	res := search(t, ix, "alpha beta")
	if len(res.Hits) == 0 {
		t.Fatal("alpha beta: no hits")
	}
	if got := strings.Join(marked(res.Hits[0]), " "); got != "alpha beta" {
		t.Errorf("alpha beta: marked %q in %q, want both words", got, paper.PlainText(res.Hits[0].Snippet))
	}
	res = search(t, ix, "gamma")
	if len(res.Hits) == 0 {
		t.Fatal("gamma: no hits")
	}
	if snip := paper.PlainText(res.Hits[0].Snippet); !strings.HasPrefix(snip, "…We follow") {
		t.Errorf("gamma: snippet %q, want it to start at the sentence's beginning", snip)
	}
}

// A pasted passage that holds a rare word is not "corrected": a paper holds
// the word with the passage's other words, so it was meant. On the arXiv
// sample a pasted abstract answered "Did you mean:" and the whole abstract
// again with "intraannual" (its own word) as "interannual".
func TestPastedPassageKeepsItsRareWord(t *testing.T) {
	papers := []paper.Paper{
		{ID: "ice", Title: "Predicting sea ice anomalies", Abstract: "Motivated by Arctic intraannual variability phenomena such as reemergence of sea surface temperature, we forecast sea ice."},
	}
	for i := range 30 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("climate-%d", i), Title: fmt.Sprintf("Interannual variability of rainfall %d", i), Abstract: "The interannual variability of rainfall."})
	}
	ix := withPapers(t, papers)
	q := "Motivated by Arctic intraannual variability phenomena such as reemergence of sea surface temperature"
	res := search(t, ix, q)
	if res.DidYouMean != "" {
		t.Errorf("did you mean %q, want the passage searched as pasted", res.DidYouMean)
	}
	if len(res.Hits) == 0 || res.Hits[0].Paper.ID != "ice" {
		t.Errorf("%v, want ice first", ids(res))
	}
	// Typed alone, the rare word may still be a misspelling of the common one.
	if res := search(t, ix, "intraannual"); res.DidYouMean != "interannual" {
		t.Errorf("intraannual alone: did you mean %q, want interannual", res.DidYouMean)
	}
}

// A category no paper is in says so, with the one likely meant, rather than
// "no papers found" alone: cat:cs.ML is stat.ML on arXiv.
func TestUnknownCategorySaysSo(t *testing.T) {
	ix := withPapers(t, []paper.Paper{
		{ID: "lg", Title: "Learning to learn", Abstract: "Meta-learning.", Categories: []string{"cs.LG", "stat.ML"}},
		{ID: "th", Title: "String theory", Abstract: "Strings.", Categories: []string{"hep-th"}},
	})
	for _, tt := range []struct{ query, note string }{
		{"cat:cs.ML learning", "No paper is in cat:cs.ML; did you mean cat:stat.ML?"},
		{"cat:hep-ht strings", "No paper is in cat:hep-ht; did you mean cat:hep-th?"},
		{"cat:foo.bar learning", "No paper is in cat:foo.bar (categories are arXiv's"},
	} {
		res := search(t, ix, tt.query)
		if len(res.Hits) != 0 {
			t.Errorf("%q: %v, want nothing", tt.query, ids(res))
		}
		if notes := strings.Join(res.Notes, " "); !strings.Contains(notes, tt.note) {
			t.Errorf("%q: notes %q, want %q", tt.query, notes, tt.note)
		}
	}
	if res := search(t, ix, "cat:cs learning"); len(res.Notes) != 0 || len(res.Hits) != 1 {
		t.Errorf("cat:cs learning: %v, notes %q, want lg and no note", ids(res), res.Notes)
	}
}

// Greek letters typed as letters find the papers that write them in LaTeX
// ($\beta$), as arXiv's do: "β-decay" matched only papers holding the
// letter itself, which on the arXiv sample are none. A letter some paper
// holds as typed is searched as typed.
func TestGreekLettersAsPapersWriteThem(t *testing.T) {
	papers := []paper.Paper{
		{ID: "beta", Title: "$\\beta$-decay spectrum of tritium", Abstract: "The $\\beta$ spectrum near its endpoint."},
		{ID: "lcdm", Title: "Tensions in $\\Lambda$CDM", Abstract: "The Hubble tension in the standard model of cosmology."},
		{ID: "l1", Title: "L1 regularization for sparse models", Abstract: "Sparse regression with an L1 penalty."},
		{ID: "mu", Title: "Model checking the μ-calculus", Abstract: "Fixpoints in μ-calculus formulas."},
		{ID: "mu-latex", Title: "Games for the modal $\\mu$-calculus", Abstract: "Parity games."},
	}
	for i := range 10 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("fill-%d", i), Title: fmt.Sprintf("Decay and spectrum of regularization in models %d", i), Abstract: "Decay spectrum tension calculus regularization cosmology."})
	}
	ix := withPapers(t, papers)
	for _, tt := range []struct{ query, first string }{
		{"β-decay", "beta"},
		{"ΛCDM", "lcdm"},
		{"ℓ1 regularization", "l1"},
		{"μ-calculus", "mu"}, // held as typed: searched as typed
	} {
		res := search(t, ix, tt.query)
		if len(res.Hits) == 0 || res.Hits[0].Paper.ID != tt.first {
			t.Errorf("%q: %v, want %s first", tt.query, ids(res), tt.first)
		}
	}
}

// A misspelling one edit from two words is corrected to the one titles
// spell so more often, not to the one whose stem has more papers: on the
// arXiv sample "graph nueral networks" was corrected to "graph numeral
// networks", "numeral" sharing its stem with "numerical".
func TestCorrectionPrefersTheCommonerSpelling(t *testing.T) {
	var papers []paper.Paper
	for i := range 10 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("gnn-%d", i), Title: fmt.Sprintf("Neural networks on graphs %d", i), Abstract: "Graph neural networks."})
	}
	for i := range 30 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("num-%d", i), Title: fmt.Sprintf("Numerical analysis %d", i), Abstract: "Numerical methods for numerical linear algebra."})
	}
	papers = append(papers, paper.Paper{ID: "numerals", Title: "The origin of the numeral", Abstract: "Roman numerals."})
	ix := withPapers(t, papers)
	res := search(t, ix, "graph nueral networks")
	if res.DidYouMean != "graph neural networks" {
		t.Errorf("did you mean %q, want graph neural networks", res.DidYouMean)
	}
	if len(res.Hits) == 0 || !strings.HasPrefix(res.Hits[0].Paper.ID, "gnn-") {
		t.Errorf("%v, want a graph neural network paper first", ids(res))
	}
}

// A request of a person and a topic asks for that person's papers on it.
// Searched as words, an acronym's expansion (three words, each spelt out
// by every paper on the topic) outweighed the name: on the arXiv sample
// "Gallavotti KAM" put papers on the Kolmogorov-Arnold-Moser theorem by
// others above Gallavotti's papers on KAM (his 4th, 10th and 15th).
func TestAcronymExpansionDoesNotOutweighTheName(t *testing.T) {
	papers := []paper.Paper{
		{ID: "gallavotti-kam", Title: "Lindstedt series and the KAM theorem", Abstract: "The KAM theorem from a combinatorial viewpoint.", Authors: []string{"Giovanni Gallavotti"}},
		{ID: "others-kam", Title: "Kolmogorov-Arnold-Moser analysis of stability in Hamiltonian flows", Abstract: "We study invariant tori with Kolmogorov-Arnold-Moser (KAM) theory and renormalization.", Authors: []string{"C. Chandre", "H. R. Jauslin"}},
	}
	for i := range 4 {
		papers = append(papers,
			paper.Paper{ID: fmt.Sprintf("gallavotti-%d", i), Title: fmt.Sprintf("Fluctuation theorem %d", i), Abstract: "Entropy production in stationary states.", Authors: []string{"Giovanni Gallavotti"}},
			paper.Paper{ID: fmt.Sprintf("kam-%d", i), Title: fmt.Sprintf("Breakup of invariant tori %d", i), Abstract: "The Kolmogorov-Arnold-Moser (KAM) theorem and the breakup of invariant tori in Hamiltonian systems.", Authors: []string{"A. Celletti"}},
		)
	}
	// Names and KAM are rare, as on arXiv.
	for i := range 150 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("filler-%d", i), Title: fmt.Sprintf("Quantum dots %d", i), Abstract: "Spectra of quantum dots in magnetic fields."})
	}
	ix := withPapers(t, papers)
	res := search(t, ix, "Gallavotti KAM")
	if got := ids(res); len(got) == 0 || got[0] != "gallavotti-kam" {
		t.Errorf("Gallavotti KAM: %v, want gallavotti-kam first (notes %q)", got, res.Notes)
	}
}

// A paper whose abstract holds the query's words side by side is about
// them: on the arXiv sample "quantum error correction" ranked a dozen
// papers titled "... error correction" (of DNA, of images, of spreadsheets,
// with "quantum" nowhere) above quantum papers whose abstracts hold the
// phrase; their titles held two of its words.
func TestPhraseInAbstractRanksAboveTwoWordsInTitle(t *testing.T) {
	papers := []paper.Paper{
		{ID: "qubits", Title: "Superconducting qubits: current state of play", Abstract: "Superconducting qubits are a leading platform for quantum computing. We review gates, readout and coherence, and the progress toward quantum error correction in circuits of many qubits, with an outlook on the devices of the next decade."},
	}
	for i := range 10 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("qec-%d", i), Title: fmt.Sprintf("Quantum error correction with stabilizer codes %d", i), Abstract: "Stabilizer codes protect the quantum information of qubits from decoherence."})
	}
	for i := range 6 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("ec-%d", i), Title: fmt.Sprintf("Error correction for storage %d", i), Abstract: "Codes that correct the errors of stored data."})
	}
	for i := range 60 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("graphs-%d", i), Title: fmt.Sprintf("Colourings of graphs %d", i), Abstract: "Colourings of sparse graphs and their chromatic numbers."})
	}
	ix := withPapers(t, papers)
	res, err := ix.Search(context.Background(), paper.Query{Text: "quantum error correction", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	got := ids(res)
	q := slices.Index(got, "qubits")
	if q < 0 {
		t.Fatalf("quantum error correction: %v, want the qubits review among them", got)
	}
	for _, id := range got[:q] {
		if strings.HasPrefix(id, "ec-") {
			t.Errorf("quantum error correction: %v, want qubits (the phrase in its abstract) above the papers titled error correction", got)
			break
		}
	}
}
