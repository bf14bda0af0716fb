package main

import (
	"context"
	"slices"

	"github.com/paperbot/paperbot/index"
)

// experiment is a labelled prototype of an index change, measured beside
// the real ingest so that its effect is known before the index adopts it.
// Experiments never change the index package; they reproduce a variant
// inside this command.
type experiment struct {
	name   string
	about  string
	ingest func(ctx context.Context, corpus, out string, limit, batch int) (papers, rejected int, err error)
}

func experiments() []experiment {
	return []experiment{
		{"batch500", "paperbot, 500 papers per batch", func(ctx context.Context, corpus, out string, limit, _ int) (int, int, error) {
			return ingestPaperbot(ctx, corpus, out, limit, 0, index.WriterOptions{BatchSize: 500})
		}},
		{"batch10000", "paperbot, 10,000 papers per batch", func(ctx context.Context, corpus, out string, limit, _ int) (int, int, error) {
			return ingestPaperbot(ctx, corpus, out, limit, 0, index.WriterOptions{BatchSize: 10000})
		}},
		variantExperiment("replica", "the index's own mapping and documents (index.NewMapping, NewDocuments) written by the bench, no switch on", variant{}),
		variantExperiment("inflight2", "two batches written at once (segment building overlaps analysis)", variant{inflight: 2}),
		variantExperiment("sortonly", "trending as doc values only (no numeric prefix terms)", variant{mapping: index.MappingOptions{SortOnlyNumbers: true}}),
		variantExperiment("notitleraw", "no unstemmed title_raw field", variant{mapping: index.MappingOptions{NoTitleRaw: true}}),
		variantExperiment("nostored", "no stored JSON record", variant{mapping: index.MappingOptions{NoStored: true}}),
		variantExperiment("gogc200", "GOGC=200 during the ingest", variant{gogc: 200}),
		variantExperiment("builder", "Bleve's offline builder (bleve.NewBuilder), merged once at the end", variant{builder: true}),
		variantExperiment("lean", "inflight2 + sortonly + GOGC=200, 2,000 papers per batch (less memory than combined)", variant{inflight: 2, mapping: index.MappingOptions{SortOnlyNumbers: true}, gogc: 200}),
		variantExperiment("combined", "inflight2 + sortonly + GOGC=200 + 5,000 papers per batch", variant{inflight: 2, mapping: index.MappingOptions{SortOnlyNumbers: true}, gogc: 200, batch: 5000}),
	}
}

func experimentNames() []string {
	var out []string
	for _, e := range experiments() {
		out = append(out, e.name)
	}
	return out
}

func experimentByName(name string) (experiment, bool) {
	es := experiments()
	i := slices.IndexFunc(es, func(e experiment) bool { return e.name == name })
	if i < 0 {
		return experiment{}, false
	}
	return es[i], true
}
