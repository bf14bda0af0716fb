package main

// EXPERIMENT, not the product: a stand-in for `paperbot serve` with Slack
// in HTTP mode, built from the same parts (index.Open, bot.New, the Slack
// adapter's HTTP routes), with one change: at most --limit commands are
// worked on at once (the adapter acknowledges every request at once and
// starts one goroutine per command; here each waits for a slot before it
// searches). It measures whether bounding the core's concurrency keeps
// acknowledgements fast when commands arrive faster than they can be
// answered.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	slackadapter "github.com/paperbot/paperbot/adapters/slack"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/configs/secret"
	"github.com/paperbot/paperbot/index"
)

// limitConcurrency lets at most n handler calls run at once; the others
// wait (n <= 0: no bound).
func limitConcurrency(n int) bot.Middleware {
	return func(next bot.Handler) bot.Handler {
		if n <= 0 {
			return next
		}
		sem := make(chan struct{}, n)
		return bot.HandlerFunc(func(ctx context.Context, req *bot.Request, rw bot.Responder) error {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			defer func() { <-sem }()
			return next.Handle(ctx, req, rw)
		})
	}
}

// childServe runs the experiment server until its context ends (SIGTERM).
func childServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	ixDir := fs.String("index", "", "index directory")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	apiURL := fs.String("api", "", "Slack Web API base URL (the fake)")
	limit := fs.Int("limit", 0, "commands worked on at once (0: no bound, like paperbot serve)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	signing := secret.New(os.Getenv("BENCH_SLACK_SIGNING_SECRET"))
	if !signing.IsSet() {
		return errors.New("serve: $BENCH_SLACK_SIGNING_SECRET is not set")
	}
	ix, err := index.Open(*ixDir, index.Options{})
	if err != nil {
		return err
	}
	defer ix.Close()
	b, err := bot.New(bot.Config{Searcher: ix})
	if err != nil {
		return err
	}
	a, err := slackadapter.New(slackadapter.Options{
		Mode: slackadapter.ModeHTTP, BotToken: secret.New("xoxb-bench-not-a-token"), SigningSecret: signing,
		APIURL: *apiURL, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	h := limitConcurrency(*limit)(b)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	for path, rh := range a.HTTPRoutes(h) {
		mux.Handle(path, rh)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx, h) }()
	go srv.Serve(ln)
	fmt.Fprintf(stdout, "%s\n", ln.Addr())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	<-runErr
	return nil
}
