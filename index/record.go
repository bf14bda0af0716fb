package index

import (
	"encoding/json"
	"fmt"

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

// records encodes and decodes stored records. Its encoder and decoder are
// safe for concurrent use (EncodeAll, DecodeAll).
type records struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newRecords() (*records, error) {
	// Records are a few kilobytes: a small window and one encoder per core.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(1<<17), zstd.WithLowerEncoderMem(true))
	if err != nil {
		return nil, fmt.Errorf("record encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxMemory(64<<20))
	if err != nil {
		return nil, fmt.Errorf("record decoder: %w", err)
	}
	return &records{enc: enc, dec: dec}, nil
}

// encode returns the stored record of a paper.
func (r *records) encode(p *paper.Paper) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return r.enc.EncodeAll(raw, make([]byte, 0, len(raw)/2)), nil
}

// decode reads a stored record: zstd-compressed JSON, or plain JSON from
// an index written before records were compressed.
func (r *records) decode(raw []byte) (paper.Paper, error) {
	var p paper.Paper
	if len(raw) > 0 && raw[0] != '{' {
		plain, err := r.dec.DecodeAll(raw, nil)
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
