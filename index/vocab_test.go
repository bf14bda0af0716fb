package index

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs/sample"
)

// The titles' words gathered in one FST yield, for any probe, the words
// scorch's fuzzy lookup over every segment yields, in the same order; and
// corrections are the same with it and without.
func TestVocabAsScorchFuzzy(t *testing.T) {
	ix, err := Open(t.TempDir(), RunOptions(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	extra := []paper.Paper{
		{ID: "2501.00001", Title: "Größe der Müller-Räume und naïve Ångström Modelle", Published: "2025-01-01"},
		{ID: "2501.00002", Title: "Über ﬁnite Gruppen: eine Charakterisierung", Published: "2025-01-02"},
		{ID: "2501.00003", Title: "Zzyzx and ÿ words at the end of the alphabet", Published: "2025-01-03"},
	}
	ctx := context.Background()
	for i := 0; i < len(papers); i += 40 { // several segments
		if err := ix.Upsert(ctx, papers[i:min(i+40, len(papers))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Upsert(ctx, extra); err != nil {
		t.Fatal(err)
	}
	// Replaced: the old version's words stay in its segment's dictionary.
	if err := ix.Upsert(ctx, []paper.Paper{{ID: papers[0].ID, Title: "Replaced entirely", Published: "2025-02-01"}}); err != nil {
		t.Fatal(err)
	}
	r, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fz := r.(bindex.IndexReaderFuzzy)
	if err := func() error {
		fst, segs, err := ix.buildVocab()
		ix.vocab.fst, ix.vocab.segs = fst, segs
		return err
	}(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ix.vocab.segs, segmentIDs(r.(*scorch.IndexSnapshot))) {
		t.Skip("the index changed segments while the test read it")
	}
	var probes []string
	for i, p := range append(papers, extra...) {
		if i%5 != 0 && i < len(papers) {
			continue
		}
		for _, w := range strings.Fields(strings.ToLower(p.Title)) {
			w = strings.Trim(w, ".,:;()?!\"'")
			if utf8.RuneCountInString(w) < 3 {
				continue
			}
			rs := []rune(w)
			probes = append(probes, w, w[1:], string(rs[:len(rs)-1]), string(rs[1])+string(rs[0])+string(rs[2:]), w+"x", strings.Replace(w, string(rs[1]), "q", 1))
		}
	}
	probes = append(probes, "zzyzy", "ÿwords", "über", "uber", "ﬁnit", "x", "")
	compared, found := 0, 0
	for i, probe := range probes {
		prefixes := []string{firstRune(probe)}
		if i%4 == 0 {
			prefixes = append(prefixes, "")
		}
		for _, prefix := range prefixes {
			var got []string
			if !ix.titleWordsNear(r, probe, prefix, func(w string) { got = append(got, w) }) {
				t.Fatalf("%q: the vocabulary was not used", probe)
			}
			d, err := fz.FieldDictFuzzy(fTitleRaw, probe, 2, prefix)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
				want = append(want, e.Term)
			}
			d.Close()
			if !slices.Equal(got, want) {
				t.Errorf("%q (prefix %q): vocabulary %q, scorch %q", probe, prefix, got, want)
			}
			compared++
			found += len(want)
		}
	}
	if found < compared {
		t.Errorf("%d words found for %d probes: the comparison shows little", found, compared)
	}
	// The corrections themselves.
	for _, q := range []string{"protien langauge modle", "tranceptoin", "difusion modles", "grosse muller", "gruppen charakterisierunq"} {
		search := func(off bool) paper.Results {
			ix.vocab.mu.Lock()
			ix.vocab.off = off
			ix.vocab.mu.Unlock()
			res, err := ix.Search(ctx, paper.Query{Text: q, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		without, with := search(true), search(false)
		if with.DidYouMean != without.DidYouMean || fmt.Sprint(ids(with)) != fmt.Sprint(ids(without)) {
			t.Errorf("%q: with the vocabulary %q %v, without %q %v", q, with.DidYouMean, ids(with), without.DidYouMean, ids(without))
		}
	}
	// Gathered by itself: a lookup without a vocabulary of the index's
	// segments starts its build, and the lookups after it use it.
	ix.vocab.mu.Lock()
	ix.vocab.fst, ix.vocab.segs, ix.vocab.next = nil, nil, time.Time{}
	ix.vocab.mu.Unlock()
	if _, err := ix.Search(ctx, paper.Query{Text: "difusion modles", Limit: 5}); err != nil {
		t.Fatal(err)
	}
	ix.bg.running.Wait()
	ix.vocab.mu.Lock()
	built := ix.vocab.fst != nil && len(ix.vocab.segs) > 0
	ix.vocab.fst, ix.vocab.segs = nil, nil // and the pause after the build is on
	ix.vocab.mu.Unlock()
	if !built {
		t.Error("no vocabulary after a correction started its build")
	}
	// Warm gathers them at once, pause or not.
	if err := ix.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	ix.vocab.mu.Lock()
	built = ix.vocab.fst != nil && len(ix.vocab.segs) > 0
	ix.vocab.mu.Unlock()
	if !built {
		t.Error("no vocabulary after Warm")
	}
}

func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}

func ids(r paper.Results) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Paper.ID)
	}
	return out
}
