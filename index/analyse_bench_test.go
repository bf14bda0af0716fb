package index

import (
	"testing"

	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/configs/sample"
)

// BenchmarkAnalyse builds and analyses the documents of the sample corpus
// as a batch write does (the document on the writer, its fields on Bleve's
// analysis workers): the allocations an ingest makes before zap's.
//
//	go test ./index -run '^$' -bench Analyse -benchmem
func BenchmarkAnalyse(b *testing.B) {
	papers, err := sample.Papers()
	if err != nil {
		b.Fatal(err)
	}
	ix, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	b.ReportAllocs()
	for b.Loop() {
		for i := range papers {
			doc, err := ix.document(&papers[i])
			if err != nil {
				b.Fatal(err)
			}
			doc.VisitFields(func(f bindex.Field) {
				if f.Options().IsIndexed() {
					f.Analyze()
				}
			})
		}
	}
}
