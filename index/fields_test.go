package index

import (
	"path/filepath"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/configs/sample"
)

// tokenFrequencies gives what Bleve's analysis.TokenFrequency gives, for
// every field option the index uses, on the sample corpus's texts.
func TestTokenFrequenciesAsBleve(t *testing.T) {
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	texts := []string{"", "a", "the the the", "Heat heat HEAT conduction; heat."}
	for _, p := range papers {
		texts = append(texts, p.Title+"\n"+p.Abstract)
	}
	for _, opts := range []bindex.FieldIndexingOptions{optText, optPlain, optKeyword} {
		for _, text := range texts {
			toks := positionsOnly{ix.english}.Analyze([]byte(text))
			want := analysis.TokenFrequency(toks, nil, opts)
			got := tokenFrequencies(toks, opts)
			if len(got) != len(want) {
				t.Fatalf("%q (options %v): %d terms, Bleve %d", text, opts, len(got), len(want))
			}
			for term, w := range want {
				g := got[term]
				if g == nil || string(g.Term) != string(w.Term) || g.Frequency() != w.Frequency() || len(g.Locations) != len(w.Locations) {
					t.Fatalf("%q (options %v), term %q: %+v, Bleve %+v", text, opts, term, g, w)
				}
				for i, l := range w.Locations {
					if gl := g.Locations[i]; gl.Position != l.Position || gl.Start != l.Start || gl.End != l.End || len(gl.ArrayPositions) != 0 {
						t.Fatalf("%q, term %q, location %d: %+v, Bleve %+v", text, term, i, gl, l)
					}
				}
			}
		}
	}
}
