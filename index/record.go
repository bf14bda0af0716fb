package index

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/paperbot/paperbot/bot/paper"
	s2enc "github.com/paperbot/paperbot/index/internal/s2dict"
)

// A paper's stored record (the _src field) is its fields in a binary form
// (recordbin.go; its JSON before mapping 11), compressed: the record is the
// only thing the index stores, and zap compresses each document's stored
// fields on their own with snappy, which leaves a kilobyte of English at
// about four fifths of its size (the 250k sample: 787 bytes a record of
// JSON). zstd takes it to about 560 (measured on 20,000 records of the
// sample), and zap's snappy pass over the result costs next to nothing.
// Records written before mapping version 5 are plain JSON; decode reads
// every form, so that an older index can be rebuilt from what it stores.

// Since mapping version 6 an index also keeps a dictionary for its
// records: 64 kB of the records of the first large batch it was given
// (dictMinRecords papers or more), stored in the index before any record
// compressed with it, and loaded on open. Records written before the
// dictionary (small batches, older indexes) are read as before.
//
// The dictionary was first zstd's (recordDictKey; the 250k sample's
// records shrink from about 577 to 447 bytes). zstd resets its encoder to
// the dictionary for every record, a 256 kB table copied each time: 26 µs
// a record, 8% of a bulk ingest's CPU. An index trained now keeps an S2
// dictionary instead (recordS2DictKey): S2's better level with it gives
// records of the same size (1M arXiv records: 418 bytes against zstd's
// 421) in 16 µs, and reads them faster. Records are compressed with
// index/internal/s2dict, S2's better level with hash tables sized to the
// record instead of 576 kB cleared for each (sample corpus: 9.9 µs a
// record against s2.Dict.EncodeBetter's 21, 0.1 % larger); its blocks are
// S2's, read by s2.Dict.Decode. A record compressed with it starts
// with s2Tag; one with zstd, with zstd's frame magic; a plain JSON record
// with '{'. An index that has a zstd dictionary goes on using it, and one
// whose dictionary was trained on JSON (before mapping 11) goes on using
// that.

const (
	recordDictKey   = "paperbot.record_dict"    // zstd's (indexes trained before S2)
	recordS2DictKey = "paperbot.record_dict_s2" // S2's
	// s2Tag starts a record compressed with the S2 dictionary.
	s2Tag = 0x01
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
	dict bool     // enc and dec have a zstd dictionary
	s2   *s2.Dict // the S2 dictionary: records are decoded with it
	// s2enc encodes records with the S2 dictionary: S2's better level,
	// without clearing S2's 576 kB of hash tables for every record.
	s2enc *s2enc.Dict
	// zdict and s2dict are the dictionaries' stored forms.
	zdict, s2dict []byte
}

func newRecords() (*records, error) {
	c, err := newRecordCodec(nil, nil)
	if err != nil {
		return nil, err
	}
	r := &records{}
	r.cur.Store(c)
	return r, nil
}

func newRecordCodec(zdict, s2dict []byte) (*recordCodec, error) {
	// Records are a few kilobytes: a small window and one encoder per core.
	eopts := []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(1 << 17), zstd.WithLowerEncoderMem(true)}
	dopts := []zstd.DOption{zstd.WithDecoderConcurrency(0), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxMemory(64 << 20)}
	if zdict != nil {
		eopts = append(eopts, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderDict(zdict))
		dopts = append(dopts, zstd.WithDecoderDicts(zdict))
	}
	enc, err := zstd.NewWriter(nil, eopts...)
	if err != nil {
		return nil, fmt.Errorf("record encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, dopts...)
	if err != nil {
		return nil, fmt.Errorf("record decoder: %w", err)
	}
	c := &recordCodec{enc: enc, dec: dec, dict: zdict != nil, zdict: zdict, s2dict: s2dict}
	if s2dict != nil {
		if c.s2 = s2.NewDict(s2dict); c.s2 == nil {
			return nil, fmt.Errorf("the S2 record dictionary (%d bytes) is malformed", len(s2dict))
		}
		if c.s2enc, err = s2enc.New(c.s2); err != nil {
			return nil, fmt.Errorf("the S2 record dictionary (%d bytes): %w", len(s2dict), err)
		}
	}
	return c, nil
}

// hasDict reports whether records are compressed with a dictionary.
func (r *records) hasDict() bool {
	c := r.cur.Load()
	return c.dict || c.s2 != nil
}

// useDict reads records compressed with zstd's dict, and compresses the
// records encoded from now on with it unless there is an S2 dictionary.
func (r *records) useDict(dict []byte) error {
	c, err := newRecordCodec(dict, r.cur.Load().s2dict)
	if err != nil {
		return fmt.Errorf("the index's record dictionary (%d bytes) is unusable: %w", len(dict), err)
	}
	r.cur.Store(c)
	return nil
}

// useS2Dict compresses the records encoded from now on with S2's dict
// (trainDict), and reads records compressed with it.
func (r *records) useS2Dict(dict []byte) error {
	c, err := newRecordCodec(r.cur.Load().zdict, dict)
	if err != nil {
		return fmt.Errorf("the index's record dictionary (%d bytes) is unusable: %w", len(dict), err)
	}
	r.cur.Store(c)
	return nil
}

// loadDict installs the dictionaries an index stores, if it has any.
func (r *records) loadDict(bi bleve.Index) error {
	for _, d := range []struct {
		key string
		use func([]byte) error
	}{{recordDictKey, r.useDict}, {recordS2DictKey, r.useS2Dict}} {
		dict, err := bi.GetInternal([]byte(d.key))
		if err != nil {
			return fmt.Errorf("reading the record dictionary: %w", err)
		}
		if len(dict) == 0 {
			continue
		}
		if err := d.use(dict); err != nil {
			return err
		}
	}
	return nil
}

// trainDict builds an S2 record dictionary (stored form) from the JSON of
// a batch's papers: their last dictHistory bytes.
func trainDict(samples [][]byte) ([]byte, error) {
	hist := make([]byte, 0, dictHistory)
	first := len(samples)
	for n := 0; first > 0 && n < dictHistory; {
		first--
		n += len(samples[first])
	}
	last := 0 // where the last record starts in hist
	for _, s := range samples[first:] {
		last = len(hist)
		hist = append(hist, s...)
	}
	if cut := len(hist) - s2.MaxDictSize; cut > 0 {
		hist, last = hist[cut:], max(0, last-cut)
	}
	if len(hist) < s2.MinDictSize {
		return nil, fmt.Errorf("training the record dictionary on %d records: %d bytes of records are too few", len(samples), len(hist))
	}
	// S2 starts its search at the dictionary's last record start, as
	// every record starts (within the last 8 bytes it cannot).
	d := s2.MakeDictManual(hist, uint16(min(last, len(hist)-9)))
	if d == nil {
		return nil, fmt.Errorf("training the record dictionary on %d records (%d bytes) failed", len(samples), len(hist))
	}
	return d.Bytes(), nil
}

// encodeBuf is scratch space for S2, which wants room for the worst case.
var encodeBuf = sync.Pool{New: func() any { return new([]byte) }}

// encode returns the stored record of a paper.
func (r *records) encode(p *paper.Paper) ([]byte, error) {
	return r.compress(appendRecord(make([]byte, 0, recordSize(p)), p)), nil
}

// compress compresses a record's binary form as it is stored.
func (r *records) compress(raw []byte) []byte {
	c := r.cur.Load()
	if c.s2 == nil {
		return c.enc.EncodeAll(raw, make([]byte, 0, len(raw)/2))
	}
	buf := encodeBuf.Get().(*[]byte)
	defer encodeBuf.Put(buf)
	if n := s2.MaxEncodedLen(len(raw)); cap(*buf) < n {
		*buf = make([]byte, n)
	}
	enc := c.s2enc.EncodeBetter((*buf)[:cap(*buf)], raw)
	return append(append(make([]byte, 0, 1+len(enc)), s2Tag), enc...)
}

// decode reads a stored record: zstd-compressed JSON, or plain JSON from
// an index written before records were compressed.
func (r *records) decode(raw []byte) (paper.Paper, error) {
	p, _, err := r.decodeAged(raw)
	return p, err
}

// decodeAged is decode, also reporting whether the record was written
// before aliases were (mapping 11 and older: formerTitleID gives it any).
func (r *records) decodeAged(raw []byte) (p paper.Paper, older bool, err error) {
	switch {
	case len(raw) > 0 && raw[0] == s2Tag:
		c := r.cur.Load()
		if c.s2 == nil {
			return p, false, fmt.Errorf("the stored record (%d bytes) was compressed with a dictionary the index does not have", len(raw))
		}
		plain, err := c.s2.Decode(nil, raw[1:])
		if err != nil {
			return p, false, fmt.Errorf("decompressing the stored record (%d bytes): %w", len(raw), err)
		}
		raw = plain
	case len(raw) > 0 && raw[0] != '{' && raw[0] != recordMagic:
		plain, err := r.cur.Load().dec.DecodeAll(raw, nil)
		if err != nil {
			return p, false, fmt.Errorf("decompressing the stored record (%d bytes): %w", len(raw), err)
		}
		raw = plain
	}
	if len(raw) > 0 && raw[0] == recordMagic {
		older, err := decodeRecordBinary(raw, &p)
		if err != nil {
			return paper.Paper{}, false, fmt.Errorf("decoding the stored record: %w", err)
		}
		if older {
			formerTitleID(&p)
		}
		return p, older, nil
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, false, fmt.Errorf("decoding the stored record: %w", err)
	}
	formerTitleID(&p) // a record of mapping 9 or 10
	return p, true, nil
}
