package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
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
	handler bot.Handler // the core wrapped with metrics
	metrics *metrics
	log     *slog.Logger
}

// serve runs every configured adapter (the console when none), the
// background jobs and the HTTP server until ctx ends, then shuts down
// gracefully: the server and the adapters finish in-flight replies.
func serve(ctx context.Context, e *env, cfg *configs.Config) error {
	log := newLogger(cfg, e.stderr)
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	a, err := newApp(ctx, e, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	m := newMetrics(a)
	m.Register(a.collectors...)
	a.jobs = append(a.jobs, dataCheckJob(a, m.dataCheck, log)) // the state and the index, checked in the background
	deps := platformDeps{app: a, handler: m.middleware(a.bot), metrics: m, log: log}

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
	if len(platforms) == 0 {
		log.Info("no chat platform configured; running the console on stdin/stdout")
		platforms = append(platforms, platform{adapter: console.New(e.stdin, e.stdout, console.Options{Command: cfg.Bot.Command})})
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := a.ix.Count(); err != nil {
			http.Error(w, "index unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", m.handler())
	for _, p := range platforms {
		for path, h := range p.routes {
			mux.Handle(path, h)
		}
		a.posters = append(a.posters, p.adapter)
	}

	g, gctx := errgroup.WithContext(ctx)
	if cfg.HTTP.Addr != "off" {
		ln, err := net.Listen("tcp", cfg.HTTP.Addr)
		if err != nil {
			return fmt.Errorf("http.addr: %w", err)
		}
		srv := &http.Server{
			Handler:           mux,
			ReadTimeout:       cfg.HTTP.ReadTimeout,
			ReadHeaderTimeout: cfg.HTTP.ReadTimeout,
			WriteTimeout:      cfg.HTTP.WriteTimeout,
			IdleTimeout:       cfg.HTTP.IdleTimeout,
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(gctx) },
		}
		log.Info("serving http", "addr", ln.Addr().String())
		a.httpAddr = ln.Addr().String()
		g.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}
	for _, p := range platforms {
		g.Go(func() error {
			log.Info("adapter running", "platform", p.adapter.Platform())
			if err := p.adapter.Run(gctx, deps.handler); err != nil && gctx.Err() == nil {
				return fmt.Errorf("%s adapter: %w", p.adapter.Platform(), err)
			}
			return nil
		})
	}
	for _, job := range a.jobs {
		g.Go(func() error { return job(gctx) })
	}
	g.Go(func() error {
		// The first listing (a category's newest, what is trending) would
		// read every paper's date and trending score; read them now.
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
	if ctx.Err() != nil {
		log.Info("shut down", "reason", context.Cause(ctx))
		return nil
	}
	return err
}
