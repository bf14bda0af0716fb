// Package s2dict compresses small blocks with an S2 dictionary as
// klauspost/compress's s2.Dict.EncodeBetter does, producing standard S2
// blocks that s2.Dict.Decode reads with the same dictionary, without
// clearing S2's 576 kB of hash tables for every block: the tables for the
// input are sized to it (tableBits), so a kilobyte's record clears a few
// kilobytes. The dictionary's own tables keep S2's widths and are built
// once, in New.
//
// The encoder is a copy of s2's encodeBlockBetterDict (v1.20.1), changed
// only where the tables are; see the header of each file and LICENSE.
package s2dict

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"sync"

	"github.com/klauspost/compress/s2"
)

const (
	// S2's widths for the dictionary's tables (s2's Dict.initBetter).
	dictLongTableBits  = 17
	dictShortTableBits = 14
	// The widest tables for the input: S2's own.
	maxLongTableBits  = 17
	maxShortTableBits = 14

	inputMargin            = 8  // s2/encode.go
	minNonLiteralBlockSize = 32 // s2/encode.go
	MaxDictSrcOffset       = s2.MaxDictSrcOffset
)

// Dict is an S2 dictionary prepared for encoding. It is safe for
// concurrent use.
type Dict struct {
	dict   []byte
	repeat int // where in dict the first repeat offset points

	betterTableShort *[1 << dictShortTableBits]uint16
	betterTableLong  *[1 << dictLongTableBits]uint16
}

// New prepares the dictionary d for encoding.
func New(d *s2.Dict) (*Dict, error) {
	if d == nil {
		return nil, fmt.Errorf("s2dict: no dictionary")
	}
	b := d.Bytes()
	r, n := binary.Uvarint(b)
	if n <= 0 || r > uint64(len(b)-n) {
		return nil, fmt.Errorf("s2dict: the dictionary's repeat offset (%d bytes in) is malformed", n)
	}
	dict := b[n:]
	if len(dict) < s2.MinDictSize || len(dict) > s2.MaxDictSize {
		return nil, fmt.Errorf("s2dict: the dictionary is %d bytes, not %d to %d", len(dict), s2.MinDictSize, s2.MaxDictSize)
	}
	// Room for an 8-byte load at the end, as s2.NewDict keeps.
	dict = append(make([]byte, 0, len(dict)+16), dict...)
	out := &Dict{dict: dict, repeat: int(r)}
	out.initBetter()
	return out, nil
}

// tables are the hash tables for an input; encodeBlockBetterDict uses and
// clears only as much of them as tableBits gives.
type tables struct {
	lTable [1 << maxLongTableBits]uint32
	sTable [1 << maxShortTableBits]uint32
}

var tablePool = sync.Pool{New: func() any { return new(tables) }}

// tableBits returns the widths of the long and short tables for an input
// of n bytes: a power of two a few times n, at most S2's widths.
func tableBits(n int) (long, short uint8) {
	b := uint8(bits.Len(uint(n)))
	return min(b+longExtraBits, maxLongTableBits), min(b+shortExtraBits, maxShortTableBits)
}

const longExtraBits, shortExtraBits = 2, 1

// EncodeBetter returns the encoded form of src, as s2.Dict.EncodeBetter
// does: an S2 block for s2.Dict.Decode with the same dictionary. The
// returned slice may be a sub-slice of dst if dst was large enough.
// src must not be larger than s2's block size limit.
func (d *Dict) EncodeBetter(dst, src []byte) []byte {
	n := s2.MaxEncodedLen(len(src))
	if n < 0 {
		return nil
	}
	if len(dst) < n {
		dst = make([]byte, n)
	}
	// The block starts with the varint-encoded length of the decompressed bytes.
	dstP := binary.PutUvarint(dst, uint64(len(src)))
	if len(src) == 0 {
		return dst[:dstP]
	}
	if len(src) < minNonLiteralBlockSize {
		dstP += emitLiteral(dst[dstP:], src)
		return dst[:dstP]
	}
	if n := encodeBlockBetterDict(dst[dstP:], src, d); n > 0 {
		return dst[:dstP+n]
	}
	// Not compressible
	dstP += emitLiteral(dst[dstP:], src)
	return dst[:dstP]
}
