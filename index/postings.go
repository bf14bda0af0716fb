package index

import (
	"encoding/binary"
	"math"
	"math/bits"
	"reflect"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
)

// The free-word path (fast.go) reads postings lists whole, and zap's
// iterator hands them out one at a time: an interface call, a struct
// cleared, two varints read through a reader that checks its chunk on every
// call, and three more interface calls to read the posting back, about
// 35 ns a posting, half of the time of a query whose words are common (the
// feedback pass of a typo query at 1M: 61 words, a million postings).
// blockPostings decodes the same bytes a block at a time: the documents
// from the roaring bitmap with NextMany, then their frequencies and norms
// from one contiguous varint stream.
//
// zap keeps the layout of a postings list unexported, so it is read once
// per list through reflection (zapLayout), and the decoder is used only
// when every field it needs is where and what it expects, and the segment
// has no file callback (which could transform the bytes). Otherwise, or for
// any other segment format, the cursor walks zap's own iterator, which
// gives the same postings: TestBlockPostingsMatchZap checks every term of
// a multi-segment index with deletions, walked and advanced, both ways, and
// fails if the layout is not recognised.
//
// The layout (zapx v17, posting.go, intcoder.go): a postings list is a
// bitmap of document numbers and, at freqOffset, a chunked stream of
// uvarints. Its header is the number of chunks and each chunk's end
// (cumulative, from the end of the header); chunk i holds, in document
// order, the postings of documents [i·chunkSize, (i+1)·chunkSize), each a
// uvarint freq<<1|hasLocations and, when freq is not zero, the field's
// length (zap's "norm bits"). The chunks follow one another, so the stream
// of the whole list is read straight through, and an advance to a document
// some chunks ahead starts reading at its chunk (zap's PostingsList knows
// chunkSize; the chunks' count must be what the segment's documents make
// for it). A list of one posting keeps it in the
// dictionary instead (docNum1Hit, normBits1Hit: frequency 1, no
// locations). The locations, at locOffset, are a stream chunked the same
// way: for each posting with hasLocations set, a uvarint of the bytes its
// locations take, then each location's field, position, start, end and
// number of array positions, and those array positions (uvarints all).

const blockLen = 128

// zapLayout holds the indexes of the unexported fields blockPostings reads.
type zapLayout struct {
	sb, freqOffset, locOffset, postings, docNum1Hit, normBits1Hit, chunkSize int // in PostingsList
	mem, fileReader                                                          int // in SegmentBase
	processor, id                                                            int // in FileReader
}

// zapFields finds the fields once; nil when any is missing or of another
// type than the decoder expects.
var zapFields = sync.OnceValue(func() *zapLayout {
	field := func(t reflect.Type, name string, want reflect.Type) int {
		f, ok := t.FieldByName(name)
		if !ok || len(f.Index) != 1 || f.Type != want {
			return -1
		}
		return f.Index[0]
	}
	pl := reflect.TypeFor[zap.PostingsList]()
	sb := reflect.TypeFor[zap.SegmentBase]()
	fr := reflect.TypeFor[zap.FileReader]()
	u64 := reflect.TypeFor[uint64]()
	l := &zapLayout{
		sb:           field(pl, "sb", reflect.TypeFor[*zap.SegmentBase]()),
		freqOffset:   field(pl, "freqOffset", u64),
		locOffset:    field(pl, "locOffset", u64),
		postings:     field(pl, "postings", reflect.TypeFor[*roaring.Bitmap]()),
		docNum1Hit:   field(pl, "docNum1Hit", u64),
		normBits1Hit: field(pl, "normBits1Hit", u64),
		chunkSize:    field(pl, "chunkSize", u64),
		mem:          field(sb, "mem", reflect.TypeFor[[]byte]()),
		fileReader:   field(sb, "fileReader", reflect.TypeFor[*zap.FileReader]()),
		processor:    field(fr, "processor", reflect.TypeFor[func([]byte) ([]byte, error)]()),
		id:           field(fr, "id", reflect.TypeFor[string]()),
	}
	for _, i := range []int{l.sb, l.freqOffset, l.locOffset, l.postings, l.docNum1Hit, l.normBits1Hit, l.chunkSize, l.mem, l.fileReader, l.processor, l.id} {
		if i < 0 {
			return nil
		}
	}
	return l
})

// blockPostings is one postings list being decoded: its documents a block
// at a time, the frequency and norm of a posting only when the cursor stops
// there (an advance passes over the others' bytes without decoding them).
type blockPostings struct {
	docs [blockLen]uint32 // the block's documents, deleted ones too
	n, i int              // documents in the block, the current one
	dec  int              // postings of the block the stream has passed
	freq uint32           // the current posting's frequency
	bits uint32           // and zap's norm bits: the field's length

	it      roaring.ManyIntIterable // nil once the bitmap is drained
	fn      []byte                  // the freq/norm stream from posting dec on
	deleted *roaring.Bitmap         // postings left out (nil: none)

	// An advance to a document some chunks ahead moves the streams to its
	// chunk directly (seek) instead of passing over every posting before
	// it, as zap's own iterator does. chunkSize is zap's (documents a
	// chunk; 0: no seeking); fnChunks is the stream's chunks, fnEnds what
	// is left of its header (the chunks' cumulative ends), fnAt how many
	// of those have been read and fnEnd the last.
	chunkSize uint64
	fnChunks  []byte
	fnEnds    []byte
	fnAt      uint64
	fnEnd     uint64
	seeks     int // how many times it sought (tests)

	// With positions: the location stream from posting dec on, and the
	// current posting's positions.
	positions bool
	loc       locStream
	pos       []uint64
	// posOnly: the frequencies and norms are not read (positionsOnly).
	posOnly bool
}

// newBlockPostings returns a decoder for pl, or false when pl is not a zap
// v17 list it can read (the caller walks zap's iterator then). The
// exceptions pl was looked up with are not read: deleted names the postings
// to leave out.
func newBlockPostings(pl segment.PostingsList, deleted *roaring.Bitmap) (*blockPostings, bool) {
	return newBlock(pl, deleted, false)
}

// newBlockPositions is newBlockPostings that reads each posting's
// positions too (blockPostings.pos).
func newBlockPositions(pl segment.PostingsList, deleted *roaring.Bitmap) (*blockPostings, bool) {
	return newBlock(pl, deleted, true)
}

// positionsOnly makes b, reading positions, read nothing else: a posting's
// frequency is then the number of its positions, its norm unknown (0), and
// passing over a posting costs one hop of the location stream instead of
// two varints more. Only for a field whose every posting has locations: a
// field indexed with term vectors (fText, fAuthors), where Bleve gives
// every occurrence of a term its location, so that the frequency zap
// stores is their number. Before any posting is read.
func (b *blockPostings) positionsOnly() {
	b.posOnly = b.positions && b.it != nil
}

func newBlock(pl segment.PostingsList, deleted *roaring.Bitmap, positions bool) (*blockPostings, bool) {
	p, ok := pl.(*zap.PostingsList)
	l := zapFields()
	if !ok || p == nil || l == nil {
		return nil, false
	}
	v := reflect.ValueOf(p).Elem()
	b := &blockPostings{deleted: deleted, positions: positions}
	if deleted != nil && deleted.IsEmpty() {
		b.deleted = nil
	}
	if bits := v.Field(l.normBits1Hit).Uint(); bits != 0 {
		d := v.Field(l.docNum1Hit).Uint()
		if b.deleted == nil || !b.deleted.Contains(uint32(d)) {
			b.docs[0], b.freq, b.bits = uint32(d), 1, uint32(bits)
			b.n, b.dec = 1, 1 // loaded
		}
		return b, true
	}
	bm := (*roaring.Bitmap)(v.Field(l.postings).UnsafePointer())
	if bm == nil {
		return b, true // the empty list
	}
	sbv := v.Field(l.sb)
	if sbv.IsNil() {
		return nil, false
	}
	sb := sbv.Elem()
	hooked := false
	if fr := sb.Field(l.fileReader); !fr.IsNil() {
		hooked = fr.Elem().Field(l.id).String() == locHookID
		if !hooked && !fr.Elem().Field(l.processor).IsNil() {
			return nil, false // the bytes may be transformed on reading
		}
	}
	mem := sb.Field(l.mem).Bytes()
	fn, ends, chunks, ok := freqNormStream(mem, v.Field(l.freqOffset).Uint(), hooked)
	if !ok {
		return nil, false
	}
	b.fn = fn
	if positions {
		if b.loc, ok = newLocStream(mem, v.Field(l.locOffset).Uint(), hooked); !ok {
			return nil, false
		}
	}
	// Seeking needs the chunks zap wrote for chunkSize: as many as the
	// segment's documents make, in both streams.
	if size := v.Field(l.chunkSize).Uint(); size > 0 && fn != nil && chunks > 1 {
		if docs := (*zap.SegmentBase)(sbv.UnsafePointer()); docs.Count() > 0 &&
			(docs.Count()-1)/size+1 == chunks && (!positions || b.loc.chunks == chunks) {
			b.chunkSize, b.fnChunks, b.fnEnds = size, fn, ends
		}
	}
	b.it = bm.ManyIterator()
	return b, true
}

// freqNormStream returns the chunks of a list's frequencies and norms as
// one slice of mem, or false when its header does not fit in mem or, in a
// segment written with the index's file hook, a chunk ends like one the
// hook rewrote (locations.go: it never rewrites these, but then the bytes
// would not be zap's).
// It returns the header's chunk ends (uvarints) and how many chunks there
// are too.
func freqNormStream(mem []byte, off uint64, hooked bool) (data, ends []byte, chunks uint64, ok bool) {
	if off == 0 {
		return nil, nil, 0, true // not encoded: zap reads zeros
	}
	if off >= uint64(len(mem)) {
		return nil, nil, 0, false
	}
	rest := mem[off:]
	chunks, n := binary.Uvarint(rest)
	if n <= 0 || chunks > uint64(len(rest)) {
		return nil, nil, 0, false
	}
	rest = rest[n:]
	ends = rest
	var end uint64
	for range chunks {
		e, n := binary.Uvarint(rest)
		if n <= 0 || e < end {
			return nil, nil, 0, false
		}
		end, rest = e, rest[n:]
	}
	if end > uint64(len(rest)) {
		return nil, nil, 0, false
	}
	data = rest[:end]
	ends = ends[:len(ends)-len(rest)]
	for prev, h := uint64(0), ends; hooked && len(h) > 0; {
		var e uint64
		e, h = uvarint(h)
		if hasTrailer(data[prev:e]) {
			return nil, nil, 0, false
		}
		prev = e
	}
	return data, ends, chunks, true
}

// fill moves the stream past what is left of the block and reads the next
// block's documents; false when the list is done.
func (b *blockPostings) fill() bool {
	b.skip(b.n - b.dec)
	b.i, b.dec, b.n = 0, 0, 0
	if b.it == nil {
		return false
	}
	b.n = b.it.NextMany(b.docs[:])
	if b.n == 0 {
		b.it = nil
		return false
	}
	return true
}

// skip moves the stream past k postings: a uvarint freq<<1|hasLocations
// each, and a uvarint norm unless the frequency is 0.
func (b *blockPostings) skip(k int) {
	if b.positions {
		b.skipWithLocations(k)
		return
	}
	b.dec += k
	fn := b.fn
	for ; k > 0 && len(fn) > 0; k-- {
		if c := fn[0]; c < 0x80 {
			fn = fn[1:]
			if c < 2 {
				continue // frequency 0: no norm
			}
		} else {
			fn = skipUvarint(fn)
		}
		fn = skipUvarint(fn)
	}
	b.fn = fn
}

// skipWithLocations is skip for a decoder reading positions: the location
// stream moves past the skipped postings' locations too.
func (b *blockPostings) skipWithLocations(k int) {
	if b.posOnly {
		b.dec += k
		b.loc.skipN(k)
		return
	}
	b.dec += k
	fn := b.fn
	for ; k > 0 && len(fn) > 0; k-- {
		var v uint64
		v, fn = uvarint(fn)
		if v>>1 != 0 {
			fn = skipUvarint(fn)
		}
		if v&1 != 0 {
			b.loc.skip()
		}
	}
	b.fn = fn
}

// skipUvarint returns s past its first uvarint. A norm is five bytes
// (a float32's bits): eight bytes are looked at in one word where s has
// them, for the first byte without the continuation bit.
func skipUvarint(s []byte) []byte {
	if len(s) >= 8 {
		if ends := ^binary.LittleEndian.Uint64(s) & 0x8080808080808080; ends != 0 {
			return s[bits.TrailingZeros64(ends)/8+1:]
		}
	}
	for i, c := range s {
		if c < 0x80 {
			return s[i+1:]
		}
	}
	return nil
}

// load decodes the current posting's frequency and norm.
func (b *blockPostings) load() {
	if b.i < b.dec {
		return // loaded (a list of one)
	}
	b.skip(b.i - b.dec)
	if b.posOnly {
		b.readPositions(true)
		b.freq, b.bits = uint32(len(b.pos)), 0
		b.dec = b.i + 1
		return
	}
	var freq, bits uint64
	if len(b.fn) > 0 {
		freq, b.fn = uvarint(b.fn)
		if b.positions {
			b.readPositions(freq&1 != 0)
		}
		freq >>= 1
		if freq != 0 {
			bits, b.fn = uvarint(b.fn)
		}
	} else if b.positions {
		b.pos = b.pos[:0]
	}
	b.freq, b.bits = uint32(freq), uint32(bits)
	b.dec = b.i + 1
}

// readPositions reads the current posting's locations (when it has any)
// into b.pos: the position of each, in the order stored.
func (b *blockPostings) readPositions(has bool) {
	b.pos = b.pos[:0]
	if has {
		b.pos = b.loc.read(b.pos)
	}
}

// settle moves from the current document past deleted ones, to the next
// blocks as needed, and loads the posting it stops at; false at the end.
func (b *blockPostings) settle() bool {
	for {
		if b.i >= b.n {
			if !b.fill() {
				return false
			}
			continue
		}
		if b.deleted != nil && b.deleted.Contains(b.docs[b.i]) {
			b.i++
			continue
		}
		b.load()
		return true
	}
}

// zapNorm is the norm zap v17's Posting.Norm gives for the bits it stores
// (the field's length): 1/√length, rounded to a float32; and fieldLength
// the length Bleve's BM25 computes back from it, 1/norm². Lengths below
// len(norms) are looked up.
func zapNorm(bits uint32) (norm, fieldLength float64) {
	if int(bits) < len(norms) {
		return norms[bits], lengths[bits]
	}
	norm = normOf(bits)
	return norm, 1 / (norm * norm)
}

func normOf(bits uint32) float64 {
	return float64(float32(1.0 / math.Sqrt(float64(bits))))
}

var norms, lengths = func() (n, l [4096]float64) {
	for i := range n {
		n[i] = normOf(uint32(i))
		l[i] = 1 / (n[i] * n[i])
	}
	return n, l
}()

// uvarint reads one uvarint from s; a value cut short reads as what was
// there, and the stream ends (zap's reader returns zeros past the end).
func uvarint(s []byte) (uint64, []byte) {
	if len(s) > 0 && s[0] < 0x80 {
		return uint64(s[0]), s[1:]
	}
	v, n := binary.Uvarint(s)
	if n <= 0 {
		return v, nil
	}
	return v, s[n:]
}

// first positions b at its first posting; false when it has none.
func (b *blockPostings) first() bool {
	if b.n > 0 {
		return true // a list of one, loaded
	}
	return b.settle()
}

// next moves to the following posting; false at the end.
func (b *blockPostings) next() bool {
	b.i++
	return b.settle()
}

// advance moves to the first posting at or after d; false at the end.
func (b *blockPostings) advance(d uint32) bool {
	if b.chunkSize != 0 && uint64(d)/b.chunkSize > uint64(b.docs[b.n-1])/b.chunkSize && !b.seek(d) {
		return false
	}
	for b.docs[b.n-1] < d {
		if !b.fill() {
			return false
		}
	}
	for b.docs[b.i] < d {
		b.i++
	}
	return b.settle()
}

// seek moves the decoder to the first posting in d's chunk or after it,
// without reading the postings before it: the documents a block at a time,
// the streams straight to the chunk's start. The chunk must be beyond the
// current block's last document's (the streams have not entered it yet).
// False when the list has no posting there.
func (b *blockPostings) seek(d uint32) bool {
	b.seeks++
	c := uint64(d) / b.chunkSize
	start := c * b.chunkSize
	for {
		if b.it == nil {
			b.n = 0
			return false
		}
		if b.n = b.it.NextMany(b.docs[:]); b.n == 0 {
			b.it = nil
			return false
		}
		if uint64(b.docs[b.n-1]) >= start {
			break
		}
	}
	i := 0
	for uint64(b.docs[i]) < start {
		i++
	}
	b.i, b.dec = i, i
	// The freq/norm stream from the end of chunk c-1.
	for b.fnAt < c && len(b.fnEnds) > 0 {
		b.fnEnd, b.fnEnds = uvarint(b.fnEnds)
		b.fnAt++
	}
	b.fn = b.fnChunks[min(b.fnEnd, uint64(len(b.fnChunks))):]
	if b.positions {
		b.loc.seek(c)
	}
	return true
}
