package main

import (
	"context"
	"fmt"
)

// runConfig is `paperbot config SUBCOMMAND`; check is the one there is.
func runConfig(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || isHelpFlag(args[0]) {
		fs := newFlags(e, "config")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		return usageError{"which subcommand? Usage: paperbot config check [FILE]"}
	}
	switch args[0] {
	case "check":
		return runConfigCheck(ctx, e, args[1:])
	}
	msg := fmt.Sprintf("unknown subcommand %q", args[0])
	if m := didYouMean(args[0], []string{"check"}); m != "" {
		msg += ": " + m
	}
	return usageError{msg + "\nUsage: paperbot config check [FILE]"}
}

// runConfigCheck is `paperbot config check [FILE]`: it loads the
// configuration the way serve would (FILE, --config FILE, or the search
// path), secrets read from the environment and files included, and prints
// it as it runs. A mistake is the loader's error, file:line:column and
// key, and exit status 1; warnings go to stderr and leave the status 0.
func runConfigCheck(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "config")
	cfgPath := fs.String("config", "", "configuration file (the same as FILE)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path := *cfgPath
	switch {
	case fs.NArg() > 1:
		return usageError{fmt.Sprintf("unexpected argument %q: check one file at a time", fs.Arg(1))}
	case fs.NArg() == 1 && path != "" && path != fs.Arg(0):
		return usageError{fmt.Sprintf("two files: --config %s and %s; give one", path, fs.Arg(0))}
	case fs.NArg() == 1:
		path = fs.Arg(0)
	}
	cfg, err := loadConfig(path, e)
	if err != nil {
		return err
	}
	out, err := cfg.Effective()
	if err != nil {
		return fmt.Errorf("printing the configuration: %w", err)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(e.stderr, "paperbot config check: warning: %s\n", w)
	}
	from := "no configuration file found: the defaults"
	if cfg.Path != "" {
		from = cfg.Path
	}
	fmt.Fprintf(e.stdout, "# %s: OK (data_dir from %s)\n", from, cfg.DataDirFrom)
	fmt.Fprintln(e.stdout, "# As it runs, every default written out: secrets [redacted], [unset] one left out; \"\" an optional setting left unset, null a section left out (off).")
	_, err = e.stdout.Write(out)
	return err
}
