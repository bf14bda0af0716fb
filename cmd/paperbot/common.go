package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/configs/sample"
	"github.com/paperbot/paperbot/index"
)

// loadConfig loads the configuration named by --config, or found on the
// search path, or the defaults.
func loadConfig(path string, e *env) (*configs.Config, error) {
	var cfg *configs.Config
	var err error
	if e.lookupEnv != nil {
		cfg, err = configs.LoadEnv(path, e.lookupEnv)
	} else {
		cfg, err = configs.Load(path, e.getenv)
	}
	if err != nil {
		return nil, err
	}
	// The one default the configs package cannot know (it holds the
	// version): written in, `config check` prints what is sent.
	if cfg.Src.UserAgent == "" {
		cfg.Src.UserAgent = defaultUserAgent()
	}
	return cfg, nil
}

// loadOfflineConfig loads the configuration for a command that only reads
// the data (backup, check): the platforms' secrets need not be set.
func loadOfflineConfig(path string, e *env) (*configs.Config, error) {
	lookup := configs.Env(e.lookupEnv)
	if e.lookupEnv == nil {
		lookup = configs.Getenv(e.getenv)
	}
	return configs.LoadOffline(path, lookup)
}

// newLogger builds the structured logger the configuration asks for.
func newLogger(cfg *configs.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		opts.ReplaceAttr = durationsInMilliseconds
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// durationsInMilliseconds writes a duration in a JSON log line as a number
// of milliseconds, its key suffixed _ms ("took_ms":1.234), where slog
// writes nanoseconds under the bare key ("took":1234000), a unit nobody
// reading the line or the collector's dashboards expects. A number keeps
// durations comparable and summable in a log system, which a Go duration
// string ("1.234ms") is not. The text log keeps Go's duration strings
// (took=1.234ms), which people read.
func durationsInMilliseconds(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindDuration {
		return a
	}
	return slog.Float64(a.Key+"_ms", float64(a.Value.Duration())/float64(time.Millisecond))
}

// indexOptions are the options of an index that answers queries, as the
// configuration asks (search.fast_path, search.memory_mib,
// search.mapped_memory_mib).
func indexOptions(cfg *configs.Config, log *slog.Logger) index.Options {
	return index.Options{
		Logger: log, DisableFastPath: !cfg.Search.FastPathOn(),
		ResidentBudget: cfg.Search.ResidentBudget(), MappedBudget: cfg.Search.MappedBudget(),
	}
}

// sampleWanted reports whether an empty index gets the built-in sample
// corpus (the console demo). Not when the configuration's sources fill the
// index: the sample's papers, an old trending listing, would be searched,
// listed by /papers trending and posted in digests beside theirs. Nor with
// the state in PostgreSQL: serve's index is then a replica's, which holds
// the papers table's papers (the sources' of whichever replica holds the
// refresh lease, whatever this one's configuration lists), and the sample
// would mix into them, on this replica only.
func sampleWanted(cfg *configs.Config) bool {
	return !cfg.Src.FillsIndex() && !cfg.StateIsPostgres()
}

// openIndex opens (or creates) the index with opts (indexOptions), showing
// the progress of a rebuild; when it is empty and sample is set, the
// embedded sample corpus is indexed first.
func openIndex(ctx context.Context, e *env, dir string, opts index.Options, withSample bool) (*index.Index, error) {
	if err := makeParent(dir); err != nil {
		return nil, err
	}
	opts.OnRebuild = rebuildProgress(e, opts.Logger)
	ix, err := index.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	if withSample {
		n, err := ix.Count()
		if err == nil && n == 0 {
			papers, err := sample.Papers()
			if err != nil {
				ix.Close()
				return nil, fmt.Errorf("reading the sample corpus: %w", err)
			}
			fmt.Fprintf(e.stderr, "paperbot: indexing the sample corpus (%d papers) into %s\n", len(papers), dir)
			if err := ix.Upsert(ctx, papers); err != nil {
				ix.Close()
				return nil, fmt.Errorf("indexing the sample corpus: %w", err)
			}
		}
	}
	return ix, nil
}

// rebuildProgress shows the progress of a rebuild on open (an index
// written by another mapping version): a progress bar on a terminal, else
// a log line at every tenth.
func rebuildProgress(e *env, log *slog.Logger) func(done, total int) {
	var bar *progressbar.ProgressBar
	next := 0
	return func(done, total int) {
		if isTerminal(e.stderr) {
			if bar == nil {
				bar = progressbar.NewOptions(total,
					progressbar.OptionSetWriter(e.stderr),
					progressbar.OptionSetDescription("rebuilding the index"),
					progressbar.OptionShowCount(),
					progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionClearOnFinish(),
				)
			}
			bar.Set(done)
			if done >= total {
				bar.Finish()
			}
			return
		}
		if done >= next || done >= total {
			log.Info("rebuilding the index", "papers", done, "of", total)
			next = done + max(total/10, 1)
		}
	}
}

// requireIndex fails, creating nothing, unless dir holds an index: the
// commands that only read the index (search, eval without --docs) call it
// before index.Open, which would create an empty one and answer every
// query with nothing.
func requireIndex(dir string) error {
	ok, err := index.Exists(dir)
	if err == nil && !ok {
		err = fmt.Errorf(`no index at %s: run "paperbot ingest FILE" (or start the chat once, which indexes the sample corpus)`, dir)
	}
	return err
}

// makeParent creates the directory the index dir goes in (the data
// directory, usually).
func makeParent(dir string) error {
	if err := os.MkdirAll(parentDir(dir), 0o755); err != nil {
		return fmt.Errorf("index %s: cannot create the directory it goes in: %w", dir, err)
	}
	return nil
}

func parentDir(p string) string {
	i := strings.LastIndexAny(p, `/\`)
	if i <= 0 {
		return "."
	}
	return p[:i]
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
