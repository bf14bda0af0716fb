package index

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
)

// analyzers are the analyzers the index applies to papers and queries:
// the mapping's, behind the index's own word tokenizer (tokenize.go).
type analyzers struct {
	english, plain, names analysis.Analyzer
	// keyword is the mapping's own (whole values: ids, categories).
	keyword analysis.Analyzer
	// rec encodes and decodes the stored records (record.go).
	rec *records
}

// analyzersOf takes the analyzers from a mapping made by NewMapping.
func analyzersOf(m mapping.IndexMapping) (analyzers, error) {
	a := analyzers{keyword: m.AnalyzerNamed(anKeyword)}
	for _, x := range []struct {
		name string
		dst  *analysis.Analyzer
	}{{anEnglish, &a.english}, {anPlain, &a.plain}, {anName, &a.names}} {
		if *x.dst = withWordTokenizer(m.AnalyzerNamed(x.name)); *x.dst == nil {
			return a, fmt.Errorf("analyzer %s missing from the mapping", x.name)
		}
	}
	if a.keyword == nil {
		return a, fmt.Errorf("analyzer %s missing from the mapping", anKeyword)
	}
	var err error
	a.rec, err = newRecords()
	return a, err
}

// MappingVersionKey is the key of Bleve's internal storage under which an
// index keeps its MappingVersion (decimal). Open writes it into the indexes
// it creates; a tool that writes an index with NewMapping and NewDocuments
// sets it for Open to read that index without rebuilding it.
const MappingVersionKey = "paperbot.mapping_version"

// MappingVersionValue is the value stored under MappingVersionKey by this
// build.
func MappingVersionValue() []byte { return []byte(strconv.Itoa(MappingVersion)) }

// Documents builds the Bleve documents of papers as the index does, for an
// index made with NewMapping (cmd/bench writes its experiments' indexes
// with it).
type Documents struct {
	an   analyzers
	opts MappingOptions
}

// NewDocuments returns the document builder for a mapping made by
// NewMapping(o).
func NewDocuments(m mapping.IndexMapping, o MappingOptions) (*Documents, error) {
	an, err := analyzersOf(m)
	if err != nil {
		return nil, err
	}
	return &Documents{an: an, opts: o}, nil
}

// Document builds the document of a normalised paper (its Trending score
// already set, as the index's writer sets it).
func (d *Documents) Document(p *paper.Paper) (*document.Document, error) {
	return buildDocument(&d.an, d.opts, p)
}

// Record decodes a paper's stored record (the value of the mapping's
// stored field), as the index reads it.
func (d *Documents) Record(raw []byte) (paper.Paper, error) {
	return d.an.rec.decode(raw)
}

// document builds the Bleve document of a normalised paper.
func (ix *Index) document(p *paper.Paper) (*document.Document, error) {
	return buildDocument(&ix.analyzers, MappingOptions{}, p)
}

// documents builds the documents of papers (their records compressed:
// some 20 µs a paper) on all cores.
func (ix *Index) documents(ps []paper.Paper) ([]*document.Document, error) {
	docs := make([]*document.Document, len(ps))
	errs := make([]error, len(ps))
	onCores(len(ps), func(i int) { docs[i], errs[i] = ix.document(&ps[i]) })
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("paper %s: %w", ps[i].ID, err)
		}
	}
	return docs, nil
}

func buildDocument(an *analyzers, o MappingOptions, p *paper.Paper) (*document.Document, error) {
	doc := document.NewDocument(p.ID)
	add := func(name, value string, opts bindex.FieldIndexingOptions, a analysis.Analyzer) {
		if value != "" {
			doc.AddField(&textField{name: name, opts: opts, value: []byte(value), an: a})
		}
	}
	text := p.Title
	if p.Abstract != "" {
		text += "\n" + p.Abstract
	}
	add(fText, text, optText, positionsOnly{an.english})
	add(fTitle, p.Title, optPlain, an.english)
	if !o.NoTitleRaw {
		add(fTitleRaw, p.Title, optPlain, an.plain)
	}
	add(fAuthors, strings.Join(p.Authors, authorSep), optText, authorNames{an.names})
	for _, c := range p.Categories {
		add(fCats, c, optKeyword, an.keyword)
	}
	for _, a := range p.Aliases {
		add(fAliases, a, optKeyword, an.keyword)
	}
	if p.Published != "" {
		if t, err := time.Parse(paper.DateLayout, p.Published); err == nil {
			addPublished(doc, t)
		}
	}
	addTrending(doc, p.Trending, o.SortOnlyNumbers)
	addLengths(doc)
	if !o.NoStored {
		src, err := an.rec.encode(p)
		if err != nil {
			return nil, err
		}
		doc.AddField(document.NewTextFieldWithIndexingOptions(fSource, nil, src, optStored))
	}
	return doc, nil
}

// positionsOnly analyses a field whose term vectors keep word positions
// (phrases, author:"first last") but no byte offsets: nothing reads them
// (highlighting analyses the stored text of the hits again), and zap
// writes each occurrence's start and end as varints beside its position,
// about a third of a text field's postings. Zeroed, they take a byte each.
type positionsOnly struct{ analysis.Analyzer }

func (a positionsOnly) Analyze(input []byte) analysis.TokenStream {
	toks := a.Analyzer.Analyze(input)
	for _, t := range toks {
		t.Start, t.End = 0, 0
	}
	return toks
}

// authorSep joins a paper's authors in the authors field.
const authorSep = " ; "

// authorGap is how many positions are left empty between the names of two
// authors, so that a name's phrase (author:"wei zhang") never matches the
// end of one name and the start of the next ("Hui Wei ; Zhang San"): the
// phrase searchers, Bleve's and the index's own (phrase.go), want each word
// one position after the one before.
const authorGap = 1

// authorNames analyses the authors field, names joined by authorSep: each
// name on its own, positions continuing from the name before with
// authorGap between them, and (as positionsOnly) no byte offsets.
type authorNames struct{ analysis.Analyzer }

func (a authorNames) Analyze(input []byte) analysis.TokenStream {
	var out analysis.TokenStream
	shift := 0 // added to the positions of the name being analysed
	for len(input) > 0 {
		name, rest, _ := bytes.Cut(input, []byte(authorSep))
		input = rest
		toks := a.Analyzer.Analyze(name)
		if len(toks) == 0 {
			continue
		}
		for _, t := range toks {
			t.Position += shift
			t.Start, t.End = 0, 0
		}
		shift = toks[len(toks)-1].Position + authorGap
		if out == nil && len(input) == 0 {
			return toks // one name: its tokens as they are
		}
		out = append(out, toks...)
	}
	return out
}
