package index

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/blevesearch/bleve/v2"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
)

// The index's own goroutines read segments that Open did not (it checks
// their footers only): zap panics on some bytes damaged inside one, and a
// panic there, where no caller can recover it, ended the process (serve,
// for one query, or at its start when Warm gathers the titles' words).
// Random damage to a segment of the sample corpus found both (a fast-path
// worker: index out of range in topWordsInSegment; the gathering: vellum's
// slice bounds), in about one in twenty-five damaged copies.

// damagedIndex is an index of two segments.
func damagedIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for b := range 2 {
		var ps []paper.Paper
		for i := range 20 {
			ps = append(ps, paper.Paper{ID: fmt.Sprintf("240%d.%05d", b+1, i), Title: fmt.Sprintf("Paper %d on protein models", i)})
		}
		if err := ix.Upsert(context.Background(), ps); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// A worker's panic is its query's error, wrapping ErrDamaged.
func TestWorkerPanicIsTheQueryError(t *testing.T) {
	ix := damagedIndex(t)
	snap, err := ix.rawSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	segs := snap.Segments()
	_, _, err = searchSegments(context.Background(), segs, 10, func(_ context.Context, si int, _ uint64, _ *hitHeap, _ *sharedFloor) (uint64, error) {
		if si == len(segs)-1 {
			panic("runtime error: index out of range [18446744073709550593] with length 1024")
		}
		return 1, nil
	})
	if !errors.Is(err, ErrDamaged) {
		t.Errorf("searchSegments: %v, want ErrDamaged", err)
	}
}

// panicky is an index whose reads panic, as zap's of a damaged segment.
type panicky struct{ bleveIndex }

// bleveIndex names the embedded index (bleve.Index has a method Index).
type bleveIndex = bleve.Index

func (panicky) Advanced() (bindex.Index, error) {
	panic("runtime error: slice bounds out of range [-845:]")
}

// The gathering of the titles' words, started by a query on a goroutine
// of its own, fails (and the words are looked up in each segment).
func TestVocabPanicIsItsError(t *testing.T) {
	ix := damagedIndex(t)
	snap, err := ix.rawSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	bi := ix.bi
	ix.bi = panicky{bi}
	if fst := ix.vocabOf(snap); fst != nil {
		t.Fatal("the words were gathered before any query")
	}
	ix.bg.running.Wait()
	ix.bi = bi
	if ix.vocab.fst != nil || ix.vocab.building {
		t.Errorf("after a failed gathering: words %v, building %v", ix.vocab.fst != nil, ix.vocab.building)
	}
	if _, _, err := ix.buildVocab(); err != nil {
		t.Errorf("the words of the index as it is: %v", err)
	}
}
