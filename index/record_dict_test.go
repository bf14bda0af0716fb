package index

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bindex "github.com/blevesearch/bleve_index_api"
	"github.com/klauspost/compress/zstd"

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
		if raw[0] != s2Tag {
			t.Fatalf("%s: stored as % x…, not with the S2 dictionary", p.ID, raw[:min(4, len(raw))])
		}
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

// An index whose records were compressed with a zstd dictionary (trained
// before the S2 ones) reads them, and goes on writing with it, after it is
// opened again; a record of the S2 kind is refused, with what went wrong,
// by a reader without the dictionary.
func TestZstdDictionaryStillRead(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var samples [][]byte
	for _, p := range dictPapers("2201", 200) {
		samples = append(samples, []byte(fmt.Sprintf(`{"id":%q,"title":%q,"abstract":%q}`, p.ID, p.Title, p.Abstract)))
	}
	zdict, err := zstd.BuildDict(zstd.BuildDictOptions{ID: 0x7062_7231, Contents: samples, History: bytesJoin(samples[150:]), Level: zstd.SpeedFastest})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.bi.SetInternal([]byte(recordDictKey), zdict); err != nil {
		t.Fatal(err)
	}
	if err := ix.rec.useDict(zdict); err != nil {
		t.Fatal(err)
	}
	first := dictPapers("2401", dictMinRecords)
	if err := ix.Upsert(ctx, first); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if ix, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	later := dictPapers("2402", dictMinRecords)
	if err := ix.Upsert(ctx, later); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{first[0].ID, later[len(later)-1].ID} {
		raw := storedRecord(t, ix, id)
		if len(raw) < 4 || raw[0] != 0x28 || raw[1] != 0xb5 {
			t.Errorf("%s: stored as % x…, want a zstd frame", id, raw[:min(4, len(raw))])
		}
		if p, err := ix.Lookup(ctx, id); err != nil || !strings.HasPrefix(p.Title, "Protein language models") {
			t.Errorf("%s: %q, %v", id, p.Title, err)
		}
	}
	if v, _ := ix.bi.GetInternal([]byte(recordS2DictKey)); v != nil {
		t.Error("an index with a zstd dictionary trained an S2 one too")
	}

	s2rec, err := newRecords()
	if err != nil {
		t.Fatal(err)
	}
	dict, err := trainDict(samples)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2rec.useS2Dict(dict); err != nil {
		t.Fatal(err)
	}
	raw, err := s2rec.encode(&first[0])
	if err != nil || raw[0] != s2Tag {
		t.Fatalf("S2 record % x…, %v", raw[:min(4, len(raw))], err)
	}
	if p, err := s2rec.decode(raw); err != nil || p.ID != first[0].ID {
		t.Errorf("S2 record read back: %+v, %v", p, err)
	}
	if _, err := ix.rec.decode(raw); err == nil || !strings.Contains(err.Error(), "dictionary the index does not have") {
		t.Errorf("an S2 record read without its dictionary: %v", err)
	}
}

func bytesJoin(bs [][]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}
