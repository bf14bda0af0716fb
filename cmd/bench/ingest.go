package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
)

// Engines.
const (
	enginePaperbot = "paperbot"
	engineFTS5     = "fts5"
	engineLucene   = "lucene" // Apache Lucene, through lucene/LuceneBench.java
	engineParse    = "parse"  // reading and normalising records only: the floor the Go engines share
)

// allEngines are the engines --engines knows, and its default.
var allEngines = []string{enginePaperbot, engineFTS5, engineLucene}

// ingestOut is what an ingest child reports.
type ingestOut struct {
	Engine     string  `json:"engine"`
	Papers     int     `json:"papers"`
	Rejected   int     `json:"rejected"`
	Seconds    float64 `json:"seconds"`
	IndexBytes int64   `json:"index_bytes"`
	// Segments is the number of Bleve segment files after Close.
	Segments int `json:"segments,omitempty"`
	// HeapPeak is the largest live Go heap seen during the ingest.
	HeapPeak uint64 `json:"heap_peak_bytes,omitempty"`
	// PeakRSS is the process's peak resident memory (VmHWM).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// Reopened is the number of papers found when the index was opened
	// again after the ingest (it must equal Papers).
	Reopened int `json:"papers_after_reopen"`
	// Version names the engine's version and settings (Lucene's).
	Version string `json:"version,omitempty"`
}

// errLimit stops a parse after --limit papers.
var errLimit = errors.New("limit reached")

// eachPaper streams the papers of a corpus file (at most limit when > 0).
func eachPaper(ctx context.Context, path string, limit int, fn func(paper.Paper) error) (n, rejected int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	err = sources.Parse(ctx, f, filepath.Base(path), sources.JSONL, sources.Handler{
		Paper: func(p paper.Paper) error {
			if limit > 0 && n >= limit {
				return errLimit
			}
			n++
			return fn(p)
		},
		Reject: func(*sources.RecordError) { rejected++ },
	})
	if errors.Is(err, errLimit) {
		err = nil
	}
	return n, rejected, err
}

// childIngest indexes a corpus with one engine and prints an ingestOut.
func childIngest(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	engine := fs.String("engine", enginePaperbot, "paperbot, fts5, parse or an experiment")
	corpus := fs.String("corpus", "", "JSON Lines corpus file")
	out := fs.String("out", "", "index directory (paperbot) or database file (fts5), created fresh")
	limit := fs.Int("limit", 0, "index only the first N papers")
	batch := fs.Int("batch", 0, "papers per batch (0: the engine's default)")
	parts := fs.Int("parts", index.BulkParts(), "paperbot: batches built this many at once (index.WriterOptions.Parts; paperbot ingest's default)")
	budget := fs.Int64("mapped-budget", 0, "paperbot: give mapped index pages back past this many MiB of them (index.Options.MappedBudget; 0: a bulk ingest's default, index.BulkMappedBudget; -1: none)")
	cpuprof := fs.String("cpuprofile", "", "write a CPU profile here")
	memprof := fs.String("memprofile", "", "write a heap profile here at the end")
	traceOut := fs.String("trace", "", "write an execution trace here (go tool trace)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *traceOut != "" {
		stop, err := startTrace(*traceOut)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *corpus == "" || (*out == "" && *engine != engineParse) {
		return errors.New("ingest: --corpus and --out are required")
	}
	if *out != "" {
		if err := os.RemoveAll(*out); err != nil {
			return err
		}
	}
	stopProf, err := startCPUProfile(*cpuprof)
	if err != nil {
		return err
	}
	peak := watchHeap()
	res := ingestOut{Engine: *engine}
	start := time.Now()
	switch *engine {
	case engineParse:
		res.Papers, res.Rejected, err = eachPaper(ctx, *corpus, *limit, func(paper.Paper) error { return nil })
	case enginePaperbot:
		res.Papers, res.Rejected, err = ingestPaperbot(ctx, *corpus, *out, *limit, *budget<<20, index.WriterOptions{BatchSize: *batch, Parts: *parts})
	case engineFTS5:
		res.Papers, res.Rejected, err = ingestFTS5(ctx, *corpus, *out, *limit, *batch)
	default:
		exp, ok := experimentByName(*engine)
		if !ok {
			return fmt.Errorf("ingest: unknown engine %q", *engine)
		}
		res.Papers, res.Rejected, err = exp.ingest(ctx, *corpus, *out, *limit, *batch)
	}
	res.Seconds = time.Since(start).Seconds()
	res.HeapPeak = peak()
	stopProf()
	if err != nil {
		return err
	}
	if *memprof != "" {
		if err := writeHeapProfile(*memprof); err != nil {
			return err
		}
	}
	res.PeakRSS = readProcMem().HWM
	if *out != "" {
		if res.Reopened, err = countIndexed(ctx, *engine, *out); err != nil {
			return fmt.Errorf("reopening the index: %w", err)
		}
		// Measured once the index has been opened again: scorch deletes
		// the files of segments merged away after they are no longer
		// read, and a bulk ingest's last ones are still there when it
		// closes (the next open removes them; 40 MiB of 1.28 GiB at 1M).
		if res.IndexBytes, err = diskUsage(*out); err != nil {
			return err
		}
		res.Segments = countFiles(*out, ".zap")
	}
	return writeResult(stdout, res)
}

// countIndexed opens a finished index again and counts its papers.
func countIndexed(ctx context.Context, engine, path string) (int, error) {
	if engine == engineFTS5 {
		db, err := openFTS(ctx, path, false)
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int
		err = db.QueryRowContext(ctx, "SELECT count(*) FROM papers").Scan(&n)
		return n, err
	}
	ix, err := index.Open(path, index.Options{NoRebuild: true})
	if err != nil {
		return 0, err
	}
	defer ix.Close()
	n, err := ix.Count()
	return int(n), err
}

func ingestPaperbot(ctx context.Context, corpus, dir string, limit int, budget int64, wo index.WriterOptions) (int, int, error) {
	// As `paperbot ingest` does (cmd/paperbot/ingest.go): GOGC 200 under
	// a soft memory limit that grows with the batch size.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(index.BulkMemoryLimit(cmp.Or(wo.BatchSize, 2000))))
	ix, err := index.Open(dir, index.Options{Bulk: true, MappedBudget: budget})
	if err != nil {
		return 0, 0, err
	}
	w := ix.NewWriter(wo)
	n, rej, err := eachPaper(ctx, corpus, limit, func(p paper.Paper) error { return w.Add(ctx, p) })
	if err == nil {
		err = w.Close()
	}
	if err == nil { // as paperbot ingest does: its merges are part of the ingest
		err = ix.Settle(ctx)
	}
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	return n, rej, err
}

func ingestFTS5(ctx context.Context, corpus, path string, limit, batch int) (int, int, error) {
	db, err := openFTS(ctx, path, true)
	if err != nil {
		return 0, 0, err
	}
	w := newFTSWriter(db, batch)
	n, rej, err := eachPaper(ctx, corpus, limit, func(p paper.Paper) error { return w.Add(ctx, p) })
	if err == nil {
		err = w.Close(ctx)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return n, rej, err
}

func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func startTrace(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { trace.Stop(); f.Close() }, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

// watchHeap samples the live Go heap objects every 50 ms until the returned
// function is called, which returns the peak seen.
func watchHeap() func() uint64 {
	stop := make(chan struct{})
	result := make(chan uint64, 1)
	go func() {
		var peak uint64
		// runtime/metrics reads without stopping the world.
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				peak = max(peak, sample[0].Value.Uint64())
			}
			select {
			case <-stop:
				result <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(stop); return <-result }
}
