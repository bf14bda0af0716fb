package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/engage"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/index"
)

// app is the wired core shared by chat and serve: configuration, logger,
// index and bot.
type app struct {
	cfg *configs.Config
	log *slog.Logger
	ix  *index.Index
	bot *bot.Bot
	// state is the state store (subscriptions, the post ledger,
	// discussions), opened by setupDigest.
	state stateStore
	// replicas is set when serve's state is in PostgreSQL (replicas.go).
	replicas *replicaSet
	// engage is the team's-signal service (reactions, bookmarks), nil
	// without a state store.
	engage *engage.Service

	// posters are the running adapters, for unprompted posts (the digest).
	posters []bot.Poster
	// jobs run beside the adapters, in serve and chat (digest scheduler,
	// reply counts, source refresh).
	jobs []func(ctx context.Context) error
	// only, when set, are the platforms this process posts to (the chat:
	// console); nil is every configured one (serve).
	only []string
	// httpAddr is the address the HTTP server listens on (serve only).
	httpAddr string
	// holder names this process in the refresh runs it records (a run
	// of another holder, found at start, was cut short).
	holder string

	closers []func() error
	// collectors are the metrics of the digest and the sources, which
	// serve registers with the rest.
	collectors []prometheus.Collector
}

// newApp opens the index (indexing the sample corpus when it is empty and
// sampleWanted) and builds the core.
func newApp(ctx context.Context, e *env, cfg *configs.Config, log *slog.Logger) (*app, error) {
	return buildApp(ctx, e, cfg, log, nil)
}

// buildApp is newApp for a process that posts to the only platforms
// (nil: every configured one).
func buildApp(ctx context.Context, e *env, cfg *configs.Config, log *slog.Logger, only []string) (*app, error) {
	a := &app{cfg: cfg, log: log, only: only, holder: holderName()}
	ix, err := openIndex(ctx, e, cfg.Index, indexOptions(cfg, log), sampleWanted(cfg))
	if err != nil {
		return nil, err
	}
	a.ix = ix
	a.closers = append(a.closers, ix.Close)
	bc := bot.Config{
		Searcher:    ix,
		Indexer:     ix,
		Logger:      log,
		Timeout:     cfg.Bot.Timeout,
		PageSize:    cfg.Bot.PageSize,
		CommandName: cfg.Bot.Command,
	}
	// Each part fills in its share of the core's configuration and
	// registers its background jobs.
	for _, setup := range []func(context.Context, *app, *bot.Config) error{setupDigest, setupEngage, setupSources} {
		if err := setup(ctx, a, &bc); err != nil {
			a.Close()
			return nil, err
		}
	}
	if db, ok := a.state.(*store.DB); ok {
		// `paperbot backup` reaches the state file through this process.
		a.jobs = append(a.jobs, adminJob(a, db))
	}
	if e.wrapState != nil {
		a.state = e.wrapState(a.state)
	}
	b, err := bot.New(bc)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.bot = b
	return a, nil
}

// Close releases everything in reverse order of opening.
func (a *app) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}
