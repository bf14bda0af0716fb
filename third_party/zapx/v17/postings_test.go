//  Copyright (c) 2026 paperbot's authors. Tests of changes to zap v17.2.5
//  (Couchbase, Inc.): third_party/zapx/README.paperbot.md.
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
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// upstreamPostings is v17.2.5's writeDicts loop body for one term, as it
// was (the bitmap added to document by document, as its process did).
func upstreamPostings(io *invertedIndexOpaque, pid int, w *FileWriter) (uint64, error) {
	tfEncoder := newChunkedIntCoder(1024, uint64(len(io.results)-1))
	locEncoder := newChunkedIntCoder(1024, uint64(len(io.results)-1))
	buf := make([]byte, 10)

	postingsBS := roaring.New()
	for _, d := range io.Docs[pid] {
		postingsBS.Add(d)
	}

	freqNorms := io.FreqNorms[pid]
	freqNormOffset := 0

	locs := io.Locs[pid]
	locOffset := 0

	var cardinality uint64
	if postingsBS != nil {
		cardinality = postingsBS.GetCardinality()
	}
	chunkSize, err := getChunkSize(io.chunkMode, cardinality, uint64(len(io.results)))
	if err != nil {
		return 0, err
	}
	tfEncoder.SetChunkSize(chunkSize, uint64(len(io.results)-1))
	locEncoder.SetChunkSize(chunkSize, uint64(len(io.results)-1))

	postingsItr := postingsBS.Iterator()
	for postingsItr.HasNext() {
		docNum := uint64(postingsItr.Next())

		freqNorm := freqNorms[freqNormOffset]

		// check if freq/norm is enabled
		if freqNorm.freq > 0 {
			err = tfEncoder.Add(docNum,
				encodeFreqHasLocs(freqNorm.freq, freqNorm.numLocs > 0),
				uint64(math.Float32bits(freqNorm.norm)))
		} else {
			// if disabled, then skip the norm part
			err = tfEncoder.Add(docNum,
				encodeFreqHasLocs(freqNorm.freq, freqNorm.numLocs > 0))
		}
		if err != nil {
			return 0, err
		}

		if freqNorm.numLocs > 0 {
			numBytesLocs := 0
			for _, loc := range locs[locOffset : locOffset+freqNorm.numLocs] {
				x := io.locRest(loc)
				numBytesLocs += totalUvarintBytes(
					uint64(loc.fieldID), loc.pos, x.start, x.end,
					uint64(len(x.arrayposs)), x.arrayposs)
			}

			err = locEncoder.Add(docNum, uint64(numBytesLocs))
			if err != nil {
				return 0, err
			}
			for _, loc := range locs[locOffset : locOffset+freqNorm.numLocs] {
				x := io.locRest(loc)
				err = locEncoder.Add(docNum,
					uint64(loc.fieldID), loc.pos, x.start, x.end,
					uint64(len(x.arrayposs)))
				if err != nil {
					return 0, err
				}

				err = locEncoder.Add(docNum, x.arrayposs...)
				if err != nil {
					return 0, err
				}
			}
			locOffset += freqNorm.numLocs
		}

		freqNormOffset++
	}

	tfEncoder.Close()
	locEncoder.Close()

	return writePostings(postingsBS, tfEncoder, locEncoder, nil, w, buf)
}

// locRest is the offsets and array positions of a location.
func (io *invertedIndexOpaque) locRest(l interimLoc) interimLocExt {
	if l.ext < 0 {
		return interimLocExt{}
	}
	return io.locExt[l.ext]
}

// listerField is a stubField that lists its terms (TermsLister), as
// paperbot's text fields do.
type listerField struct {
	*stubField
	terms []index.TokenFreq
}

func (f listerField) AnalyzedTerms() []index.TokenFreq { return f.terms }

// lister makes f a listerField with the same terms.
func lister(f *stubField) listerField {
	keys := make([]string, 0, len(f.analyzedFreqs))
	for k := range f.analyzedFreqs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	l := listerField{stubField: f}
	for _, k := range keys {
		l.terms = append(l.terms, *f.analyzedFreqs[k])
	}
	return l
}

// manyDocs are n documents of words drawn with Zipf's law (some in most
// documents, bitmaps of more than 4,096 of them, chunks of 1,024; most
// in a few), in fields with and without locations, offsets, array
// positions, doc values and stored values, some listing their terms
// (TermsLister), and a composite field.
func manyDocs(n int) []index.Document {
	rng := rand.New(rand.NewPCG(7, 11))
	zipf := rand.NewZipf(rng, 1.1, 2, 20000)
	words := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = fmt.Sprintf("w%d", zipf.Uint64())
		}
		return strings.Join(w, " ")
	}
	docs := make([]index.Document, n)
	for i := range docs {
		var arrays []uint64
		if i%7 == 0 {
			arrays = []uint64{uint64(i % 3), 1}
		}
		fields := []*stubField{
			newStubFieldSplitString("_id", nil, fmt.Sprintf("doc-%05d", i), true, false, false),
			newStubFieldSplitString("body", nil, words(20+rng.IntN(80)), false, false, true),
			newStubFieldSplitString("title", arrays, words(3+rng.IntN(8)), true, false, true),
			newStubFieldSplitString("tags", nil, words(1+rng.IntN(3)), false, true, false),
		}
		positions := newStubFieldSplitString("text", nil, words(30+rng.IntN(120)), false, false, true)
		for _, tf := range positions.analyzedFreqs { // positions alone, as paperbot's
			for _, l := range tf.Locations {
				l.Start, l.End = 0, 0
			}
		}
		fields = append(fields, positions)
		if i%5 == 0 { // a field of two instances, merged
			fields = append(fields, newStubFieldSplitString("tags", nil, words(2), false, true, false))
		}
		doc := listerDoc{newStubDocument(fmt.Sprintf("doc-%05d", i), fields, "_all"), map[*stubField]listerField{}}
		for _, f := range fields {
			if f.name == "text" || f.name == "tags" && i%2 == 0 {
				doc.listers[f] = lister(f)
			}
		}
		docs[i] = doc
	}
	return docs
}

// listerDoc is a stubDocument some of whose fields list their terms.
type listerDoc struct {
	*stubDocument
	listers map[*stubField]listerField
}

func (d listerDoc) VisitFields(visitor index.FieldVisitor) {
	for _, f := range d.fields {
		if l, ok := d.listers[f]; ok {
			visitor(l)
		} else {
			visitor(f)
		}
	}
}

// segmentBytes builds docs into a segment and returns its bytes up to its
// fields section, which lists each field's sections in the order of a map.
func segmentBytes(t *testing.T, docs []index.Document) []byte {
	t.Helper()
	s, _, err := (&ZapPlugin{}).newWithChunkMode(docs, DefaultChunkMode, nil)
	if err != nil {
		t.Fatal(err)
	}
	sb := s.(*SegmentBase)
	index := sb.mem[sb.sectionsIndexOffset:]
	_, n := binary.Uvarint(index) // the number of fields, then where each starts
	return sb.mem[:binary.BigEndian.Uint64(index[n:])]
}

// sameBytes fails unless got is want.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: %d bytes, upstream's %d; not the same from byte %d", what, len(got), len(want), i)
	}
}

// upstreamSegment is the segment upstream's code builds of docs.
func upstreamSegment(t *testing.T, docs []index.Document) []byte {
	t.Helper()
	referencePostings = upstreamPostings
	defer func() { referencePostings = nil }()
	want := segmentBytes(t, docs)
	if len(want) < 1<<20 {
		t.Fatalf("the segment is %d bytes: too few postings to test", len(want))
	}
	return want
}

// upstreamBuilt is the length and SHA-256 of what segmentBytes returns
// for manyDocs(6000) built by zap v17.2.5 as published (this copy's first
// commit, 7c0a9bc): `git worktree add /tmp/up 7c0a9bc`, then in its
// third_party/zapx/v17 a test that copies manyDocs and segmentBytes and
// logs them. manyDocs changes: compute them again that way.
const (
	upstreamBuiltLen    = 20256911
	upstreamBuiltSHA256 = "487daeeccf2c5ee3d8b323c3bd9d110649d164542e444a48e205dc281e6f6ec0"
)

// TestBuiltAsUpstream: a segment built in memory by this copy (its
// postings gathered on several goroutines or one, its locations kept,
// encoded and written: bulk.go, postings.go) is byte for byte the one
// zap v17.2.5 builds; and gathering them leaves the documents as they
// were (upstream's process merges a field's instances into the first
// one's map: built again its way, they give the same segment).
func TestBuiltAsUpstream(t *testing.T) {
	defer func(w int) { processWorkers = w }(processWorkers)
	check := func(what string, b []byte) {
		t.Helper()
		if got := fmt.Sprintf("%x", sha256.Sum256(b)); len(b) != upstreamBuiltLen || got != upstreamBuiltSHA256 {
			t.Fatalf("%s: built %d bytes, SHA-256 %s; zap v17.2.5 built %d, %s", what, len(b), got, upstreamBuiltLen, upstreamBuiltSHA256)
		}
	}
	for _, workers := range []int{1, 2, 3, 8} {
		processWorkers = workers
		docs := manyDocs(6000)
		check(fmt.Sprintf("%d workers", workers), segmentBytes(t, docs))
		if workers == 1 {
			continue // upstream's way changes the documents
		}
		processWorkers = 1
		check(fmt.Sprintf("upstream's way after %d workers", workers), segmentBytes(t, docs))
	}
}

// mergedBytes merges three segments of manyDocs(6000), 2,000 documents
// each, the first with its document 7 deleted, and returns the merged
// file up to its fields section.
func mergedBytes(t *testing.T) []byte {
	t.Helper()
	docs := manyDocs(6000)
	dir := t.TempDir()
	var segs []segment.Segment
	for i := range 3 {
		s, _, err := (&ZapPlugin{}).newWithChunkMode(docs[i*2000:(i+1)*2000], DefaultChunkMode, nil)
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, s)
	}
	out := filepath.Join(dir, "merged.zap")
	if _, _, err := (&ZapPlugin{}).Merge(segs, []*roaring.Bitmap{roaring.BitmapOf(7), nil, nil}, out, nil, nil); err != nil {
		t.Fatal(err)
	}
	m, err := (&ZapPlugin{}).Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	sb := &m.(*Segment).SegmentBase
	index := sb.mem[sb.sectionsIndexOffset:]
	_, n := binary.Uvarint(index)
	return bytes.Clone(sb.mem[:binary.BigEndian.Uint64(index[n:])])
}

// upstreamMerged is the length and SHA-256 of what mergedBytes returns
// with zap v17.2.5 as published, computed as upstreamBuilt is.
const (
	upstreamMergedLen    = 20254582
	upstreamMergedSHA256 = "fccde8af86cfdb17a38b50ab8e53fad07c6e871d0266acd785f387d697bb3aa2"
)

// TestMergedAsUpstream: segments built and merged by this copy (no file
// callback: a merge decodes and encodes postings, as upstream's) are byte
// for byte what zap v17.2.5 writes.
func TestMergedAsUpstream(t *testing.T) {
	b := mergedBytes(t)
	if got := fmt.Sprintf("%x", sha256.Sum256(b)); len(b) != upstreamMergedLen || got != upstreamMergedSHA256 {
		t.Fatalf("merged %d bytes, SHA-256 %s; zap v17.2.5 merged %d, %s", len(b), got, upstreamMergedLen, upstreamMergedSHA256)
	}
}

// TestPostingsEncodedOnAllCores: a segment whose postings were encoded on
// several goroutines, then written (postings.go), is byte for byte the
// segment upstream's loop writes.
func TestPostingsEncodedOnAllCores(t *testing.T) {
	want := upstreamSegment(t, manyDocs(6000))
	defer func(w int) { postingsWorkers = w }(postingsWorkers)
	for _, workers := range []int{1, 2, 5} {
		postingsWorkers = workers
		sameBytes(t, fmt.Sprintf("%d workers", workers), segmentBytes(t, manyDocs(6000)), want)
	}
}
