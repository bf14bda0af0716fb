package main

// EXPERIMENTS, not the product: a replica of paperbot's index mapping and
// document construction (index/mapping.go and (*Index).document as of
// mapping version 1), with switches for the changes worth measuring before
// the index adopts them. The replica writes an index that `index.Open`
// reads (same mapping, same version key), so the query section can run on
// it too. Keep it in step with index/ when the mapping changes; the
// "replica" experiment (no switch on) must ingest at the real path's speed.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// variant switches one or more changes on.
type variant struct {
	// batch is papers per Bleve batch (0: 2000, the Writer's default).
	batch int
	// inflight is how many batches are written at once (0 or 1: one at a
	// time, as the Writer does). More overlaps building one batch's
	// segment with analysing the next: both cores work.
	inflight int
	// sortOnlyNumbers indexes trending, upvotes and stars as doc values
	// only (they are sorted on, never searched by range): no numeric
	// prefix terms.
	sortOnlyNumbers bool
	// noTitleRaw drops the unstemmed title field (typo suggestions would
	// then come from the text field's dictionary).
	noTitleRaw bool
	// noStored drops the stored JSON record (the peer stores columns; a
	// product would then need another store, e.g. bbolt).
	noStored bool
	// builder uses Bleve's offline builder (bleve.NewBuilder): segments
	// written without introduction, merged once at the end.
	builder bool
	// gogc sets the garbage collector's target (0: Go's default, 100).
	gogc int
}

// Field and analyzer names and options: copied from index/mapping.go.
const (
	xID        = "id"
	xText      = "text"
	xTitle     = "title"
	xTitleRaw  = "title_raw"
	xAuthors   = "authors"
	xCats      = "categories"
	xPublished = "published"
	xTrending  = "trending"
	xUpvotes   = "upvotes"
	xStars     = "stars"
	xSource    = "_src"

	xEnglish = "paper_en"
	xPlain   = "paper_plain"
	xName    = "paper_name"
	xKeyword = "paper_keyword"

	xOptText    = bindex.IndexField | bindex.IncludeTermVectors
	xOptPlain   = bindex.IndexField
	xOptKeyword = bindex.IndexField | bindex.SkipFreqNorm
	xOptSort    = bindex.IndexField | bindex.DocValues
	xOptStored  = bindex.StoreField
)

// xMapping is a copy of index.newMapping.
func xMapping(v variant) (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	im.ScoringModel = bindex.BM25Scoring
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultAnalyzer = xEnglish
	analyzers := map[string]map[string]any{
		xEnglish: {"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []string{en.PossessiveName, lowercase.Name, en.StopName, porter.Name}},
		xPlain:   {"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []string{lowercase.Name}},
		xName:    {"type": custom.Name, "char_filters": []string{asciifolding.Name}, "tokenizer": unicode.Name, "token_filters": []string{lowercase.Name}},
		xKeyword: {"type": custom.Name, "tokenizer": single.Name, "token_filters": []string{lowercase.Name}},
	}
	for name, cfg := range analyzers {
		if err := im.AddCustomAnalyzer(name, cfg); err != nil {
			return nil, err
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
		f := text(xKeyword, false)
		f.SkipFreqNorm = true
		return f
	}
	number := func() *mapping.FieldMapping {
		f := mapping.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = true
		f.Index = !v.sortOnlyNumbers
		return f
	}
	stored := mapping.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeInAll = false
	stored.IncludeTermVectors = false
	stored.DocValues = false
	date := mapping.NewDateTimeFieldMapping()
	date.Store = false
	date.IncludeInAll = false
	date.DocValues = true

	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(xID, keyword())
	doc.AddFieldMappingsAt(xText, text(xEnglish, true))
	doc.AddFieldMappingsAt(xTitle, text(xEnglish, false))
	if !v.noTitleRaw {
		doc.AddFieldMappingsAt(xTitleRaw, text(xPlain, false))
	}
	doc.AddFieldMappingsAt(xAuthors, text(xName, true))
	doc.AddFieldMappingsAt(xCats, keyword())
	doc.AddFieldMappingsAt(xPublished, date)
	doc.AddFieldMappingsAt(xTrending, number())
	doc.AddFieldMappingsAt(xUpvotes, number())
	doc.AddFieldMappingsAt(xStars, number())
	if !v.noStored {
		doc.AddFieldMappingsAt(xSource, stored)
	}
	im.DefaultMapping = doc
	return im, im.Validate()
}

// xIndex is the replica's writer.
type xIndex struct {
	v                         variant
	m                         *mapping.IndexMappingImpl
	english, plain, names, kw analysis.Analyzer
	optSortNumber             bindex.FieldIndexingOptions
	now                       time.Time
}

func newXIndex(v variant) (*xIndex, error) {
	m, err := xMapping(v)
	if err != nil {
		return nil, err
	}
	x := &xIndex{v: v, m: m, now: time.Now(), optSortNumber: xOptSort}
	x.english, x.plain, x.names, x.kw = m.AnalyzerNamed(xEnglish), m.AnalyzerNamed(xPlain), m.AnalyzerNamed(xName), m.AnalyzerNamed(xKeyword)
	if v.sortOnlyNumbers {
		x.optSortNumber = bindex.DocValues
	}
	return x, nil
}

// document is a copy of (*index.Index).document with the variant's switches.
func (x *xIndex) document(p *paper.Paper) (*document.Document, error) {
	doc := document.NewDocument(p.ID)
	add := func(name, value string, opts bindex.FieldIndexingOptions, a analysis.Analyzer) {
		if value != "" {
			doc.AddField(document.NewTextFieldCustom(name, nil, []byte(value), opts, a))
		}
	}
	add(xID, p.ID, xOptKeyword, x.kw)
	text := p.Title
	if p.Abstract != "" {
		text += "\n" + p.Abstract
	}
	add(xText, text, xOptText, x.english)
	add(xTitle, p.Title, xOptPlain, x.english)
	if !x.v.noTitleRaw {
		add(xTitleRaw, p.Title, xOptPlain, x.plain)
	}
	add(xAuthors, strings.Join(p.Authors, " ; "), xOptText, x.names)
	for _, c := range p.Categories {
		add(xCats, c, xOptKeyword, x.kw)
	}
	if p.Published != "" {
		if t, err := time.Parse(paper.DateLayout, p.Published); err == nil {
			f, err := document.NewDateTimeFieldWithIndexingOptions(xPublished, nil, t, paper.DateLayout, xOptSort)
			if err != nil {
				return nil, err
			}
			doc.AddField(f)
		}
	}
	doc.AddField(document.NewNumericFieldWithIndexingOptions(xTrending, nil, p.Trending, x.optSortNumber))
	doc.AddField(document.NewNumericFieldWithIndexingOptions(xUpvotes, nil, float64(p.Upvotes), x.optSortNumber))
	doc.AddField(document.NewNumericFieldWithIndexingOptions(xStars, nil, float64(p.Stars), x.optSortNumber))
	if !x.v.noStored {
		src, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		doc.AddField(document.NewTextFieldWithIndexingOptions(xSource, nil, src, xOptStored))
	}
	return doc, nil
}

// versionKey is the index's internal key for its mapping version.
const xVersionKey = "paperbot.mapping_version"

// ingestVariant writes a corpus into a new index at dir with a variant.
func ingestVariant(ctx context.Context, v variant, corpus, dir string, limit int) (int, int, error) {
	if v.gogc > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(v.gogc))
	}
	x, err := newXIndex(v)
	if err != nil {
		return 0, 0, err
	}
	batch := v.batch
	if batch <= 0 {
		batch = 2000
	}
	version := []byte(strconv.Itoa(index.MappingVersion))
	if v.builder {
		b, err := bleve.NewBuilder(dir, x.m, map[string]any{
			"batchSize":       batch,
			"mergeMax":        10,
			"buildPathPrefix": filepath.Dir(dir),
		})
		if err != nil {
			return 0, 0, err
		}
		n, rej, err := eachPaper(ctx, corpus, limit, func(p paper.Paper) error {
			p.Trending = paper.TrendingScore(p, x.now)
			return b.Index(p.ID, x.builderData(&p))
		})
		if cerr := b.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return n, rej, err
		}
		// The builder keeps only the mapping in the index's internal
		// storage: the version key is set afterwards.
		bi, err := bleve.Open(dir)
		if err != nil {
			return n, rej, err
		}
		err = bi.SetInternal([]byte(xVersionKey), version)
		if cerr := bi.Close(); err == nil {
			err = cerr
		}
		return n, rej, err
	}
	bi, err := bleve.NewUsing(dir, x.m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, map[string]any{"unsafe_batch": true})
	if err != nil {
		return 0, 0, err
	}
	if err := bi.SetInternal([]byte(xVersionKey), version); err != nil {
		bi.Close()
		return 0, 0, err
	}
	// Batches go to up to inflight writers; the last one's persistence is
	// awaited before closing (Bulk mode returns before segments are on disk).
	inflight := max(v.inflight, 1)
	jobs := make(chan *bleve.Batch, inflight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var werr error
	var persisted []chan error
	for range inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				if err := bi.Batch(b); err != nil {
					mu.Lock()
					werr = errors.Join(werr, err)
					mu.Unlock()
				}
			}
		}()
	}
	cur := bi.NewBatch()
	send := func() {
		ch := make(chan error, 1)
		cur.SetPersistedCallback(func(err error) { ch <- err })
		persisted = append(persisted, ch)
		jobs <- cur
		cur = bi.NewBatch()
	}
	n, rej, err := eachPaper(ctx, corpus, limit, func(p paper.Paper) error {
		p.Trending = paper.TrendingScore(p, x.now)
		doc, err := x.document(&p)
		if err != nil {
			return err
		}
		if err := cur.IndexAdvanced(doc); err != nil {
			return err
		}
		if cur.Size() >= batch {
			send()
		}
		return nil
	})
	if cur.Size() > 0 {
		send()
	}
	close(jobs)
	wg.Wait()
	err = errors.Join(err, werr)
	if err == nil {
		// Every batch's persistence, not just the last one's: with several
		// in flight they may finish out of order.
		for _, ch := range persisted {
			if perr := <-ch; perr != nil {
				err = perr
				break
			}
		}
	}
	if cerr := bi.Close(); err == nil {
		err = cerr
	}
	return n, rej, err
}

// builderData is a paper as a map the mapping indexes like the document
// above (the offline builder maps documents itself).
func (x *xIndex) builderData(p *paper.Paper) map[string]any {
	d := map[string]any{
		xID:       p.ID,
		xText:     strings.TrimSpace(p.Title + "\n" + p.Abstract),
		xTitle:    p.Title,
		xAuthors:  strings.Join(p.Authors, " ; "),
		xCats:     p.Categories,
		xTrending: p.Trending,
		xUpvotes:  float64(p.Upvotes),
		xStars:    float64(p.Stars),
	}
	if !x.v.noTitleRaw {
		d[xTitleRaw] = p.Title
	}
	if t, err := time.Parse(paper.DateLayout, p.Published); err == nil {
		d[xPublished] = t
	}
	if !x.v.noStored {
		src, _ := json.Marshal(p)
		d[xSource] = string(src)
	}
	return d
}

// variantExperiment wraps a variant as an experiment.
func variantExperiment(name, about string, v variant) experiment {
	return experiment{name: name, about: about, ingest: func(ctx context.Context, corpus, out string, limit, _ int) (int, int, error) {
		n, rej, err := ingestVariant(ctx, v, corpus, out, limit)
		if err != nil {
			return n, rej, fmt.Errorf("%s: %w", name, err)
		}
		return n, rej, nil
	}}
}
