// Command paperbot brings research papers into Slack and Discord.
//
//	paperbot                        console chat (on the sample corpus when the index is empty),
//	                                or serve when a platform is configured
//	paperbot serve                  run every configured adapter, the digest and the HTTP server
//	paperbot ingest FILE...         add papers from JSON Lines or trending-format files (- = stdin)
//	paperbot search QUERY...        search from scripts (--json)
//	paperbot digest --dry-run       show the next digest of a channel
//	paperbot register-commands      register /papers with Discord
//	paperbot eval                   measure search quality on the test collections
//	paperbot check                  verify the state file and the index
//	paperbot backup FILE            copy the state, also while serve runs
//	paperbot migrate-state          copy a bbolt state file into PostgreSQL (for replicas)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // IANA zones for digest schedules, even on minimal images
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	code := runEnv(ctx, &env{getenv: os.Getenv, lookupEnv: os.LookupEnv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// stopSignals end a command as Ctrl-C does: serve drains and exits 0,
// ingest keeps what it read. SIGHUP is one of them: paperbot has no
// configuration reload, and a hangup (the ssh session or terminal that
// started it closing, a unit's ExecReload sending it) killed serve on the
// spot, replies in flight lost, nothing logged, the backup socket left.
func stopSignals() []os.Signal {
	return []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
}

// env is the process environment as the commands see it (tests pass a map).
type env struct {
	getenv func(string) string
	// lookupEnv, when set, is os.LookupEnv: the configuration then tells
	// an empty variable from a missing one (getenv cannot).
	lookupEnv func(string) (string, bool)
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer

	// onReady, when set, is called by serve once its HTTP server listens,
	// with the address (tests start serve on 127.0.0.1:0).
	onReady func(addr string)
	// onMetrics, when set, is called by serve once its metrics listener
	// (metrics.addr) listens, with the address, before onReady.
	onMetrics func(addr string)
	// now, when set, is the time the Slack install pages and the spacing
	// of /healthz's probe writes see (tests of an expired install link,
	// of a state that cannot be written); nil is the system clock.
	now func() time.Time
	// wrapState, when set, wraps the state store that serve's adapters
	// and /healthz write to (tests make its writes fail, as on a full
	// disk).
	wrapState func(stateStore) stateStore
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
		{"check", "check [--config FILE] [--index DIR] [--state FILE]\n\tverify the state file (bbolt's consistency check) and every index segment (checksums, counts, a sample read); exit 1 when damaged", runCheck},
		{"backup", "backup [--config FILE] [--state FILE] [--force] BACKUP-FILE\n\twrite a consistent copy of the state (subscriptions, the digest ledger, thread links), also while serve runs", runBackup},
		{"migrate-state", "migrate-state --from FILE --to postgres://... [--force]\n\tcopy a bbolt state file (stopped) into a PostgreSQL database (--to takes ${ENV_VAR} as state: does); refuses a database that holds state unless --force", runMigrateState},
		{"eval", "eval [--datasets DIR | --collection DIR] [--cache DIR] [--per-query FILE] | --queries Q.jsonl --qrels R.tsv (--docs D.jsonl | --index DIR)\n\tmeasure search quality (nDCG@10, MAP@100, MRR, queries with no results) on every test collection under ../shared/datasets, or one", runEval},
		{"config", "config check [FILE]\n\tload and validate the configuration (FILE, or the one paperbot would find) and print it as it runs: defaults filled in, secrets [redacted]; exit 1 on error", runConfig},
		{"version", "version\n\tprint the version, the commit it was built from and the Go toolchain (also: paperbot --version)", func(_ context.Context, e *env, args []string) error { return runVersion(e, args) }},
	}
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries an exit status for a failure already reported.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(ctx, &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}, args)
}

// runEnv runs the command args name in e and returns the exit status.
func runEnv(ctx context.Context, e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	name := ""
	if len(args) > 0 && isHelpFlag(args[0]) {
		// paperbot -h is paperbot help, not the default command's flags.
		printUsage(stdout)
		return 0
	}
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	var cmd *command
	switch name {
	case "":
		cmd = &command{name: "", run: runDefault}
	case "help":
		printUsage(stdout)
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
		names := []string{"help"}
		for _, c := range commands() {
			names = append(names, c.name)
		}
		if m := didYouMean(name, names); m != "" {
			fmt.Fprintf(stderr, "paperbot: unknown command %q: %s\nRun \"paperbot help\" for the commands.\n", name, m)
			return 2
		}
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
		fmt.Fprintf(stderr, "%s: %s\n", progName(cmd.name), ue.msg)
		return 2
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(stderr, "paperbot: %v\n", err)
		return 1
	}
}

// progName is how messages name a command: "paperbot search", or
// "paperbot" for the default command.
func progName(cmd string) string {
	if cmd == "" {
		return "paperbot"
	}
	return "paperbot " + cmd
}

// isHelpFlag reports whether arg asks for help the way the flag package
// understands it.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "--h", "-help", "--help":
		return true
	}
	return false
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: paperbot [command] [flags]")
	fmt.Fprintln(w, "\nWith no command (paperbot [--config FILE]): a console chat on the sample corpus, or serve when Slack or Discord is configured.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s\n", c.usage)
	}
	fmt.Fprintln(w, "  help\n\tthis overview")
	fmt.Fprintln(w, "\nRun paperbot COMMAND -h for a command's flags.")
}

// newFlags returns a flag set that reports errors instead of exiting. Its
// -h prints the command's usage line and its flags (the default command's
// prints the overview, as paperbot help does) on stdout, as paperbot
// --help does: asked for, help is the output (`paperbot ingest -h | less`),
// not an error.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(progName(name), flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if name == "" {
		fs.Usage = func() { printUsage(e.stdout) }
		return fs
	}
	fs.Usage = func() {
		for _, c := range commands() {
			if c.name == name {
				fmt.Fprintf(e.stdout, "Usage: paperbot %s\n", c.usage)
			}
		}
		flags := false
		fs.VisitAll(func(*flag.Flag) { flags = true })
		if !flags {
			return // version, config: no "Flags:" heading over nothing
		}
		fmt.Fprint(e.stdout, "\nFlags:\n")
		out := fs.Output()
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
	return fs
}

// parseFlags parses args, turning flag errors into usage errors. A flag
// error is reported once (by run), with a hint where to find the flags.
func parseFlags(fs *flag.FlagSet, args []string) error {
	// The flag package would print the error and the usage too.
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err == nil {
		return nil
	}
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return err
	}
	hint := fmt.Sprintf("Run %q for its flags.", fs.Name()+" -h")
	if fs.Name() == "paperbot" {
		hint = `Run "paperbot help" for the commands and their flags.`
	}
	// A query's exclusion (-cat:hep-th, "-survey reviews") first on the
	// line reads as a flag: no flag has a colon or a space in its name.
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok && strings.ContainsAny(name, ": ") {
		hint = fmt.Sprintf("A query that starts with a dash goes after --: %s -- %q", fs.Name(), "-"+name)
	}
	return usageError{err.Error() + "\n" + hint}
}

// flagAfterArgs returns the first of args left after the flags that names
// one of fs's flags (--json, -limit, --limit=5...): Go's flag package stops
// at the first argument that is not a flag, so a flag written after it
// would silently become an argument. Other words that start with a dash
// (-survey, an exclusion in a query) are not flags. After an explicit --,
// everything is an argument.
func flagAfterArgs(fs *flag.FlagSet, args []string) string {
	rest := fs.Args()
	if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
		return ""
	}
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name != "" && fs.Lookup(name) != nil {
			return a
		}
	}
	return ""
}
