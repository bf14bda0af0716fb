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

// bound are the listeners serve opens first, before the index and the
// state, so that a port in use stops it before anything else is touched.
// Each is nil when its address is off or unset.
type bound struct{ http, metrics net.Listener }

// bind opens serve's listeners (http.addr unless off, metrics.addr when
// set); the error names the key.
func bind(cfg *configs.Config) (*bound, error) {
	b := &bound{}
	var err error
	if cfg.HTTP.Addr != "off" {
		if b.http, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
			return nil, fmt.Errorf("http.addr: %w", err)
		}
	}
	if cfg.Metr.Addr != "" {
		if b.metrics, err = net.Listen("tcp", cfg.Metr.Addr); err != nil {
			b.close()
			return nil, fmt.Errorf("metrics.addr: %w", err)
		}
	}
	return b, nil
}

// close closes the listeners not handed to a server yet.
func (b *bound) close() {
	for _, ln := range []*net.Listener{&b.http, &b.metrics} {
		if *ln != nil {
			(*ln).Close()
			*ln = nil
		}
	}
}

// take hands a listener over to its server: close no longer closes it.
func take(ln *net.Listener) net.Listener {
	l := *ln
	*ln = nil
	return l
}

// listen starts an HTTP server for h on ln (the config key named by key,
// for errors) in g: it serves until gctx ends, then shuts down, giving
// requests in flight cfg.ShutdownTimeout. It returns the address it
// listens on (the port chosen when the address asked for port 0).
func listen(g *errgroup.Group, gctx context.Context, log *slog.Logger, key string, ln net.Listener, cfg configs.HTTPConfig, h http.Handler) string {
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
	return ln.Addr().String()
}
