package index

import (
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Publication dates and trending scores are sorted on (newest first, most
// trending first) and filtered (a date range, "has a trending score"),
// never scored. Bleve's numeric and date fields index sixteen prefix terms
// a value (one every four bits of an int64), and zap keeps every one of
// them in the field's doc values too: 32 postings and 32 doc-value terms a
// paper, a quarter of all postings (issue 18). Since mapping version 6 the
// index writes only what its queries read:
//
//   - published: the day's number as one prefix-coded term (shift 0),
//     indexed and kept as doc values: Bleve sorts on it as before (its
//     sort reads the shift-0 term of a field's doc values; days sort as
//     the nanoseconds did), and the listing columns (sorted.go) read it.
//   - published_range: the same day number's terms at shifts 4, 8, 12 and
//     16, only indexed: with the shift-0 terms they answer any range of
//     days (dateRangeQuery) with a few dozen terms, as Bleve's numeric
//     range searcher answers from its sixteen.
//   - trending: the score as one prefix-coded term (shift 0), indexed and
//     kept as doc values, for sorting.
//   - has_trending: the term "1" for a paper whose score is above zero:
//     the filter of the trending listing.

const (
	fPublishedRange = "published_range"
	fHasTrending    = "has_trending"
	hasTrendingTerm = "1"
)

// Day numbers are days since 1970-01-01 plus dayBias, so that every date
// a paper may carry (years 0000 to 9999: -719,528 to 2,932,896 days) is a
// non-negative number below 2^23: at most 56 blocks of the widest range
// terms (2^16 days, about 179 years) span any range.
const (
	dayBias       = 1 << 22
	dayStep       = 4  // bits a range term covers beyond the one below it
	dayShiftRange = 16 // the widest range terms' shift
)

// dayNumber is the biased day number of a time (its UTC date).
func dayNumber(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400 + dayBias
}

// dayStart is the instant (UTC midnight) a biased day number stands for.
func dayStart(day int64) time.Time {
	return time.Unix((day-dayBias)*86400, 0).UTC()
}

// termsField is a document field of given terms, each once, with no
// positions, frequencies or norms.
type termsField struct {
	name  string
	opts  bindex.FieldIndexingOptions
	terms [][]byte
	listedTerms
}

var _ document.Field = (*termsField)(nil)

func (f *termsField) Name() string                         { return f.name }
func (f *termsField) ArrayPositions() []uint64             { return nil }
func (f *termsField) Options() bindex.FieldIndexingOptions { return f.opts }
func (f *termsField) Value() []byte                        { return nil }
func (f *termsField) NumPlainTextBytes() uint64            { return 0 }
func (f *termsField) Size() int                            { return 64 + 16*len(f.terms) }
func (f *termsField) EncodedFieldType() byte               { return 't' }
func (f *termsField) AnalyzedLength() int                  { return len(f.terms) }

func (f *termsField) Analyze() {
	toks := make(analysis.TokenStream, len(f.terms))
	for i, t := range f.terms {
		toks[i] = &analysis.Token{Term: t, End: len(t), Position: i + 1, Type: analysis.Numeric}
	}
	f.listedTerms = listedTerms{list: analysedTerms(toks, f.opts)}
}

// Indexing options of the sort and filter fields.
const (
	optSortKey = bindex.IndexField | bindex.DocValues | bindex.SkipFreqNorm
	optFilter  = bindex.IndexField | bindex.SkipFreqNorm
)

// addPublished adds a paper's publication day.
func addPublished(doc *document.Document, t time.Time) {
	day := dayNumber(t)
	doc.AddField(&termsField{name: fPublished, opts: optSortKey, terms: [][]byte{numeric.MustNewPrefixCodedInt64(day, 0)}})
	var rng [][]byte
	for shift := uint(dayStep); shift <= dayShiftRange; shift += dayStep {
		rng = append(rng, numeric.MustNewPrefixCodedInt64(day, shift))
	}
	doc.AddField(&termsField{name: fPublishedRange, opts: optFilter, terms: rng})
}

// addTrending adds a paper's trending score (sortOnly: as doc values only,
// cmd/bench's experiment).
func addTrending(doc *document.Document, score float64, sortOnly bool) {
	opts := optSortKey
	if sortOnly {
		opts = bindex.DocValues
	}
	doc.AddField(&termsField{name: fTrending, opts: opts, terms: [][]byte{numeric.MustNewPrefixCodedInt64(numeric.Float64ToInt64(score), 0)}})
	if score > 0 {
		doc.AddField(&termsField{name: fHasTrending, opts: optFilter, terms: [][]byte{[]byte(hasTrendingTerm)}})
	}
}

// hasTrendingQuery matches the papers with a trending score above zero.
// It does not score.
func hasTrendingQuery() query.Query {
	tq := query.NewTermQuery(hasTrendingTerm)
	tq.SetField(fHasTrending)
	tq.SetBoost(0)
	return tq
}

// dateRangeQuery matches the papers published from (inclusive) to
// (exclusive); a zero time leaves that end open. Both are whole days (the
// query language's dates). It does not score (Bleve's disjunctions ignore
// their own boost: each term has boost 0).
func dateRangeQuery(from, to time.Time) query.Query {
	lo, hi := int64(0), int64(1<<23-1)
	if !from.IsZero() {
		lo = max(lo, dayNumber(from))
	}
	if !to.IsZero() {
		hi = min(hi, dayNumber(to)-1)
	}
	var qs []query.Query
	for _, r := range dayRangeTerms(lo, hi) {
		field := fPublishedRange
		if r.shift == 0 {
			field = fPublished
		}
		tq := query.NewTermQuery(string(numeric.MustNewPrefixCodedInt64(r.block<<r.shift, r.shift)))
		tq.SetField(field)
		tq.SetBoost(0)
		qs = append(qs, tq)
	}
	if len(qs) == 0 {
		return query.NewMatchNoneQuery()
	}
	return query.NewDisjunctionQuery(qs)
}

// rangeTerm is a block of 2^shift day numbers, the block-th of its size.
type rangeTerm struct {
	block int64
	shift uint
}

// dayRangeTerms covers the day numbers lo to hi (inclusive, both in
// [0, 2^23)) with the fewest blocks of the sizes the index holds terms
// for: at each size, the blocks at the two ends that do not fill a block
// of the next size, and at the largest every block left.
func dayRangeTerms(lo, hi int64) []rangeTerm {
	var out []rangeTerm
	a, b := lo, hi // blocks at the current shift
	for shift := uint(0); a <= b; shift += dayStep {
		const group = 1 << dayStep
		up, down := (a+group-1)/group, (b+1)/group-1 // the next size's blocks inside [a, b]
		if shift == dayShiftRange || up > down {
			for x := a; x <= b; x++ {
				out = append(out, rangeTerm{x, shift})
			}
			break
		}
		for x := a; x < up*group; x++ {
			out = append(out, rangeTerm{x, shift})
		}
		for x := (down + 1) * group; x <= b; x++ {
			out = append(out, rangeTerm{x, shift})
		}
		a, b = up, down
	}
	return out
}
