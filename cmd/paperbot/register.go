package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/paperbot/paperbot/adapters/discord"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs"
)

// runRegisterCommands is `paperbot register-commands`: it registers
// /papers, with one subcommand per core command, with Discord (bulk
// overwrite of the application's commands in that scope).
func runRegisterCommands(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "register-commands")
	cfgPath := fs.String("config", "", "configuration file")
	guild := fs.String("guild", "", "register in this guild (server) only: instant, for development (default: discord.guild_id)")
	global := fs.Bool("global", false, "register globally (every server the bot is in), even when discord.guild_id is set")
	dryRun := fs.Bool("dry-run", false, "print the JSON that would be sent, and send nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *global && *guild != "" {
		return usageError{"--guild and --global contradict each other"}
	}
	cfg, err := loadConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if cfg.Disc == nil {
		return usageError{"Discord is not configured: add a discord: section with token: ${DISCORD_BOT_TOKEN} (see docs/discord.md)"}
	}
	scope := *guild
	if scope == "" && !*global {
		scope = cfg.Disc.GuildID
	}
	specs, err := commandSpecs(cfg)
	if err != nil {
		return err
	}
	cmd, err := discord.BuildCommand(cfg.Bot.Command, "", specs)
	if err != nil {
		return err
	}
	if *dryRun {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode([]discord.Command{cmd})
	}
	a, err := newDiscordAdapter(cfg, newLogger(cfg, e.stderr), discord.Hooks{}, nil)
	if err != nil {
		return err
	}
	out, err := a.Register(ctx, cfg.Disc.ApplicationID, scope, []discord.Command{cmd})
	if err != nil {
		// A fault's text is its message for people, then its cause.
		return fmt.Errorf("registering /%s: %w", cmd.Name, err)
	}
	where := "globally: every server the bot is in (it can take a few minutes to show)"
	if scope != "" {
		where = "in guild " + scope + " (available now)"
	}
	fmt.Fprintf(e.stdout, "registered /%s with %d subcommands %s\n", cmd.Name, len(cmd.Options), where)
	if len(out) != 1 {
		fmt.Fprintf(e.stdout, "note: Discord now lists %d commands in that scope\n", len(out))
	}
	return nil
}

// commandSpecs returns the core's command specs as `serve` offers them,
// without opening the index or the state store (which a running serve
// holds locked): the core is built on stand-ins that are never called.
func commandSpecs(cfg *configs.Config) ([]bot.CommandSpec, error) {
	b, err := bot.New(bot.Config{
		Searcher:    specsOnly{},
		Digest:      digest.ChatCommands(nil, cfg.Bot.Command),
		CommandName: cfg.Bot.Command,
	})
	if err != nil {
		return nil, err
	}
	return b.Commands(), nil
}

// specsOnly stands in for the index when only the specs are needed.
type specsOnly struct{}

func (specsOnly) Search(context.Context, paper.Query) (paper.Results, error) {
	return paper.Results{}, fault.New(fault.Internal, "specs only")
}

func (specsOnly) Lookup(context.Context, string) (paper.Paper, error) {
	return paper.Paper{}, fault.New(fault.Internal, "specs only")
}

func (specsOnly) Similar(context.Context, string, int) (paper.Results, error) {
	return paper.Results{}, fault.New(fault.Internal, "specs only")
}
