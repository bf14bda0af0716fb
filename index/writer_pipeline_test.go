package index

import (
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"

	"github.com/paperbot/paperbot/bot/paper"
)

// countingAnalyzer counts the texts it analyses.
type countingAnalyzer struct {
	analysis.Analyzer
	n *atomic.Int32
}

func (a countingAnalyzer) Analyze(b []byte) analysis.TokenStream {
	a.n.Add(1)
	return a.Analyzer.Analyze(b)
}

// A writer analyses a batch's text fields before Bleve does (to know when
// the analysis ends, see maxInflight): Bleve's own call then costs
// nothing, and the frequencies are the ones analysed first.
func TestTextAnalysedOnce(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var n atomic.Int32
	var docs []*document.Document
	var fields []*textField
	for i := range 2 * minSpread { // spread over goroutines
		f := &textField{name: fText, opts: optText, value: []byte("heat conduction in thin films"), an: countingAnalyzer{ix.english, &n}}
		doc := document.NewDocument(string(rune('a' + i)))
		doc.AddField(f)
		docs, fields = append(docs, doc), append(fields, f)
	}
	analyseText(docs)
	if got := n.Load(); got != int32(len(docs)) {
		t.Fatalf("analyseText analysed %d texts, want %d", got, len(docs))
	}
	for _, f := range fields {
		length, freqs := f.AnalyzedLength(), f.AnalyzedTokenFrequencies()
		f.Analyze() // as Bleve's analysis workers do
		if length != 4 || f.AnalyzedLength() != length || len(f.AnalyzedTokenFrequencies()) != len(freqs) {
			t.Fatalf("after a second Analyze: length %d, %d terms; want 4 (in is a stop word) and %d", f.AnalyzedLength(), len(f.AnalyzedTokenFrequencies()), len(freqs))
		}
	}
	if got := n.Load(); got != int32(len(docs)) {
		t.Fatalf("Analyze after analyseText analysed again: %d texts, want %d", got, len(docs))
	}
}

// A batch handed over behind one that failed is not written: a writer
// stops at its first failed batch, as when it waited for each batch
// before handing over the next.
func TestBatchBehindAFailedOneIsNotWritten(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	p := paper.Paper{ID: "2401.00001", Title: "Heat conduction in thin films", Abstract: "We measure heat."}
	docs, err := ix.documents([]paper.Paper{p})
	if err != nil {
		t.Fatal(err)
	}
	b := ix.bi.NewBatch()
	if err := b.IndexAdvanced(docs[0]); err != nil {
		t.Fatal(err)
	}
	failed := &write{analysed: make(chan struct{}), written: make(chan struct{}), failed: true}
	close(failed.analysed)
	close(failed.written)
	wr := ix.writeInBackground([]*bleve.Batch{b}, []string{p.ID}, docs, failed)
	<-wr.analysed
	if err := <-wr.done; err == nil || !strings.Contains(err.Error(), "the batch before it failed") {
		t.Fatalf("the batch behind a failed one: %v, want it not written", err)
	}
	if n, err := ix.Count(); err != nil || n != 0 {
		t.Fatalf("the index holds %d papers (%v), want none", n, err)
	}
	// Behind a batch that was written, it is.
	ok := &write{analysed: make(chan struct{}), written: make(chan struct{})}
	close(ok.analysed)
	close(ok.written)
	b = ix.bi.NewBatch()
	if err := b.IndexAdvanced(docs[0]); err != nil {
		t.Fatal(err)
	}
	if err := <-ix.writeInBackground([]*bleve.Batch{b}, []string{p.ID}, docs, ok).done; err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Count(); err != nil || n != 1 {
		t.Fatalf("the index holds %d papers (%v), want 1", n, err)
	}
}
