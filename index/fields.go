package index

import (
	"sync"
	"unsafe"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"
)

// textField is an analysed text field of a paper's document: Bleve's
// TextField, with the token frequencies built in a few allocations a
// field rather than two for every distinct term and one for every
// occurrence's pointer (Bleve's analysis.TokenFrequency was a quarter of
// an ingest's allocated bytes, issue 18). The frequencies are the same.
type textField struct {
	name   string
	opts   bindex.FieldIndexingOptions
	value  []byte
	an     analysis.Analyzer
	length int
	listedTerms
	// analysed is set once Analyze has run.
	analysed bool
}

var _ document.Field = (*textField)(nil)

func (f *textField) Name() string                         { return f.name }
func (f *textField) ArrayPositions() []uint64             { return nil }
func (f *textField) Options() bindex.FieldIndexingOptions { return f.opts }
func (f *textField) Value() []byte                        { return f.value }
func (f *textField) NumPlainTextBytes() uint64            { return uint64(len(f.value)) }
func (f *textField) Size() int                            { return 96 + len(f.name) + len(f.value) }
func (f *textField) EncodedFieldType() byte               { return 't' }
func (f *textField) AnalyzedLength() int                  { return f.length }

// listedTerms is a field's analysed terms, each once. The copy of zap in
// third_party gathers postings from them as they are (zap.TermsLister);
// the map Bleve's interface wants (AnalyzedTokenFrequencies) is built the
// first time it is asked for (zap's upstream way, Bleve's composites).
type listedTerms struct {
	list   []bindex.TokenFreq
	byTerm bindex.TokenFrequencies
}

func (l *listedTerms) AnalyzedTerms() []bindex.TokenFreq { return l.list }

func (l *listedTerms) AnalyzedTokenFrequencies() bindex.TokenFrequencies {
	if l.byTerm == nil {
		l.byTerm = termMap(l.list)
	}
	return l.byTerm
}

// Analyze analyses the value (the index never stores these fields, so the
// tokens may share its bytes), once: a writer analyses its batch's text
// fields before Bleve does (analyseText).
func (f *textField) Analyze() {
	if f.analysed {
		return
	}
	f.analysed = true
	toks := f.an.Analyze(f.value)
	f.length = len(toks)
	f.listedTerms = listedTerms{list: analysedTerms(toks, f.opts)}
}

// tokenFrequencies is analysis.TokenFrequency (without array positions):
// each distinct term's frequency and, with term vectors, its locations.
func tokenFrequencies(toks analysis.TokenStream, opts bindex.FieldIndexingOptions) bindex.TokenFrequencies {
	return termMap(analysedTerms(toks, opts))
}

// termMap is the frequencies of terms, keyed by term.
func termMap(terms []bindex.TokenFreq) bindex.TokenFrequencies {
	freqs := make(bindex.TokenFrequencies, len(terms))
	for i := range terms {
		freqs[string(terms[i].Term)] = &terms[i]
	}
	return freqs
}

// seenTerms is scratch space for analysedTerms: a term's number, keyed by
// the bytes of its first token (cleared before it is put back).
var seenTerms = sync.Pool{New: func() any { return map[string]int32{} }}

// analysedTerms is each distinct term of toks, in order of first sight,
// with its frequency and, with term vectors, its locations: the values of
// tokenFrequencies, without the map (zap's copy in third_party reads
// them as a slice: textField.AnalyzedTerms).
func analysedTerms(toks analysis.TokenStream, opts bindex.FieldIndexingOptions) []bindex.TokenFreq {
	seen := seenTerms.Get().(map[string]int32)
	defer func() {
		clear(seen)
		seenTerms.Put(seen)
	}()
	terms := make([]bindex.TokenFreq, 0, len(toks))
	counts := make([]int32, 0, len(toks))
	which := make([]int32, len(toks)) // each token's term
	for i, t := range toks {
		// the key shares the token's bytes: it lives no longer than seen
		key := unsafe.String(unsafe.SliceData(t.Term), len(t.Term))
		n, ok := seen[key]
		if !ok {
			n = int32(len(terms))
			terms = append(terms, bindex.TokenFreq{Term: t.Term})
			counts = append(counts, 0)
			seen[key] = n
		}
		counts[n]++
		which[i] = n
	}
	for i := range terms {
		if opts.SkipFreqNorm() {
			terms[i].SetFrequency(0) // as Bleve leaves it
		} else {
			terms[i].SetFrequency(int(counts[i]))
		}
	}
	if !opts.IncludeTermVectors() {
		return terms
	}
	locs := make([]bindex.TokenLocation, len(toks))
	ptrs := make([]*bindex.TokenLocation, len(toks))
	off := 0
	for i := range terms {
		terms[i].Locations = ptrs[off : off : off+int(counts[i])]
		off += int(counts[i])
	}
	for i, t := range toks {
		locs[i] = bindex.TokenLocation{Start: t.Start, End: t.End, Position: t.Position}
		tf := &terms[which[i]]
		tf.Locations = append(tf.Locations, &locs[i])
	}
	return terms
}

// analyseText analyses the text fields of documents on all cores. Bleve
// analyses a batch's documents too (its workers call each field's
// Analyze, which then has nothing left to do), but only once the batch is
// written, which says nothing of when the analysis ends: a Writer wants
// to know (maxInflight).
func analyseText(docs []*document.Document) {
	onCores(len(docs), func(i int) {
		docs[i].VisitFields(func(f bindex.Field) {
			if t, ok := f.(*textField); ok {
				t.Analyze()
			}
		})
	})
}
