package index

import (
	"context"
	"errors"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// wordFilter narrows free words without scoring: a paper must be in one
// of the categories (when there are any), have every author term (a
// one-word name's term in the authors field) and hold every full name (a
// phrase of the authors field), as buildQuery's clauses of boost 0
// require.
type wordFilter struct {
	cats    []string
	authors [][]byte
	names   [][]phraseTerm
}

func (f wordFilter) empty() bool {
	return len(f.cats) == 0 && len(f.authors) == 0 && len(f.names) == 0
}

// outside is the segment's papers the filter leaves out. ok is false when
// the segment's postings cannot be read as bitmaps.
func (f wordFilter) outside(ctx context.Context, s *scorch.SegmentSnapshot) (out *roaring.Bitmap, ok bool, err error) {
	var in *roaring.Bitmap
	if len(f.cats) > 0 {
		if in, ok, err = catDocs(s, f.cats); !ok || err != nil {
			return nil, ok, err
		}
	}
	if len(f.authors) > 0 {
		d, err := s.Segment().Dictionary(fAuthors)
		if err != nil {
			return nil, true, searchErr(err)
		}
		for _, a := range f.authors {
			pl, err := d.PostingsList(a, nil, nil)
			if err != nil {
				return nil, true, searchErr(err)
			}
			o, canOr := pl.(interface{ OrInto(*roaring.Bitmap) })
			if !canOr {
				return nil, false, nil
			}
			has := roaring.New()
			o.OrInto(has)
			if in == nil {
				in = has
			} else {
				in.And(has)
			}
		}
	}
	for _, name := range f.names {
		has := roaring.New()
		err := eachPhraseMatch(ctx, s, name, nil, in, false, func(d uint64, _ float64) { has.Add(uint32(d)) })
		if errors.Is(err, errFallback) {
			return nil, false, nil
		}
		if err != nil {
			return nil, true, searchErr(err)
		}
		in = has
	}
	return roaring.Flip(in, 0, s.Segment().Count()), true, nil
}

// catDocs is the segment's papers (deleted ones included) in any of the
// categories, as buildQuery's filter matches them: an exact category
// (cs.CL) by its term, a bare archive (astro-ph) by its term and every
// category it prefixes (astro-ph.GA). ok is false when the segment's
// postings cannot be read as bitmaps.
func catDocs(s *scorch.SegmentSnapshot, cats []string) (in *roaring.Bitmap, ok bool, err error) {
	d, err := s.Segment().Dictionary(fCats)
	if err != nil {
		return nil, true, searchErr(err)
	}
	in = roaring.New()
	add := func(term []byte) (bool, error) {
		pl, err := d.PostingsList(term, nil, nil)
		if err != nil {
			return true, searchErr(err)
		}
		o, canOr := pl.(interface{ OrInto(*roaring.Bitmap) })
		if !canOr {
			return false, nil
		}
		o.OrInto(in)
		return true, nil
	}
	for _, c := range cats {
		if ok, err := add([]byte(c)); !ok || err != nil {
			return nil, ok, err
		}
		if strings.Contains(c, ".") {
			continue
		}
		// '/' follows '.': [c+".", c+"/") is every term c+"." prefixes.
		it := d.AutomatonIterator(nil, []byte(c+"."), []byte(c+"/"))
		for {
			e, err := it.Next()
			if err != nil {
				return nil, true, searchErr(err)
			}
			if e == nil {
				break
			}
			if ok, err := add([]byte(e.Term)); !ok || err != nil {
				return nil, ok, err
			}
		}
	}
	return in, true, nil
}
