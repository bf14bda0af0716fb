package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/paperbot/paperbot/index"
)

// `paperbot config check FILE` prints the configuration as it runs:
// defaults filled in, every secret and a PostgreSQL URL [redacted], and
// the output parses back as a configuration.
func TestConfigCheckPrintsEffective(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pb.yaml")
	body := "data_dir: " + filepath.Join(dir, "data") + "\n" +
		"state: postgres://paperbot:DB-PASSWORD@db:5432/paperbot\n" +
		"slack:\n  bot_token: ${SLACK_BOT_TOKEN}\n  app_token: xapp-INLINE-SECRET\n" +
		"bot:\n  page_size: 7\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-ENV-SECRET"}
	for _, args := range [][]string{{"config", "check", cfg}, {"config", "check", "--config", cfg}, {"config", "check"}} {
		e := env
		if len(args) == 2 {
			// No FILE: the search path, here $PAPERBOT_CONFIG.
			e = map[string]string{"SLACK_BOT_TOKEN": "xoxb-ENV-SECRET", "PAPERBOT_CONFIG": cfg}
		}
		stdout, stderr, code := cliRun(t, e, "", args...)
		if code != 0 {
			t.Fatalf("paperbot %q: exit %d, stderr %q", args, code, stderr)
		}
		for _, leak := range []string{"ENV-SECRET", "INLINE-SECRET", "DB-PASSWORD"} {
			if strings.Contains(stdout+stderr, leak) {
				t.Errorf("paperbot %q shows a secret (%s):\n%s%s", args, leak, stdout, stderr)
			}
		}
		if !strings.HasPrefix(stdout, "# "+cfg+": OK") {
			t.Errorf("paperbot %q: stdout does not start with the file: %q", args, stdout)
		}
		// The inline secret is the loader's warning, with its line.
		if !strings.Contains(stderr, "warning: "+cfg+":5:14: slack.app_token is written in the file") {
			t.Errorf("paperbot %q: stderr %q lacks the inline-secret warning", args, stderr)
		}
		var got struct {
			Index string
			State string
			Bot   struct {
				PageSize int    `yaml:"page_size"`
				Command  string `yaml:"command"`
			}
			HTTP struct {
				Addr        string `yaml:"addr"`
				ReadTimeout string `yaml:"read_timeout"`
			}
			Slack struct {
				Mode          string `yaml:"mode"`
				BotToken      string `yaml:"bot_token"`
				SigningSecret string `yaml:"signing_secret"`
			}
		}
		if err := yaml.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("paperbot %q: the output is not YAML: %v\n%s", args, err, stdout)
		}
		want := "{" + filepath.Join(dir, "data", "index") + " [redacted] {7 papers} {:8080 10s} {socket [redacted] [unset]}}"
		if s := fmt.Sprintf("%v", got); s != want {
			t.Errorf("paperbot %q: effective\n%s\nwant\n%s", args, s, want)
		}
		// Each mark standing for a value ([redacted], [unset]) is
		// explained in the header's comment lines.
		var header, body strings.Builder
		for line := range strings.SplitSeq(stdout, "\n") {
			if strings.HasPrefix(line, "#") {
				header.WriteString(line + "\n")
			} else {
				body.WriteString(line + "\n")
			}
		}
		for _, mark := range regexp.MustCompile(`\[[a-z]+\]`).FindAllString(body.String(), -1) {
			if !strings.Contains(header.String(), mark) {
				t.Errorf("paperbot %q prints %s, which its header does not explain:\n%s", args, mark, header.String())
			}
		}
	}
}

// A configuration that does not load is the loader's error, with the
// file, line and column, and exit status 1; nothing is printed on stdout.
// A mistake on the command line is status 2.
func TestConfigCheckErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("bot:\n  page_sise: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.yaml")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"config", "check", bad}, 1, "paperbot: " + bad + ":2:3: bot.page_sise: unknown field"},
		{[]string{"config", "check", missing}, 1, "config file " + missing + " does not exist"},
		{[]string{"config", "check", bad, missing}, 2, `unexpected argument "` + missing + `"`},
		{[]string{"config", "check", "--config", bad, missing}, 2, "two files"},
		{[]string{"config"}, 2, "which subcommand? Usage: paperbot config check [FILE]"},
		{[]string{"config", "chek"}, 2, `unknown subcommand "chek": did you mean "check"?`},
	} {
		stdout, stderr, code := cliRun(t, nil, "", c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("paperbot %q: exit %d, stdout %q, stderr %q; want %d and %q", c.args, code, stdout, stderr, c.code, c.want)
		}
	}
}

// A mistyped command gets a suggestion and exit status 2; a word like no
// command gets the list of commands.
func TestDidYouMean(t *testing.T) {
	for _, c := range []struct{ typed, want string }{
		{"serach", `paperbot: unknown command "serach": did you mean "search"?` + "\nRun \"paperbot help\" for the commands.\n"},
		{"SEARCH", `did you mean "search"?`},
		{"ingset", `did you mean "ingest"?`},
		{"versoin", `did you mean "version"?`},
		{"confg", `did you mean "config"?`},
		{"register", `did you mean "register-commands"?`},
		{"ch", `did you mean one of "chat", "check"?`},
	} {
		stdout, stderr, code := cliRun(t, nil, "", c.typed)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("paperbot %s: exit %d, stdout %q, stderr %q; want 2 and %q", c.typed, code, stdout, stderr, c.want)
		}
	}
	_, stderr, code := cliRun(t, nil, "", "frobnicate")
	if code != 2 || strings.Contains(stderr, "did you mean") || !strings.Contains(stderr, "Commands:") {
		t.Errorf("paperbot frobnicate: exit %d, stderr %q; want 2 and the commands", code, stderr)
	}
}

// paperbot version and --version print the version, the commit when the
// build recorded one, and the toolchain.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		stdout, stderr, code := cliRun(t, nil, "", args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "paperbot ") || !strings.Contains(stdout, runtime.GOOS+"/"+runtime.GOARCH) {
			t.Errorf("paperbot %q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	if _, stderr, code := cliRun(t, nil, "", "version", "extra"); code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("paperbot version extra: exit %d, %q", code, stderr)
	}
	var b strings.Builder
	writeVersion(&b, stamp{}, &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-02T10:55:05Z"}, {Key: "vcs.modified", Value: "true"},
	}})
	want := "paperbot v1.4.0\nrevision 0123456789abcdef0123456789abcdef01234567, 2026-12-02T10:55:05Z, with uncommitted changes\ngo1.26.1 " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if b.String() != want {
		t.Errorf("version with VCS:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	writeVersion(&b, stamp{}, nil)
	if want := "paperbot (devel)\n" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"; b.String() != want {
		t.Errorf("version without build info: %q, want %q", b.String(), want)
	}
}

// The version comes from the linker's stamp (-ldflags -X, as the
// Dockerfile builds) when there is one, else from the build info's module
// version and VCS settings (absent with -buildvcs=false), else "(devel)".
func TestVersionFromTheBuild(t *testing.T) {
	platform := " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "aaaa"},
		{Key: "vcs.time", Value: "2026-12-02T10:55:05Z"}, {Key: "vcs.modified", Value: "true"},
	}
	devel := &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"}}
	stamped := &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "v0.0.0-20261202105505-aaaa+dirty"}, Settings: vcs}
	for _, tc := range []struct {
		name string
		ld   stamp
		bi   *debug.BuildInfo
		want string
	}{
		{"-buildvcs=false, no stamp", stamp{}, devel, "paperbot (devel)\ngo1.26.1" + platform},
		{"-buildvcs=false, stamped", stamp{version: "v1.5.0", revision: "bbbb"}, devel, "paperbot v1.5.0\nrevision bbbb\ngo1.26.1" + platform},
		{"stamped version only", stamp{version: "v1.5.0-3-gbbbb"}, devel, "paperbot v1.5.0-3-gbbbb\ngo1.26.1" + platform},
		{"VCS info, no stamp", stamp{}, stamped, "paperbot v0.0.0-20261202105505-aaaa+dirty\nrevision aaaa, 2026-12-02T10:55:05Z, with uncommitted changes\ngo1.26.1" + platform},
		{"stamp wins over VCS info", stamp{version: "v1.5.0", revision: "bbbb"}, stamped, "paperbot v1.5.0\nrevision bbbb\ngo1.26.1" + platform},
		{"stamp of the same commit keeps its time", stamp{version: "v1.5.0", revision: "aaaa"}, stamped, "paperbot v1.5.0\nrevision aaaa, 2026-12-02T10:55:05Z, with uncommitted changes\ngo1.26.1" + platform},
		{"empty stamp (a Docker build without --build-arg)", stamp{version: " ", revision: ""}, devel, "paperbot (devel)\ngo1.26.1" + platform},
	} {
		var b strings.Builder
		writeVersion(&b, tc.ld, tc.bi)
		if b.String() != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, b.String(), tc.want)
		}
	}
}

// A file of sources.files that does not exist is a warning of config
// check, with its line, and exit status 0: serve starts without it (its
// files job fails and is logged), as it would without the file.
func TestConfigCheckMissingSourceFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pb.yaml")
	missing := filepath.Join(dir, "papers.jsonl")
	if err := os.WriteFile(cfg, []byte("data_dir: "+filepath.Join(dir, "data")+"\nsources:\n  files: ["+missing+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cliRun(t, nil, "", "config", "check", cfg)
	want := "paperbot config check: warning: " + cfg + ":3:11: sources.files[0]: " + missing + " does not exist"
	if code != 0 || !strings.Contains(stderr, want) || !strings.HasPrefix(stdout, "# "+cfg+": OK") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, want)
	}
}

// config check prints the values that run, defaults written out: none is
// null (a section left out) or 0 for a default that the program fills in
// later (fast_path, memory_mib, bot.page_size, bot.timeout,
// retries, user_agent, lease_ttl, follow_poll, a source's enabled). Its
// output, loaded again, prints the same: nothing in it is read as
// something else (an explicit 0s would be refused).
func TestConfigCheckPrintsEveryDefault(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pb.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+filepath.Join(dir, "data")+"\nsources:\n  huggingface: {}\n  arxiv: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cliRun(t, nil, "", "config", "check", cfg)
	if code != 0 {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	header, body, _ := strings.Cut(stdout, "\n")
	header2, body, _ := strings.Cut(body, "\n")
	if strings.Contains(header2, "0 or \"\" is the built-in default") || !strings.Contains(header2, "every default written out") {
		t.Errorf("header %q", header2)
	}
	for _, want := range []string{
		"bot:\n  command: papers\n  page_size: 5\n  timeout: 20s\n",
		"  user_agent: " + defaultUserAgent() + "\n  retries: 3\n",
		"  huggingface:\n    enabled: true\n",
		"    arxiv_details: true\n",
		"  arxiv:\n    enabled: true\n",
		"    fetch_missing: true\n",
		fmt.Sprintf("search:\n  fast_path: true\n  memory_mib: %d\n  mapped_memory_mib: 0\n", index.DefaultResidentBudget>>20),
		"replicas:\n  lease_ttl: 15s\n  follow_poll: 30s\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("output lacks %q:\n%s", want, body)
		}
	}
	for line := range strings.Lines(body) {
		if (strings.HasSuffix(line, ": null\n") && line != "slack: null\n" && line != "discord: null\n") || strings.HasSuffix(line, ": 0s\n") {
			t.Errorf("output has %q (only the sections left out are null):\n%s", line, body)
		}
	}
	// Loaded again, the output prints the same.
	again := filepath.Join(dir, "again.yaml")
	if err := os.WriteFile(again, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout2, stderr2, code := cliRun(t, nil, "", "config", "check", again)
	if _, body2, _ := strings.Cut(stdout2, header2+"\n"); code != 0 || body2 != body {
		t.Errorf("%s loaded again: exit %d, %s\n%s\nwant\n%s", header, code, stderr2, body2, body)
	}

	// memory_mib: 0 is no budget, and prints as written; the header no
	// longer says that 0 is the default.
	if err := os.WriteFile(cfg, []byte("search:\n  memory_mib: 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, _, _ = cliRun(t, nil, "", "config", "check", cfg)
	if !strings.Contains(stdout, "search:\n  fast_path: true\n  memory_mib: 0\n  mapped_memory_mib: 0\n") {
		t.Errorf("memory_mib: 0:\n%s", stdout)
	}
}

// config check writes out what a subscription of the file leaves to the
// digest's defaults (time, timezone, top, days, kind), as it runs: it
// printed top: 0, time: "" and days: "" for them, values that run as
// something else (default_top, default_time, every day). A weekly recap
// keeps top out (it has none). The output loads again the same.
func TestConfigCheckPrintsSubscriptionDefaults(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pb.yaml")
	body := "data_dir: " + filepath.Join(dir, "data") + "\n" +
		"digest:\n  default_time: \"08:15\"\n  default_timezone: Europe/Berlin\n  default_top: 3\n" +
		"  subscriptions:\n    - platform: console\n      channel: C1\n    - platform: console\n      channel: C1\n      kind: weekly\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cliRun(t, nil, "", "config", "check", cfg)
	if code != 0 {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	_, out, _ := strings.Cut(stdout, "\n")
	header2, out, _ := strings.Cut(out, "\n")
	for _, want := range []string{
		"      channel: C1\n      channel_name: \"\"\n      time: \"08:15\"\n      timezone: Europe/Berlin\n      days: daily\n      top: 3\n      topic: \"\"\n      kind: daily\n      day: \"\"\n",
		"      time: \"08:15\"\n      timezone: Europe/Berlin\n      days: \"\"\n      top: 0\n      topic: \"\"\n      kind: weekly\n      day: fri\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks\n%s\n%s", want, out)
		}
	}
	again := filepath.Join(dir, "again.yaml")
	if err := os.WriteFile(again, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout2, stderr2, code := cliRun(t, nil, "", "config", "check", again)
	if _, out2, _ := strings.Cut(stdout2, header2+"\n"); code != 0 || out2 != out {
		t.Errorf("loaded again: exit %d, %s\n%s\nwant\n%s", code, stderr2, out2, out)
	}
}
