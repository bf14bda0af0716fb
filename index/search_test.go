package index_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs/sample"
	"github.com/paperbot/paperbot/index"
)

const tranception = "2205.13760"

var (
	sampleOnce sync.Once
	sampleIx   *index.Index
	sampleErr  error
)

// sampleIndex is a real index of the sample corpus, built once per test
// binary in a temporary directory.
func sampleIndex(t *testing.T) *index.Index {
	t.Helper()
	sampleOnce.Do(func() {
		dir, err := tempDir()
		if err != nil {
			sampleErr = err
			return
		}
		ix, err := open(dir, index.Options{})
		if err != nil {
			sampleErr = err
			return
		}
		papers, err := sample.Papers()
		if err != nil {
			sampleErr = err
			return
		}
		sampleErr = ix.Upsert(context.Background(), papers)
		sampleIx = ix
	})
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sampleIx
}

func search(t *testing.T, ix *index.Index, q string) paper.Results {
	t.Helper()
	res, err := ix.Search(context.Background(), paper.Query{Text: q, Limit: 10})
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return res
}

func ids(res paper.Results) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.Paper.ID
	}
	return out
}

// The lookups a user makes for one paper find it first.
func TestSearchFindsTheIntendedPaperFirst(t *testing.T) {
	ix := sampleIndex(t)
	tests := []struct {
		name, query, want string
	}{
		{"one word", "tranception", tranception},
		{"typo", "tranceptoin", tranception},
		{"typo among words", "tranceptoin protein", tranception},
		{"partial title", "protein fitness prediction with autoregressive transformers", tranception},
		{"full title", "Tranception: protein fitness prediction with autoregressive transformers and inference-time retrieval", tranception},
		{"arXiv abs URL", "https://arxiv.org/abs/2205.13760v2", tranception},
		{"arXiv pdf URL", "https://arxiv.org/pdf/2205.13760v1.pdf", tranception},
		{"Hugging Face URL", "https://huggingface.co/papers/2205.13760", tranception},
		{"alphaXiv URL", "https://www.alphaxiv.org/abs/2205.13760", tranception},
		{"bare id", "2205.13760", tranception},
		{"phrase", `"inference-time retrieval"`, tranception},
		{"author", "author:Notin", tranception},
		{"author full name", `author:"Pascal Notin" protein`, tranception},
		{"another paper, partial title", "nonequilibrium thermodynamics unsupervised", "1503.03585"},
		{"another typo", "difusion langauge models", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := search(t, ix, tt.query)
			if len(res.Hits) == 0 {
				t.Fatalf("%q found nothing", tt.query)
			}
			if tt.want != "" && res.Hits[0].Paper.ID != tt.want {
				t.Errorf("%q: first hit %s %q, want %s", tt.query, res.Hits[0].Paper.ID, res.Hits[0].Paper.Title, tt.want)
			}
		})
	}
}

func TestSearchTypoSaysDidYouMean(t *testing.T) {
	ix := sampleIndex(t)
	res := search(t, ix, "tranceptoin")
	if !res.Fuzzy || res.DidYouMean != "tranception" {
		t.Errorf("Fuzzy=%v DidYouMean=%q, want true and %q", res.Fuzzy, res.DidYouMean, "tranception")
	}
	res = search(t, ix, "difusion langauge models")
	if res.DidYouMean != "diffusion language models" {
		t.Errorf("DidYouMean=%q", res.DidYouMean)
	}
	// Correctly spelt words are left alone.
	if res := search(t, ix, "diffusion models"); res.DidYouMean != "" || res.Fuzzy {
		t.Errorf("a correct query got DidYouMean=%q Fuzzy=%v", res.DidYouMean, res.Fuzzy)
	}
}

func TestSearchExactLookup(t *testing.T) {
	ix := sampleIndex(t)
	res := search(t, ix, "https://arxiv.org/abs/2205.13760v2")
	if !res.Exact || len(res.Hits) != 1 {
		t.Fatalf("Exact=%v hits=%v", res.Exact, ids(res))
	}
	res = search(t, ix, "2401.99999")
	if !res.Exact || len(res.Hits) != 0 {
		t.Errorf("an id not in the index: Exact=%v hits=%v", res.Exact, ids(res))
	}
	// One paper named several ways is one hit, not one per way (it was
	// listed three times, "3 of 3").
	res = search(t, ix, "2205.13760 arxiv:2205.13760v2 https://arxiv.org/abs/2205.13760 2307.00494 2205.13760")
	if got := strings.Join(ids(res), " "); !res.Exact || got != "2205.13760 2307.00494" || res.Total != 2 {
		t.Errorf("one paper named three ways and another: Exact=%v hits %s of %d, want 2205.13760 2307.00494", res.Exact, got, res.Total)
	}
}

func TestSearchHighlights(t *testing.T) {
	ix := sampleIndex(t)
	res := search(t, ix, "autoregressive transformers")
	if len(res.Hits) == 0 {
		t.Fatal("no hits")
	}
	var marked []string
	for _, h := range res.Hits[:1] {
		for _, s := range append(h.Title, h.Snippet...) {
			if s.Match {
				marked = append(marked, strings.ToLower(s.Text))
			}
		}
		if paper.PlainText(h.Title) != h.Paper.Title {
			t.Errorf("title spans %q do not rebuild the title %q", paper.PlainText(h.Title), h.Paper.Title)
		}
		snip := paper.PlainText(h.Snippet)
		if len(snip) > 300*2 || !strings.Contains(h.Paper.Abstract, strings.Trim(snip, "…")) {
			t.Errorf("snippet %q is not a passage of the abstract", snip)
		}
	}
	joined := strings.Join(marked, " ")
	if !strings.Contains(joined, "autoregressive") || !strings.Contains(joined, "transformer") {
		t.Errorf("marked %q, want both query words (stemmed matches count)", marked)
	}
}

func TestSearchFiltersAndExclusions(t *testing.T) {
	ix := sampleIndex(t)
	all := search(t, ix, "likelihood")
	if all.Total < 5 {
		t.Fatalf("likelihood: only %d papers", all.Total)
	}
	without := search(t, ix, "likelihood -diffusion")
	if without.Total >= all.Total {
		t.Errorf("-diffusion removed nothing (%d vs %d)", without.Total, all.Total)
	}
	for _, h := range without.Hits {
		if strings.Contains(strings.ToLower(h.Paper.Title+h.Paper.Abstract), "diffusion") {
			t.Errorf("%s mentions diffusion", h.Paper.ID)
		}
	}
	y := search(t, ix, "likelihood year:2023")
	for _, h := range y.Hits {
		if !strings.HasPrefix(h.Paper.Published, "2023") {
			t.Errorf("year:2023 returned %s published %q", h.Paper.ID, h.Paper.Published)
		}
	}
	if y.Total == 0 || y.Total >= all.Total {
		t.Errorf("year:2023 kept %d of %d", y.Total, all.Total)
	}
	// Dates keep no frequencies or norms (they never score): a date
	// filter beside words leaves the words' scores finite.
	for _, h := range y.Hits {
		if math.IsNaN(h.Score) || math.IsInf(h.Score, 0) || h.Score <= 0 {
			t.Errorf("year:2023 scored %s %v", h.Paper.ID, h.Score)
		}
	}
	recent := search(t, ix, "likelihood sort:recent")
	for i := 1; i < len(recent.Hits); i++ {
		if recent.Hits[i-1].Paper.Published < recent.Hits[i].Paper.Published {
			t.Errorf("sort:recent out of order at %d: %s < %s", i, recent.Hits[i-1].Paper.Published, recent.Hits[i].Paper.Published)
		}
	}
	if recent.Sort != paper.ByRecent {
		t.Errorf("Sort = %v", recent.Sort)
	}
}

func TestSearchTrendingOrder(t *testing.T) {
	ix := sampleIndex(t)
	res, err := ix.Search(context.Background(), paper.Query{Sort: paper.ByTrending, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 5 || res.Total != 194 {
		t.Fatalf("trending: %d hits of %d", len(res.Hits), res.Total)
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i-1].Paper.Trending < res.Hits[i].Paper.Trending {
			t.Errorf("trending out of order at %d", i)
		}
	}
	// A sort: the list cannot follow is said, not dropped silently.
	res, err = ix.Search(context.Background(), paper.Query{Text: "protein sort:recent", Sort: paper.ByTrending, Limit: 5})
	if err != nil || !strings.Contains(strings.Join(res.Notes, " "), "sort:recent does not apply here") {
		t.Errorf("trending with sort:recent: err %v, notes %q", err, res.Notes)
	}
}

func TestSearchPaging(t *testing.T) {
	ix := sampleIndex(t)
	ctx := context.Background()
	first, err := ix.Search(ctx, paper.Query{Text: "language models", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	second, err := ix.Search(ctx, paper.Query{Text: "language models", Limit: 5, Offset: 5})
	if err != nil {
		t.Fatal(err)
	}
	both, err := ix.Search(ctx, paper.Query{Text: "language models", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(append(ids(first), ids(second)...), " "), strings.Join(ids(both), " "); got != want {
		t.Errorf("pages %s\nwant  %s", got, want)
	}
	ex, err := ix.Search(ctx, paper.Query{Text: "language models", Limit: 5, Exclude: ids(first)})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids(ex) {
		for _, x := range ids(first) {
			if id == x {
				t.Errorf("excluded %s returned", id)
			}
		}
	}
}

// An offset past every paper is an empty page, however large: offset and
// limit added up overflowed int for the largest offsets, and every shape
// of query panicked on the negative sum (a slice bound, a heap's size).
func TestSearchHugeOffset(t *testing.T) {
	ix := sampleIndex(t)
	ctx := context.Background()
	for _, text := range []string{"language models", "protein language model fitness", `"language model"`, "language models sort:recent", "author:Notin", ""} {
		for _, off := range []int{math.MaxInt, math.MaxInt - 5, math.MaxInt32, 1 << 40} {
			for _, fast := range []bool{true, false} {
				q := paper.Query{Text: text, Limit: 10, Offset: off}
				if text == "" {
					q.Sort = paper.ByTrending
				}
				func() {
					defer func() {
						if e := recover(); e != nil {
							t.Errorf("%q offset %d (fast %v): panic: %v", text, off, fast, e)
						}
					}()
					search := index.SearchBleve
					if fast {
						search = index.SearchFast
					}
					res, err := search(ctx, ix, q)
					if err != nil || len(res.Hits) != 0 {
						t.Errorf("%q offset %d (fast %v): %d hits, %v; want none", text, off, fast, len(res.Hits), err)
					}
				}()
			}
		}
	}
}

// Hostile input gets an answer, never a panic or an error.
func TestSearchHostileInput(t *testing.T) {
	ix := sampleIndex(t)
	for _, q := range []string{
		strings.Repeat("a", 10000),
		strings.Repeat("protein ", 2000),
		`"`, `""`, `-`, `--`, `-"`, `author:`, `author:""`, `cat:`, `year:`, `sort:`,
		"\x00\x01\x02", "\xff\xfe\xfd", "prot\x00ein", `\`, `*`, `?`, `+foo^2~3`, `title:(a OR b)`,
		"AND OR NOT", "((((", "author:\"unclosed",
	} {
		_, err := ix.Search(context.Background(), paper.Query{Text: q, Limit: 5})
		if err != nil && !fault.Is(err, fault.Invalid) {
			t.Errorf("Search(%.30q): %v", q, err)
		}
	}
	// A query with nothing usable in it is refused with the reason.
	for q, why := range map[string]string{"author:": "author: needs a value", `"`: "nothing to search for", "\x00": "nothing to search for", "*": "nothing to search for", "-": "nothing to search for", "the of and": "nothing to search for"} {
		_, err := ix.Search(context.Background(), paper.Query{Text: q})
		if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.UserMessage(err), why) {
			t.Errorf("Search(%q) = %v, want an invalid-input error saying %q", q, err, why)
		}
	}
	res := search(t, ix, "protein author:")
	if len(res.Notes) == 0 || len(res.Hits) == 0 {
		t.Errorf("protein author: gave %d hits and notes %q", len(res.Hits), res.Notes)
	}
	res = search(t, ix, strings.Repeat("x", 10000))
	if len(res.Notes) == 0 {
		t.Errorf("a 10,000-character query gave no note")
	}
}

func TestSimilar(t *testing.T) {
	ix := sampleIndex(t)
	res, err := ix.Similar(context.Background(), tranception, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		t.Fatal("nothing similar to Tranception")
	}
	for _, h := range res.Hits {
		if h.Paper.ID == tranception {
			t.Errorf("Similar returned the paper itself")
		}
	}
	// The paper about smoothed protein fitness landscapes is the obvious neighbour.
	if top := res.Hits[0].Paper.Title; !strings.Contains(strings.ToLower(top), "protein") {
		t.Errorf("most similar to Tranception: %q", top)
	}
	if _, err := ix.Similar(context.Background(), "2401.99999", 5); !fault.Is(err, fault.NotFound) {
		t.Errorf("Similar of an unknown id: %v, want NotFound", err)
	}
}

func TestLookup(t *testing.T) {
	ix := sampleIndex(t)
	p, err := ix.Lookup(context.Background(), "arXiv:2205.13760v3")
	if err != nil || p.ID != tranception {
		t.Fatalf("Lookup: %+v, %v", p.ID, err)
	}
	if _, err := ix.Lookup(context.Background(), "2401.99999"); !fault.Is(err, fault.NotFound) {
		t.Errorf("Lookup of an unknown id: %v, want NotFound", err)
	}
}

// Sorted by trending or date, a multi-word topic needs all its words; a
// Filter (a digest topic) always does.
func TestTopicWordsAllMatchWhenNotRankedByRelevance(t *testing.T) {
	ix := sampleIndex(t)
	ctx := context.Background()
	contains := func(p paper.Paper, w string) bool {
		return strings.Contains(strings.ToLower(p.Title+" "+p.Abstract), w)
	}
	for _, q := range []paper.Query{
		{Text: "protein fitness", Sort: paper.ByTrending, Limit: 50},
		{Text: "protein fitness sort:recent", Limit: 50},
		{Filter: "protein fitness", Sort: paper.ByTrending, Limit: 50},
	} {
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 {
			t.Errorf("%+v found nothing", q)
		}
		for _, h := range res.Hits {
			if !contains(h.Paper, "protein") || !contains(h.Paper, "fitness") {
				t.Errorf("%+v returned %q, which lacks a topic word", q, h.Paper.Title)
			}
		}
	}
	// Ranked by relevance, papers with only some of the words still come (after).
	res := search(t, ix, "protein fitness")
	if res.Total <= 2 {
		t.Errorf("relevance search for two words found only %d papers", res.Total)
	}
}

// A trending listing leaves out papers with no trending signal at all;
// sort:trending in a query only orders.
func TestTrendingListingNeedsASignal(t *testing.T) {
	ctx := context.Background()
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Upsert(ctx, []paper.Paper{
		{ID: "2401.00001", Title: "Hot diffusion paper", Upvotes: 50, Published: "2099-01-01"},
		{ID: "2401.00002", Title: "Quiet diffusion paper"},
	}); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, paper.Query{Text: "diffusion", Sort: paper.ByTrending})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Paper.ID != "2401.00001" {
		t.Errorf("listing: %v %v", ids(res), err)
	}
	res, err = ix.Search(ctx, paper.Query{Text: "diffusion sort:trending"})
	if err != nil || len(res.Hits) != 2 || res.Hits[0].Paper.ID != "2401.00001" {
		t.Errorf("sort:trending: %v %v", ids(res), err)
	}
}

// A category filter on an index whose papers have no categories (the
// sample) finds nothing, without an error: Bleve's searchers are given
// the statistics of every field a query may name.
func TestCategoryOnAnIndexWithoutCategories(t *testing.T) {
	ix := sampleIndex(t)
	for _, q := range []string{"cat:cs", "protein cat:cs.LG", "cat:cs.LG", "cat:cs sort:trending"} {
		res, err := ix.Search(context.Background(), paper.Query{Text: q, Limit: 5})
		if err != nil || len(res.Hits) != 0 {
			t.Errorf("%q: %d hits, %v", q, len(res.Hits), err)
		}
	}
}

// -author: and -cat: leave out that author's papers and that category's
// (an archive's too), whichever way the query is otherwise run.
func TestNegatedFilters(t *testing.T) {
	ix := withPapers(t, []paper.Paper{
		{ID: "2205.13760", Title: "Tranception: protein fitness prediction", Authors: []string{"Pascal Notin", "Mafalda Dias"}, Categories: []string{"cs.LG", "q-bio.QM"}, Published: "2022-05-27"},
		{ID: "2307.00494", Title: "Improving protein optimization", Authors: []string{"Andrew Kirjner"}, Categories: []string{"q-bio.BM"}, Published: "2023-07-02"},
		{ID: "2401.00001", Title: "Protein language models", Authors: []string{"Ada Notin"}, Categories: []string{"cs.CL"}, Published: "2024-01-01"},
	})
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"protein", []string{"2205.13760", "2307.00494", "2401.00001"}},
		{"protein -author:Notin", []string{"2307.00494"}},
		{`protein -author:"Pascal Notin"`, []string{"2307.00494", "2401.00001"}},
		{"protein -cat:cs", []string{"2307.00494"}},
		{"protein -cat:q-bio.QM", []string{"2307.00494", "2401.00001"}},
		{"protein -author:Kirjner sort:recent", []string{"2401.00001", "2205.13760"}},
		// No paper left has the phrase: the closest papers, still without cs.LG.
		{`"protein fitness" -cat:cs.lg`, []string{"2307.00494", "2401.00001"}},
		{"cat:q-bio -author:Kirjner", []string{"2205.13760"}},
	} {
		res := search(t, ix, tt.q)
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Paper.ID)
		}
		if !strings.Contains(tt.q, "sort:") {
			slices.Sort(got)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.q, got, tt.want)
		}
	}
}

// A query that only leaves papers out says so, and how to search among
// the others.
func TestOnlyExclusionsSaySo(t *testing.T) {
	ix := sampleIndex(t)
	for q, want := range map[string]string{
		"-cat:hep-th":            "it only says which papers to leave out. Add words or a filter to search among the others (like `diffusion -cat:hep-th`)",
		"-author:Singh -cat:cs":  "(like `diffusion -cat:cs`)",
		"-author:Singh":          "(like `diffusion -author:Singh`)",
		"-cat:hep-th -year:2020": "-year:2020: only author: and cat: can be excluded with a minus; it was ignored.",
	} {
		_, err := ix.Search(context.Background(), paper.Query{Text: q})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want it to say %q", q, err, want)
		}
	}
}
