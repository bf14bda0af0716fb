package index

import (
	"encoding/json"
	"strings"
	"testing"

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
