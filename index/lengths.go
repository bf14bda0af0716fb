package index

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	bindex "github.com/blevesearch/bleve_index_api"
)

// BM25 divides each paper's field length by the field's average length.
// Bleve takes that average to be the number of distinct terms in the
// field's dictionary divided by the number of papers — a few terms, where
// papers are a hundred words long — so every abstract counted as dozens of
// times too long and short, title-only records won whatever was asked
// (CACM nDCG@10 0.31; with the true averages 0.43). The index therefore
// keeps each paper's analysed lengths as terms of a field of their own
// ("x137" for 137 terms of title and abstract, "t9" for a title of nine,
// "a6" for six words of author names): a field length is then the sum of a
// few hundred dictionary entries, and Bleve's searchers are handed the
// same figures (search.BM25Stats) as the fast path uses.

const fLengths = "lengths"

// lengthFields are the fields whose lengths are kept, with their prefixes.
var lengthFields = [...]struct {
	field  string
	prefix byte
}{{fText, 'x'}, {fTitle, 't'}, {fAuthors, 'a'}}

// lengthsField is a document field whose terms are the analysed lengths of
// the paper's other fields. It is analysed after them (fields are analysed
// in order), by Bleve's analysis workers, and reads their lengths rather
// than analysing their text again.
type lengthsField struct {
	src [len(lengthFields)]*textField
	listedTerms
}

var _ document.Field = (*lengthsField)(nil)

func (f *lengthsField) Name() string                         { return fLengths }
func (f *lengthsField) ArrayPositions() []uint64             { return nil }
func (f *lengthsField) Options() bindex.FieldIndexingOptions { return optKeyword }
func (f *lengthsField) Value() []byte                        { return nil }
func (f *lengthsField) NumPlainTextBytes() uint64            { return 0 }
func (f *lengthsField) Size() int                            { return 64 }
func (f *lengthsField) EncodedFieldType() byte               { return 't' }
func (f *lengthsField) AnalyzedLength() int                  { return len(f.list) }

func (f *lengthsField) Analyze() {
	toks := make(analysis.TokenStream, 0, len(f.src))
	for i, src := range f.src {
		if src == nil {
			continue
		}
		n := src.AnalyzedLength()
		if n == 0 && len(src.Value()) > 0 {
			src.Analyze() // not analysed yet, or nothing but stop words
			n = src.AnalyzedLength()
		}
		term := strconv.AppendInt([]byte{lengthFields[i].prefix}, int64(n), 10)
		toks = append(toks, &analysis.Token{Term: term, Start: 0, End: len(term), Position: len(toks) + 1, Type: analysis.AlphaNumeric})
	}
	f.listedTerms = listedTerms{list: analysedTerms(toks, optKeyword)}
}

// addLengths adds the lengths field to a document built by document():
// after the fields it measures.
func addLengths(doc *document.Document) {
	lf := &lengthsField{}
	for _, fl := range doc.Fields {
		tf, ok := fl.(*textField)
		if !ok {
			continue
		}
		for i, l := range lengthFields {
			if tf.Name() == l.field {
				lf.src[i] = tf
			}
		}
	}
	doc.AddField(lf)
}

// segLengths are one segment's summed field lengths over its live papers.
type segLengths struct {
	deleted uint64 // deleted papers when summed
	sums    [len(lengthFields)]uint64
	papers  [len(lengthFields)]uint64 // papers with a length term (0 for an index without them)
}

// lengthCache holds segLengths by scorch segment id.
type lengthCache struct {
	mu sync.Mutex
	m  map[uint64]segLengths
}

// fieldLengths sums a segment's lengths, or takes them from the cache.
func (lc *lengthCache) get(s *scorch.SegmentSnapshot) (segLengths, error) {
	var deleted uint64
	del := s.Deleted()
	if del != nil {
		deleted = del.GetCardinality()
	}
	lc.mu.Lock()
	v, ok := lc.m[s.Id()]
	lc.mu.Unlock()
	if ok && v.deleted == deleted {
		return v, nil
	}
	v = segLengths{deleted: deleted}
	d, err := s.Segment().Dictionary(fLengths)
	if err != nil {
		return v, err
	}
	it := d.AutomatonIterator(everyTerm{}, nil, nil)
	for e, err := it.Next(); e != nil || err != nil; e, err = it.Next() {
		if err != nil {
			return v, err
		}
		term := e.Term
		if len(term) < 2 {
			continue
		}
		n, err := strconv.ParseUint(term[1:], 10, 64)
		if err != nil {
			continue
		}
		for i, l := range lengthFields {
			if term[0] != l.prefix {
				continue
			}
			pl, err := d.PostingsList([]byte(term), del, nil)
			if err != nil {
				return v, err
			}
			c := pl.Count()
			v.sums[i] += n * c
			v.papers[i] += c
		}
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.m == nil || len(lc.m) > 10_000 {
		lc.m = map[uint64]segLengths{}
	}
	lc.m[s.Id()] = v
	return v, nil
}

// everyTerm is an automaton that accepts every term.
type everyTerm struct{}

func (everyTerm) Start() int               { return 0 }
func (everyTerm) IsMatch(int) bool         { return true }
func (everyTerm) CanMatch(int) bool        { return true }
func (everyTerm) WillAlwaysMatch(int) bool { return true }
func (everyTerm) Accept(int, byte) int     { return 0 }

// fieldCardinality is the figure BM25 divides by the number of papers to
// get a field's average length: the summed lengths of the field where the
// index keeps them, else Bleve's own figure.
func (ix *Index) fieldCardinality(snap *scorch.IndexSnapshot, field string, docTotal uint64) (int, error) {
	fi := -1
	for i, l := range lengthFields {
		if l.field == field {
			fi = i
		}
	}
	if fi >= 0 {
		var sum, papers uint64
		for _, s := range snap.Segments() {
			v, err := ix.lengths.get(s)
			if err != nil {
				return 0, err
			}
			sum += v.sums[fi]
			papers += v.papers[fi]
		}
		if papers > 0 && sum > 0 {
			return int(sum), nil
		}
	}
	return snap.FieldCardinality(field)
}

// bm25Context hands Bleve's searchers the field statistics the fast path
// uses, computed on the snapshot they will search.
func (ix *Index) bm25Context(ctx context.Context, r bindex.IndexReader) (context.Context, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return ctx, nil
	}
	n, err := snap.DocCount()
	if err != nil || n == 0 {
		return ctx, err
	}
	fields, err := snap.Fields()
	if err != nil {
		return ctx, err
	}
	// Every field a query may name, also those no paper has yet (an index
	// of papers without categories is searched with cat:): Bleve fails a
	// search naming a field its statistics leave out.
	for _, f := range indexedFields {
		if !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	st := &search.BM25Stats{DocCount: float64(n), FieldCardinality: map[string]int{}}
	for _, f := range fields {
		c, err := ix.fieldCardinality(snap, f, n)
		if err != nil {
			return ctx, err
		}
		st.FieldCardinality[f] = c
	}
	return context.WithValue(ctx, search.BM25StatsKey, st), nil
}

// statsContext is bm25Context on the current snapshot. (Bleve's search
// takes its own snapshot a moment later; a batch written in between moves
// its scores by that batch's share of the statistics, as any search
// during an ingest sees.)
func (ix *Index) statsContext(ctx context.Context) (context.Context, error) {
	r, err := ix.reader()
	if err != nil {
		return ctx, err
	}
	defer r.Close()
	return ix.bm25Context(ctx, r)
}
