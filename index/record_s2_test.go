package index

import (
	"bytes"
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/paperbot/paperbot/configs/sample"
)

// sampleRecords returns the sample corpus's records in their binary form
// and an S2 dictionary trained on them, as an index would.
func sampleRecords(tb testing.TB) (raws [][]byte, dict *s2.Dict, r *records) {
	tb.Helper()
	ps, err := sample.Papers()
	if err != nil {
		tb.Fatal(err)
	}
	for i := range ps {
		raws = append(raws, appendRecord(nil, &ps[i]))
	}
	stored, err := trainDict(raws)
	if err != nil {
		tb.Fatal(err)
	}
	if r, err = newRecords(); err != nil {
		tb.Fatal(err)
	}
	if err := r.useS2Dict(stored); err != nil {
		tb.Fatal(err)
	}
	return raws, s2.NewDict(stored), r
}

// TestRecordsS2SampleCorpus: every record of the sample corpus compresses
// to a block s2.Dict.Decode reads back, and the records together are
// within 1 % of what s2.Dict.EncodeBetter makes of them.
func TestRecordsS2SampleCorpus(t *testing.T) {
	raws, dict, r := sampleRecords(t)
	var ours, theirs int
	for i, raw := range raws {
		enc := r.compress(raw)
		if len(enc) == 0 || enc[0] != s2Tag {
			t.Fatalf("record %d: compressed without the S2 tag: % x", i, enc[:min(len(enc), 8)])
		}
		got, err := dict.Decode(nil, enc[1:])
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("record %d (%d bytes): s2.Dict.Decode gives %d bytes, %v", i, len(raw), len(got), err)
		}
		ours += len(enc) - 1
		theirs += len(dict.EncodeBetter(nil, raw))
	}
	t.Logf("%d records: %d bytes compressed, s2.Dict.EncodeBetter %d", len(raws), ours, theirs)
	if float64(ours) > 1.01*float64(theirs) {
		t.Errorf("%d records compress to %d bytes, more than 1%% over s2.Dict.EncodeBetter's %d", len(raws), ours, theirs)
	}
}

func BenchmarkCompressRecords(b *testing.B) {
	raws, dict, r := sampleRecords(b)
	run := func(b *testing.B, enc func([]byte) []byte) {
		n, size := 0, 0
		for b.Loop() {
			size += len(enc(raws[n%len(raws)]))
			n++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/record")
		b.ReportMetric(float64(size)/float64(n), "bytes/record")
	}
	b.Run("s2.EncodeBetter", func(b *testing.B) {
		buf := make([]byte, 0, 64<<10)
		run(b, func(raw []byte) []byte { return dict.EncodeBetter(buf[:cap(buf)], raw) })
	})
	b.Run("records.compress", func(b *testing.B) {
		run(b, func(raw []byte) []byte { return r.compress(raw)[1:] })
	})
}
