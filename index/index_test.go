package index_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

func openT(t *testing.T, dir string, opts index.Options) *index.Index {
	t.Helper()
	ix, err := open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func count(t *testing.T, ix *index.Index) uint64 {
	t.Helper()
	n, err := ix.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Re-ingesting a paper updates it: one record, merged fields.
func TestUpsertMergesByCanonicalID(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, filepath.Join(t.TempDir(), "ix"), index.Options{})
	defer ix.Close()
	err := ix.Upsert(ctx, []paper.Paper{
		{ID: "2205.13760v1", Title: "Tranception", Abstract: "first abstract", Upvotes: 10, Source: "huggingface", Categories: []string{"cs.LG"}},
		{ID: "t-older", Title: "Another paper"},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = ix.Upsert(ctx, []paper.Paper{
		{ID: "https://arxiv.org/abs/2205.13760v2", Title: "Tranception: protein fitness prediction", Upvotes: 4, Stars: 300, Source: "arxiv", Categories: []string{"q-bio.QM"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ix); n != 2 {
		t.Fatalf("%d papers after re-ingest, want 2", n)
	}
	p, err := ix.Lookup(ctx, "2205.13760")
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Tranception: protein fitness prediction" || p.Abstract != "first abstract" ||
		p.Upvotes != 10 || p.Stars != 300 || p.Source != "huggingface,arxiv" ||
		strings.Join(p.Categories, " ") != "cs.LG q-bio.QM" {
		t.Errorf("merged record %+v", p)
	}
	// Searches see the new title, once.
	res, err := ix.Search(ctx, paper.Query{Text: "protein fitness"})
	if err != nil || len(res.Hits) != 1 {
		t.Errorf("search after update: %v %v", res.Hits, err)
	}
}

// Duplicates within one run merge too, also across batches of a fresh index.
func TestWriterMergesDuplicatesAcrossBatches(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir(), index.Options{Bulk: true})
	w := ix.NewWriter(index.WriterOptions{BatchSize: 2})
	for _, p := range []paper.Paper{
		{ID: "1", Title: "one", Upvotes: 1}, {ID: "2", Title: "two"}, {ID: "3", Title: "three"},
		{ID: "1", Title: "one again", Upvotes: 5}, {ID: "3", Title: "three", Stars: 7},
	} {
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := w.Add(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ix); n != 3 {
		t.Errorf("%d papers, want 3", n)
	}
	p, _ := ix.Lookup(ctx, "1")
	q, _ := ix.Lookup(ctx, "3")
	if p.Title != "one again" || p.Upvotes != 5 || q.Stars != 7 {
		t.Errorf("merged: %+v %+v", p, q)
	}
	// What was written is on disk when the writer closes, even in bulk mode.
	ix.Close()
	ix = openT(t, ix.Dir(), index.Options{})
	defer ix.Close()
	if n := count(t, ix); n != 3 {
		t.Errorf("%d papers after reopening, want 3", n)
	}
}

// setVersion rewrites the mapping version an index claims, as an older
// paperbot would have left it.
func setVersion(t *testing.T, dir, v string) {
	t.Helper()
	bi, err := bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.SetInternal([]byte("paperbot.mapping_version"), []byte(v)); err != nil {
		t.Fatal(err)
	}
	bi.Close()
}

// TestMappings9To11UpgradedInPlace: an index of mapping 9 (whose segments
// are all in zap's own encoding), 10 or 11 (whose records have no aliases)
// is read as it is and marked MappingVersion, not rebuilt.
func TestMappings9To11UpgradedInPlace(t *testing.T) {
	for _, v := range []string{"9", "10", "11"} {
		dir := filepath.Join(t.TempDir(), "ix")
		ix := openT(t, dir, index.Options{})
		if err := ix.Upsert(context.Background(), []paper.Paper{{ID: "2205.13760", Title: "Tranception"}}); err != nil {
			t.Fatal(err)
		}
		ix.Close()
		setVersion(t, dir, v)
		rebuilt := false
		ix = openT(t, dir, index.Options{OnRebuild: func(done, total int) { rebuilt = true }})
		ix.Close()
		if rebuilt {
			t.Errorf("an index of mapping %s was rebuilt", v)
		}
		ix, err := open(dir, index.Options{NoRebuild: true})
		if err != nil {
			t.Fatalf("mapping %s opened again with NoRebuild (not marked %d?): %v", v, index.MappingVersion, err)
		}
		if n := count(t, ix); n != 1 {
			t.Errorf("mapping %s: %d papers", v, n)
		}
		ix.Close()
	}
}

func TestOldMappingIsRebuiltFromStoredRecords(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ix")
	ix := openT(t, dir, index.Options{})
	papers := []paper.Paper{{ID: "2205.13760", Title: "Tranception", Abstract: "protein fitness"}, {Title: "No id, derived one"}}
	if err := ix.Upsert(ctx, papers); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	setVersion(t, dir, "0")

	// Refused when asked not to rebuild, with a message that says what to do.
	_, err := open(dir, index.Options{NoRebuild: true})
	if !errors.Is(err, index.ErrOldMapping) || !strings.Contains(err.Error(), "mapping version 0") {
		t.Fatalf("NoRebuild: %v", err)
	}
	// Rebuilt otherwise, losing nothing.
	ix = openT(t, dir, index.Options{})
	defer ix.Close()
	if n := count(t, ix); n != 2 {
		t.Fatalf("%d papers after rebuild, want 2", n)
	}
	res, err := ix.Search(ctx, paper.Query{Text: "protein"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Paper.ID != "2205.13760" {
		t.Errorf("search after rebuild: %v %v", res.Hits, err)
	}
	if _, err := os.Stat(dir + ".rebuild"); !os.IsNotExist(err) {
		t.Errorf("rebuild directory left behind: %v", err)
	}
}

func TestOpenRefusesAForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := open(dir, index.Options{})
	if err == nil || !strings.Contains(err.Error(), "holds no paperbot index") {
		t.Errorf("Open of a foreign directory: %v", err)
	}
}

func TestOpenReportsAnIndexInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix := openT(t, dir, index.Options{})
	defer ix.Close()
	_, err := open(dir, index.Options{LockTimeout: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("second Open: %v", err)
	}
}

// Two writers started together on an empty index still merge the papers
// they share: only one of them may skip the lookups of a fresh index.
func TestConcurrentWritersOnAnEmptyIndexMerge(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir(), index.Options{})
	defer ix.Close()
	a := ix.NewWriter(index.WriterOptions{BatchSize: 1})
	b := ix.NewWriter(index.WriterOptions{BatchSize: 1})
	pa := paper.Paper{ID: "2401.00001", Title: "Shared", Upvotes: 9}
	pb := paper.Paper{ID: "2401.00001", Title: "Shared", Stars: 40}
	for _, p := range []*paper.Paper{&pa, &pb} {
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Add(ctx, pa); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(ctx, pb); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := ix.Lookup(ctx, "2401.00001")
	if err != nil || p.Upvotes != 9 || p.Stars != 40 {
		t.Errorf("merged %+v %v", p, err)
	}
}

// Creating an index leaves, next to the index, nothing behind; an index
// directory that a stopped older paperbot left unfinished (its meta file
// written, its store empty) is refused with what to do.
func TestCreateIsAtomicAndUnfinishedIsExplained(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "ix")
	ix := openT(t, dir, index.Options{})
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || entries[0].Name() != "ix" {
		t.Errorf("beside the index: %v", entries)
	}
	if ix, err := open(dir, index.Options{}); err != nil {
		t.Fatalf("reopen: %v", err)
	} else {
		ix.Close()
	}

	broken := filepath.Join(parent, "broken")
	meta, err := os.ReadFile(filepath.Join(dir, "index_meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(broken, "store"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "index_meta.json"), meta, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = open(broken, index.Options{})
	if err == nil || !strings.Contains(err.Error(), "left unfinished") {
		t.Errorf("Open of an unfinished index: %v", err)
	}
	if written, _ := os.ReadDir(filepath.Join(broken, "store")); len(written) != 0 {
		t.Errorf("Open of an unfinished index wrote into it: %v", written)
	}
}

// The context is a parameter of Add and Flush: a done one stops the
// queueing with its error, and Close still writes what was queued.
func TestWriterStopsWhenItsContextIsDone(t *testing.T) {
	ix := openT(t, t.TempDir(), index.Options{})
	defer ix.Close()
	w := ix.NewWriter(index.WriterOptions{BatchSize: 2})
	ctx, cancel := context.WithCancel(context.Background())
	add := func(id string) error {
		p := paper.Paper{ID: id, Title: "Paper " + id}
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		return w.Add(ctx, p)
	}
	if err := add("2401.00001"); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := add("2401.00002"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Add filling a batch after the context was cancelled: %v, want context.Canceled", err)
	}
	if err := w.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Flush with a cancelled context: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ix); n != 2 {
		t.Errorf("%d papers after Close, want the 2 queued", n)
	}
	// Another context serves the same writer's next Add.
	w = ix.NewWriter(index.WriterOptions{BatchSize: 1})
	p := paper.Paper{ID: "2401.00003", Title: "Paper three"}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil || count(t, ix) != 3 {
		t.Errorf("Close: %v, %d papers", err, count(t, ix))
	}
}

// An index written before ids stored as numbers were restored holds such a
// paper under its number form (1909.0599): ingesting it again under its
// restored id (1909.05990) replaces that paper, its fields merged, instead
// of adding a second one.
func TestNumberFormIDReplacedByRestoredID(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, filepath.Join(t.TempDir(), "ix"), index.Options{})
	defer ix.Close()
	err := ix.Upsert(ctx, []paper.Paper{
		{ID: "1909.0599", Title: "Robust hierarchical MPC", Abstract: "demand forecast uncertainty", Upvotes: 7},
		{ID: "805.051", Title: "An older one"},
		{ID: "t-other", Title: "Another paper"},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = ix.Upsert(ctx, []paper.Paper{
		{ID: "1909.05990", Title: "Robust Hierarchical MPC", Categories: []string{"math.OC"}},
		{ID: "0805.0510", Title: "An older one"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ix); n != 3 {
		t.Fatalf("%d papers, want 3", n)
	}
	p, err := ix.Lookup(ctx, "1909.05990")
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Robust Hierarchical MPC" || p.Abstract != "demand forecast uncertainty" || p.Upvotes != 7 || len(p.Categories) != 1 ||
		!slices.Equal(p.Aliases, []string{"1909.0599"}) {
		t.Errorf("merged record %+v (want the number form as its alias)", p)
	}
	// The number forms find the papers under their restored ids (Lookup
	// reads aliases), never papers of their own.
	for legacy, id := range map[string]string{"1909.0599": "1909.05990", "805.051": "0805.0510"} {
		if p, err := ix.Lookup(ctx, legacy); err != nil || p.ID != id {
			t.Errorf("Lookup(%s) = %s, %v; want %s", legacy, p.ID, err, id)
		}
	}
	res, err := ix.Search(ctx, paper.Query{Text: "demand forecast uncertainty"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Paper.ID != "1909.05990" {
		t.Errorf("search: %+v %v", res.Hits, err)
	}
}

// A closed index answers every call with bleve.ErrorIndexClosed: scorch
// gives a closed index's reader as a nil snapshot without an error, and
// every query shape dereferenced it (a search that outlived Close, or a
// health check after it, panicked). Closing it again does nothing
// (Bleve's second Close panicked).
func TestClosedIndexFailsCleanly(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir(), index.Options{})
	papers := []paper.Paper{
		{ID: "2401.00001", Title: "Protein language models", Abstract: "Fitness prediction with protein language models.", Authors: []string{"Pascal Notin"}, Categories: []string{"cs.LG"}, Upvotes: 3},
		{ID: "2401.00002", Title: "Language models of code", Abstract: "Models of code.", Authors: []string{"Ada Singh"}, Categories: []string{"cs.CL"}},
	}
	if err := ix.Upsert(ctx, papers); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	closed := func(what string, f func() error) {
		t.Helper()
		defer func() {
			if e := recover(); e != nil {
				t.Errorf("%s after Close: panic: %v", what, e)
			}
		}()
		if err := f(); !errors.Is(err, bleve.ErrorIndexClosed) {
			t.Errorf("%s after Close: %v, want %v", what, err, bleve.ErrorIndexClosed)
		}
	}
	for _, q := range []paper.Query{
		{Text: "protein"}, {Text: "protein language models fitness"}, {Text: `"language models"`},
		{Text: "cat:cs.LG"}, {Text: "author:Notin"}, {Text: "protien"}, {Text: "2401.00001"},
		{Sort: paper.ByTrending}, {Text: "models sort:recent"},
	} {
		closed("Search "+q.Text, func() error { _, err := ix.Search(ctx, q); return err })
	}
	closed("Similar", func() error { _, err := ix.Similar(ctx, "2401.00001", 5); return err })
	closed("Lookup", func() error { _, err := ix.Lookup(ctx, "2401.00001"); return err })
	closed("Count", func() error { _, err := ix.Count(); return err })
	closed("Warm", func() error { return ix.Warm(ctx) })
	closed("Upsert", func() error { return ix.Upsert(ctx, papers[:1]) })
	func() {
		defer func() {
			if e := recover(); e != nil {
				t.Errorf("a second Close: panic: %v", e)
			}
		}()
		if err := ix.Close(); err != nil {
			t.Errorf("a second Close: %v", err)
		}
	}()
}

// A paper known by its title only (a trending page's, whose format has no
// ids) and the same paper under its arXiv id are one paper, whichever is
// ingested first: the title-only one is merged into the other and
// deleted, and its title id is the paper's alias (what a digest recorded
// under it is the paper's), in the index opened again too. A paper that
// only shares a title is another paper.
func TestTitleOnlyPaperJoinsItsArxivTwin(t *testing.T) {
	ctx := context.Background()
	arxiv := []paper.Paper{
		{ID: "2205.13760", Title: "Tranception: protein fitness prediction", Abstract: "The ability to accurately model the fitness landscape of protein sequences.", Authors: []string{"Pascal Notin"}},
		{ID: "2101.00001", Title: "Introduction", Abstract: "A survey of graph theory."},
	}
	trending := []paper.Paper{
		{Title: "Tranception: Protein Fitness Prediction", Abstract: "The ability to accurately model the fitness landscape…", Rank: 3, Source: "trending"},
		{Title: "Introduction", Abstract: "Lecture notes on quantum field theory.", Rank: 4, Source: "trending"},
	}
	check := func(t *testing.T, ix *index.Index) {
		t.Helper()
		if n := count(t, ix); n != 3 {
			t.Errorf("%d papers, want 3 (Tranception once, two papers titled Introduction)", n)
		}
		p, err := ix.Lookup(ctx, "2205.13760")
		if err != nil {
			t.Fatal(err)
		}
		if p.Rank != 3 || len(p.Authors) != 1 || p.Abstract != arxiv[0].Abstract {
			t.Errorf("merged paper %+v", p)
		}
		tid := paper.TitleID(trending[0].Title)
		// The title id it had (a digest posted it, a teammate saved it,
		// under that id) finds the merged paper.
		if q, err := ix.Lookup(ctx, tid); err != nil || q.ID != "2205.13760" {
			t.Errorf("Lookup(%s) = %s, %v; want the paper it was merged into", tid, q.ID, err)
		}
		if res, err := ix.Search(ctx, paper.Query{Text: tid + " 2205.13760"}); err != nil || len(res.Hits) != 1 || res.Hits[0].Paper.ID != "2205.13760" {
			t.Errorf("a search naming both its ids: %d hits, %v; want the merged paper once", len(res.Hits), err)
		}
		if !slices.Equal(p.Aliases, []string{tid}) {
			t.Errorf("merged paper's aliases %q, want its title id %s", p.Aliases, tid)
		}
		res, err := ix.Search(ctx, paper.Query{Text: "introduction"})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if len(h.Paper.Aliases) > 0 {
				t.Errorf("%s, a paper that only shares its title, has aliases %q", h.Paper.ID, h.Paper.Aliases)
			}
		}
		// Excluding the title id excludes the paper (a digest that posted
		// it under that id), on either search path.
		for name, search := range map[string]func(context.Context, *index.Index, paper.Query) (paper.Results, error){"fast": index.SearchFast, "bleve": index.SearchBleve} {
			for _, q := range []paper.Query{{Text: "protein fitness", Exclude: []string{"2101.00001", tid}}, {Sort: paper.ByTrending, Exclude: []string{tid}}} {
				res, err := search(ctx, ix, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range res.Hits {
					if h.Paper.ID == "2205.13760" {
						t.Errorf("%s: %+v: the paper posted as %s is returned", name, q, tid)
					}
				}
			}
		}
	}
	for _, order := range []string{"arxiv first", "trending first", "one run"} {
		t.Run(order, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ix")
			ix := openT(t, dir, index.Options{})
			defer func() { ix.Close() }()
			var err error
			switch order {
			case "arxiv first":
				if err = ix.Upsert(ctx, arxiv); err == nil {
					err = ix.Upsert(ctx, trending)
				}
			case "trending first":
				if err = ix.Upsert(ctx, trending); err == nil {
					err = ix.Upsert(ctx, arxiv)
				}
			case "one run":
				// A fresh index, the title-only papers in the first batch.
				w := ix.NewWriter(index.WriterOptions{BatchSize: 2})
				for _, p := range append(slices.Clone(trending), arxiv...) {
					if err = p.Normalize(); err == nil {
						err = w.Add(ctx, p)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				err = w.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
			check(t, ix)
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			ix = openT(t, dir, index.Options{})
			check(t, ix)
		})
	}
}
