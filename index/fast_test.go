package index_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs/sample"
	"github.com/paperbot/paperbot/index"
)

// paths counts, over the fast side of a test's comparisons, the queries
// the fast evaluators and Bleve's searchers answered.
type paths struct{ fast, bleve int64 }

// during adds what ix's evaluators answered while fn ran.
func (p *paths) during(ix *index.Index, fn func()) {
	f0, b0 := index.Answers(ix)
	fn()
	f1, b1 := index.Answers(ix)
	p.fast += f1 - f0
	p.bleve += b1 - b0
}

// require fails unless at least share of the answers came from the fast
// evaluators: a comparison of answers Bleve gave twice shows nothing.
func (p *paths) require(t *testing.T, share float64) {
	t.Helper()
	all := p.fast + p.bleve
	t.Logf("the fast path answered %d of %d queries", p.fast, all)
	if all == 0 || float64(p.fast) < share*float64(all) {
		t.Errorf("the fast path answered %d of %d queries, under %.0f%%", p.fast, all, 100*share)
	}
}

// sameAnswer fails unless the fast path and Bleve's own searchers give the
// same papers in the same order with the same scores and total.
func sameAnswer(t *testing.T, ix *index.Index, q paper.Query, p *paths) {
	t.Helper()
	ctx := context.Background()
	// Both must search the same snapshot: Bleve persists and merges
	// segments in the background, which renumbers documents (the order of
	// ties) and, through the dictionary sizes Bleve's BM25 reads, moves
	// every score. Compare a pair that ran on one snapshot.
	var fast, slow paper.Results
	var ferr, serr error
	for try := 0; ; try++ {
		before := index.Epoch(ix)
		var tried paths
		tried.during(ix, func() { fast, ferr = index.SearchFast(ctx, ix, q) })
		slow, serr = index.SearchBleve(ctx, ix, q)
		if index.Epoch(ix) == before {
			p.fast += tried.fast
			p.bleve += tried.bleve
			break
		}
		if try == 100 {
			t.Fatalf("%q: the index never held still for two searches", q.Text)
		}
	}
	if (ferr == nil) != (serr == nil) {
		t.Fatalf("%q: fast err %v, Bleve err %v", q.Text, ferr, serr)
	}
	if ferr != nil {
		return
	}
	if fast.Total != slow.Total || fast.DidYouMean != slow.DidYouMean {
		t.Errorf("%q: fast total %d (did you mean %q), Bleve %d (%q)", q.Text, fast.Total, fast.DidYouMean, slow.Total, slow.DidYouMean)
	}
	if len(fast.Hits) != len(slow.Hits) {
		t.Fatalf("%q: fast %d hits, Bleve %d", q.Text, len(fast.Hits), len(slow.Hits))
	}
	for i := range fast.Hits {
		f, s := fast.Hits[i], slow.Hits[i]
		if f.Paper.ID != s.Paper.ID || math.Abs(f.Score-s.Score) > 1e-9*math.Max(1, math.Abs(s.Score)) {
			t.Errorf("%q: hit %d fast %s %.12g, Bleve %s %.12g", q.Text, i, f.Paper.ID, f.Score, s.Paper.ID, s.Score)
		}
	}
}

// fastShare is the least share of a comparison test's queries the fast
// path must answer.
const fastShare = 0.9

// sampleQueries are user-style queries made from the sample's titles and
// abstracts: one to five words, whole titles, a misspelling.
func sampleQueries(t *testing.T) []string {
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for i, p := range papers {
		title := strings.Fields(p.Title)
		abs := strings.Fields(p.Abstract)
		n := 1 + i%5
		qs = append(qs, strings.Join(title[:min(n, len(title))], " "))
		if len(abs) > 20 {
			qs = append(qs, strings.Join(abs[10:10+n], " "))
		}
		if i%4 == 0 {
			qs = append(qs, p.Title)
		}
	}
	return append(qs, "langauge models", "difusion", "protein language model fitness prediction retrieval")
}

func TestFastWordsMatchBleve(t *testing.T) {
	ix := sampleIndex(t)
	qs := sampleQueries(t)
	var p paths
	// Twice: first with no bounds known, then with every word's measured.
	for round := range 2 {
		for _, q := range qs {
			t.Run(fmt.Sprintf("%d/%s", round, q), func(t *testing.T) {
				sameAnswer(t, ix, paper.Query{Text: q, Limit: 10}, &p)
				sameAnswer(t, ix, paper.Query{Text: q, Limit: 7, Offset: 5}, &p)
				sameAnswer(t, ix, paper.Query{Text: q, Limit: 10, Exclude: []string{tranception, "2310.06825"}}, &p)
			})
		}
	}
	p.require(t, fastShare)
}

// listingIndex is a real index of synthetic papers with categories, dates
// and trending scores that tie often (whole days, a few score values), in
// several segments, some records replaced.
func listingIndex(t *testing.T) *index.Index {
	t.Helper()
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	cats := []string{"cs.CL", "cs.LG", "math.GR", "astro-ph", "cs.CR"}
	var batch []paper.Paper
	for i := range 900 {
		p := paper.Paper{
			ID:         fmt.Sprintf("2401.%05d", i),
			Title:      fmt.Sprintf("Paper %d on groups and language models", i),
			Authors:    []string{[]string{"Ada Singh", "Bo Singh Singh", "Chen Li", "Dora Müller"}[i%4], []string{"Eve Singh", "Li Wei"}[i%2]},
			Abstract:   "An abstract about models.",
			Categories: []string{cats[i%len(cats)], cats[(i/7)%len(cats)]},
			Upvotes:    (i % 6) * 3,
		}
		if i%11 != 0 {
			p.Published = fmt.Sprintf("2024-%02d-%02d", 1+i%3, 1+i%5)
		}
		batch = append(batch, p)
		if len(batch) == 150 {
			if err := ix.Upsert(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	// Replace some: their old versions are deleted in older segments.
	var again []paper.Paper
	for i := 0; i < 900; i += 13 {
		again = append(again, paper.Paper{ID: fmt.Sprintf("2401.%05d", i), Title: "Replaced", Categories: []string{"cs.CL"}, Published: "2024-03-09", Upvotes: 6})
	}
	if err := ix.Upsert(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestListingsMatchBleve(t *testing.T) {
	ix := listingIndex(t)
	if index.ColumnSegments(ix) != 0 {
		t.Fatal("columns read before any listing")
	}
	if err := ix.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	if index.ColumnSegments(ix) == 0 {
		t.Fatal("Warm read no columns")
	}
	qs := []paper.Query{
		{Text: "cat:cs.CL", Limit: 10},
		{Text: "cat:math.GR", Limit: 25, Offset: 10},
		{Text: "cat:cs.LG since:2024-02", Limit: 10},
		{Text: "cat:cs.CR before:2024-02-03", Limit: 10},
		{Text: "cat:cs.CL year:2024", Limit: 100},
		{Text: "cat:nosuch.XX", Limit: 10},
		{Text: "cat:cs", Limit: 20},       // an archive: cs.CL, cs.LG, cs.CR
		{Text: "cat:astro-ph", Limit: 10}, // an archive that is a category
		{Text: "cat:math since:2024-02", Limit: 10},
		{Text: "cat:cs.CL", Limit: 10, Exclude: []string{"2401.00005", "2401.00000"}},
		{Text: "cat:cs.CL", Sort: paper.ByTrending, Limit: 10},
		{Text: "", Sort: paper.ByTrending, Limit: 10},
		{Text: "", Sort: paper.ByTrending, Limit: 30, Offset: 7},
		{Text: "since:2024-03", Sort: paper.ByTrending, Limit: 10},
		// A date range alone: every paper of the range.
		{Text: "since:2024-02", Limit: 10},
		{Text: "before:2024-02-03", Limit: 10, Offset: 3},
		{Text: "year:2024", Limit: 100},
		{Text: "since:2024-02", Sort: paper.ByRecent, Limit: 10, Exclude: []string{"2401.00005"}},
		{Text: "since:2030", Limit: 10}, // no paper
		{Text: "cat:cs.LG sort:recent", Limit: 10},
		{Text: "author:Singh", Limit: 10},
		{Text: "author:singh", Limit: 20, Offset: 15},
		{Text: "author:Muller", Limit: 10, Exclude: []string{"2401.00003"}},
		{Text: "author:Singh", Sort: paper.ByTrending, Limit: 10},
		// Names of several words are phrases of the authors field.
		{Text: `author:"Ada Singh"`, Limit: 10},
		{Text: `author:"ada singh"`, Limit: 20, Offset: 15},
		{Text: `author:"Singh Singh"`, Limit: 10}, // a word twice
		{Text: `author:"Dora Muller"`, Limit: 10, Exclude: []string{"2401.00003"}},
		{Text: `author:"Li Li"`, Limit: 10}, // no paper has it
		{Text: `author:"Li Wei"`, Limit: 10},
		{Text: `author:"Eve Singh"`, Sort: paper.ByTrending, Limit: 10},
		{Text: `author:"Singh Ada"`, Limit: 10}, // out of order: none
		{Text: `author:"Singh Li"`, Limit: 10},  // "Bo Singh Singh ; Li Wei": two names, not one: none
	}
	var p paths
	for _, q := range qs {
		t.Run(q.Text, func(t *testing.T) {
			sameAnswer(t, ix, q, &p)
			res, _ := ix.Search(context.Background(), q)
			none := q.Text == "cat:nosuch.XX" || q.Text == "since:2030" || q.Text == `author:"Li Li"` || q.Text == `author:"Singh Ada"` || q.Text == `author:"Singh Li"`
			if none != (len(res.Hits) == 0) {
				t.Errorf("%d hits, want none: %v", len(res.Hits), none)
			}
		})
	}
	p.require(t, fastShare)
}

// A date range alone (since:2015: most of a large index) is a listing of
// the range's newest papers, read from the columns: on Bleve's searchers
// it took 684 ms on 1M papers, from the columns 54 ms. So are an order
// alone (sort:trending: 625 ms on Bleve's) and listings that leave
// categories out (cat:cs -cat:cs.LG: 329 ms) or authors (cat:math
// -author:smith: 409 ms).
func TestDatesAloneAreAListing(t *testing.T) {
	ix := listingIndex(t)
	var p paths
	for _, q := range []paper.Query{
		{Text: "since:2024-02", Limit: 10},
		{Text: "before:2024-02-03", Limit: 10, Offset: 3},
		{Text: "year:2024 sort:recent", Limit: 20},
		// Nothing but an order: every paper.
		{Text: "sort:trending", Limit: 10},
		{Text: "sort:recent", Limit: 10, Offset: 5},
		// Categories left out.
		{Text: "cat:cs -cat:cs.LG", Limit: 10},
		{Text: "cat:cs.CL -cat:cs.LG", Limit: 10},
		{Text: "since:2024-02 -cat:cs", Limit: 10},
		{Text: "author:Singh -cat:math", Limit: 10},
		{Text: `author:"Ada Singh" -cat:cs.CL`, Limit: 10},
		{Text: "cat:cs -cat:cs", Limit: 10}, // nothing left
		{Text: "sort:recent -cat:cs", Limit: 10},
		{Text: "sort:trending since:2024-02", Limit: 10},
		// Authors left out.
		{Text: "cat:cs -author:Singh", Limit: 10},
		{Text: `cat:cs -author:"Ada Singh"`, Limit: 10},
		{Text: `since:2024-02 -author:Muller -author:"Li Wei"`, Limit: 10},
		{Text: "sort:recent -author:singh", Limit: 10, Offset: 4},
		{Text: "author:Singh -author:Singh", Limit: 10}, // nothing left
		{Text: `author:Singh -author:"Bo Singh"`, Sort: paper.ByTrending, Limit: 10},
	} {
		sameAnswer(t, ix, q, &p)
	}
	p.require(t, 1)
	// The exclusions leave papers out: all of Singh's, fewer of Ada
	// Singh's.
	all, singh, ada := search(t, ix, "cat:cs").Total, search(t, ix, "cat:cs -author:Singh").Total, search(t, ix, `cat:cs -author:"Ada Singh"`).Total
	if !(singh < ada && ada < all) {
		t.Errorf("cat:cs: %d papers, without Singh's %d, without Ada Singh's %d", all, singh, ada)
	}
}

// A large category's newest papers, many of one day: the paper ids
// decide among that day's, whatever order the segment holds them in.
func TestNewestOfALargeCategory(t *testing.T) {
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for b := range 3 {
		var batch []paper.Paper
		for i := 299; i >= 0; i-- { // ids written in descending order
			p := paper.Paper{
				ID:         fmt.Sprintf("240%d.%05d", b+1, i),
				Title:      fmt.Sprintf("Paper %d", i),
				Categories: []string{[]string{"cs.CL", "cs.LG"}[i%2]},
				Published:  fmt.Sprintf("2024-0%d-%02d", b+1, 1+i/100),
			}
			batch = append(batch, p)
		}
		if err := ix.Upsert(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	var p paths
	for _, q := range []paper.Query{
		{Text: "cat:cs.CL", Limit: 5},
		{Text: "cat:cs.CL", Limit: 10, Offset: 45},
		{Text: "cat:cs.LG", Limit: 60},
		{Text: "cat:cs", Limit: 7},
	} {
		sameAnswer(t, ix, q, &p)
	}
	p.require(t, 1)
	res := search(t, ix, "cat:cs.CL")
	if len(res.Hits) == 0 || res.Hits[0].Paper.ID != "2403.00200" {
		t.Errorf("cat:cs.CL: first %v, want 2403.00200 (the newest day's smallest id)", res.Hits)
	}
}

func TestPhrasesMatchBleve(t *testing.T) {
	ix := sampleIndex(t)
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	qs := []string{`"language model"`, `"protein fitness"`, `"state of the art"`, `"model"`, `"no such phrase anywhere"`, `"model model"`}
	for i, p := range papers {
		w := strings.Fields(p.Abstract)
		if len(w) > 30 {
			n := 2 + i%3
			qs = append(qs, `"`+strings.Join(w[20:20+n], " ")+`"`)
		}
	}
	var p paths
	for _, q := range qs {
		t.Run(q, func(t *testing.T) {
			sameAnswer(t, ix, paper.Query{Text: q, Limit: 10}, &p)
			sameAnswer(t, ix, paper.Query{Text: q, Limit: 5, Offset: 3}, &p)
			sameAnswer(t, ix, paper.Query{Text: q, Limit: 10, Exclude: []string{tranception}}, &p)
		})
	}
	p.require(t, fastShare)
	// Sanity: the comparison compares something.
	if res := search(t, ix, `"language model"`); len(res.Hits) == 0 {
		t.Error(`"language model" found nothing`)
	}
}

func TestSimilarMatchesBleve(t *testing.T) {
	ix := sampleIndex(t)
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var p paths
	for i := 0; i < len(papers); i += 9 {
		var fast, slow paper.Results
		var ferr, serr error
		for try := 0; ; try++ { // on one snapshot (see sameAnswer)
			before := index.Epoch(ix)
			var tried paths
			tried.during(ix, func() { fast, ferr = index.SimilarFast(ctx, ix, papers[i].ID, 10) })
			slow, serr = index.SimilarBleve(ctx, ix, papers[i].ID, 10)
			if index.Epoch(ix) == before || try == 100 {
				p.fast += tried.fast
				p.bleve += tried.bleve
				break
			}
		}
		if ferr != nil || serr != nil {
			t.Fatalf("%s: fast err %v, Bleve err %v", papers[i].ID, ferr, serr)
		}
		if fast.Total != slow.Total || len(fast.Hits) != len(slow.Hits) {
			t.Fatalf("%s: fast %d of %d, Bleve %d of %d", papers[i].ID, len(fast.Hits), fast.Total, len(slow.Hits), slow.Total)
		}
		for j := range fast.Hits {
			f, s := fast.Hits[j], slow.Hits[j]
			if f.Paper.ID != s.Paper.ID || math.Abs(f.Score-s.Score) > 1e-9*math.Max(1, s.Score) || f.Paper.ID == papers[i].ID {
				t.Errorf("%s: hit %d fast %s %.12g, Bleve %s %.12g", papers[i].ID, j, f.Paper.ID, f.Score, s.Paper.ID, s.Score)
			}
			if len(f.Snippet) == 0 {
				t.Errorf("%s: hit %d has no snippet", papers[i].ID, j)
			}
		}
	}
	p.require(t, fastShare)
}

// TestFastWordsOverDeletions compares the free-word and phrase paths with
// Bleve on an index of several segments where replaced records left
// deleted documents behind.
func TestFastWordsOverDeletions(t *testing.T) {
	ix := listingIndex(t)
	var p paths
	for _, q := range []string{"groups language", "replaced", "paper models", "paper 13", `"language models"`, `"replaced"`, "langauge groups"} {
		t.Run(q, func(t *testing.T) {
			for range 2 {
				sameAnswer(t, ix, paper.Query{Text: q, Limit: 10}, &p)
				sameAnswer(t, ix, paper.Query{Text: q, Limit: 20, Offset: 30, Exclude: []string{"2401.00013"}}, &p)
			}
		})
	}
	p.require(t, fastShare)
}

// Options.DisableFastPath sends every query to Bleve's searchers; without
// it the fast evaluators answer the shapes they are for, with the same
// answers.
func TestDisableFastPath(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	var answers [2][]paper.Results
	for i, disable := range []bool{true, false} {
		ix, err := index.Open(dir, index.Options{DisableFastPath: disable})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := ix.Upsert(ctx, papers); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []paper.Query{
			{Text: "protein language models", Limit: 10},
			{Text: `"language model"`, Limit: 10},
			{Text: "cat:cs.LG", Limit: 10},
			{Sort: paper.ByTrending, Limit: 10},
			{Text: "tranceptoin", Limit: 10},
		} {
			res, err := ix.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			answers[i] = append(answers[i], res)
		}
		res, err := ix.Similar(ctx, tranception, 10)
		if err != nil {
			t.Fatal(err)
		}
		answers[i] = append(answers[i], res)
		fast, bleve := index.Answers(ix)
		t.Logf("DisableFastPath %v: %d fast answers, %d from Bleve", disable, fast, bleve)
		if disable && (fast != 0 || bleve == 0) {
			t.Errorf("with the fast path disabled, %d fast answers and %d from Bleve", fast, bleve)
		}
		if !disable && fast < 5 {
			t.Errorf("with the fast path on, only %d fast answers (%d from Bleve)", fast, bleve)
		}
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for j := range answers[0] {
		if a, b := ids(answers[0][j]), ids(answers[1][j]); strings.Join(a, " ") != strings.Join(b, " ") || len(a) == 0 && j != 2 {
			t.Errorf("answer %d: %v without the fast path, %v with it", j, a, b)
		}
	}
}
