package index

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
)

// Word positions, written compactly.
//
// zap writes every occurrence of a word with its location: five uvarints
// (the field, the position, the start and end offsets and the number of
// array positions), after a uvarint of the bytes a posting's locations
// take. The index keeps positions only (documents.go zeroes the offsets),
// so four of the five say nothing, and they were a third of the index
// (issue 18: 510 MiB of 1.57 GiB at 1M papers). zap hands every block it
// writes to a hook of bleve_index_api (WriterHook, meant for encryption or
// compression) and every block it reads back to its pair (ReaderHook);
// the index's hooks rewrite a chunk of a locations stream as
//
//	field, then for each posting: the bytes its positions take, the first
//	position, and the gaps to the next (uvarints all)
//
// followed by a trailer: a tag byte and locMagic. Any other block is
// written as it is, unless it happens to end like a trailer: then it is
// kept whole with the escape tag. What the reader hook gives back is byte
// for byte what zap wrote (a chunk is rewritten only when it is exactly
// the zap encoding of what the compact form holds), so every reader of
// the segment, zap's and Bleve's, sees zap's own format. Only the free-word
// path's block decoder reads the bytes in place (postings.go): it reads the
// compact chunks as they are and refuses a frequency stream that carries a
// trailer.
//
// Only merges write with the hook (locPlugin): segments written with it
// say so in their footer (locHookID). zap merges them by copying
// postings' bytes as read, which the published zap does only for
// segments without hooks (it decoded and encoded every posting: a
// quarter of a 1M ingest's CPU went to merges); the copy in third_party
// asks the hook's id (zap.KeepsFormat). A segment built in memory is written to its file as it is (with
// the hook, zap would write it through a merge of its own), and merged
// later. Segments written before read as before.

// locHookID names the hooks in a segment's footer.
const locHookID = "paperbot.locations.1"

// The trailer of a rewritten block: a tag, then locMagic. Its last byte
// has the continuation bit set, so no stream of uvarints (frequencies,
// locations) ends like a trailer: only blocks of other bytes (bitmaps,
// dictionaries, stored fields) are ever escaped.
var locMagic = [3]byte{0xb3, 0x71, 0xe5}

const (
	trailerLen = 1 + len(locMagic)
	tagEscaped = 0 // the block as zap wrote it
	tagCompact = 1 // a locations chunk, compact
	// minCompact is the smallest block worth trying: shorter ones rarely
	// shrink by more than the trailer.
	minCompact = 24
)

func init() {
	bindex.WriterHook = locWriterHook
	bindex.ReaderHook = locReaderHook
	// What expandBlock gives back is what zap wrote: a merge may copy
	// postings' bytes as read (third_party/zapx/README.paperbot.md).
	zap.KeepsFormat = func(id string) bool { return id == locHookID }
	scorch.RegisterSegmentPlugin(&locPlugin{&zap.ZapPlugin{}}, true)
}

// merging holds the paths of the segments being merged: zap names the
// file it writes to its hook, nothing else.
var merging sync.Map

// locPlugin is zap v17 (in its place among scorch's segment formats: the
// files are zap's) whose merges write through the hook.
type locPlugin struct{ *zap.ZapPlugin }

func (p *locPlugin) Merge(segs []segment.Segment, drops []*roaring.Bitmap, path string,
	closeCh chan struct{}, s segment.StatsReporter) ([][]uint64, uint64, error) {
	merging.Store(path, struct{}{})
	defer merging.Delete(path)
	return p.ZapPlugin.Merge(segs, drops, path, closeCh, s)
}

func (p *locPlugin) MergeUsing(segs []segment.Segment, drops []*roaring.Bitmap, path string,
	closeCh chan struct{}, s segment.StatsReporter, config map[string]any) ([][]uint64, uint64, error) {
	merging.Store(path, struct{}{})
	defer merging.Delete(path)
	return p.ZapPlugin.MergeUsing(segs, drops, path, closeCh, s, config)
}

// locWriterHook rewrites the blocks of segments a merge writes.
func locWriterHook(context []byte) (string, func([]byte) []byte, error) {
	if _, ok := merging.Load(string(context)); !ok {
		return "", nil, nil
	}
	return locHookID, compactBlock, nil
}

var errUnknownHook = errors.New("index: segment written by an unknown file hook (a newer paperbot?)")

func locReaderHook(id string, _ []byte) (func([]byte) ([]byte, error), error) {
	switch id {
	case "":
		return nil, nil
	case locHookID:
		return expandBlock, nil
	}
	return nil, errUnknownHook
}

// hasTrailer reports whether b ends with locMagic.
func hasTrailer(b []byte) bool {
	n := len(b)
	return n >= trailerLen && b[n-3] == locMagic[0] && b[n-2] == locMagic[1] && b[n-1] == locMagic[2]
}

// compactBlock is the writer hook's processor.
func compactBlock(data []byte) []byte {
	if c, ok := compactLocations(data); ok {
		return c
	}
	if hasTrailer(data) {
		out := make([]byte, 0, len(data)+trailerLen)
		out = append(out, data...)
		return append(out, tagEscaped, locMagic[0], locMagic[1], locMagic[2])
	}
	return data
}

// expandBlock is the reader hook's processor.
func expandBlock(data []byte) ([]byte, error) {
	if !hasTrailer(data) {
		return data, nil
	}
	body := data[:len(data)-trailerLen]
	switch data[len(data)-trailerLen] {
	case tagEscaped:
		return body, nil
	case tagCompact:
		return expandLocations(body)
	}
	return nil, errCorruptLocations
}

var errCorruptLocations = errors.New("index: corrupt compact locations chunk")

// strictUvarint reads a uvarint written as zap writes them (the shortest
// encoding); false otherwise.
func strictUvarint(b []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 || n != uvarintLen(v) {
		return 0, nil, false
	}
	return v, b[n:], true
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// compactLocations rewrites a chunk of a locations stream in the compact
// form, with its trailer; false when data is not one (or would not
// shrink). Each posting must have at least one location, all of one
// field, with zero offsets, no array positions and positions in order.
func compactLocations(data []byte) ([]byte, bool) {
	if len(data) < minCompact {
		return nil, false
	}
	out := make([]byte, 0, len(data)/2+16)
	var pos [64]uint64
	field, first := uint64(0), true
	rest := data
	for len(rest) > 0 {
		n, r, ok := strictUvarint(rest)
		if !ok || n == 0 || n > uint64(len(r)) {
			return nil, false
		}
		locs := r[:n]
		rest = r[n:]
		ps := pos[:0]
		for len(locs) > 0 {
			var f, p uint64
			if k := shortLocation(locs); k > 0 {
				// the usual location, read without strictUvarint's calls
				f, p = uint64(locs[0]), uint64(locs[1])
				if k == 6 {
					p = p&0x7f | uint64(locs[2])<<7
				}
				locs = locs[k:]
			} else {
				var start, end, arrays uint64
				if f, locs, ok = strictUvarint(locs); !ok {
					return nil, false
				}
				if p, locs, ok = strictUvarint(locs); !ok {
					return nil, false
				}
				if start, locs, ok = strictUvarint(locs); !ok || start != 0 {
					return nil, false
				}
				if end, locs, ok = strictUvarint(locs); !ok || end != 0 {
					return nil, false
				}
				if arrays, locs, ok = strictUvarint(locs); !ok || arrays != 0 {
					return nil, false
				}
			}
			if first {
				field, first = f, false
				out = binary.AppendUvarint(out, field)
			} else if f != field {
				return nil, false
			}
			if len(ps) > 0 && p < ps[len(ps)-1] {
				return nil, false
			}
			ps = append(ps, p)
		}
		size, prev := 0, uint64(0)
		for _, p := range ps {
			size += uvarintLen(p - prev)
			prev = p
		}
		out = binary.AppendUvarint(out, uint64(size))
		prev = 0
		for _, p := range ps {
			out = binary.AppendUvarint(out, p-prev)
			prev = p
		}
		if len(out)+trailerLen >= len(data) {
			return nil, false
		}
	}
	return append(out, tagCompact, locMagic[0], locMagic[1], locMagic[2]), true
}

// shortLocation is the length of the location at the start of b when it
// is the usual one, a field of one byte and a position of one or two
// (the shortest encodings) with zero offsets and no array positions: 5
// or 6 bytes; 0 otherwise.
func shortLocation(b []byte) int {
	if len(b) < 5 || b[0] >= 0x80 {
		return 0
	}
	k := 2
	if b[1] >= 0x80 {
		if len(b) < 6 || b[2] == 0 || b[2] >= 0x80 {
			return 0
		}
		k = 3
	}
	if b[k] != 0 || b[k+1] != 0 || b[k+2] != 0 {
		return 0
	}
	return k + 3
}

// expandLocations is the inverse of compactLocations (without the trailer).
func expandLocations(c []byte) ([]byte, error) {
	field, c, ok := strictUvarint(c)
	if !ok {
		return nil, errCorruptLocations
	}
	fl := uvarintLen(field)
	out := make([]byte, 0, 4*len(c)+16)
	for len(c) > 0 {
		var n uint64
		if n, c, ok = strictUvarint(c); !ok || n == 0 || n > uint64(len(c)) {
			return nil, errCorruptLocations
		}
		gaps := c[:n]
		c = c[n:]
		// The bytes the locations take, from the positions.
		size, p, r := 0, uint64(0), gaps
		for len(r) > 0 {
			var d uint64
			if d, r, ok = strictUvarint(r); !ok {
				return nil, errCorruptLocations
			}
			p += d
			size += fl + uvarintLen(p) + 3
		}
		out = binary.AppendUvarint(out, uint64(size))
		p = 0
		for len(gaps) > 0 {
			var d uint64
			d, gaps, _ = strictUvarint(gaps)
			p += d
			out = binary.AppendUvarint(out, field)
			out = binary.AppendUvarint(out, p)
			out = append(out, 0, 0, 0)
		}
	}
	return out, nil
}

// locStream reads a list's locations in place, chunk by chunk, in zap's
// form or the compact one: the positions of each posting in turn.
type locStream struct {
	ends    []byte // the uvarint ends of the chunks not yet read
	data    []byte // the chunks
	prev    uint64 // the end of the current chunk
	cur     []byte // what is left of the current chunk
	compact bool   // cur is compact
	hooked  bool   // the segment was written with the hook: chunks may have trailers
	chunks  uint64 // how many chunks the stream has
	next    uint64 // the chunk ready reads next
}

// newLocStream reads the locations stream at off in mem, of a segment
// written with the index's hook or not; false when its header does not
// fit.
func newLocStream(mem []byte, off uint64, hooked bool) (locStream, bool) {
	if off == 0 {
		return locStream{}, true
	}
	if off >= uint64(len(mem)) {
		return locStream{}, false
	}
	rest := mem[off:]
	chunks, n := binary.Uvarint(rest)
	if n <= 0 || chunks > uint64(len(rest)) {
		return locStream{}, false
	}
	ends := rest[n:]
	rest = ends
	var end uint64
	for range chunks {
		e, n := binary.Uvarint(rest)
		if n <= 0 || e < end {
			return locStream{}, false
		}
		end, rest = e, rest[n:]
	}
	if end > uint64(len(rest)) {
		return locStream{}, false
	}
	return locStream{ends: ends[:len(ends)-len(rest)], data: rest[:end], hooked: hooked, chunks: chunks}, true
}

// seek moves to the start of chunk c (not before the current one's end):
// the next posting read is its first.
func (s *locStream) seek(c uint64) {
	for s.next < c && len(s.ends) > 0 {
		s.prev, s.ends = uvarint(s.ends)
		s.next++
	}
	s.cur = nil
}

// ready moves to the next chunk with bytes when the current one is done;
// false at the end of the stream.
func (s *locStream) ready() bool {
	for len(s.cur) == 0 {
		if len(s.ends) == 0 {
			return false
		}
		var e uint64
		e, s.ends = uvarint(s.ends)
		chunk := s.data[min(s.prev, e):e]
		s.prev = e
		s.next++
		s.compact = false
		if s.hooked && hasTrailer(chunk) {
			s.compact = chunk[len(chunk)-trailerLen] == tagCompact
			chunk = chunk[:len(chunk)-trailerLen]
			if s.compact {
				_, chunk = uvarint(chunk) // the field
			}
		}
		s.cur = chunk
	}
	return true
}

// skip passes over a posting's locations.
func (s *locStream) skip() {
	if !s.ready() {
		return
	}
	n, c := uvarint(s.cur)
	s.cur = c[min(n, uint64(len(c))):]
}

// skipN passes over k postings' locations: skip's loop, with the current
// chunk in a local.
func (s *locStream) skipN(k int) {
	cur := s.cur
	for ; k > 0; k-- {
		if len(cur) == 0 {
			if s.cur = cur; !s.ready() {
				return
			}
			cur = s.cur
		}
		n := uint64(cur[0])
		if n < 0x80 {
			cur = cur[1:]
		} else {
			n, cur = uvarint(cur)
		}
		cur = cur[min(n, uint64(len(cur))):]
	}
	s.cur = cur
}

// read appends a posting's positions to pos.
func (s *locStream) read(pos []uint64) []uint64 {
	if !s.ready() {
		return pos
	}
	n, c := uvarint(s.cur)
	locs := c[:min(n, uint64(len(c)))]
	s.cur = c[len(locs):]
	if s.compact {
		p := uint64(0)
		for len(locs) > 0 {
			var d uint64
			d, locs = uvarint(locs)
			p += d
			pos = append(pos, p)
		}
		return pos
	}
	for len(locs) > 0 {
		var p, arrayPositions uint64
		locs = skipUvarint(locs) // field
		p, locs = uvarint(locs)
		locs = skipUvarint(skipUvarint(locs)) // start, end
		arrayPositions, locs = uvarint(locs)
		for ; arrayPositions > 0 && len(locs) > 0; arrayPositions-- {
			locs = skipUvarint(locs)
		}
		pos = append(pos, p)
	}
	return pos
}
