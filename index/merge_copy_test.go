package index

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/blevesearch/vellum"
	zap "github.com/blevesearch/zapx/v17"

	"github.com/paperbot/paperbot/configs/sample"
)

// mergeFiles merges segs into out with zap.KeepsFormat as the index sets
// it (copying postings' and stored documents' bytes) or unset (zap's
// decoding and encoding of every posting, as before), and returns the file.
func mergeFiles(t *testing.T, keep bool, segs []segment.Segment, drops []*roaring.Bitmap, out string) ([]byte, segment.Segment) {
	t.Helper()
	saved := zap.KeepsFormat
	defer func() { zap.KeepsFormat = saved }()
	if !keep {
		zap.KeepsFormat = nil
	}
	p := &locPlugin{&zap.ZapPlugin{}}
	if _, _, err := p.Merge(segs, drops, out, nil, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return b, s
}

// TestMergeCopiesWhatTheHookKeeps: the locations hook keeps zap's format
// (zap.KeepsFormat), so a merge copies postings' bytes, and, between
// segments the hook wrote, stored documents' bytes, instead of decoding
// and encoding them (issue 18: a quarter of a 1M ingest's CPU was
// merges). The merged files are byte for byte the ones zap writes when
// it decodes and encodes: from segments built in memory (no hook), with
// a paper deleted, and from segments merged before (the hook's).
func TestMergeCopiesWhatTheHookKeeps(t *testing.T) {
	if zap.KeepsFormat == nil || !zap.KeepsFormat(locHookID) {
		t.Fatal("the index does not tell zap that its locations hook keeps zap's format")
	}
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ix, err := Open(filepath.Join(dir, "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	p := &locPlugin{&zap.ZapPlugin{}}
	var built []segment.Segment
	const parts = 4
	for i := range parts {
		ps := papers[i*len(papers)/parts : (i+1)*len(papers)/parts]
		docs, err := ix.documents(ps)
		if err != nil {
			t.Fatal(err)
		}
		results := make([]bindex.Document, len(docs))
		for j, doc := range docs {
			doc.AddIDField() // as Bleve's batch does
			doc.VisitFields(func(f bindex.Field) {
				if f.Options().IsIndexed() {
					f.Analyze()
				}
			})
			results[j] = doc
		}
		s, _, err := p.New(results)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "built", string(rune('a'+i))+".zap")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := zap.PersistSegmentBase(s.(*zap.SegmentBase), path); err != nil {
			t.Fatal(err)
		}
		s2, err := p.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		built = append(built, s2)
	}
	deleted := roaring.BitmapOf(3)
	first := [][]segment.Segment{built[:2], built[2:]}
	firstDrops := [][]*roaring.Bitmap{{deleted, nil}, {nil, nil}}
	var merged [2][]segment.Segment
	for i, keep := range []bool{false, true} {
		for j, segs := range first {
			out := filepath.Join(dir, "merged", string(rune('a'+i)), string(rune('a'+j))+".zap")
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				t.Fatal(err)
			}
			_, s := mergeFiles(t, keep, segs, firstDrops[j], out)
			merged[i] = append(merged[i], s)
		}
	}
	for j := range first {
		sameSegments(t, fmt.Sprintf("merge %d of segments built in memory", j), merged[0][j], merged[1][j])
	}
	decoded, a := mergeFiles(t, false, merged[0], []*roaring.Bitmap{nil, roaring.BitmapOf(0)}, filepath.Join(dir, "final-a.zap"))
	copied, s := mergeFiles(t, true, merged[1], []*roaring.Bitmap{nil, roaring.BitmapOf(0)}, filepath.Join(dir, "final-b.zap"))
	if len(decoded) != len(copied) {
		t.Errorf("merge of merged segments: copying wrote %d bytes, decoding and encoding %d", len(copied), len(decoded))
	}
	sameSegments(t, "merge of merged segments", a, s)
	if got, want := s.Count(), uint64(len(papers)-2); got != want {
		t.Fatalf("the merged segment holds %d papers, want %d", got, want)
	}
}

// sameSegments fails unless a and b hold the same papers: every field's
// terms with their postings (documents, frequencies, norms, locations),
// stored fields and doc values. (zap's files are not byte for byte the
// same from one merge to the next: it writes some maps in their order.)
func sameSegments(t *testing.T, what string, a, b segment.Segment) {
	t.Helper()
	da, db := dumpSegment(t, a), dumpSegment(t, b)
	if len(da) < 1000 {
		t.Fatalf("%s: the dump is %d lines: %q", what, len(da), da)
	}
	if !slices.Equal(da, db) {
		for i := range min(len(da), len(db)) {
			if da[i] != db[i] {
				t.Fatalf("%s: line %d of the dumps: decoding and encoding %q, copying %q", what, i, da[i], db[i])
			}
		}
		t.Fatalf("%s: dumps of %d and %d lines", what, len(da), len(db))
	}
}

// dumpSegment lists what a segment holds, one line an item.
func dumpSegment(t *testing.T, s segment.Segment) []string {
	t.Helper()
	sb := &s.(*zap.Segment).SegmentBase
	out := []string{fmt.Sprint("papers ", s.Count())}
	fields := sb.Fields()
	for _, f := range fields {
		d, err := sb.Dictionary(f)
		if err != nil {
			t.Fatal(err)
		}
		it := d.AutomatonIterator(&vellum.AlwaysMatch{}, nil, nil)
		for {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if e == nil {
				break
			}
			pl, err := d.PostingsList([]byte(e.Term), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			pi := pl.Iterator(true, true, true, nil)
			for {
				p, err := pi.Next()
				if err != nil {
					t.Fatal(err)
				}
				if p == nil {
					break
				}
				line := fmt.Sprintf("%s %q %d %d %v", f, e.Term, p.Number(), p.Frequency(), p.Norm())
				for _, l := range p.Locations() {
					line += fmt.Sprintf(" %s:%d:%d:%d:%v", l.Field(), l.Pos(), l.Start(), l.End(), l.ArrayPositions())
				}
				out = append(out, line)
			}
		}
	}
	for n := range s.Count() {
		err := sb.VisitStoredFields(n, func(field string, typ byte, value []byte, pos []uint64) bool {
			out = append(out, fmt.Sprintf("stored %d %s %c %x %v", n, field, typ, value, pos))
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = sb.VisitDocValues(n, fields, func(field string, term []byte) {
			out = append(out, fmt.Sprintf("dv %d %s %x", n, field, term))
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}
