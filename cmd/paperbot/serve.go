package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/paperbot/paperbot/adapters/console"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/configs"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve")
	cfgPath := fs.String("config", "", "configuration file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := loadConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	return serve(ctx, e, cfg)
}

// platform is one configured chat platform: its adapter and the HTTP
// routes it needs on the shared server (HTTP modes).
type platform struct {
	adapter bot.Adapter
	routes  map[string]http.Handler
}

// platformDeps is what platform builders get.
type platformDeps struct {
	app     *app
	handler bot.Handler // the core wrapped with metrics, bounded at shutdown (drain)
	metrics *metrics
	log     *slog.Logger
	now     func() time.Time // env.now
}

// serve runs every configured adapter (the console when none), the
// background jobs and the HTTP server until ctx ends, then shuts down
// gracefully: the server and the adapters finish in-flight replies.
func serve(ctx context.Context, e *env, cfg *configs.Config) error {
	log := newLogger(cfg, e.stderr)
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	lns, err := bind(cfg)
	if err != nil {
		return err // before the index and the state are opened
	}
	defer lns.close()
	a, err := newApp(ctx, e, cfg, log)
	if err != nil {
		return err // it names the file it could not open
	}
	defer a.Close()
	state := absPath(cfg.State)
	if cfg.StateIsPostgres() {
		state = "PostgreSQL (state:, redacted)"
	}
	log.Info("data", "dir", absPath(cfg.DataDir), "from", cfg.DataDirFrom, "state", state, "index", absPath(cfg.Index))
	m := newMetrics(a)
	m.Register(a.collectors...)
	a.jobs = append(a.jobs, dataCheckJob(a, m.dataCheck, log)) // the state and the index, checked in the background
	// Commands in flight at the stop get http.shutdown_timeout to finish.
	dr := newDrain(m.middleware(a.bot), cfg.HTTP.ShutdownTimeout, log)
	deps := platformDeps{app: a, handler: dr, metrics: m, log: log, now: e.now}

	var platforms []platform
	for _, build := range []func(context.Context, platformDeps) (*platform, error){slackPlatform, discordPlatform} {
		p, err := build(ctx, deps)
		if err != nil {
			return err
		}
		if p != nil {
			platforms = append(platforms, *p)
		}
	}
	consoleMode := len(platforms) == 0
	if consoleMode {
		log.Info("no chat platform configured; running the console on stdin/stdout (serve stops when its input ends)")
		con := console.New(e.stdin, e.stdout, console.Options{Command: cfg.Bot.Command})
		a.wireReactions(con)
		platforms = append(platforms, platform{adapter: con})
	}

	mux := http.NewServeMux()
	writes := newWriteHealth(a.state, e.now, log)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := a.ix.Count(); err != nil {
			http.Error(w, "index unavailable", http.StatusServiceUnavailable)
			return
		}
		if a.replicas != nil {
			if err := a.replicas.ready(r.Context()); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		if err := writes.check(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	if cfg.Metr.Addr == "" {
		mux.Handle("GET /metrics", m.handler())
	}
	for _, p := range platforms {
		for path, h := range p.routes {
			mux.Handle(path, h)
		}
		a.posters = append(a.posters, p.adapter)
	}

	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	g, gctx := errgroup.WithContext(runCtx)
	defer dr.after(gctx)()
	if lns.http != nil {
		addr := listen(g, gctx, log, "http.addr", take(&lns.http), cfg.HTTP, mux)
		log.Info("serving http", "addr", addr, "metrics", cfg.Metr.Addr == "")
		a.httpAddr = addr
	}
	if lns.metrics != nil {
		mm := http.NewServeMux()
		mm.Handle("GET /metrics", m.handler())
		addr := listen(g, gctx, log, "metrics.addr", take(&lns.metrics), cfg.HTTP, mm)
		log.Info("serving metrics", "addr", addr)
		if e.onMetrics != nil {
			e.onMetrics(addr)
		}
	}
	for _, p := range platforms {
		g.Go(func() error {
			log.Info("adapter running", "platform", p.adapter.Platform())
			if err := p.adapter.Run(gctx, deps.handler); err != nil && gctx.Err() == nil {
				return fmt.Errorf("%s adapter: %w", p.adapter.Platform(), err)
			}
			if consoleMode && gctx.Err() == nil {
				// The input ended (or /quit): nobody is left to chat with.
				stop(errConsoleEnded)
			}
			return nil
		})
	}
	for _, job := range a.jobs {
		g.Go(func() error { return job(gctx) })
	}
	g.Go(func() error {
		// The first listing (a category's newest, what is trending) would
		// read every paper's date and trending score, and the first
		// correction gather the titles' words; do both now.
		start := time.Now()
		if err := a.ix.Warm(gctx); err != nil && gctx.Err() == nil {
			log.Warn("warming the index", "err", err)
		} else if err == nil {
			log.Debug("index warm", "took", time.Since(start))
		}
		return nil
	})
	if e.onReady != nil {
		e.onReady(a.httpAddr)
	}
	err = g.Wait()
	// Jobs cut short by the stop may say so (context canceled): that is
	// the stop, not a failure.
	if runCtx.Err() != nil && (err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled)) {
		log.Info("shut down", "reason", context.Cause(runCtx))
		return nil
	}
	return err
}

// errConsoleEnded is why serve stops in console mode at the end of its
// input.
var errConsoleEnded = errors.New("the console's input ended")
