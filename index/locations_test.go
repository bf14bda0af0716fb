package index

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
)

// zapLocations is a chunk of a locations stream as zap writes it: for
// each posting the bytes its locations take, then field, position, start,
// end and the number of array positions of each.
func zapLocations(field uint64, postings [][]uint64) []byte {
	var out []byte
	for _, ps := range postings {
		var locs []byte
		for _, p := range ps {
			locs = binary.AppendUvarint(locs, field)
			locs = binary.AppendUvarint(locs, p)
			locs = append(locs, 0, 0, 0)
		}
		out = binary.AppendUvarint(out, uint64(len(locs)))
		out = append(out, locs...)
	}
	return out
}

// randomPostings draws n postings of 1 to 6 positions in order, some far
// apart (positions of several bytes).
func randomPostings(rng *rand.Rand, n int) [][]uint64 {
	out := make([][]uint64, n)
	for i := range out {
		p := uint64(rng.IntN(300))
		for range 1 + rng.IntN(6) {
			out[i] = append(out[i], p)
			p += uint64(rng.IntN(4)) // repeated positions too
			if rng.IntN(10) == 0 {
				p += 1 << uint(7*rng.IntN(4))
			}
		}
	}
	return out
}

// TestLocationsCompacted: a chunk of zap's locations is written compactly
// (a fraction of its size) and read back byte for byte, for fields and
// positions of one to several bytes.
func TestLocationsCompacted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, field := range []uint64{0, 3, 127, 128, 300} {
		for _, n := range []int{5, 40, 1000} {
			raw := zapLocations(field, randomPostings(rng, n))
			c := compactBlock(raw)
			if !hasTrailer(c) || c[len(c)-trailerLen] != tagCompact {
				t.Fatalf("field %d, %d postings: not compacted", field, n)
			}
			if len(c) >= len(raw)/2 {
				t.Errorf("field %d, %d postings: %d bytes compact, %d as zap wrote them", field, n, len(c), len(raw))
			}
			back, err := expandBlock(c)
			if err != nil || !bytes.Equal(back, raw) {
				t.Fatalf("field %d, %d postings: read back %x (%v), wrote %x", field, n, back, err, raw)
			}
		}
	}
}

// TestOtherBlocksKept: what is not a chunk of positions as the index
// writes them (frequencies, offsets, array positions, positions out of
// order, a varint not as short as it could be, any bytes) is written as it
// is, and read back as it was; a block that happens to end like a
// rewritten one is kept whole behind the escape tag.
func TestOtherBlocksKept(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	loc := func(f, p, start, end, arrays uint64) []byte {
		var b []byte
		for _, v := range []uint64{f, p, start, end, arrays} {
			b = binary.AppendUvarint(b, v)
		}
		return b
	}
	posting := func(locs ...[]byte) []byte {
		all := bytes.Join(locs, nil)
		return append(binary.AppendUvarint(nil, uint64(len(all))), all...)
	}
	many := func(p []byte) []byte { return bytes.Repeat(p, 10) }
	random := make([]byte, 4000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	kept := map[string][]byte{
		"frequencies and norms":  many([]byte{3, 87, 5, 120, 3, 64}),
		"offsets":                many(posting(loc(1, 4, 10, 15, 0))),
		"array positions":        many(posting(append(loc(1, 4, 0, 0, 1), 2))),
		"two fields":             append(many(posting(loc(1, 4, 0, 0, 0))), posting(loc(2, 4, 0, 0, 0))...),
		"positions out of order": many(posting(loc(1, 9, 0, 0, 0), loc(1, 4, 0, 0, 0))),
		"a long varint":          many(append([]byte{7}, 1, 0x84, 0x00, 0, 0, 0)),
		"no locations":           many([]byte{0}),
		"random":                 random,
		"short":                  posting(loc(1, 4, 0, 0, 0)),
	}
	for name, b := range kept {
		w := compactBlock(bytes.Clone(b))
		if !bytes.Equal(w, b) {
			t.Errorf("%s: written as %x, not as it is", name, w)
		}
		if r, err := expandBlock(w); err != nil || !bytes.Equal(r, b) {
			t.Errorf("%s: read back as %x (%v)", name, r, err)
		}
	}
	for _, b := range [][]byte{
		append(bytes.Clone(random), tagCompact, locMagic[0], locMagic[1], locMagic[2]),
		{tagEscaped, locMagic[0], locMagic[1], locMagic[2]},
		{9, locMagic[0], locMagic[1], locMagic[2]},
	} {
		w := compactBlock(bytes.Clone(b))
		if len(w) != len(b)+trailerLen || w[len(b)] != tagEscaped {
			t.Errorf("%x: written as %x, not escaped", b, w)
		}
		if r, err := expandBlock(w); err != nil || !bytes.Equal(r, b) {
			t.Errorf("%x: read back as %x (%v)", b, r, err)
		}
	}
}

// TestCorruptCompactChunk: a compact chunk cut short or with an unknown
// tag is an error, never a panic.
func TestCorruptCompactChunk(t *testing.T) {
	raw := zapLocations(2, randomPostings(rand.New(rand.NewPCG(5, 6)), 50))
	c := compactBlock(raw)
	for cut := 1; cut < len(c)-trailerLen; cut++ {
		body := append(bytes.Clone(c[:len(c)-trailerLen-cut]), c[len(c)-trailerLen:]...)
		if r, err := expandBlock(body); err == nil && bytes.Equal(r, raw) {
			t.Fatalf("cut by %d: read back whole", cut)
		}
	}
	bad := bytes.Clone(c)
	bad[len(bad)-trailerLen] = 7
	if _, err := expandBlock(bad); err == nil {
		t.Error("unknown tag: no error")
	}
}

// FuzzLocationBlocks: whatever zap hands the writer hook, the reader hook
// gives back.
func FuzzLocationBlocks(f *testing.F) {
	f.Add(zapLocations(1, [][]uint64{{1, 2, 3}, {4}, {5, 300}, {7}, {8, 9}}))
	f.Add([]byte{3, 87, 5, 120, 3, 64})
	f.Add([]byte{tagCompact, locMagic[0], locMagic[1], locMagic[2]})
	f.Fuzz(func(t *testing.T, b []byte) {
		w := compactBlock(bytes.Clone(b))
		r, err := expandBlock(w)
		if err != nil || !bytes.Equal(r, b) {
			t.Fatalf("%x: written %x, read back %x (%v)", b, w, r, err)
		}
		_, _ = expandBlock(b) // never panics
	})
}

// compactChunks counts the chunks of pl's locations the index's hook
// rewrote (0 for a list not in zap's v17 layout).
func compactChunks(pl segment.PostingsList) int {
	p, ok := pl.(*zap.PostingsList)
	l := zapFields()
	if !ok || p == nil || l == nil {
		return 0
	}
	v := reflect.ValueOf(p).Elem()
	if v.Field(l.sb).IsNil() {
		return 0
	}
	sb := v.Field(l.sb).Elem()
	hooked := !sb.Field(l.fileReader).IsNil() && sb.Field(l.fileReader).Elem().Field(l.id).String() == locHookID
	s, ok := newLocStream(sb.Field(l.mem).Bytes(), v.Field(l.locOffset).Uint(), hooked)
	n := 0
	for ok && s.ready() {
		if s.compact {
			n++
		}
		s.cur = nil
	}
	return n
}

// TestLocStreamChunks: the block decoder's location stream reads a list
// whose chunks are compact, as zap wrote them (too short to rewrite) and
// empty, in turn, reading some postings and passing over others.
func TestLocStreamChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var postings [][]uint64
	var chunks [][]byte
	for _, n := range []int{40, 0, 1, 300, 0, 0, 2, 25} {
		ps := randomPostings(rng, n)
		postings = append(postings, ps...)
		raw := zapLocations(4, ps)
		chunks = append(chunks, compactBlock(raw))
	}
	// zap's layout: the number of chunks, their ends, the chunks.
	mem := []byte{0xff} // the list starts at offset 1
	mem = binary.AppendUvarint(mem, uint64(len(chunks)))
	end := 0
	for _, c := range chunks {
		end += len(c)
		mem = binary.AppendUvarint(mem, uint64(end))
	}
	mem = append(mem, bytes.Join(chunks, nil)...)
	s, ok := newLocStream(mem, 1, true)
	if !ok {
		t.Fatal("header not read")
	}
	compact := 0
	for i, want := range postings {
		if i%3 == 1 {
			s.skip()
			continue
		}
		if got := s.read(nil); !slices.Equal(got, want) {
			t.Fatalf("posting %d: %v, want %v", i, got, want)
		}
		if s.compact {
			compact++
		}
	}
	if s.ready() {
		t.Error("bytes left after the last posting")
	}
	if compact == 0 || compact == len(postings)-len(postings)/3 {
		t.Errorf("%d of the postings read from compact chunks: not the mix the test is for", compact)
	}
}
