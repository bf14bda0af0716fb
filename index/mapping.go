package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
)

// MappingVersion identifies the index layout this build writes and reads.
// Bump it with every change to the mapping or to how documents are built;
// Open then rebuilds (or refuses) indexes written by another version.
//
//	1: the first
//	2: upvotes and stars no longer indexed (they are only ever read from the
//	   stored record; their numeric terms cost ingest time for nothing)
//	3: words split by the index's own tokenizer (tokenize.go)
//	4: analysed field lengths kept for BM25 (lengths.go); British spellings
//	   written as American ones before stemming (spelling.go)
//	5: term vectors keep positions without byte offsets (documents.go);
//	   stored records compressed with zstd (record.go); dates and trending
//	   scores without frequencies and norms
//	6: dates and trending scores as one sort term each (day numbers for
//	   dates), date ranges from terms of their own, the trending filter
//	   as one term (numbers.go), instead of sixteen prefix terms a value;
//	   stored records compressed with a dictionary the index keeps
//	   (record.go)
//	7: the record dictionary S2's, not zstd's (record.go). A paperbot of
//	   mapping 6 cannot read such records, so it must refuse the index;
//	   mapping 7 read an index of mapping 6 as it was, and Open only
//	   marked it 7
//	8: a position left empty between two authors' names (documents.go),
//	   so that a name's phrase never spans two authors. Indexes of every
//	   earlier mapping are rebuilt
//	9: accented letters folded to ASCII in the English and plain fields
//	   (fold.go): "Teichmuller" finds "Teichmüller", as author names
//	   already did
//	10: merged segments keep word positions compactly, through zap's file
//	   hook (locations.go). A paperbot of mapping 9 cannot load such
//	   segments (Bleve fails before the version is read, and it says the
//	   index may be an incompatible paperbot's); this one reads an index
//	   of mapping 9 as it is (its segments are compacted as they are
//	   merged), and Open only marks it 10 (upgradedInPlace)
//	11: stored records in a binary form of their own, not JSON
//	   (recordbin.go). A paperbot of mapping 10 cannot read such records,
//	   so it refuses the index (a newer mapping); this one reads the JSON
//	   records of mappings 9 and 10 beside the new ones, and Open only
//	   marks those indexes 11
//	12: a stored record ends with the paper's aliases, the ids it was
//	   merged from (twins.go), which the aliases field indexes. A paperbot of mapping 11 cannot read such
//	   records, so it refuses the index (a newer mapping); this one reads
//	   the records of mapping 11 (and the JSON of 9 and 10) as they are,
//	   and Open only marks those indexes 12
//
// Papers written since 2026-12-04 have no "id" keyword field: a paper's id
// is Bleve's own _id (zap indexes and stores it), which lookups by id read,
// and nothing read the copy. Indexes of mapping 11 with it and without it
// are searched alike by this build and by earlier ones, so the version did
// not change.
const MappingVersion = 12

// upgradedInPlace are the mapping versions this build reads as they are:
// Open marks them MappingVersion instead of rebuilding them.
var upgradedInPlace = []string{"9", "10", "11"}

// Field names in the index. A paper's id is Bleve's _id.
const (
	fText      = "text"      // title + abstract, English analysis, positions (phrases, proximity)
	fTitle     = "title"     // title, English analysis (field weighting)
	fTitleRaw  = "title_raw" // title, lower-cased, unstemmed (prefix, typo matching, did-you-mean)
	fAuthors   = "authors"   // author names, folded to ASCII, positions (author:"first last")
	fCats      = "categories"
	fPublished = "published"
	fTrending  = "trending"
	fAliases   = "aliases" // the ids the paper was merged from, whole (twins.go: search's Exclude)
	fSource    = "_src"    // the whole record (record.go, recordbin.go), stored only
	// fLengths (lengths.go) holds the analysed lengths of text, title and authors.
	// fPublishedRange and fHasTrending (numbers.go) filter dates and
	// trending scores.
)

// indexedFields are the fields the mapping indexes (queries may name any).
var indexedFields = [...]string{fText, fTitle, fTitleRaw, fAuthors, fCats, fAliases, fPublished, fPublishedRange, fTrending, fHasTrending, fLengths}

// Analyzer names. The index analyses documents and queries with these
// analyzers' token filters behind its own word tokenizer (tokenize.go);
// the mapping names Bleve's Unicode tokenizer, the closest registered one,
// for tools that read it.
const (
	anEnglish = "paper_en"
	anPlain   = "paper_plain"
	anName    = "paper_name"
	anKeyword = "paper_keyword"
)

// Per-field indexing options, used both in the mapping (for documentation
// and for Bleve's query-time lookups) and when documents are built directly.
const (
	optText    = bindex.IndexField | bindex.IncludeTermVectors
	optPlain   = bindex.IndexField
	optKeyword = bindex.IndexField | bindex.SkipFreqNorm
	optStored  = bindex.StoreField
	// Dates and trending scores: optSortKey and optFilter (numbers.go).
)

// MappingOptions are the variations of the mapping that cmd/bench's
// experiments measure before the index adopts one. The zero value is the
// index's own mapping, the only one Open creates.
type MappingOptions struct {
	// NoTitleRaw drops the unstemmed title field (typo suggestions and
	// title matching then lose it).
	NoTitleRaw bool
	// NoStored drops the stored JSON record (an index without it cannot
	// return or rebuild papers).
	NoStored bool
	// SortOnlyNumbers keeps the trending score as doc values only, not
	// indexed (zap then writes no doc values either: docs/benchmarks.md).
	SortOnlyNumbers bool
}

// NewMapping returns the index's mapping with o's variations: the mapping
// Open creates indexes with when o is the zero value. Documents for it are
// built by NewDocuments.
func NewMapping(o MappingOptions) (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	im.ScoringModel = bindex.BM25Scoring
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultAnalyzer = anEnglish

	analyzers := map[string]map[string]any{
		// English: possessives, lower case, accents folded (fold.go),
		// stop words, Porter stemming.
		anEnglish: {
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": []string{en.PossessiveName, lowercase.Name, foldName, en.StopName, porter.Name},
		},
		// Plain: lower-cased words, accents folded, nothing removed or
		// stemmed.
		anPlain: {
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": []string{lowercase.Name, foldName},
		},
		// Names: like plain, with accents folded (Müller matches Muller).
		anName: {
			"type":          custom.Name,
			"char_filters":  []string{asciifolding.Name},
			"tokenizer":     unicode.Name,
			"token_filters": []string{lowercase.Name},
		},
		// Keyword: the whole value, lower-cased (ids, categories).
		anKeyword: {
			"type":          custom.Name,
			"tokenizer":     single.Name,
			"token_filters": []string{lowercase.Name},
		},
	}
	for name, cfg := range analyzers {
		if err := im.AddCustomAnalyzer(name, cfg); err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", name, err)
		}
	}

	text := func(analyzer string, vectors bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = vectors
		f.DocValues = false
		return f
	}
	keyword := func() *mapping.FieldMapping {
		f := text(anKeyword, false)
		f.SkipFreqNorm = true
		return f
	}
	// Dates and trending scores: prefix-coded terms built by numbers.go
	// (documents never go through the mapping), kept as doc values.
	sortKey := func(indexed bool) *mapping.FieldMapping {
		f := keyword()
		f.DocValues = true
		f.Index = indexed
		return f
	}
	stored := mapping.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeInAll = false
	stored.IncludeTermVectors = false
	stored.DocValues = false
	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fText, text(anEnglish, true))
	doc.AddFieldMappingsAt(fTitle, text(anEnglish, false))
	if !o.NoTitleRaw {
		doc.AddFieldMappingsAt(fTitleRaw, text(anPlain, false))
	}
	doc.AddFieldMappingsAt(fAuthors, text(anName, true))
	doc.AddFieldMappingsAt(fCats, keyword())
	doc.AddFieldMappingsAt(fAliases, keyword())
	doc.AddFieldMappingsAt(fPublished, sortKey(true))
	doc.AddFieldMappingsAt(fPublishedRange, keyword())
	doc.AddFieldMappingsAt(fTrending, sortKey(!o.SortOnlyNumbers))
	doc.AddFieldMappingsAt(fHasTrending, keyword())
	doc.AddFieldMappingsAt(fLengths, keyword())
	if !o.NoStored {
		doc.AddFieldMappingsAt(fSource, stored)
	}
	im.DefaultMapping = doc
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}
