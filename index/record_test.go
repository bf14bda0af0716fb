package index

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
)

func TestRecordsRoundTrip(t *testing.T) {
	r, err := newRecords()
	if err != nil {
		t.Fatal(err)
	}
	p := paper.Paper{ID: "2401.00001", Title: "Attention is all you need", Abstract: strings.Repeat("The dominant sequence transduction models. ", 20),
		Authors: []string{"Ashish Vaswani", "Noam Shazeer"}, Categories: []string{"cs.CL"}, Published: "2024-01-01", Trending: 1.5}
	raw, err := r.encode(&p)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(p)
	if len(raw) >= len(plain) {
		t.Errorf("stored record is %d bytes, its JSON %d: not compressed", len(raw), len(plain))
	}
	got, err := r.decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != p.Title || got.Abstract != p.Abstract || len(got.Authors) != 2 || got.Trending != 1.5 {
		t.Errorf("decoded %+v, want %+v", got, p)
	}
	// Records of indexes written before mapping version 5 are plain JSON:
	// an index is rebuilt from them.
	got, err = r.decode(plain)
	if err != nil || got.ID != p.ID || got.Abstract != p.Abstract {
		t.Errorf("plain JSON record: %+v, %v", got, err)
	}
}

func TestRecordsDamaged(t *testing.T) {
	r, err := newRecords()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := r.encode(&paper.Paper{ID: "x", Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{raw[:len(raw)/2], []byte("\x00garbage"), []byte("{not json")} {
		if _, err := r.decode(bad); err == nil || !strings.Contains(err.Error(), "stored record") {
			t.Errorf("decode(%q) = %v, want an error about the stored record", bad, err)
		}
	}
}

// An index of mapping version 4 stores plain JSON records: opened by this
// version, it is rebuilt from them, and its records are then compressed.
func TestRebuildFromPlainJSONRecords(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := ix.bi.NewBatch()
	for i := range 3 {
		p := paper.Paper{ID: fmt.Sprintf("2401.0000%d", i+1), Title: fmt.Sprintf("Protein language models %d", i), Abstract: "Fitness prediction.", Published: "2024-01-02"}
		doc, err := buildDocument(&ix.analyzers, MappingOptions{NoStored: true}, &p)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := json.Marshal(p)
		doc.AddField(document.NewTextFieldWithIndexingOptions(fSource, nil, plain, optStored))
		if err := b.IndexAdvanced(doc); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.bi.Batch(b); err != nil {
		t.Fatal(err)
	}
	if err := ix.bi.SetInternal(versionKey, []byte("4")); err != nil {
		t.Fatal(err)
	}
	ix.Close()

	var last [2]int
	ix, err = Open(dir, Options{OnRebuild: func(done, total int) { last = [2]int{done, total} }})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if last != [2]int{3, 3} {
		t.Errorf("rebuild progress ended at %v, want 3 of 3", last)
	}
	p, err := ix.Lookup(context.Background(), "2401.00002")
	if err != nil || p.Title != "Protein language models 1" || p.Published != "2024-01-02" {
		t.Fatalf("after the rebuild: %+v, %v", p, err)
	}
	doc, err := ix.bi.Document("2401.00002")
	if err != nil {
		t.Fatal(err)
	}
	doc.VisitFields(func(f bindex.Field) {
		if f.Name() == fSource && len(f.Value()) > 0 && f.Value()[0] == '{' {
			t.Errorf("the rebuilt record is still plain JSON")
		}
	})
}
