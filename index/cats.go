package index

import (
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// outsideCats is the segment's papers in none of the categories: those a
// category filter leaves out. ok is false when the segment's postings
// cannot be read as bitmaps.
func outsideCats(s *scorch.SegmentSnapshot, cats []string) (out *roaring.Bitmap, ok bool, err error) {
	in, ok, err := catDocs(s, cats)
	if !ok || err != nil {
		return nil, ok, err
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
