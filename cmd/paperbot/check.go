package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/index"
)

// runCheck verifies the state file and the index: `paperbot check`.
func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check")
	cfgPath := fs.String("config", "", "configuration file")
	indexDir := fs.String("index", "", "index directory (default <data_dir>/index)")
	statePath := fs.String("state", "", "state file (default <data_dir>/state.db); a backup can be checked this way")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := loadOfflineConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if *indexDir != "" {
		cfg.Index = *indexDir
	}
	if *statePath != "" {
		if err := cfg.SetState(*statePath, e.getenv); err != nil {
			return usageError{"--state: " + err.Error()}
		}
	}
	sound := true
	var held []string
	report := func(r checkReport) {
		fmt.Fprintln(e.stdout, r)
		switch {
		case r.held():
			held = append(held, r.part)
		case r.err != nil && !r.absent && !r.older():
			sound = false
		}
	}
	if cfg.StateIsPostgres() {
		fmt.Fprintln(e.stdout, "state: in PostgreSQL, not checked here (PostgreSQL checks its own data; see docs/deploy.md)")
	} else {
		report(checkStateFile(ctx, cfg.State))
	}
	if *statePath == "" || *indexDir != "" {
		report(checkIndexDir(ctx, cfg.Index))
	}
	if !sound {
		return exitError{1}
	}
	if len(held) > 0 {
		// Not a failure: serve checks what it holds when it starts.
		fmt.Fprintf(e.stdout, "skipped (held by a running paperbot, which checks them itself when it starts): %s\n", strings.Join(held, ", "))
	}
	return nil
}

// checkReport is the outcome of checking one part of the data.
type checkReport struct {
	part   string // "state" or "index"
	path   string
	sums   string // what was checked, for a sound part
	err    error
	absent bool // nothing there to check (not a failure)
}

func (r checkReport) String() string {
	switch {
	case r.absent:
		return fmt.Sprintf("%s %s: none yet (%v)", r.part, r.path, r.err)
	case r.err == nil:
		return fmt.Sprintf("%s %s: ok (%s)", r.part, r.path, r.sums)
	case r.held():
		return fmt.Sprintf("%s %s: skipped: %v", r.part, r.path, r.err)
	case r.older():
		// (Without the index's advice for --no-rebuild, which check has not.)
		why, _, _ := strings.Cut(r.err.Error(), "; rebuild it")
		return fmt.Sprintf("%s %s: not checked: %s: serve or ingest rebuilds it from its stored records when it first opens it (about as long as ingesting them took); not damage", r.part, r.path, why)
	case errors.Is(r.err, store.ErrDamaged) || errors.Is(r.err, index.ErrDamaged):
		return fmt.Sprintf("%s %s: DAMAGED\n  %v", r.part, r.path, r.err)
	}
	return fmt.Sprintf("%s %s: not checked: %v", r.part, r.path, r.err)
}

// held reports whether the part was not checked because another process
// (serve) holds it.
func (r checkReport) held() bool {
	return errors.Is(r.err, store.ErrLocked) || errors.Is(r.err, index.ErrInUse)
}

// older reports whether the part is an index of an older mapping version,
// which the next serve or ingest rebuilds (the step of an upgrade, not a
// failure: a check run before starting the new binary must not stop it).
func (r checkReport) older() bool { return errors.Is(r.err, index.ErrOldMapping) }

// damaged reports whether the check found damage.
func (r checkReport) damaged() bool {
	return errors.Is(r.err, store.ErrDamaged) || errors.Is(r.err, index.ErrDamaged)
}

// checkStateFile opens the state file read-only and checks it.
func checkStateFile(ctx context.Context, path string) checkReport {
	r := checkReport{part: "state", path: path}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		r.absent, r.err = true, errors.New("paperbot creates it when it first starts")
		return r
	}
	db, err := store.Open(path, store.Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if errors.Is(err, store.ErrLocked) {
		r.err = fmt.Errorf("%w: serve checks it itself when it starts (see its log and the paperbot_data_check_ok metric)", err)
		return r
	}
	if err != nil {
		r.err = err
		return r
	}
	defer db.Close()
	return stateReport(ctx, db, r)
}

// stateReport checks an open state store.
func stateReport(ctx context.Context, db *store.DB, r checkReport) checkReport {
	res, err := db.Check(ctx)
	r.err = err
	r.sums = fmt.Sprintf("%s; %s, %s, %s", sizeOf(res.Bytes), counted(res.Subscriptions, "subscription"), counted(res.Days, "digest day"), counted(res.Discussions, "discussion"))
	return r
}

// checkIndexDir opens the index (never rebuilding it) and checks it.
func checkIndexDir(ctx context.Context, dir string) checkReport {
	r := checkReport{part: "index", path: dir}
	ok, err := index.Exists(dir)
	if err != nil {
		r.err = err
		return r
	}
	if !ok {
		r.absent, r.err = true, errors.New(`"paperbot ingest" or the first start creates it`)
		return r
	}
	ix, err := index.Open(dir, index.Options{NoRebuild: true, LockTimeout: 500 * time.Millisecond})
	if err != nil {
		r.err = err
		return r
	}
	defer ix.Close()
	return indexReport(ctx, ix, r)
}

// indexReport checks an open index.
func indexReport(ctx context.Context, ix *index.Index, r checkReport) checkReport {
	res, err := ix.Check(ctx)
	r.err = err
	r.sums = fmt.Sprintf("%s in %s, %s read", counted(res.Papers, "paper"), counted(res.Segments, "segment"), sizeOf(res.Bytes))
	return r
}

// sizeOf is a byte count for people.
func sizeOf(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// dataCheckJob is serve's check of its state and index at start, in the
// background: logged, and exported as paperbot_data_check_ok.
func dataCheckJob(a *app, gauge *prometheus.GaugeVec, log *slog.Logger) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		start := time.Now()
		var reports []checkReport
		if db, ok := a.state.(*store.DB); ok { // a PostgreSQL state is PostgreSQL's to check
			reports = append(reports, stateReport(ctx, db, checkReport{part: "state", path: db.Path()}))
		}
		reports = append(reports, indexReport(ctx, a.ix, checkReport{part: "index", path: a.ix.Dir()}))
		for _, r := range reports {
			switch {
			case ctx.Err() != nil:
				return nil
			case r.err == nil:
				gauge.WithLabelValues(r.part).Set(1)
				log.Info("data check: ok", "part", r.part, "path", r.path, "checked", r.sums, "took", time.Since(start).Round(time.Millisecond))
			case r.damaged():
				gauge.WithLabelValues(r.part).Set(0)
				log.Error("data check: DAMAGED", "part", r.part, "path", r.path, "err", r.err)
			default:
				log.Warn("data check: could not check", "part", r.part, "path", r.path, "err", r.err)
			}
		}
		return nil
	}
}

// counted writes n and the noun, plural unless n is 1 ("1 segment", "2
// segments").
func counted[N int | uint64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
