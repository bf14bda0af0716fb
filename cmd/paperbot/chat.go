package main

import (
	"context"
	"fmt"

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
	return chat(ctx, e, cfg)
}

// chat runs the console adapter on stdin and stdout.
func chat(ctx context.Context, e *env, cfg *configs.Config) error {
	if cfg.Log.Level == "info" {
		cfg.Log.Level = "warn" // keep the conversation readable
	}
	log := newLogger(cfg, e.stderr)
	a, err := newApp(ctx, e, cfg, log)
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
	return console.New(e.stdin, e.stdout, opts).Run(ctx, a.bot)
}
