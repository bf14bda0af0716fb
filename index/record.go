package index

import (
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/klauspost/compress/zstd"

	"github.com/paperbot/paperbot/bot/paper"
)

// A paper's stored record (the _src field) is its JSON, compressed with
// zstd: the record is the only thing the index stores, and zap compresses
// each document's stored fields on their own with snappy, which leaves a
// kilobyte of English at about four fifths of its size (the 250k sample:
// 787 bytes a record). zstd takes it to about 560 (measured on 20,000
// records of the sample), and zap's snappy pass over the result costs
// next to nothing. Records written before mapping version 5 are plain
// JSON; decodeRecord reads both, so that an older index can be rebuilt
// from what it stores.

// Since mapping version 6 an index also keeps a zstd dictionary for its
// records: 64 kB of the JSON of the first large batch it was given
// (dictMinRecords papers or more), stored in the index under
// recordDictKey before any record compressed with it, and loaded on open.
// The 250k sample's records shrink from about 577 to 447 bytes (measured
// on 20,000 records, a dictionary from 2,000 others), and zstd's fastest
// level with the dictionary compresses faster than its default without.
// Each compressed record names its dictionary (zstd's frame header), so
// records written before the dictionary (small batches, older indexes)
// are read as before.

const (
	recordDictKey = "paperbot.record_dict"
	// recordDictID names the dictionary in each frame compressed with it.
	recordDictID = 0x7062_7231
	// dictMinRecords is the smallest batch a dictionary is trained on.
	dictMinRecords = 1000
	// dictHistory is how much record text the dictionary holds.
	dictHistory = 64 << 10
)

// records encodes and decodes stored records. Encoding and decoding are
// safe for concurrent use, also while a dictionary is installed.
type records struct {
	cur atomic.Pointer[recordCodec]
}

// recordCodec is an encoder and a decoder, with or without a dictionary.
type recordCodec struct {
	enc  *zstd.Encoder
	dec  *zstd.Decoder
	dict bool
}

func newRecords() (*records, error) {
	c, err := newRecordCodec(nil)
	if err != nil {
		return nil, err
	}
	r := &records{}
	r.cur.Store(c)
	return r, nil
}

func newRecordCodec(dict []byte) (*recordCodec, error) {
	// Records are a few kilobytes: a small window and one encoder per core.
	eopts := []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(1 << 17), zstd.WithLowerEncoderMem(true)}
	dopts := []zstd.DOption{zstd.WithDecoderConcurrency(0), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxMemory(64 << 20)}
	if dict != nil {
		eopts = append(eopts, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderDict(dict))
		dopts = append(dopts, zstd.WithDecoderDicts(dict))
	}
	enc, err := zstd.NewWriter(nil, eopts...)
	if err != nil {
		return nil, fmt.Errorf("record encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, dopts...)
	if err != nil {
		return nil, fmt.Errorf("record decoder: %w", err)
	}
	return &recordCodec{enc: enc, dec: dec, dict: dict != nil}, nil
}

// hasDict reports whether records are compressed with a dictionary.
func (r *records) hasDict() bool { return r.cur.Load().dict }

// useDict compresses the records encoded from now on with dict, and reads
// records compressed with it.
func (r *records) useDict(dict []byte) error {
	c, err := newRecordCodec(dict)
	if err != nil {
		return fmt.Errorf("the index's record dictionary (%d bytes) is unusable: %w", len(dict), err)
	}
	r.cur.Store(c)
	return nil
}

// loadDict installs the dictionary an index stores, if it has one.
func (r *records) loadDict(bi bleve.Index) error {
	dict, err := bi.GetInternal([]byte(recordDictKey))
	if err != nil {
		return fmt.Errorf("reading the record dictionary: %w", err)
	}
	if len(dict) == 0 {
		return nil
	}
	return r.useDict(dict)
}

// trainDict builds a record dictionary from the JSON of a batch's papers:
// their last dictHistory bytes, with entropy tables from all of them.
func trainDict(samples [][]byte) ([]byte, error) {
	hist := make([]byte, 0, dictHistory)
	first := len(samples)
	for n := 0; first > 0 && n < dictHistory; {
		first--
		n += len(samples[first])
	}
	for _, s := range samples[first:] {
		hist = append(hist, s...)
	}
	hist = hist[max(0, len(hist)-dictHistory):]
	dict, err := zstd.BuildDict(zstd.BuildDictOptions{ID: recordDictID, Contents: samples, History: hist, Level: zstd.SpeedFastest})
	if err != nil {
		return nil, fmt.Errorf("training the record dictionary on %d records: %w", len(samples), err)
	}
	return dict, nil
}

// encode returns the stored record of a paper.
func (r *records) encode(p *paper.Paper) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return r.cur.Load().enc.EncodeAll(raw, make([]byte, 0, len(raw)/2)), nil
}

// decode reads a stored record: zstd-compressed JSON, or plain JSON from
// an index written before records were compressed.
func (r *records) decode(raw []byte) (paper.Paper, error) {
	var p paper.Paper
	if len(raw) > 0 && raw[0] != '{' {
		plain, err := r.cur.Load().dec.DecodeAll(raw, nil)
		if err != nil {
			return p, fmt.Errorf("decompressing the stored record (%d bytes): %w", len(raw), err)
		}
		raw = plain
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("decoding the stored record: %w", err)
	}
	return p, nil
}
