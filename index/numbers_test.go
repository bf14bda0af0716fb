package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
)

// The blocks of a day range cover exactly its days, each once, with no
// more terms than a range needs at four bits a level.
func TestDayRangeTerms(t *testing.T) {
	check := func(lo, hi int64) {
		t.Helper()
		terms := dayRangeTerms(lo, hi)
		var covered int64
		prevEnd := lo - 1
		slices.SortFunc(terms, func(a, b rangeTerm) int {
			return int((a.block << a.shift) - (b.block << b.shift))
		})
		for _, r := range terms {
			start, end := r.block<<r.shift, (r.block+1)<<r.shift-1
			if start != prevEnd+1 {
				t.Fatalf("[%d, %d]: block %+v starts at %d, want %d", lo, hi, r, start, prevEnd+1)
			}
			if r.shift%dayStep != 0 || r.shift > dayShiftRange {
				t.Fatalf("[%d, %d]: block %+v at a shift the index holds no terms for", lo, hi, r)
			}
			covered += end - start + 1
			prevEnd = end
		}
		if lo <= hi && (covered != hi-lo+1 || prevEnd != hi) {
			t.Fatalf("[%d, %d]: blocks cover %d days ending at %d", lo, hi, covered, prevEnd)
		}
		// Fifteen blocks at most at either end of each level below the
		// widest, and the widest blocks of a range below 2^23.
		if limit := 2*15*(dayShiftRange/dayStep) + 1<<(23-dayShiftRange); len(terms) > limit {
			t.Fatalf("[%d, %d]: %d terms, more than %d", lo, hi, len(terms), limit)
		}
	}
	for lo := int64(0); lo < 300; lo++ {
		for hi := lo - 1; hi < 300; hi++ {
			check(lo, hi)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		lo, hi := r.Int64N(1<<23), r.Int64N(1<<23)
		if lo > hi {
			lo, hi = hi, lo
		}
		check(lo, hi)
	}
	check(0, 1<<23-1)
	if got := dayRangeTerms(5, 4); len(got) != 0 {
		t.Errorf("an empty range has terms: %v", got)
	}
}

// Date filters find exactly the papers of their days, on Bleve's path (a
// word beside the filter) and the listing's (the filter alone), across
// year ends and before 1970; the newest-first order holds.
func TestDateFiltersExact(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	r := rand.New(rand.NewPCG(3, 4))
	var papers []paper.Paper
	start := time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 400 {
		d := start.AddDate(0, 0, r.IntN(61*365))
		switch i % 8 { // year ends and month starts, where ranges cut
		case 0:
			d = time.Date(1960+i%67, 12, 31, 0, 0, 0, 0, time.UTC)
		case 1:
			d = time.Date(1960+i%67, 1, 1, 0, 0, 0, 0, time.UTC)
		case 2:
			d = time.Date(2024, time.Month(1+i%12), 1, 0, 0, 0, 0, time.UTC)
		}
		papers = append(papers, paper.Paper{
			ID: fmt.Sprintf("%04d.%05d", 1000+i%9000, i), Title: fmt.Sprintf("Heat conduction %d", i),
			Abstract: "Slabs and plates.", Published: d.Format(paper.DateLayout),
		})
	}
	if err := ix.Upsert(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ filter, from, to string }{
		{"year:2023", "2023-01-01", "2024-01-01"},
		{"year:1969", "1969-01-01", "1970-01-01"},
		{"year:1969-1971", "1969-01-01", "1972-01-01"},
		{"year:1990-2020", "1990-01-01", "2021-01-01"},
		{"since:2024-03", "2024-03-01", "9999-12-31"},
		{"since:1999-12-31", "1999-12-31", "9999-12-31"},
		{"before:1970", "0000-01-01", "1970-01-01"},
		{"before:2024-02-01", "0000-01-01", "2024-02-01"},
		{"since:1975-06-15 before:1975-06-16", "1975-06-15", "1975-06-16"},
	} {
		var want []string
		for _, p := range papers {
			if p.Published >= q.from && p.Published < q.to {
				want = append(want, p.ID)
			}
		}
		for _, text := range []string{"conduction " + q.filter, q.filter} {
			var got []string
			var res paper.Results
			last := "9999-99-99"
			for page := 0; page == 0 || len(res.Hits) > 0; page++ {
				res, err = ix.Search(context.Background(), paper.Query{Text: text + " sort:recent", Limit: 100, Offset: 100 * page})
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range res.Hits {
					got = append(got, h.Paper.ID)
					if h.Paper.Published > last {
						t.Errorf("%s: %s (%s) after one of %s", text, h.Paper.ID, h.Paper.Published, last)
					}
					last = h.Paper.Published
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || int(res.Total) != len(want) {
				t.Errorf("%s: %d papers (total %d), want %d", text, len(got), res.Total, len(want))
			}
		}
	}
}

// Only papers with a trending score are in the trending listing, on
// Bleve's path (with words) too.
func TestTrendingFilter(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	papers := []paper.Paper{
		{ID: "2401.00001", Title: "Protein models", Published: "2024-01-01", Upvotes: 5},
		{ID: "2401.00002", Title: "Protein design", Published: "2024-01-02"},
		{ID: "2401.00003", Title: "Protein folding", Published: "2024-01-03", Upvotes: 50},
	}
	if err := ix.Upsert(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"", "protein"} {
		res, err := ix.Search(context.Background(), paper.Query{Text: text, Sort: paper.ByTrending, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Paper.ID)
		}
		if want := []string{"2401.00003", "2401.00001"}; !slices.Equal(got, want) {
			t.Errorf("trending %q: %v, want %v", text, got, want)
		}
	}
}
