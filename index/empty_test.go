package index_test

import (
	"path/filepath"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// A new index holds no paper (serve with sources configured, before their
// first refresh): a search finds nothing, without an error. The cache of
// other word forms took its empty segment list for one already seen and
// wrote into a map it had not made: "index ... is damaged".
func TestSearchOnANewEmptyIndex(t *testing.T) {
	for _, o := range []index.Options{{}, {NoRebuild: true}} {
		ix := openT(t, filepath.Join(t.TempDir(), "ix"), o)
		for _, q := range []string{"neural networks", "graphene", "wave function", "quantum chromodynamics", "Vasiliev invariants"} {
			_, err := ix.Search(t.Context(), paper.Query{Text: q})
			if err != nil {
				t.Errorf("%+v %q: %v", o, q, err)
			}
		}
		ix.Close()
	}
}
