package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
)

// maxReportedRejects bounds how many rejected lines are printed one by one.
const maxReportedRejects = 100

func runIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ingest")
	cfgPath := fs.String("config", "", "configuration file")
	indexDir := fs.String("index", "", "index directory (default <data_dir>/index)")
	formatName := fs.String("format", "auto", "input format: auto, jsonl or trending")
	batch := fs.Int("batch", 2000, "papers per index batch")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := sources.ParseFormat(*formatName)
	if err != nil {
		return usageError{err.Error()}
	}
	files := fs.Args()
	if len(files) == 0 {
		return usageError{"which files? Usage: paperbot ingest [--index DIR] FILE... (- reads stdin)"}
	}
	cfg, err := loadConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if *indexDir != "" {
		cfg.Index = *indexDir
	}
	log := newLogger(cfg, e.stderr)
	// Bulk indexing allocates a great deal of short-lived garbage: collect
	// it less often (measured: 10-15% more papers/s, memory still bounded
	// by the batch size).
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	if err := os.MkdirAll(parentDir(cfg.Index), 0o755); err != nil {
		return err
	}
	ix, err := index.Open(cfg.Index, index.Options{Logger: log, Bulk: true})
	if err != nil {
		return err
	}
	defer ix.Close()

	start := time.Now()
	read, rejected := 0, 0
	var bar *progressbar.ProgressBar
	w := ix.NewWriter(ctx, index.WriterOptions{BatchSize: *batch})
	for _, name := range files {
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
		if !*quiet && isTerminal(e.stderr) {
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
		err := sources.Parse(ctx, r, name, format, sources.Handler{
			Paper: func(p paper.Paper) error {
				read++
				return w.Add(p)
			},
			Reject: func(re *sources.RecordError) {
				rejected++
				if rejected <= maxReportedRejects {
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
			// What was read so far is kept.
			if ferr := w.Close(); ferr == nil {
				fmt.Fprintf(e.stdout, "%d indexed, %d rejected (stopped early)\n", w.Written(), rejected)
			}
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if rejected > maxReportedRejects {
		fmt.Fprintf(e.stderr, "... and %d more rejected lines\n", rejected-maxReportedRejects)
	}
	total, _ := ix.Count()
	fmt.Fprintf(e.stdout, "%d indexed, %d rejected\n", read, rejected)
	log.Info("ingest finished", "indexed", read, "rejected", rejected, "papers_in_index", total,
		"index", cfg.Index, "duration", time.Since(start).Round(time.Millisecond))
	if rejected > 0 {
		return exitError{1}
	}
	return nil
}
