package index

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
)

// storedRecord is a paper's stored record as the index holds it.
func storedRecord(t *testing.T, ix *Index, id string) []byte {
	t.Helper()
	doc, err := ix.bi.Document(id)
	if err != nil || doc == nil {
		t.Fatalf("%s: %v, %v", id, doc, err)
	}
	var raw []byte
	doc.VisitFields(func(f bindex.Field) {
		if f.Name() == fSource {
			raw = append([]byte(nil), f.Value()...)
		}
	})
	return raw
}

// dictPapers are papers with abstracts alike, as a field's papers are.
func dictPapers(prefix string, n int) []paper.Paper {
	ps := make([]paper.Paper, n)
	for i := range ps {
		ps[i] = paper.Paper{
			ID:    fmt.Sprintf("%s.%05d", prefix, i),
			Title: fmt.Sprintf("Protein language models for fitness prediction, part %d", i),
			Abstract: fmt.Sprintf("We study protein language models trained on %d sequences and evaluate them on deep mutational scanning assays. "+
				"Our method improves fitness prediction over alignment-based baselines in %d of the assays.", 1000+i*7, i%50),
			Authors:    []string{fmt.Sprintf("Author %d", i), "Pascal Notin"},
			Categories: []string{"q-bio.QM", "cs.LG"},
			Published:  "2024-01-02",
		}
	}
	return ps
}

// The first large batch trains a record dictionary that the index keeps:
// its records shrink, and they are read after the index is opened again
// and when it is rebuilt from them; records written before the
// dictionary are read as before.
func TestRecordDictionary(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	small := dictPapers("2312", 5)
	if err := ix.Upsert(ctx, small); err != nil {
		t.Fatal(err)
	}
	if ix.rec.hasDict() {
		t.Fatal("5 papers trained a dictionary")
	}
	before := storedRecord(t, ix, small[1].ID)
	large := dictPapers("2401", dictMinRecords)
	if err := ix.Upsert(ctx, large); err != nil {
		t.Fatal(err)
	}
	if !ix.rec.hasDict() {
		t.Fatalf("a batch of %d papers trained no dictionary", len(large))
	}
	plain, err := newRecords()
	if err != nil {
		t.Fatal(err)
	}
	var withDict, without int
	for _, p := range large[:100] {
		raw := storedRecord(t, ix, p.ID)
		withDict += len(raw)
		if _, err := plain.decode(raw); err == nil {
			t.Fatalf("%s: a record read without the dictionary", p.ID)
		}
		p.Trending = 0
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		enc, err := plain.encode(&p)
		if err != nil {
			t.Fatal(err)
		}
		without += len(enc)
	}
	if withDict*10 > without*9 {
		t.Errorf("records with the dictionary: %d bytes, without: %d", withDict, without)
	}
	if _, err := plain.decode(before); err != nil {
		t.Errorf("the record written before the dictionary: %v", err)
	}
	ix.Close()

	check := func(when string) {
		t.Helper()
		for _, id := range []string{small[1].ID, large[0].ID, large[len(large)-1].ID} {
			p, err := ix.Lookup(ctx, id)
			if err != nil || !strings.HasPrefix(p.Title, "Protein language models") {
				t.Errorf("%s: %s: %q, %v", when, id, p.Title, err)
			}
		}
		if n, err := ix.Count(); err != nil || int(n) != len(small)+len(large) {
			t.Errorf("%s: %d papers (%v), want %d", when, n, err, len(small)+len(large))
		}
	}
	if ix, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	check("opened again")
	ix.Close()

	// An older mapping version is rebuilt from these records.
	bi := openNoMerge(t, dir).bi
	if err := bi.SetInternal(versionKey, []byte("5")); err != nil {
		t.Fatal(err)
	}
	bi.Close()
	if ix, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	check("rebuilt")
}
