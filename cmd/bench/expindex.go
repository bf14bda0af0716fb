package main

// EXPERIMENTS, not the product: paperbot's index mapping and documents
// (index.NewMapping, index.NewDocuments) with switches for the changes
// worth measuring before the index adopts them, written by other means
// than the index's Writer. Without a mapping switch the index written is
// one `index.Open` reads as its own (same mapping, same version key), so
// the query section can run on it too; the "replica" experiment (no switch
// on) must ingest at the real path's speed.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"

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
	// mapping varies the index's mapping and documents
	// (index.MappingOptions: no title_raw, no stored record, sort-only
	// numbers).
	mapping index.MappingOptions
	// builder uses Bleve's offline builder (bleve.NewBuilder): segments
	// written without introduction, merged once at the end.
	builder bool
	// gogc sets the garbage collector's target (0: Go's default, 100).
	gogc int
}

// ingestVariant writes a corpus into a new index at dir with a variant.
func ingestVariant(ctx context.Context, v variant, corpus, dir string, limit int) (int, int, error) {
	if v.gogc > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(v.gogc))
	}
	m, err := index.NewMapping(v.mapping)
	if err != nil {
		return 0, 0, err
	}
	docs, err := index.NewDocuments(m, v.mapping)
	if err != nil {
		return 0, 0, err
	}
	now := time.Now()
	batch := v.batch
	if batch <= 0 {
		batch = 2000
	}
	if v.builder {
		// The builder maps documents itself (with Bleve's registered
		// tokenizer, no field lengths): its index is not one paperbot
		// reads as its own, so it gets no version key (Open rebuilds it).
		b, err := bleve.NewBuilder(dir, m, map[string]any{
			"batchSize":       batch,
			"mergeMax":        10,
			"buildPathPrefix": filepath.Dir(dir),
		})
		if err != nil {
			return 0, 0, err
		}
		n, rej, err := eachPaper(ctx, corpus, limit, func(p paper.Paper) error {
			p.Trending = paper.TrendingScore(p, now)
			return b.Index(p.ID, builderData(&p, v.mapping))
		})
		if cerr := b.Close(); err == nil {
			err = cerr
		}
		return n, rej, err
	}
	bi, err := bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, map[string]any{"unsafe_batch": true})
	if err != nil {
		return 0, 0, err
	}
	if err := bi.SetInternal([]byte(index.MappingVersionKey), index.MappingVersionValue()); err != nil {
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
		p.Trending = paper.TrendingScore(p, now)
		doc, err := docs.Document(&p)
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

// builderData is a paper as a map for the mapping to index (the offline
// builder maps documents itself).
func builderData(p *paper.Paper, o index.MappingOptions) map[string]any {
	d := map[string]any{
		"id":         p.ID,
		"text":       strings.TrimSpace(p.Title + "\n" + p.Abstract),
		"title":      p.Title,
		"authors":    strings.Join(p.Authors, " ; "),
		"categories": p.Categories,
		"trending":   p.Trending,
	}
	if !o.NoTitleRaw {
		d["title_raw"] = p.Title
	}
	if t, err := time.Parse(paper.DateLayout, p.Published); err == nil {
		d["published"] = t
	}
	if !o.NoStored {
		src, _ := json.Marshal(p)
		d["_src"] = string(src)
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
