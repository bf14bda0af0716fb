package index_test

import (
	"fmt"
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
