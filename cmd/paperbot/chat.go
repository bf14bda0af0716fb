package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/paperbot/paperbot/adapters/console"
	"github.com/paperbot/paperbot/configs"
)

// runDefault is paperbot with no command: serve when a platform is
// configured, else a console chat.
func runDefault(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "")
	cfgPath := fs.String("config", "", "configuration file (default: search path, see README)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if len(cfg.Platforms()) > 0 {
		return serve(ctx, e, cfg)
	}
	return chat(ctx, e, cfg)
}

// runChat is `paperbot chat`: the console, whatever is configured.
func runChat(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "chat")
	cfgPath := fs.String("config", "", "configuration file")
	indexDir := fs.String("index", "", "index directory (default <data_dir>/index)")
	statePath := fs.String("state", "", "state: subscriptions, the digest ledger, discussions; a file (default <data_dir>/state.db) or a postgres:// URL")
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
	if *indexDir != "" {
		cfg.Index = *indexDir
	}
	if *statePath != "" {
		if err := cfg.SetState(*statePath, e.getenv); err != nil {
			return usageError{"--" + err.Error()}
		}
	}
	return chat(ctx, e, cfg)
}

// chat runs the console adapter on stdin and stdout, with the background
// jobs while it runs: the console channel's digest posts in the chat at
// its time (the other platforms' digests are left to serve), and the
// sources refresh. The jobs stop when the chat ends.
func chat(ctx context.Context, e *env, cfg *configs.Config) error {
	if cfg.Log.Level == "info" {
		cfg.Log.Level = "warn" // keep the conversation readable
	}
	log := newLogger(cfg, e.stderr)
	a, err := buildApp(ctx, e, cfg, log, []string{"console"})
	if err != nil {
		return err
	}
	defer a.Close()
	opts := console.Options{Command: cfg.Bot.Command, Color: isTerminal(e.stdout)}
	if isTerminal(e.stdin) && isTerminal(e.stdout) {
		n, _ := a.ix.Count()
		opts.Prompt = "paperbot> "
		fmt.Fprintf(e.stdout, "paperbot console: %d papers in %s.\nType /%s help for commands, /quit to leave.\n", n, cfg.Index, cfg.Bot.Command)
	}
	con := console.New(e.stdin, e.stdout, opts)
	a.wireReactions(con)
	a.posters = append(a.posters, con)

	jctx, stop := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	for _, job := range a.jobs {
		jobs.Go(func() {
			if err := job(jctx); err != nil && jctx.Err() == nil {
				log.Error("background job failed", "err", err)
			}
		})
	}
	err = con.Run(ctx, a.bot)
	stop()
	jobs.Wait()
	return err
}
