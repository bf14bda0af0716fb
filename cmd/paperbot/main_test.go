package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cliEnv is a getenv over a map. Nothing else of the process environment
// is seen (no HOME: no ~/.config/paperbot/paperbot.yaml).
func cliEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// cliRun runs paperbot with args and stdin in an environment of its own.
func cliRun(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, cliEnv(env), strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// cliDataEnv is an environment whose data directory is a new temporary one.
func cliDataEnv(t *testing.T) map[string]string {
	return map[string]string{"PAPERBOT_DATA_DIR": filepath.Join(t.TempDir(), "data")}
}

// `echo '/papers tranception' | paperbot` with no arguments and no
// configuration indexes the sample corpus and prints the Tranception paper.
func TestDefaultRunAnswersFromTheSample(t *testing.T) {
	env := cliDataEnv(t)
	stdout, stderr, code := cliRun(t, env, "/papers tranception\n")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "Papers matching “tranception”\n") ||
		!strings.Contains(stdout, "\n1. Tranception: protein fitness prediction with autoregressive transformers") ||
		!strings.Contains(stdout, "   id: 2205.13760\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if !strings.Contains(stderr, "indexing the sample corpus (194 papers) into "+filepath.Join(env["PAPERBOT_DATA_DIR"], "index")) {
		t.Errorf("stderr: %s", stderr)
	}
	if strings.Contains(stdout, "\x1b") {
		t.Error("ANSI escapes in output that is not a terminal")
	}
	if _, err := os.Stat(filepath.Join(env["PAPERBOT_DATA_DIR"], "index")); err != nil {
		t.Errorf("no index in the data directory: %v", err)
	}

	// The second run uses the index it made; each line is a command, and
	// the lookups of one paper all find it.
	in := strings.Join([]string{
		"/papers show 2205.13760",
		"https://huggingface.co/papers/2205.13760",
		"/papers tranceptoin",
		"/papers help",
	}, "\n")
	stdout, stderr, code = cliRun(t, env, in)
	if code != 0 || strings.Contains(stderr, "indexing the sample") {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	if n := strings.Count(stdout, "id: 2205.13760"); n != 3 {
		t.Errorf("Tranception shown %d times, want 3:\n%s", n, stdout)
	}
	if !strings.Contains(stdout, "/papers — research papers in chat") || !strings.Contains(stdout, "/papers show ") {
		t.Errorf("no help:\n%s", stdout)
	}
}

// `paperbot chat --index DIR --state FILE` and an empty stdin: the console
// ends with the input; the index and the state are where the flags say,
// and nothing is written to the data directory.
func TestChatCommand(t *testing.T) {
	env := cliDataEnv(t)
	dir := filepath.Join(t.TempDir(), "ix")
	state := filepath.Join(t.TempDir(), "chat-state.db")
	stdout, stderr, code := cliRun(t, env, "/papers show 2205.13760\n/quit\n/papers never\n", "chat", "--index", dir, "--state", state)
	if code != 0 || !strings.Contains(stdout, "id: 2205.13760") || strings.Contains(stdout, "never") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("--index ignored: %v", err)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("--state ignored: %v", err)
	}
	if _, err := os.Stat(env["PAPERBOT_DATA_DIR"]); err == nil {
		t.Errorf("chat with --index and --state wrote into the data directory %s", env["PAPERBOT_DATA_DIR"])
	}
	if _, _, code := cliRun(t, env, "", "chat", "--index", dir, "--state", state); code != 0 {
		t.Errorf("empty input: exit %d", code)
	}
	// Without --state, the state is the data directory's.
	if _, stderr, code := cliRun(t, env, "", "chat", "--index", dir); code != 0 {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(env["PAPERBOT_DATA_DIR"], "state.db")); err != nil {
		t.Errorf("no state in the data directory: %v", err)
	}
}

// Mistakes on the command line exit with status 2 and say what is wrong.
func TestUsageErrors(t *testing.T) {
	env := cliDataEnv(t)
	cases := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"search"}, "what should I search for?"},
		{[]string{"search", "   "}, "what should I search for?"},
		{[]string{"search", "--limit", "0", "x"}, "--limit 0 is not between 1 and 100"},
		{[]string{"search", "--limit", "many", "x"}, `invalid value "many" for flag -limit`},
		{[]string{"search", "--sort", "sideways", "x"}, `--sort "sideways" is not relevance, recent or trending`},
		{[]string{"ingest"}, "which files?"},
		{[]string{"ingest", "--format", "xml", "f.xml"}, `unknown format "xml"`},
		{[]string{"chat", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		stdout, stderr, code := cliRun(t, env, "", c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("paperbot %q: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
		if stdout != "" {
			t.Errorf("paperbot %q: stdout %q", c.args, stdout)
		}
	}
	// Help is not an error.
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"search", "-h"}, {"version"}} {
		stdout, stderr, code := cliRun(t, env, "", args...)
		if code != 0 || stdout+stderr == "" {
			t.Errorf("paperbot %q: exit %d", args, code)
		}
	}
	stdout, _, _ := cliRun(t, env, "", "help")
	for _, c := range commands() {
		if !strings.Contains(stdout, c.usage) {
			t.Errorf("usage lacks %q", c.name)
		}
	}
}

// A configuration with an unknown or mistyped key fails, naming the file,
// the line and the key, whichever way the file was found.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknown := write("unknown.yaml", "data_dir: "+filepath.Join(dir, "data")+"\nbot:\n  page_sise: 3\n")
	mistyped := write("mistyped.yaml", "http:\n  addr: 127.0.0.1:0\n  read_timeout: soon\n")
	secret := write("secret.yaml", "slack:\n  bot_token: xoxb-INLINE-SECRET\n  app_tokn: x\n")
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"search", "--config", unknown, "x"}, unknown + ":3:3: bot.page_sise: unknown field"},
		{nil, []string{"ingest", "--config", unknown, "f.jsonl"}, unknown + ":3:3: bot.page_sise: unknown field"},
		{nil, []string{"--config", mistyped}, mistyped + ":3:17: http.read_timeout: not a duration"},
		{nil, []string{"serve", "--config", mistyped}, mistyped + ":3:17: http.read_timeout: not a duration"},
		{map[string]string{"PAPERBOT_CONFIG": unknown}, nil, unknown + ":3:3: bot.page_sise: unknown field"},
		{map[string]string{"PAPERBOT_CONFIG": filepath.Join(dir, "missing.yaml")}, nil, "config file " + filepath.Join(dir, "missing.yaml") + " does not exist"},
		{nil, []string{"chat", "--config", secret}, secret + ":3:3: slack.app_tokn: unknown field"},
	}
	for _, c := range cases {
		stdout, stderr, code := cliRun(t, c.env, "/papers x\n", c.args...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("paperbot %q (env %v): exit %d, stderr %q; want 1 and %q", c.args, c.env, code, stderr, c.want)
		}
		if stdout != "" || strings.Contains(stderr, "INLINE-SECRET") {
			t.Errorf("paperbot %q: stdout %q, stderr %q", c.args, stdout, stderr)
		}
	}
}

// cliOutput is a writer that tests can wait on: waitFor returns once the
// output contains a string.
type cliOutput struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newCLIOutput() *cliOutput { return &cliOutput{changed: make(chan struct{})} }

func (o *cliOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := o.b.Write(p)
	close(o.changed)
	o.changed = make(chan struct{})
	return n, err
}

func (o *cliOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// waitFor waits until the output contains s, or fails the test when done
// delivers first (the command ended without writing it).
func (o *cliOutput) waitFor(t *testing.T, ctx context.Context, s string, done <-chan error) {
	t.Helper()
	for {
		o.mu.Lock()
		has, ch := strings.Contains(o.b.String(), s), o.changed
		o.mu.Unlock()
		if has {
			return
		}
		select {
		case <-ch:
		case err := <-done:
			t.Fatalf("ended (%v) before writing %q; output:\n%s", err, s, o.String())
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %q; output:\n%s", s, o.String())
		}
	}
}
