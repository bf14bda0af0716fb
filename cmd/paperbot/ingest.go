package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
)

// maxReportedRejects bounds how many rejected lines are printed one by one.
const maxReportedRejects = 100

// maxBatch bounds --batch: memory grows with the batch size (about
// 100 kB per paper in flight, three batches at a time), and past a few
// thousand papers a larger batch is no faster.
const maxBatch = 20000

func runIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ingest")
	cfgPath := fs.String("config", "", "configuration file")
	indexDir := fs.String("index", "", "index directory (default <data_dir>/index)")
	formatName := fs.String("format", "auto", "input format: auto, jsonl or trending")
	batch := fs.Int("batch", 2000, fmt.Sprintf("papers per index batch (1 to %d; memory grows with it)", maxBatch))
	quiet := fs.Bool("quiet", false, "no progress bar")
	parts := fs.Int("parts", index.BulkParts(), "batches built at once, each on a core, one while the index merges segments (at most one a core; by default half the cores, at least one)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := sources.ParseFormat(*formatName)
	if err != nil {
		return usageError{err.Error()}
	}
	if *batch < 1 || *batch > maxBatch {
		return usageError{fmt.Sprintf("--batch %d is out of range: give 1 to %d papers per batch (default 2000; memory grows with it)", *batch, maxBatch)}
	}
	if *parts < 1 {
		return usageError{fmt.Sprintf("--parts %d is out of range: give 1 or more (default %d; at most one a core is used)", *parts, index.BulkParts())}
	}
	files := fs.Args()
	if len(files) == 0 {
		return usageError{"which files? Usage: paperbot ingest [--index DIR] FILE... (- reads stdin)"}
	}
	if flagAfterArgs(fs, args) != "" {
		return usageError{"flags go before the files: paperbot ingest [--index DIR] [--format auto|jsonl|trending] FILE..."}
	}
	cfg, err := loadConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if *indexDir != "" {
		cfg.Index = *indexDir
	}
	// Every file must be readable before the index is opened (or created).
	for _, name := range files {
		if err := checkReadable(name, format); err != nil {
			return fmt.Errorf("%w; nothing was indexed", err)
		}
	}
	log := newLogger(cfg, e.stderr)
	// Bulk indexing allocates a great deal of short-lived garbage: collect
	// it less often (measured: 10-15% more papers/s). GOGC 200 alone lets
	// the heap grow to three times what is live (the batches in flight:
	// 1.1 GiB resident for the 250k sample at --batch 2000); a soft memory
	// limit that grows with the batch size keeps it bounded.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(ingestMemoryLimit(*batch, debug.SetMemoryLimit(-1))))
	if err := makeParent(cfg.Index); err != nil {
		return err
	}
	ix, err := index.Open(cfg.Index, index.Options{Logger: log, Bulk: true, OnRebuild: rebuildProgress(e, log)})
	if err != nil {
		return err
	}
	closeIndex := sync.OnceValue(ix.Close)
	defer closeIndex()
	held, _ := ix.Count()
	w := ix.NewWriter(index.WriterOptions{BatchSize: *batch, Parts: *parts})
	// Whatever happens, the batches in flight are written before the index
	// closes (deferred calls run last first; Close again is a no-op).
	defer w.Close()

	start := time.Now()
	var tally ingestTally
	empty := 0
	var readErr error
	for _, name := range files {
		before := tally
		if readErr = ingestOne(ctx, e, w, name, format, *quiet, &tally); readErr != nil {
			break
		}
		if tally.read == before.read && tally.rejected == before.rejected {
			empty++
		}
	}
	// What was read is written, even after an interrupt or a bad file.
	writeErr := w.Close()
	read, rejected := tally.read, tally.rejected
	switch {
	case errors.Is(writeErr, index.ErrDamaged):
		// Merging read a damaged segment: the error says what to do,
		// and space is not the problem.
		fmt.Fprintf(e.stdout, "%d indexed, %d rejected%s (stopped early)\n", w.Persisted(), rejected, tally.cleanedNote())
		return writeErr
	case writeErr != nil:
		// A full disk: what was persisted before it is in the index, which
		// opens as it was then. Opened again, it says how much that is
		// (more than the writer was told of: Bleve persists batches
		// together, and reports none of a set when its last one fails).
		closeIndex()
		now, err := countIndex(cfg.Index)
		if err != nil {
			return fmt.Errorf("%w\nthe index does not open again: %w", writeErr, err)
		}
		// Of this run, at least the new papers are there.
		indexed := max(w.Persisted(), int(now)-int(held))
		fmt.Fprintf(e.stdout, "%d indexed, %d rejected%s (stopped early)\n", indexed, rejected, tally.cleanedNote())
		return fmt.Errorf("%w\nthe index is consistent and holds %d papers (%d before this ingest); free some space and ingest again (papers ingested again are updated, never duplicated)", writeErr, now, held)
	case errors.Is(readErr, context.Canceled) && ctx.Err() != nil:
		fmt.Fprintf(e.stdout, "%d indexed, %d rejected%s (interrupted)\n", w.Persisted(), rejected, tally.cleanedNote())
		return fmt.Errorf("interrupted: %d papers were indexed, the rest was not read (ingest again to finish: papers ingested again are updated, never duplicated)", w.Persisted())
	case readErr != nil:
		// What was read so far is kept.
		fmt.Fprintf(e.stdout, "%d indexed, %d rejected%s (stopped early)\n", w.Persisted(), rejected, tally.cleanedNote())
		return readErr
	}
	if rejected > maxReportedRejects {
		fmt.Fprintf(e.stderr, "... and %d more rejected lines\n", rejected-maxReportedRejects)
	}
	// The merges the last batches called for are part of the ingest, not
	// work for the next serve. Interrupted here, the papers are all in
	// the index already; the next open finishes the merges.
	if err := ix.Settle(ctx); err != nil && ctx.Err() == nil {
		log.Warn("waiting for the index's merges", "err", err)
	}
	total, _ := ix.Count()
	// A paper read twice (2401.01234 and arXiv:2401.01234v2) is one paper.
	repeats, repeated := w.Repeats()
	tally.repeats, tally.repeated = repeats, repeated
	fmt.Fprintf(e.stdout, "%d indexed, %d rejected%s\n", read-repeats, rejected, tally.cleanedNote())
	// The summary line says it; the details are for debugging.
	log.Debug("ingest finished", "indexed", read-repeats, "repeats", repeats, "rejected", rejected, "papers_in_index", total,
		"index", cfg.Index, "duration", time.Since(start).Round(time.Millisecond))
	if rejected > 0 || empty > 0 {
		return exitError{1}
	}
	return nil
}

// countIndex opens the index at dir (read, never rebuilt) and counts its
// papers.
func countIndex(dir string) (uint64, error) {
	ix, err := index.Open(dir, index.Options{NoRebuild: true})
	if err != nil {
		return 0, err
	}
	defer ix.Close()
	return ix.Count()
}

// ingestMemoryLimit is the soft memory limit of an ingest with batches of
// the given size: about one and a half times what is live at the peaks
// (measured with heap profiles: some 50 MB, plus about 60 kB for each
// paper of a batch, one batch being analysed and built while the next is
// read and assembled). 330 MiB for the default 2000. A limit the user set
// (GOMEMLIMIT, current) is kept.
func ingestMemoryLimit(batch int, current int64) int64 {
	if current != math.MaxInt64 {
		return current
	}
	return index.BulkMemoryLimit(batch)
}

// checkReadable fails unless name ("-" is stdin) can be opened for reading,
// is not a directory and holds text (plain or compressed) that can be read
// as format: not a JSON document where JSON Lines are wanted.
func checkReadable(name string, format sources.Format) error {
	if name == "-" {
		return nil
	}
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot read %s: %w", name, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("cannot read %s: it is a directory", name)
	}
	// Binary data (or a compressed stream that does not decompress) and
	// JSON documents are refused before anything changes.
	if err := sources.Check(f, name, format); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// ingestTally counts what an ingest read.
type ingestTally struct {
	read, rejected int
	// cleaned is the number of fields of kept papers from which control
	// characters were removed.
	cleaned int
	// restored counts the ids read as the arXiv ids they were before they
	// were stored as numbers (1909.0599 as 1909.05990); example is one.
	restored int
	example  string
	// replaced counts the fields of kept papers whose invalid UTF-8 was
	// replaced with U+FFFD; replacedAt is the first (file:line: field).
	replaced   int
	replacedAt string
	// adjusted counts the fields of kept papers dropped or converted (a
	// Hugging Face API record's); adjustedAt is the first.
	adjusted   int
	adjustedAt string
	// repeats counts the records of a paper read before in this run,
	// merged into it (index.Writer.Repeats); repeated is the first's id.
	repeats  int
	repeated string
}

// cleanedNote is the summary's mention of cleaned fields, fields with
// invalid UTF-8 replaced, restored ids and repeated papers ("" for none).
func (t ingestTally) cleanedNote() string {
	return countNote(t.cleaned, "field cleaned of control characters", "fields cleaned of control characters", "", "") +
		countNote(t.replaced, "field with invalid UTF-8 replaced", "fields with invalid UTF-8 replaced", " ("+t.replacedAt+")", " (the first "+t.replacedAt+")") +
		countNote(t.restored, "id restored", "ids restored", " ("+t.example+")", " (e.g. "+t.example+")") +
		countNote(t.adjusted, "field dropped or converted", "fields dropped or converted", " ("+t.adjustedAt+")", " (the first "+t.adjustedAt+")") +
		countNote(t.repeats, "repeated record merged", "repeated records merged", " ("+t.repeated+")", " (e.g. "+t.repeated+")")
}

// countNote is ", 1 <one><ex1>" or ", N <many><exN>" ("" for 0).
func countNote(n int, one, many, ex1, exN string) string {
	switch n {
	case 0:
		return ""
	case 1:
		return ", 1 " + one + ex1
	}
	return fmt.Sprintf(", %d %s%s", n, many, exN)
}

// ingestOne reads one file ("-" is stdin) into w, counting into t. It
// reports each rejected line (up to maxReportedRejects in all, counting
// those of earlier files) and a file that holds no papers at all.
func ingestOne(ctx context.Context, e *env, w *index.Writer, name string, format sources.Format, quiet bool, t *ingestTally) (err error) {
	read, rejected := 0, 0
	defer func() { t.read, t.rejected = t.read+read, t.rejected+rejected }()
	rejectedBefore := t.rejected
	var r io.Reader
	size := int64(-1)
	if name == "-" {
		r, name = e.stdin, "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		r = f
	}
	counted := &countingReader{r: r}
	r = counted
	var bar *progressbar.ProgressBar
	if !quiet && isTerminal(e.stderr) {
		bar = progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
		pr := progressbar.NewReader(r, bar)
		r = &pr
	}
	readAs := ""
	err = sources.Parse(ctx, r, name, format, sources.Handler{
		Format: func(f sources.Format, how string) { readAs = describeFormat(f, how) },
		Paper: func(p paper.Paper) error {
			read++
			return w.Add(ctx, p)
		},
		Cleaned: func(*sources.RecordError) { t.cleaned++ },
		Replaced: func(re *sources.RecordError) {
			if t.replaced++; t.replacedAt == "" {
				t.replacedAt = fmt.Sprintf("%s:%d: %s", re.File, re.Line, re.Field)
			}
		},
		Restored: func(re *sources.RecordError) {
			if t.restored++; t.example == "" {
				t.example = re.Error()
			}
		},
		Adjusted: func(re *sources.RecordError) {
			if t.adjusted++; t.adjustedAt == "" {
				t.adjustedAt = re.Error()
			}
		},
		Reject: func(re *sources.RecordError) {
			rejected++
			if rejectedBefore+rejected <= maxReportedRejects {
				if bar != nil {
					bar.Clear()
				}
				fmt.Fprintf(e.stderr, "rejected %s\n", re)
			}
		},
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if read == 0 && rejected == 0 {
		if counted.n == 0 {
			// Whatever its name says (empty.jsonl.gz is no gzip data).
			readAs = "it is empty: 0 bytes"
		}
		fmt.Fprintf(e.stderr, "paperbot: %s: no papers found in it (%s)\n", name, readAs)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// describeFormat says how a file in which nothing was found was read.
func describeFormat(f sources.Format, how string) string {
	if how == "" {
		how = "--format"
	}
	if f == sources.JSONL {
		return "read as JSON Lines, by " + how + ": one JSON object per line; for trending-page text give --format trending"
	}
	return "read as trending-page text, by " + how + ": the page's header, then a title line and an abstract line per paper; for JSON Lines give --format jsonl"
}
