package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/paperbot/paperbot/configs"
)

// absPath is path made absolute for the log (as it is when it cannot be).
func absPath(path string) string {
	if p, err := filepath.Abs(path); err == nil {
		return p
	}
	return path
}

// maxHeaderBytes bounds a request's headers (Go's default is 1 MB). Slack's
// and Discord's requests carry a few hundred bytes of headers; 64 KiB
// leaves room for proxies and keeps 1,000 unfinished requests from holding
// a gigabyte. Larger headers get 431.
const maxHeaderBytes = 64 << 10

// listen starts an HTTP server for h on addr (the config key named by key,
// for errors) in g: it serves until gctx ends, then shuts down, giving
// requests in flight cfg.ShutdownTimeout. It returns the address it
// listens on (the port chosen when addr asked for port 0).
func listen(g *errgroup.Group, gctx context.Context, log *slog.Logger, key, addr string, cfg configs.HTTPConfig, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadTimeout:       cfg.ReadTimeout,
		ReadHeaderTimeout: cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(gctx) },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	return ln.Addr().String(), nil
}
