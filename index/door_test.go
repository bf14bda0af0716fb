package index

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/mod/modfile"

	"github.com/paperbot/paperbot/bot/paper"
)

// Every field of parsedQuery is a feature: a field added for a new query
// operator that features() does not report would let the operator's
// queries take a fast path that ignores it. Each field set alone must
// show as a feature, each as its own.
func TestEveryQueryFieldIsAFeature(t *testing.T) {
	typ := reflect.TypeFor[parsedQuery]()
	seen := map[feature]string{}
	var all feature
	for i := range typ.NumField() {
		f := typ.Field(i)
		var q parsedQuery
		v := reflect.NewAt(f.Type, unsafe.Add(unsafe.Pointer(&q), f.Offset)).Elem()
		setNonZero(t, f.Name, v)
		got := q.features()
		if got == 0 {
			t.Errorf("parsedQuery.%s set alone is no feature: add it to features() and decide which shapes allow it", f.Name)
			continue
		}
		if got&(got-1) != 0 {
			t.Errorf("parsedQuery.%s set alone shows as several features (%b)", f.Name, got)
		}
		if other, ok := seen[got]; ok && !(sameFeature[f.Name] == other || sameFeature[other] == f.Name) {
			t.Errorf("parsedQuery.%s and .%s show as the same feature", f.Name, other)
		}
		seen[got] = f.Name
		all |= got
	}
	if want := featTitleWords<<1 - 1; all != want {
		t.Errorf("features no field sets: %b", want&^all)
	}
}

// sameFeature pairs the fields that are one feature.
var sameFeature = map[string]string{"To": "From", "SortSet": "Sort"}

// setNonZero gives a field of any of parsedQuery's kinds a non-zero value.
func setNonZero(t *testing.T, name string, v reflect.Value) {
	switch v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)))
		return
	case paper.Sort:
		v.Set(reflect.ValueOf(paper.ByRecent))
		return
	}
	switch v.Kind() {
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		if s.Index(0).Kind() == reflect.String {
			s.Index(0).SetString("x")
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf("x"), reflect.ValueOf(0.5))
		v.Set(m)
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("parsedQuery.%s: a field of kind %s; teach setNonZero to set it", name, v.Kind())
	}
}

func TestQueryShapes(t *testing.T) {
	for _, tt := range []struct {
		q     string
		order paper.Sort
		want  queryShape
	}{
		{"diffusion language models", paper.ByRelevance, shapeWords},
		{"diffusion sort:relevance", paper.ByRelevance, shapeWords},
		{`"direct preference optimization"`, paper.ByRelevance, shapePhrase},
		{"cat:cs.CL", paper.ByRecent, shapeListing},
		{"cat:cs.CL since:2024-06", paper.ByRecent, shapeListing},
		{"author:Singh", paper.ByRecent, shapeListing},
		{"", paper.ByTrending, shapeListing}, // every paper (not only the trending ones: see below)
		{"since:2024", paper.ByRecent, shapeListing},
		{"cat:cs -cat:cs.LG", paper.ByRecent, shapeListing},
		{"author:Singh -cat:math", paper.ByRecent, shapeListing},
		{"cat:cs -author:Singh", paper.ByRecent, shapeListing},
		{`since:2024 -author:"Ada Singh"`, paper.ByRecent, shapeListing},
		// Everything else is Bleve's.
		{"diffusion -survey", paper.ByRelevance, shapeOther},
		{`diffusion -"large language"`, paper.ByRelevance, shapeOther},
		{"diffusion author:Notin", paper.ByRelevance, shapeWords},
		{"diffusion cat:cs.LG", paper.ByRelevance, shapeWords}, // categories filter without scoring
		{"diffusion cat:cs.LG cat:stat.ML", paper.ByRelevance, shapeWords},
		{"diffusion cat:cs", paper.ByRelevance, shapeWords}, // an archive: cs and cs.*
		{"diffusion cat:cs.LG", paper.ByRecent, shapeOther},
		{"diffusion year:2024", paper.ByRelevance, shapeOther},
		{`diffusion "language models"`, paper.ByRelevance, shapeNarrowed},
		{`diffusion "language models" -survey cat:cs.CL`, paper.ByRelevance, shapeNarrowed},
		{`"language models" "diffusion"`, paper.ByRelevance, shapeNarrowed},
		{"diffusion models", paper.ByRecent, shapeOther},
		{`"language models"`, paper.ByRecent, shapeOther},
		{"cat:math", paper.ByRecent, shapeListing},
		{"cat:cs.CL author:Singh", paper.ByRecent, shapeOther},
		{`author:"Pascal Notin"`, paper.ByRecent, shapeListing}, // a phrase of the authors field
		{"author:Singh year:2024", paper.ByRecent, shapeOther},
	} {
		if got := parseQuery(tt.q).shape(tt.order); got != tt.want {
			t.Errorf("%q in %v order: shape %v, want %v", tt.q, tt.order, got, tt.want)
		}
	}
	trending := parseQuery("")
	trending.trendingOnly = true
	if got := trending.shape(paper.ByTrending); got != shapeListing {
		t.Errorf("the trending listing: shape %v", got)
	}
	trending.filterWords = []string{"diffusion"}
	if got := trending.shape(paper.ByTrending); got != shapeOther {
		t.Errorf("a trending listing with a topic filter: shape %v", got)
	}
	if got := (&parsedQuery{weighted: []termInfo{{term: "x", weight: 1}}}).shape(paper.ByRelevance); got != shapeWords {
		t.Errorf("weighted terms (similar papers, feedback): shape %v", got)
	}
}

// The fast paths reproduce Bleve's scoring and read scorch's and zap's
// segments through their interfaces and types: a new version of any of
// them can change a score, an order or a format without a compile error.
// These are the versions the fast paths were checked against (their
// tests compare every answer with Bleve's); when go.mod moves one, run
// the comparison tests with the fast path on and off, read the changes
// to Bleve's scorers and searchers and to the segment formats, and then
// move the version here.
var verifiedVersions = map[string]string{
	"github.com/blevesearch/bleve/v2":              "v2.6.3", // scorch, the scorers and searchers
	"github.com/blevesearch/bleve_index_api":       "v1.4.1",
	"github.com/blevesearch/scorch_segment_api/v2": "v2.4.11",
	"github.com/blevesearch/zapx/v11":              "v11.4.3",
	"github.com/blevesearch/zapx/v12":              "v12.4.3",
	"github.com/blevesearch/zapx/v13":              "v13.4.3",
	"github.com/blevesearch/zapx/v14":              "v14.4.3",
	"github.com/blevesearch/zapx/v15":              "v15.4.3",
	"github.com/blevesearch/zapx/v16":              "v16.3.4",
	// The format new segments are written in: v17.2.5 with paperbot's
	// changes (third_party/zapx/README.paperbot.md), none of the format.
	"github.com/blevesearch/zapx/v17":     "replaced by ./third_party/zapx/v17",
	"github.com/RoaringBitmap/roaring/v2": "v2.14.5",
}

func TestFastPathVerifiedVersions(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, r := range mf.Require {
		found[r.Mod.Path] = r.Mod.Version
	}
	for _, r := range mf.Replace {
		if r.Old.Version == "" || r.Old.Version == found[r.Old.Path] {
			found[r.Old.Path] = "replaced by " + r.New.String()
		}
	}
	for path, want := range verifiedVersions {
		switch got, ok := found[path]; {
		case !ok:
			t.Errorf("go.mod no longer requires %s: re-verify the fast paths (door.go) and update verifiedVersions", path)
		case got != want:
			t.Errorf("go.mod has %s %s, the fast paths were verified against %s: re-verify the fast paths (door.go) and update verifiedVersions", path, got, want)
		}
	}
}
