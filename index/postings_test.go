package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/paperbot/paperbot/bot/paper"
)

// postingsIndex builds an index of several segments whose common words
// have postings lists of several chunks (over 1,024 papers), with papers
// of its older segments replaced (deleted there) by later batches. Its
// first two batches are merged into one segment (whose locations the
// index's file hook writes compactly, locations.go); the later ones are
// segments as built in memory.
func postingsIndex(t *testing.T) *Index {
	t.Helper()
	dir := t.TempDir()
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
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
	ix = openNoMerge(t, dir)
	for i, size := range []int{3000, 1500, 400, 1, 2600} {
		if i == 2 {
			// Closing persists the first two segments; merge them.
			rec := ix.rec
			ix.Close()
			ix = openNoMerge(t, dir)
			ix.rec = rec // the records' dictionary
			sc, err := ix.bi.Advanced()
			if err != nil {
				t.Fatal(err)
			}
			if err := sc.(*scorch.Scorch).ForceMerge(ctx, &mergeplan.MergePlanOptions{
				MaxSegmentsPerTier: 1, SegmentsPerMergeTask: 10, MaxSegmentSize: 1 << 30, TierGrowth: 10, FloorSegmentSize: 1,
			}); err != nil {
				t.Fatal(err)
			}
		}
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
	t.Cleanup(func() { ix.Close() })
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
		switch {
		case rng != nil && rng.IntN(16) == 0:
			// Far ahead: chunks of a long list passed over (seek).
			err = c.advance(c.doc + 1 + uint64(rng.IntN(3000)))
		case rng != nil && rng.IntN(4) == 0:
			err = c.advance(c.doc + 1 + uint64(rng.IntN(40)))
		default:
			err = c.next()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return seen
}

// eachTermList calls f with every term of the text, title and author fields
// of every segment.
func eachTermList(t *testing.T, snap *scorch.IndexSnapshot, f func(si int, s *scorch.SegmentSnapshot, field string, d segment.TermDictionary, term []byte)) {
	t.Helper()
	for si, s := range snap.Segments() {
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
				f(si, s, field, d, []byte(e.Term))
			}
		}
	}
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
	var lists, postings, multiChunk, deletions, seeks int
	for _, s := range snap.Segments() {
		if s.Deleted() != nil && !s.Deleted().IsEmpty() {
			deletions++
		}
	}
	eachTermList(t, snap, func(si int, s *scorch.SegmentSnapshot, field string, d segment.TermDictionary, term []byte) {
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
			seeks += b.seeks
		}
		lists++
		if pl.Count() > 1024 {
			multiChunk++
		}
	})
	t.Logf("%d segments (%d with deletions), %d lists (%d of over 1,024 papers), %d postings read both ways, %d seeks", len(snap.Segments()), deletions, lists, multiChunk, postings, seeks)
	if len(snap.Segments()) < 3 || deletions == 0 || multiChunk == 0 || seeks == 0 {
		t.Fatal("the index does not have the shapes the test is for")
	}
}

// TestWindowsMatchBleve: on segments of thousands of papers (several
// scoring windows, thresholds rising between them) the free-word path
// gives Bleve's papers, scores and totals. (Scores to a part in a billion:
// with many words Bleve's own sums differ in the last bit from run to run.)
func TestWindowsMatchBleve(t *testing.T) {
	ix := postingsIndex(t)
	rng := rand.New(rand.NewPCG(7, 8))
	queries := []string{"w0", "w0 w1 w2", "w5 w17 w230", "w1 w900", "w3 w4 w5 w6 w7 w8 w9 w10"}
	for range 12 {
		w := make([]string, 2+rng.IntN(30))
		for i := range w {
			w[i] = fmt.Sprintf("w%d", rng.IntN(300))
		}
		queries = append(queries, strings.Join(w, " "))
	}
	f0, b0 := Answers(ix)
	hits := 0
	for _, q := range queries {
		for _, lim := range []int{10, 100} {
			fast, slow := runBoth(t, ix, parseQuery(q), lim)
			if fast.Total != slow.Total || len(fast.Hits) != len(slow.Hits) {
				t.Fatalf("%q (%d): fast %d hits of %d, Bleve %d of %d", q, lim, len(fast.Hits), fast.Total, len(slow.Hits), slow.Total)
			}
			for i := range slow.Hits {
				f, s := fast.Hits[i], slow.Hits[i]
				if f.Paper.ID != s.Paper.ID || math.Abs(f.Score-s.Score) > 1e-9*math.Max(1, math.Abs(s.Score)) {
					t.Errorf("%q (%d): hit %d fast %s %v, Bleve %s %v", q, lim, i, fast.Hits[i].Paper.ID, fast.Hits[i].Score, slow.Hits[i].Paper.ID, slow.Hits[i].Score)
				}
			}
			hits += len(slow.Hits)
		}
	}
	f1, b1 := Answers(ix)
	t.Logf("%d queries, %d hits compared; the fast path answered %d, Bleve %d", 2*len(queries), hits, f1-f0, b1-b0)
	if f1-f0 < int64(len(queries)) {
		t.Fatal("the fast path answered too few queries for the comparison to show anything")
	}
}

// TestBlockPositionsMatchZap: read with positions, the block decoder gives
// every posting's frequency, norm and positions as zap's iterator gives
// them, whether it stops at every paper of a list or skips some (their
// locations passed over), in every segment and field.
func TestBlockPositionsMatchZap(t *testing.T) {
	ix := postingsIndex(t)
	r, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	var lists, withPositions, skipped, compact, seeks, posOnly int
	eachTermList(t, r.(*scorch.IndexSnapshot), func(si int, s *scorch.SegmentSnapshot, field string, d segment.TermDictionary, term []byte) {
		pl, err := d.PostingsList(term, s.Deleted(), nil)
		if err != nil {
			t.Fatal(err)
		}
		compact += compactChunks(pl)
		type posting struct {
			doc, freq uint64
			norm      float64
			pos       []uint64
		}
		var want []posting
		zit := pl.Iterator(true, true, true, nil)
		for p, err := zit.Next(); p != nil || err != nil; p, err = zit.Next() {
			if err != nil {
				t.Fatal(err)
			}
			var pos []uint64
			for _, l := range p.Locations() {
				pos = append(pos, l.Pos())
			}
			want = append(want, posting{p.Number(), p.Frequency(), p.Norm(), pos})
			if len(pos) > 0 {
				withPositions++
			}
		}
		// Every posting read; one in three; one in five hundred (chunks
		// passed over); in the fields with term vectors, the same reading
		// positions only (the frequency their number, no norm).
		for _, mode := range []struct {
			every   int
			posOnly bool
		}{{1, false}, {3, false}, {500, false}, {1, true}, {3, true}, {500, true}} {
			if mode.posOnly && field == fTitle {
				continue
			}
			b, ok := newBlockPositions(pl, s.Deleted())
			if !ok {
				t.Fatalf("segment %d %s:%s: not decoded by blocks", si, field, term)
			}
			if mode.posOnly {
				b.positionsOnly()
				if b.posOnly {
					posOnly++
				}
			}
			r := &blockPositions{b: b}
			for _, w := range want {
				if rng.IntN(mode.every) != 0 {
					skipped++
					continue
				}
				freq, norm, pos, err := r.advance(w.doc, nil)
				if err != nil {
					t.Fatalf("segment %d %s:%s: paper %d: %v", si, field, term, w.doc, err)
				}
				if b.posOnly {
					norm = w.norm // not read
				}
				if freq != w.freq || norm != w.norm || !slices.Equal(pos, w.pos) {
					t.Fatalf("segment %d %s:%s: paper %d: blocks %d %g %v, zap %d %g %v",
						si, field, term, w.doc, freq, norm, pos, w.freq, w.norm, w.pos)
				}
			}
			seeks += b.seeks
		}
		lists++
	})
	t.Logf("%d lists, %d postings with positions, %d passed over, %d compact chunks, %d seeks, %d lists read for positions only", lists, withPositions, skipped, compact, seeks, posOnly)
	if withPositions == 0 || skipped == 0 || compact == 0 || seeks == 0 || posOnly == 0 {
		t.Fatal("the index does not have the shapes the test is for")
	}
}

// skipUvarint lands where binary.Uvarint ends, for every length of
// varint, with and without bytes after it, and on truncated input.
func TestSkipUvarint(t *testing.T) {
	values := []uint64{0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 1 << 21, 1 << 28, uint64(math.Float32bits(0.125)), uint64(math.Float32bits(1)), 1<<35 - 1, 1 << 42, 1 << 49, 1 << 56, 1 << 63, math.MaxUint64}
	for _, v := range values {
		for tail := range 10 {
			buf := binary.AppendUvarint(nil, v)
			n := len(buf)
			for i := range tail {
				buf = append(buf, byte(0x80|byte(i)))
			}
			if got := skipUvarint(buf); len(got) != tail {
				t.Errorf("%#x with %d bytes after: skipped to %d bytes left, want %d", v, tail, len(got), tail)
			}
			if got := skipUvarint(buf[:n-1]); n > 1 && got != nil {
				t.Errorf("%#x truncated: %d bytes left, want none", v, len(got))
			}
		}
	}
}
