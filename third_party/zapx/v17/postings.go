//  Copyright (c) 2026 paperbot's authors. Changes to zap v17.2.5 (Couchbase, Inc.):
//  third_party/zapx/README.paperbot.md.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//	http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package zap

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
)

// A segment built in memory writes its terms' postings in the order of
// its dictionaries. Upstream encoded each term's postings (frequencies
// and norms, locations, the bitmap of its documents) and wrote them in
// that one loop, on one goroutine: a quarter of a bulk ingest's time,
// with the other core often idle. Here every term's postings are encoded
// first, on all cores, each into its encoder's arena (encodePostings),
// and the loop only writes them where they go in the file (writePiece):
// the bytes are the same (TestPostingsEncodedOnAllCores).

// postingsWorkers is how many goroutines encode postings: 0 is GOMAXPROCS.
var postingsWorkers = 0

// referencePostings, set by tests, encodes and writes a term's postings
// as upstream's writeDicts did, in the place of encodePostings and
// writePiece.
var referencePostings func(io *invertedIndexOpaque, pid int, w *FileWriter) (uint64, error)

// postingsPiece is where a term's encoded postings are: in the arena of
// encoder arena, from start, its frequencies and norms (tfLen bytes: a
// chunkedIntCoder's Write, or none), then its locations (locLen bytes,
// the same), then its bitmap (roarLen bytes, roaring's serialisation).
type postingsPiece struct {
	arena, start           int
	tfLen, locLen, roarLen int
	empty                  bool // no documents: nothing is written
}

// postingsEncoder encodes terms' postings into its arena.
type postingsEncoder struct {
	tf, loc      *chunkedIntCoder
	bitmap       *roaring.Bitmap
	arena        bytes.Buffer
	bytesWritten uint64
}

// encodeTerm encodes the postings of the term pid as upstream's
// writeDicts did (its loop, then writePostings), into e's arena.
func (io *invertedIndexOpaque) encodeTerm(e *postingsEncoder, pid int) (postingsPiece, error) {
	docs := io.Docs[pid]
	if len(docs) == 0 {
		return postingsPiece{empty: true}, nil
	}
	freqNorms := io.FreqNorms[pid]
	locs := io.Locs[pid]
	maxDocNum := uint64(len(io.results) - 1)

	chunkSize, err := getChunkSize(io.chunkMode, uint64(len(docs)), uint64(len(io.results)))
	if err != nil {
		return postingsPiece{}, err
	}
	e.tf.SetChunkSize(chunkSize, maxDocNum)
	e.loc.SetChunkSize(chunkSize, maxDocNum)

	locOffset := 0
	for i, d := range docs {
		docNum := uint64(d)
		freqNorm := freqNorms[i]

		// check if freq/norm is enabled
		if freqNorm.freq > 0 {
			err = e.tf.Add(docNum,
				encodeFreqHasLocs(freqNorm.freq, freqNorm.numLocs > 0),
				uint64(math.Float32bits(freqNorm.norm)))
		} else {
			// if disabled, then skip the norm part
			err = e.tf.Add(docNum,
				encodeFreqHasLocs(freqNorm.freq, freqNorm.numLocs > 0))
		}
		if err != nil {
			return postingsPiece{}, err
		}

		if freqNorm.numLocs > 0 {
			numBytesLocs := 0
			for _, loc := range locs[locOffset : locOffset+freqNorm.numLocs] {
				if loc.ext < 0 {
					numBytesLocs += numUvarintBytes(uint64(loc.fieldID)) + numUvarintBytes(loc.pos) + 3
					continue
				}
				x := &io.locExt[loc.ext]
				numBytesLocs += totalUvarintBytes(
					uint64(loc.fieldID), loc.pos, x.start, x.end,
					uint64(len(x.arrayposs)), x.arrayposs)
			}

			err = e.loc.Add(docNum, uint64(numBytesLocs))
			if err != nil {
				return postingsPiece{}, err
			}
			for _, loc := range locs[locOffset : locOffset+freqNorm.numLocs] {
				var x interimLocExt
				if loc.ext >= 0 {
					x = io.locExt[loc.ext]
				}
				err = e.loc.Add(docNum,
					uint64(loc.fieldID), loc.pos, x.start, x.end,
					uint64(len(x.arrayposs)))
				if err != nil {
					return postingsPiece{}, err
				}

				err = e.loc.Add(docNum, x.arrayposs...)
				if err != nil {
					return postingsPiece{}, err
				}
			}
			locOffset += freqNorm.numLocs
		}
	}

	e.tf.Close()
	e.loc.Close()
	e.bytesWritten += e.loc.getBytesWritten() + e.tf.getBytesWritten()

	p := postingsPiece{start: e.arena.Len()}
	if e.tf.FinalSize() > 0 {
		if p.tfLen, err = e.tf.Write(&e.arena); err != nil {
			return postingsPiece{}, err
		}
	}
	if e.loc.FinalSize() > 0 {
		if p.locLen, err = e.loc.Write(&e.arena); err != nil {
			return postingsPiece{}, err
		}
	}
	e.bitmap.Clear()
	e.bitmap.AddMany(docs)
	n, err := e.bitmap.WriteTo(&e.arena)
	if err != nil {
		return postingsPiece{}, err
	}
	p.roarLen = int(n)

	e.tf.Reset()
	e.loc.Reset()
	return p, nil
}

// encodePostings encodes every term's postings into io.pieces, on all
// cores. A segment built in memory is written without file callbacks.
func (io *invertedIndexOpaque) encodePostings(w *FileWriter) error {
	if w.processor != nil {
		return fmt.Errorf("zap: a segment built in memory is written with a file callback")
	}
	npids := len(io.Docs)
	if cap(io.pieces) >= npids {
		io.pieces = io.pieces[:npids]
	} else {
		io.pieces = make([]postingsPiece, npids)
	}
	workers := postingsWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const grab = 256 // terms a worker takes at a time
	workers = max(1, min(workers, (npids+grab-1)/grab))
	for len(io.encoders) < workers {
		io.encoders = append(io.encoders, &postingsEncoder{
			tf:     newChunkedIntCoder(1024, uint64(len(io.results)-1)),
			loc:    newChunkedIntCoder(1024, uint64(len(io.results)-1)),
			bitmap: roaring.New(),
		})
	}
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for wi := range workers {
		e := io.encoders[wi]
		e.arena.Reset()
		e.bytesWritten = 0
		wg.Go(func() {
			for {
				from := int(next.Add(grab)) - grab
				if from >= npids {
					return
				}
				for pid := from; pid < min(from+grab, npids); pid++ {
					p, err := io.encodeTerm(e, pid)
					if err != nil {
						errs[wi] = err
						return
					}
					p.arena = wi
					io.pieces[pid] = p
				}
			}
		})
	}
	wg.Wait()
	for wi, err := range errs {
		if err != nil {
			return err
		}
		io.incrementBytesWritten(io.encoders[wi].bytesWritten)
	}
	return nil
}

// encoderData is the arenas the pieces are in.
func (io *invertedIndexOpaque) encoderData() [][]byte {
	data := make([][]byte, len(io.encoders))
	for i, e := range io.encoders {
		data[i] = e.arena.Bytes()
	}
	return data
}

// writePiece writes a term's encoded postings to w as writePostings
// does, and returns where they start (0: nothing written).
func writePiece(p postingsPiece, data [][]byte, w *FileWriter) (uint64, error) {
	if p.empty {
		return 0, nil
	}
	b := data[p.arena][p.start:]
	var tfOffset, locOffset uint64
	if p.tfLen > 0 {
		tfOffset = uint64(w.Count())
		if _, err := w.Write(b[:p.tfLen]); err != nil {
			return 0, err
		}
	}
	b = b[p.tfLen:]
	if p.locLen > 0 {
		locOffset = uint64(w.Count())
		if _, err := w.Write(b[:p.locLen]); err != nil {
			return 0, err
		}
	}
	b = b[p.locLen:]
	postingsOffset := uint64(w.Count())
	var buf [3 * binary.MaxVarintLen64]byte
	n := binary.PutUvarint(buf[:], tfOffset)
	n += binary.PutUvarint(buf[n:], locOffset)
	n += binary.PutUvarint(buf[n:], uint64(p.roarLen))
	if _, err := w.Write(buf[:n]); err != nil {
		return 0, err
	}
	if _, err := w.Write(b[:p.roarLen]); err != nil {
		return 0, err
	}
	return postingsOffset, nil
}
