package index

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"

	"github.com/paperbot/paperbot/configs/sample"
)

// stemTerms runs a filter over copies of the words and returns the terms.
func stemTerms(f analysis.TokenFilter, words []string, keyword bool) []string {
	in := make(analysis.TokenStream, len(words))
	for i, w := range words {
		in[i] = &analysis.Token{Term: []byte(w), KeyWord: keyword && i%3 == 0}
	}
	var out []string
	for _, t := range f.Filter(in) {
		out = append(out, string(t.Term))
	}
	return out
}

// TestStemFilterAsFilters: the cached filter gives, token for token, what
// the spelling filter and Porter's stemmer give one after the other, the
// first time a word is seen and every time after, with keywords left
// unstemmed, from several goroutines at once, and once the cache is full.
func TestStemFilterAsFilters(t *testing.T) {
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, p := range papers {
		for _, tok := range (wordTokenizer{}).Tokenize([]byte(p.Title + " " + p.Abstract)) {
			words = append(words, string(tok.Term))
		}
	}
	words = append(words, "organisations", "normalised", "colour", "behaviours", "analysing", "modelling",
		"caresses", "ponies", "generalizations", "a", "", "naïve", "größer", "日本", "x1", "don't")
	want := stemTerms(plainStem{}, words, false)
	wantKW := stemTerms(plainStem{}, words, true)

	f := stemFilter{american: americanFilter{}, stem: porter.NewPorterStemmer(), cache: newStemCache()}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 4 {
		wg.Go(func() {
			for round := range 2 {
				if got := stemTerms(f, words, false); !slices.Equal(got, want) {
					errs <- fmt.Errorf("goroutine %d round %d: %s", g, round, firstDiff(words, got, want))
				}
				if got := stemTerms(f, words, true); !slices.Equal(got, wantKW) {
					errs <- fmt.Errorf("goroutine %d round %d, keywords: %s", g, round, firstDiff(words, got, wantKW))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The same tokens must not share a term a later append could change.
	toks := f.Filter(analysis.TokenStream{{Term: []byte("networks")}, {Term: []byte("networks")}})
	a := append(toks[0].Term, 'X')
	b := append(toks[1].Term, 'Y')
	if string(a) != "networkX" || string(b) != "networkY" {
		t.Errorf("appends to two tokens' terms wrote over each other: %q, %q", a, b)
	}

	// A full cache still stems every word.
	full := stemFilter{american: americanFilter{}, stem: porter.NewPorterStemmer(), cache: newStemCache()}
	for i := range stemCacheWords + 100 {
		stemTerms(full, []string{fmt.Sprintf("filler%dings", i)}, false)
	}
	if cached := full.cache.size(); cached > stemCacheWords {
		t.Errorf("the cache holds %d words, over its bound %d", cached, stemCacheWords)
	}
	if got := stemTerms(full, words, false); !slices.Equal(got, want) {
		t.Errorf("full cache: %s", firstDiff(words, got, want))
	}
}

// plainStem is the two filters one after the other, as before the cache.
type plainStem struct{}

func (plainStem) Filter(in analysis.TokenStream) analysis.TokenStream {
	return porter.NewPorterStemmer().Filter(americanFilter{}.Filter(in))
}

func firstDiff(words, got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("%q became %q, want %q", words[i], got[i], want[i])
		}
	}
	return fmt.Sprintf("%d terms, want %d", len(got), len(want))
}
