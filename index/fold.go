package index

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/registry"
)

// foldName is the token filter that writes each word's accented letters
// as ASCII ("Teichmüller" as "teichmuller", "Poincaré" as "poincare"):
// people type titles and words without their accents, and a title typed
// so must find its paper. It folds words after they are found, not the
// text before (as a character filter does), so that a word's byte offsets
// still point into the text as written (highlighting marks them there).
const foldName = "paper_fold"

// foldFilter folds the words that hold a letter outside ASCII, with
// Bleve's ASCII folding; the others (most words of most papers) are
// passed as they are.
type foldFilter struct{ fold analysis.CharFilter }

func (f foldFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, t := range input {
		for _, c := range t.Term {
			if c >= 0x80 {
				t.Term = f.fold.Filter(t.Term)
				break
			}
		}
	}
	return input
}

func init() {
	err := registry.RegisterTokenFilter(foldName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{fold: asciifolding.New()}, nil
	})
	if err != nil {
		panic(err)
	}
}
