package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/paperbot/paperbot/bot/paper"
)

// postingsIndex builds an index of several segments whose common words
// have postings lists of several chunks (over 1,024 papers), with papers
// of its older segments replaced (deleted there) by later batches.
func postingsIndex(t *testing.T) *Index {
	t.Helper()
	ix := openNoMerge(t, func() string {
		dir := t.TempDir()
		ix, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ix.Close()
		return dir
	}())
	t.Cleanup(func() { ix.Close() })
	rng := rand.New(rand.NewPCG(3, 4))
	// Word i is drawn with probability about 1/(i+1): "w0" is in nearly
	// every abstract, the tail in a few or one.
	word := func() string {
		return fmt.Sprintf("w%d", int(1/(rng.Float64()+1e-3))-1+rng.IntN(3))
	}
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = word()
		}
		return strings.Join(w, " ")
	}
	ctx := context.Background()
	for _, size := range []int{3000, 1500, 400, 1, 2600} {
		batch := make([]paper.Paper, size)
		for i := range batch {
			id := rng.IntN(6000)
			batch[i] = paper.Paper{ID: fmt.Sprintf("2401.%05d", id), Title: text(1 + rng.IntN(8)), Abstract: text(1 + rng.IntN(60)),
				Authors: []string{"Ada " + word()}, Published: "2024-01-02"}
		}
		if err := ix.Upsert(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// walk reads a cursor to its end, and returns what it saw; with rng, one
// step in four is an advance a little past the next paper.
func walk(t *testing.T, c *cursor, rng *rand.Rand) []string {
	t.Helper()
	var seen []string
	for c.doc != noDoc {
		seen = append(seen, fmt.Sprintf("%d:%d:%g:%g", c.doc, c.freq, c.norm, c.length))
		var err error
		if rng != nil && rng.IntN(4) == 0 {
			err = c.advance(c.doc + 1 + uint64(rng.IntN(40)))
		} else {
			err = c.next()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return seen
}

// TestBlockPostingsMatchZap: the block decoder gives every term's postings
// (documents, frequencies, norms; deleted papers left out) as zap's
// iterator gives them, walked and advanced alike, in every segment.
func TestBlockPostingsMatchZap(t *testing.T) {
	if zapFields() == nil {
		t.Fatal("zap's PostingsList is not laid out as blockPostings reads it: look at the zapx version (postings.go)")
	}
	ix := postingsIndex(t)
	r, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	snap := r.(*scorch.IndexSnapshot)
	var lists, postings, multiChunk, deletions int
	for si, s := range snap.Segments() {
		if s.Deleted() != nil && !s.Deleted().IsEmpty() {
			deletions++
		}
		for _, field := range []string{fText, fTitle, fAuthors} {
			d, err := s.Segment().Dictionary(field)
			if err != nil {
				t.Fatal(err)
			}
			it := d.AutomatonIterator(everyTerm{}, nil, nil)
			for e, err := it.Next(); e != nil || err != nil; e, err = it.Next() {
				if err != nil {
					t.Fatal(err)
				}
				term := []byte(e.Term)
				lookup := func() segment.PostingsList {
					pl, err := d.PostingsList(term, s.Deleted(), nil)
					if err != nil {
						t.Fatal(err)
					}
					return pl
				}
				pl := lookup()
				b, ok := newBlockPostings(pl, s.Deleted())
				if !ok {
					t.Fatalf("segment %d %s:%s: not decoded by blocks", si, field, term)
				}
				for _, seed := range []uint64{0, uint64(lists) + 1} {
					var rb, rz *rand.Rand
					if seed != 0 {
						rb, rz = rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 1))
					}
					if seed != 0 {
						if b, ok = newBlockPostings(lookup(), s.Deleted()); !ok {
							t.Fatal("not decoded by blocks the second time")
						}
					}
					blk := &cursor{blk: b}
					blk.at(b.first())
					zc := &cursor{it: lookup().Iterator(true, true, false, nil)}
					if err := zc.next(); err != nil {
						t.Fatal(err)
					}
					got, want := walk(t, blk, rb), walk(t, zc, rz)
					if strings.Join(got, " ") != strings.Join(want, " ") {
						t.Fatalf("segment %d %s:%s (advancing: %t): blocks %v, zap %v", si, field, term, seed != 0, got, want)
					}
					postings += len(want)
				}
				lists++
				if pl.Count() > 1024 {
					multiChunk++
				}
			}
		}
	}
	t.Logf("%d segments (%d with deletions), %d lists (%d of over 1,024 papers), %d postings read both ways", len(snap.Segments()), deletions, lists, multiChunk, postings)
	if len(snap.Segments()) < 3 || deletions == 0 || multiChunk == 0 {
		t.Fatal("the index does not have the shapes the test is for")
	}
}
