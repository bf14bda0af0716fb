// Copied from github.com/klauspost/compress v1.20.1: hash4 and hash7 from
// s2/encode_better.go, load32 and load64 from s2/encode_all.go (changed:
// they read with encoding/binary, the s2 package's le helper being
// internal), and the loop that fills the dictionary's tables from
// s2/dict.go (Dict.initBetter; changed: it runs in New).
// Licence: LICENSE in this directory.
//
// Copyright 2016 The Snappy-Go Authors. All rights reserved.
// Copyright (c) 2019 Klaus Post. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package s2dict

import "encoding/binary"

// hash4 returns the hash of the lowest 4 bytes of u to fit in a hash table with h bits.
// Preferably h should be a constant and should always be <32.
func hash4(u uint64, h uint8) uint32 {
	const prime4bytes = 2654435761
	return (uint32(u) * prime4bytes) >> ((32 - h) & 31)
}

// hash7 returns the hash of the lowest 7 bytes of u to fit in a hash table with h bits.
// Preferably h should be a constant and should always be <64.
func hash7(u uint64, h uint8) uint32 {
	const prime7bytes = 58295818150454627
	return uint32(((u << (64 - 56)) * prime7bytes) >> ((64 - h) & 63))
}

func load32(b []byte, i int) uint32 {
	return binary.LittleEndian.Uint32(b[i:])
}

func load64(b []byte, i int) uint64 {
	return binary.LittleEndian.Uint64(b[i:])
}

// initBetter fills the dictionary's tables, as s2's Dict.initBetter does.
func (d *Dict) initBetter() {
	var lTable [1 << dictLongTableBits]uint16
	var sTable [1 << dictShortTableBits]uint16
	// We stop so any entry of length 8 can always be read.
	for i := 0; i < len(d.dict)-8; i++ {
		cv := load64(d.dict, i)
		lTable[hash7(cv, dictLongTableBits)] = uint16(i)
		sTable[hash4(cv, dictShortTableBits)] = uint16(i)
	}
	d.betterTableShort = &sTable
	d.betterTableLong = &lTable
}
