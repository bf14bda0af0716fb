package index_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
)

// Two words typed without the space between them are searched as the two
// words: on the arXiv sample "randommatrix theory" searched "theory" alone
// (No paper has “randommatrix”) and "stochasticresonance" found nothing.
// A split is made only where papers write the two words side by side.
func TestWordsRunTogetherAreSplit(t *testing.T) {
	var papers []paper.Paper
	for i := range 6 {
		papers = append(papers,
			paper.Paper{ID: fmt.Sprintf("rmt-%d", i), Title: fmt.Sprintf("Random matrix theory of spectra %d", i), Abstract: "Level statistics from random matrix ensembles."},
			paper.Paper{ID: fmt.Sprintf("sr-%d", i), Title: fmt.Sprintf("Stochastic resonance in bistable systems %d", i), Abstract: "Noise helps a weak periodic signal."},
			paper.Paper{ID: fmt.Sprintf("th-%d", i), Title: fmt.Sprintf("A theory of groups %d", i), Abstract: "Group theory and its matrix representations; a random walk."},
		)
	}
	ix := withPapers(t, papers)
	for _, tt := range []struct{ query, didYouMean, first string }{
		{"randommatrix theory", "random matrix theory", "rmt-"},
		{"stochasticresonance", "stochastic resonance", "sr-"},
		{`"randommatrix theory"`, `"random matrix theory"`, "rmt-"},
	} {
		res := search(t, ix, tt.query)
		if res.DidYouMean != tt.didYouMean {
			t.Errorf("%q: did you mean %q, want %q", tt.query, res.DidYouMean, tt.didYouMean)
		}
		if len(res.Hits) == 0 || !strings.HasPrefix(res.Hits[0].Paper.ID, tt.first) {
			t.Errorf("%q: %v, want a %s paper first", tt.query, ids(res), tt.first)
		}
	}
	// No paper writes "matrix random": not a split, the word is unknown.
	res := search(t, ix, "matrixrandom theory")
	if res.DidYouMean != "" || !strings.Contains(strings.Join(res.Notes, " "), "No paper has “matrixrandom”") {
		t.Errorf("matrixrandom theory: did you mean %q, notes %q", res.DidYouMean, res.Notes)
	}
}
