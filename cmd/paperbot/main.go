// Command paperbot brings research papers into Slack and Discord.
//
//	paperbot                      console chat (on the sample corpus when the index is empty),
//	                              or serve when a platform is configured
//	paperbot serve                run every configured adapter, the digest and the HTTP server
//	paperbot ingest FILE...       add papers from JSON Lines or trending-format files (- = stdin)
//	paperbot search QUERY...      search from scripts (--json)
//	paperbot digest --dry-run     show the next digest of a channel
//	paperbot register-commands    register /papers with Discord
//	paperbot eval                 measure search quality on a test collection
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // IANA zones for digest schedules, even on minimal images
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is the process environment as the commands see it (tests pass a map).
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	// onReady, when set, is called by serve once its HTTP server listens,
	// with the address (tests start serve on 127.0.0.1:0).
	onReady func(addr string)
}

// command is one subcommand.
type command struct {
	name  string
	usage string
	run   func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"chat", "chat [--config FILE] [--index DIR] [--state FILE]\n\tconsole chat on stdin/stdout (the default when no platform is configured)", runChat},
		{"serve", "serve [--config FILE]\n\trun the configured adapters (the console when none), the digest scheduler, /healthz and /metrics", runServe},
		{"ingest", "ingest [--index DIR] [--format auto|jsonl|trending] FILE...\n\tindex papers from files; - reads stdin", runIngest},
		{"search", "search [--index DIR] [--limit N] [--sort relevance|recent|trending] [--json] QUERY...\n\tsearch the index", runSearch},
		{"digest", "digest --dry-run --channel PLATFORM:CHANNEL [--config FILE] [--index DIR] [--state FILE]\n\tshow what the channel's next digest would post, without posting", runDigest},
		{"register-commands", "register-commands [--guild ID] [--config FILE]\n\tregister /papers and its subcommands with Discord (guild scope is instant)", runRegisterCommands},
		{"eval", "eval [--index DIR] --docs DOCS.jsonl --queries QUERIES.jsonl --qrels QRELS.tsv\n\tmeasure search quality (nDCG@10, MAP@100, Recall@100)", runEval},
	}
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries an exit status for a failure already reported.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	name := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	var cmd *command
	switch name {
	case "":
		cmd = &command{name: "", run: runDefault}
	case "help", "-h", "--help":
		printUsage(stdout)
		return 0
	case "version":
		fmt.Fprintln(stdout, "paperbot", version())
		return 0
	default:
		for _, c := range commands() {
			if c.name == name {
				cmd = &c
				break
			}
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "paperbot: unknown command %q\n\n", name)
		printUsage(stderr)
		return 2
	}
	err := cmd.run(ctx, e, args)
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "paperbot %s: %s\n", cmd.name, ue.msg)
		return 2
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(stderr, "paperbot: %v\n", err)
		return 1
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: paperbot [command] [flags]")
	fmt.Fprintln(w, "\nWith no command: a console chat on the sample corpus, or serve when Slack or Discord is configured.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s\n", c.usage)
	}
	fmt.Fprintln(w, "\nRun paperbot COMMAND -h for a command's flags.")
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("paperbot "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}
