package index_test

import (
	"path/filepath"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// A soft hyphen or zero-width space that a source left inside a word (text
// copied from a PDF or a web page) is not part of the word: the paper is
// found by the word it shows, and shown without it.
func TestInvisibleCharactersInPapersAreDropped(t *testing.T) {
	ctx := t.Context()
	ix := openT(t, filepath.Join(t.TempDir(), "ix"), index.Options{})
	defer ix.Close()
	err := ix.Upsert(ctx, []paper.Paper{
		{ID: "2401.00001", Title: "Dif\u00adfusion samplers for pro\u200btein design", Abstract: "We design en\u2060zymes.", Authors: []string{"Ada\ufeff Lovelace"}},
		{ID: "2401.00002", Title: "Something else entirely"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"diffusion samplers", "protein design", "enzymes", "author:lovelace"} {
		res, err := ix.Search(ctx, paper.Query{Text: q})
		if err != nil || len(res.Hits) == 0 || res.Hits[0].Paper.ID != "2401.00001" {
			t.Errorf("%q: %+v, %v", q, res.Hits, err)
		}
	}
	p, err := ix.Lookup(ctx, "2401.00001")
	if err != nil || p.Title != "Diffusion samplers for protein design" || p.Abstract != "We design enzymes." || p.Authors[0] != "Ada Lovelace" {
		t.Errorf("stored %+v, %v", p, err)
	}
}
