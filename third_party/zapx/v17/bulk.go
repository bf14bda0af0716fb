//  Copyright (c) 2026 paperbot's authors. Changes to zap v17.2.5 (Couchbase, Inc.):
//  third_party/zapx/README.paperbot.md.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//	http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package zap

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"

	index "github.com/blevesearch/bleve_index_api"
)

// A segment built in memory gathers each term's postings from its
// documents' fields. Upstream did it on one goroutine, document by
// document (realloc, then process): a third of a bulk ingest's segment
// building, on its critical path. processAll does the same work with the
// fields shared out among goroutines (each field's terms are its own:
// its dictionary, its postings lists), each reading every document in
// order for its fields, so each term's documents come in order as before
// (TestBuiltAsUpstream: the same bytes).

// processWorkers is how many goroutines gather postings: 0 is GOMAXPROCS;
// 1 is upstream's way, document by document.
var processWorkers = 0

// docField is a field of a document as process sees it: the terms of all
// its instances, merged as process merges them, and their length.
type docField struct {
	fieldID uint16
	length  int
	terms   []index.TokenFreq // the terms of a TermsLister, or
	tfs     index.TokenFrequencies
	merged  bool // tfs is a map of its own (from more than one instance)
}

// TermsLister is a field that lists its analysed terms without a map
// (paperbot's text fields): the values of AnalyzedTokenFrequencies, each
// once. processAll reads them as they are.
type TermsLister interface {
	AnalyzedTerms() []index.TokenFreq
}

// eachTerm calls fn with each term of f: key is the term (sharing the
// bytes of its TokenFreq unless owned; clone it to keep it).
func (f *docField) eachTerm(fn func(key string, tf *index.TokenFreq, owned bool)) {
	if f.tfs == nil {
		for i := range f.terms {
			tf := &f.terms[i]
			fn(unsafe.String(unsafe.SliceData(tf.Term), len(tf.Term)), tf, false)
		}
		return
	}
	for term, tf := range f.tfs {
		fn(term, tf, true)
	}
}

// fieldGroup is what a goroutine gathers: some fields' postings lists,
// numbered from base.
type fieldGroup struct {
	fields  []uint16
	terms   []int // local id -> documents
	locs    []int // local id -> locations
	base    int
	missing bool // a location names a field the segment does not have
}

// processAll gathers the postings of every document on several
// goroutines; it reports false, having changed nothing that realloc does
// not set again, where upstream's way must do it.
func (io *invertedIndexOpaque) processAll() bool {
	workers := processWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nfields := len(io.FieldsInv)
	workers = min(workers, nfields)
	if workers < 2 || len(io.results) < 2 {
		return false
	}

	// The fields of each document (on all cores), and how many terms
	// each field has over the documents.
	docs := grow(io.docFields, len(io.results))
	io.docFields = docs
	type rangeInfo struct {
		dv      []bool
		weight  []int
		unusual bool
	}
	infos := make([]rangeInfo, workers)
	parallel(len(io.results), workers, func(w, from, to int) {
		in := &infos[w]
		in.dv, in.weight = make([]bool, nfields), make([]int, nfields)
		for d := from; d < to; d++ {
			fs := docs[d][:0]
			visit := func(field index.Field) {
				if isFieldExcludedFromInvertedTextIndexSection(field) {
					return
				}
				if _, ok := field.(index.GeoShapeField); ok {
					in.unusual = true // extraDocValues: upstream's way
					return
				}
				fidPlus1, ok := io.FieldsMap[field.Name()]
				if !ok {
					in.unusual = true
					return
				}
				fid := fidPlus1 - 1
				if field.Options().IncludeDocValues() {
					in.dv[fid] = true
				}
				i := slices.IndexFunc(fs, func(f docField) bool { return f.fieldID == fid })
				if i < 0 {
					f := docField{fieldID: fid, length: field.AnalyzedLength()}
					if tl, ok := field.(TermsLister); ok {
						f.terms = tl.AnalyzedTerms()
						in.weight[fid] += len(f.terms)
					} else {
						f.tfs = field.AnalyzedTokenFrequencies()
						in.weight[fid] += len(f.tfs)
					}
					fs = append(fs, f)
					return
				}
				f := &fs[i]
				tfs := field.AnalyzedTokenFrequencies()
				in.weight[fid] += len(tfs)
				f.length += field.AnalyzedLength()
				if !f.merged {
					// upstream merges into the first instance's map; a
					// copy leaves the document as it was
					own := make(index.TokenFrequencies, len(f.tfs)+len(f.terms)+len(tfs))
					f.eachTerm(func(key string, tf *index.TokenFreq, owned bool) {
						c := &index.TokenFreq{Term: tf.Term, Locations: slices.Clone(tf.Locations)}
						c.SetFrequency(tf.Frequency())
						own[strings.Clone(key)] = c
					})
					f.tfs, f.terms, f.merged = own, nil, true
				}
				f.tfs.MergeAll(field.Name(), tfs)
			}
			io.results[d].VisitComposite(func(field index.CompositeField) { visit(field) })
			io.results[d].VisitFields(visit)
			docs[d] = fs
		}
	})
	includeDV := make([]bool, nfields)
	weight := make([]int, nfields)
	for _, in := range infos {
		if in.unusual {
			return false
		}
		for f := range nfields {
			includeDV[f] = includeDV[f] || in.dv[f]
			weight[f] += in.weight[f]
		}
	}

	// The fields shared out: the heaviest first, each to the lightest
	// group.
	byWeight := make([]uint16, nfields)
	for f := range byWeight {
		byWeight[f] = uint16(f)
	}
	slices.SortStableFunc(byWeight, func(a, b uint16) int { return weight[b] - weight[a] })
	groups := make([]*fieldGroup, workers)
	load := make([]int, workers)
	groupOf := make([]int, nfields)
	for g := range groups {
		groups[g] = &fieldGroup{}
	}
	for _, f := range byWeight {
		g := slices.Index(load, slices.Min(load))
		groups[g].fields = append(groups[g].fields, f)
		load[g] += weight[f]
		groupOf[f] = g
	}

	// Pass 1: each group its fields' dictionaries (term -> local id + 1)
	// and counts.
	io.initDictsAndKeysFromFields()
	parallel(workers, workers, func(g, _, _ int) {
		gr := groups[g]
		for _, fs := range docs {
			for _, f := range fs {
				if groupOf[f.fieldID] != g {
					continue
				}
				dict := io.Dicts[f.fieldID]
				f.eachTerm(func(term string, tf *index.TokenFreq, owned bool) {
					id, ok := dict[term]
					if !ok {
						if !owned {
							term = strings.Clone(term)
						}
						gr.terms = append(gr.terms, 0)
						gr.locs = append(gr.locs, 0)
						id = uint64(len(gr.terms))
						dict[term] = id
						io.DictKeys[f.fieldID] = append(io.DictKeys[f.fieldID], term)
					}
					gr.terms[id-1]++
					gr.locs[id-1] += len(tf.Locations)
				})
			}
		}
		for _, f := range gr.fields {
			sort.Strings(io.DictKeys[f])
		}
	})

	// The postings lists, each group's after the one before's.
	var npids, totTFs, totLocs int
	io.fieldBase = grow(io.fieldBase, nfields)
	for _, gr := range groups {
		gr.base = npids
		for _, f := range gr.fields {
			io.fieldBase[f] = uint64(npids)
		}
		npids += len(gr.terms)
		for id := range gr.terms {
			totTFs += gr.terms[id]
			totLocs += gr.locs[id]
		}
	}
	io.Docs = grow(io.Docs, npids)
	io.docsBacking = grow(io.docsBacking, totTFs)
	io.FreqNorms = grow(io.FreqNorms, npids)
	io.freqNormsBacking = grow(io.freqNormsBacking, totTFs)
	io.Locs = grow(io.Locs, npids)
	io.locsBacking = grow(io.locsBacking, totLocs)
	docsB, fnB, locsB := io.docsBacking, io.freqNormsBacking, io.locsBacking
	for _, gr := range groups {
		for id, n := range gr.terms {
			pid := gr.base + id
			io.Docs[pid], docsB = docsB[0:0:n], docsB[n:]
			io.FreqNorms[pid], fnB = fnB[0:0:n], fnB[n:]
			io.Locs[pid], locsB = locsB[0:0:gr.locs[id]], locsB[gr.locs[id]:]
		}
	}

	// Pass 2: each group its fields' postings, document by document.
	var extMu sync.Mutex // io.locExt: locations with offsets or array positions
	parallel(workers, workers, func(g, _, _ int) {
		gr := groups[g]
		for d, fs := range docs {
			docNum := uint32(d)
			for _, f := range fs {
				if groupOf[f.fieldID] != g {
					continue
				}
				dict := io.Dicts[f.fieldID]
				base := gr.base - 1
				norm := math.Float32frombits(uint32(f.length))
				f.eachTerm(func(term string, tf *index.TokenFreq, _ bool) {
					pid := base + int(dict[term])
					io.Docs[pid] = append(io.Docs[pid], docNum)
					io.FreqNorms[pid] = append(io.FreqNorms[pid],
						interimFreqNorm{
							freq:    uint64(tf.Frequency()),
							norm:    norm,
							numLocs: len(tf.Locations),
						})
					if len(tf.Locations) == 0 {
						return
					}
					locs := io.Locs[pid]
					for _, loc := range tf.Locations {
						locf := f.fieldID
						if loc.Field != "" {
							fidPlus1, ok := io.FieldsMap[loc.Field]
							if !ok {
								gr.missing = true
							}
							locf = fidPlus1 - 1
						}
						l := interimLoc{fieldID: locf, pos: uint64(loc.Position), ext: -1}
						if loc.Start != 0 || loc.End != 0 || len(loc.ArrayPositions) > 0 {
							var arrayposs []uint64
							if len(loc.ArrayPositions) > 0 {
								arrayposs = loc.ArrayPositions
							}
							extMu.Lock()
							l.ext = int32(len(io.locExt))
							io.locExt = append(io.locExt, interimLocExt{
								start:     uint64(loc.Start),
								end:       uint64(loc.End),
								arrayposs: arrayposs,
							})
							extMu.Unlock()
						}
						locs = append(locs, l)
					}
					io.Locs[pid] = locs
				})
			}
		}
	})
	for _, gr := range groups {
		// A location naming a field the segment does not have: upstream
		// defines it as it goes (and then indexes past its per-field
		// arrays). Bleve's documents never have one: upstream's way
		// starts again (realloc sets again what was done here).
		if gr.missing {
			clear(io.locExt)
			io.locExt = io.locExt[:0]
			clear(io.fieldBase)
			return false
		}
	}
	if cap(io.IncludeDocValues) >= nfields {
		io.IncludeDocValues = io.IncludeDocValues[:nfields]
	} else {
		io.IncludeDocValues = make([]bool, nfields)
	}
	copy(io.IncludeDocValues, includeDV)
	io.bulk = true
	for d := range docs { // the documents' maps are not kept
		clear(docs[d])
		docs[d] = docs[d][:0]
	}
	io.init = true
	return true
}

// grow is s with n elements, its old ones kept where there is room.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return append(s[:cap(s)], make([]T, n-cap(s))...)
}

// parallel runs fn on n items in contiguous ranges [from, to), one for
// each worker w (at most n of them).
func parallel(n, workers int, fn func(w, from, to int)) {
	workers = max(1, min(workers, n))
	var wg sync.WaitGroup
	for w := range workers {
		from, to := w*n/workers, (w+1)*n/workers
		wg.Go(func() { fn(w, from, to) })
	}
	wg.Wait()
}
