package configs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/paperbot/paperbot/configs/secret"
)

// cfgEnv is a getenv over a map.
func cfgEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// An unknown or mistyped key is an error that names the file, line,
// column and key path, whatever the depth.
func TestParseStrict(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown top-level key", "dat_dir: ./d\n", "t.yaml:1:1: dat_dir: unknown field \"dat_dir\""},
		{"unknown nested key", "log:\n  level: info\nbot:\n  page_sise: 3\n", "t.yaml:4:3: bot.page_sise: unknown field \"page_sise\""},
		{"unknown key in a flow mapping", "http: {addr: \":80\", adr: \":81\"}\n", "t.yaml:1:21: http.adr: unknown field"},
		{"unknown key in another section", "sources:\n  arxiv:\n    categorys: [cs.LG]\n", "t.yaml:3:5: sources.arxiv.categorys: unknown field"},
		{"string for a number", "bot:\n  page_size: five\n", "t.yaml:2:14: bot.page_size: want a whole number, got a string"},
		{"number for a duration", "http:\n  read_timeout: 10\n", "t.yaml:2:17: http.read_timeout: want a duration (like 30s, 5m, 1h30m), got a whole number"},
		{"unparsable duration", "http:\n  read_timeout: soon\n", "t.yaml:2:17: http.read_timeout: not a duration (like 30s, 5m, 1h30m)"},
		{"unparsable duration in a flow mapping", "bot: {timeout: 3 seconds}\n", "t.yaml:1:16: bot.timeout: not a duration"},
		{"unparsable nested duration", "sources:\n  huggingface:\n    every: daily\n", "t.yaml:3:12: sources.huggingface.every: not a duration"},
		{"list for a string", "data_dir: [a, b]\n", "t.yaml:1:11: data_dir: want a string, got a list"},
		{"scalar for a section", "bot: 3\n", "t.yaml:1:6: bot:"},
		{"list for a section", "log:\n  - level\n", "t.yaml:2:3: log:"},
		{"top level is a list", "- data_dir: x\n", "t.yaml:1:1:"},
		{"duplicate key", "log:\n  level: debug\nlog:\n  level: info\n", "t.yaml:3:1: \"log\" is written twice in one section (first at line 1)"},
		{"mapping for a secret", "slack:\n  bot_token:\n    env: SLACK_BOT_TOKEN\n", "t.yaml:3:5: slack.bot_token: want a string: ${ENV_VAR}, env:ENV_VAR, file:/path or a path"},
		{"list for a secret", "discord:\n  token: [a, b]\n", "t.yaml:2:10: discord.token: want a string"},
		{"syntax error", "bot:\n  page_size: [1, 2\n", "t.yaml:"},
		{"tab indentation", "bot:\n\tpage_size: 1\n", "t.yaml:2:"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml), "t.yaml", cfgEnv(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v\nwant it to contain %q", c.name, err, c.want)
			continue
		}
		// One line, no quoted source.
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", c.name, err)
		}
	}
}

// Errors never quote the file: an inline secret next to (or in) a mistake
// stays out of the message.
func TestParseErrorsHideInlineSecrets(t *testing.T) {
	const secret = "xoxb-0000-INLINE-SECRET"
	cases := []string{
		"slack:\n  bot_token: " + secret + "\n  app_tokn: x\n",
		"slack:\n  bot_tokn: " + secret + "\n",
		"slack:\n  bot_token: " + secret + "\n  mode: [socket]\n",
		"slack:\n  bot_token: \"" + secret + "\"\n  app_token: x\nhttp:\n  read_timeout: " + secret + "\n",
		"slack:\n  bot_token: " + secret + "\n  app_token: [" + secret + "\n",
		"discord:\n  token:\n    value: " + secret + "\n",
		"slack:\n  bot_token: " + secret + "\n  bot_token: " + secret + "\n",
	}
	for _, y := range cases {
		_, err := Parse([]byte(y), "t.yaml", cfgEnv(nil))
		if err == nil {
			t.Errorf("%q: no error", y)
			continue
		}
		if strings.Contains(err.Error(), "INLINE-SECRET") {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
}

func TestDefaults(t *testing.T) {
	for _, y := range []string{"", "\n\n", "# only a comment\n", "{}\n"} {
		c, err := Parse([]byte(y), "paperbot.yaml", cfgEnv(nil))
		if err != nil {
			t.Fatalf("%q: %v", y, err)
		}
		want := HTTPConfig{Addr: ":8080", ReadTimeout: 10 * time.Second, WriteTimeout: 15 * time.Second, IdleTimeout: time.Minute, ShutdownTimeout: 25 * time.Second}
		if c.DataDir != "data" || c.Index != filepath.Join("data", "index") || c.State != filepath.Join("data", "state.db") ||
			c.Log != (LogConfig{Level: "info", Format: "text"}) || c.HTTP != want ||
			c.Bot != (BotConfig{"papers", 5, 20 * time.Second}) || c.Path != "paperbot.yaml" ||
			c.Src.Retries != 3 || c.Replicas != (Replicas{15 * time.Second, 30 * time.Second}) ||
			c.Search.FastPath == nil || !*c.Search.FastPath || c.Search.MemoryMiB == nil || *c.Search.MemoryMiB != 768 || c.Search.MappedMemoryMiB == nil || *c.Search.MappedMemoryMiB != 0 {
			t.Errorf("%q: defaults %+v", y, c)
		}
		if c.Slack != nil || c.Disc != nil || len(c.Platforms()) != 0 {
			t.Errorf("%q: platforms %v without configuration", y, c.Platforms())
		}
	}

	// PAPERBOT_DATA_DIR moves the data directory and what is in it; the
	// file's data_dir, index and state win over it.
	c, err := Parse(nil, "x", cfgEnv(map[string]string{"PAPERBOT_DATA_DIR": "/var/lib/paperbot"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/paperbot" || c.Index != "/var/lib/paperbot/index" || c.State != "/var/lib/paperbot/state.db" {
		t.Errorf("PAPERBOT_DATA_DIR: %q %q %q", c.DataDir, c.Index, c.State)
	}
	c, err = Parse([]byte("data_dir: /srv/pb\nstate: /tmp/s.db\n"), "x", cfgEnv(map[string]string{"PAPERBOT_DATA_DIR": "/var/lib/paperbot"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/pb" || c.Index != "/srv/pb/index" || c.State != "/tmp/s.db" {
		t.Errorf("data_dir over env: %q %q %q", c.DataDir, c.Index, c.State)
	}

	// Values given are kept; "/papers" loses its slash.
	c, err = Parse([]byte(`
log: {level: debug, format: json}
http: {addr: "127.0.0.1:9000", read_timeout: 1s, write_timeout: 2s, idle_timeout: 3s, shutdown_timeout: 4s}
bot: {command: /arxiv, page_size: 10, timeout: 5s}
`), "x", cfgEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Log != (LogConfig{"debug", "json"}) ||
		c.HTTP != (HTTPConfig{"127.0.0.1:9000", time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second}) ||
		c.Bot != (BotConfig{"arxiv", 10, 5 * time.Second}) {
		t.Errorf("values not kept: %+v %+v %+v", c.Log, c.HTTP, c.Bot)
	}
}

func TestInvalidValues(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"log:\n  level: loud\n", `t.yaml:2:10: log.level: "loud" is not one of debug, info, warn, error`},
		{"log:\n  format: xml\n", `t.yaml:2:11: log.format: "xml" is not text or json`},
		{"bot:\n  page_size: 11\n", "t.yaml:2:14: bot.page_size: 11 is not between 1 and 10"},
		{"bot:\n  page_size: -1\n", "t.yaml:2:14: bot.page_size: -1 is not between 1 and 10"},
		{"http:\n  read_timeout: -1s\n", "t.yaml:2:17: http.read_timeout: -1s is not between 1s and 10m"},
		{"metrics:\n  addr: localhost\n", `t.yaml:2:9: metrics.addr: "localhost" is not a listen address (like :8080 or 127.0.0.1:9090)`},
		{"metrics:\n  addr: \":8080\"\n", `t.yaml:2:9: metrics.addr: ":8080" is http.addr; give the metrics a listener of their own (like 127.0.0.1:9090) or leave metrics.addr out`},
		{"http:\n  addr: \"8080\"\n", `t.yaml:2:9: http.addr: "8080" is not a listen address (like :8080 or 127.0.0.1:9090), or "off"`},
	}
	// A value out of range is placed like a bad key: file:line:column.
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml), "t.yaml", cfgEnv(nil))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: error %v, want %q", c.yaml, err, c.want)
		}
	}
}

func TestSearchPath(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want []string
	}{
		{nil, []string{"paperbot.yaml", "/etc/paperbot/paperbot.yaml"}},
		{map[string]string{"HOME": "/home/u"}, []string{"paperbot.yaml", "/home/u/.config/paperbot/paperbot.yaml", "/etc/paperbot/paperbot.yaml"}},
		// XDG_CONFIG_HOME replaces ~/.config.
		{map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/xdg"}, []string{"paperbot.yaml", "/xdg/paperbot/paperbot.yaml", "/etc/paperbot/paperbot.yaml"}},
		{map[string]string{"PAPERBOT_CONFIG": "/run/pb.yaml", "HOME": "/home/u"}, []string{"/run/pb.yaml", "paperbot.yaml", "/home/u/.config/paperbot/paperbot.yaml", "/etc/paperbot/paperbot.yaml"}},
	}
	for _, c := range cases {
		if got := SearchPath(cfgEnv(c.env)); !slices.Equal(got, c.want) {
			t.Errorf("SearchPath(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

// Load takes the first file of the search path that exists.
func TestLoadSearchOrder(t *testing.T) {
	if _, err := os.Stat("/etc/paperbot/paperbot.yaml"); err == nil {
		t.Skip("this machine has /etc/paperbot/paperbot.yaml")
	}
	root := t.TempDir()
	write := func(rel, body string) string {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	home := filepath.Join(root, "home")
	xdg := filepath.Join(root, "xdg")
	cwd := filepath.Join(root, "cwd")
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cwd)
	env := map[string]string{"HOME": home}
	load := func(explicit string) (*Config, error) { return Load(explicit, cfgEnv(env)) }

	// Nothing anywhere: the defaults.
	c, err := load("")
	if err != nil || c.Path != "" || c.Bot.Command != "papers" {
		t.Fatalf("no file: %v %+v", err, c)
	}
	// Each file names its place in its bot.command.
	homeFile := write("home/.config/paperbot/paperbot.yaml", "bot: {command: home}\n")
	xdgFile := write("xdg/paperbot/paperbot.yaml", "bot: {command: xdg}\n")
	steps := []struct {
		setup func()
		want  string
		path  string
	}{
		{func() {}, "home", homeFile},
		{func() { env["XDG_CONFIG_HOME"] = xdg }, "xdg", xdgFile},
		{func() { write("cwd/paperbot.yaml", "bot: {command: cwd}\n") }, "cwd", "paperbot.yaml"},
		{func() { env["PAPERBOT_CONFIG"] = write("env.yaml", "bot: {command: env}\n") }, "env", filepath.Join(root, "env.yaml")},
	}
	for _, s := range steps {
		s.setup()
		c, err := load("")
		if err != nil {
			t.Fatalf("%s: %v", s.want, err)
		}
		if c.Bot.Command != s.want || c.Path != s.path {
			t.Errorf("loaded %q from %q, want %q from %q", c.Bot.Command, c.Path, s.want, s.path)
		}
	}
	// --config wins over everything.
	c, err = load(write("flag.yaml", "bot: {command: flag}\n"))
	if err != nil || c.Bot.Command != "flag" {
		t.Errorf("--config: %v %+v", err, c)
	}
	// A file named by --config or PAPERBOT_CONFIG must exist.
	missing := filepath.Join(root, "nope.yaml")
	if _, err := load(missing); err == nil || !strings.Contains(err.Error(), "config file "+missing+" does not exist") {
		t.Errorf("missing --config: %v", err)
	}
	env["PAPERBOT_CONFIG"] = missing
	if _, err := load(""); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing PAPERBOT_CONFIG: %v", err)
	}
	// A file that cannot be read is an error, not a reason to skip it.
	if _, err := load(root); err == nil || !strings.Contains(err.Error(), "reading config") {
		t.Errorf("directory as config: %v", err)
	}
	// Errors name the file.
	bad := write("bad.yaml", "bot:\n  comand: x\n")
	if _, err := load(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":2:3: bot.comand: unknown field") {
		t.Errorf("bad file: %v", err)
	}
}

// Through Parse, a secret's error names the file and the key.
func TestSecretErrors(t *testing.T) {
	_, err := Parse([]byte("slack:\n  bot_token: ${SLACK_BOT_TOKEN}\n  app_token: ${SLACK_APP_TOKEN}\n"), "pb.yaml",
		cfgEnv(map[string]string{"SLACK_APP_TOKEN": "xapp-1-secret-value"}))
	if err == nil || err.Error() != "pb.yaml:2:14: slack.bot_token: environment variable SLACK_BOT_TOKEN is not set" {
		t.Errorf("Parse: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "secret-value") {
		t.Errorf("Parse error quotes a secret: %v", err)
	}
}

// A Secret never shows its value: not through fmt (any verb, alone or in
// a struct), slog (text and JSON), encoding/json or YAML.
func TestSecretRedacted(t *testing.T) {
	const value = "xoxb-SUPER-SECRET"
	s := secret.New(value)
	if s.Value() != value || !s.IsSet() {
		t.Fatalf("Value() = %q", s.Value())
	}
	slack := &Slack{Mode: "socket", BotToken: s, AppToken: secret.New("xapp-" + value)}
	cfg := &Config{Slack: slack}
	check := func(how, out string) {
		t.Helper()
		if strings.Contains(out, "SUPER-SECRET") {
			t.Errorf("%s shows the secret: %s", how, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s does not say [redacted]: %s", how, out)
		}
	}
	for _, verb := range []string{"%v", "%s", "%+v", "%#v", "%q", "%x", "%X", "%d", "%t", "%10s", "%-20v", "%.3s"} {
		check("Sprintf("+verb+")", fmt.Sprintf(verb, s))
		check("Sprintf("+verb+") of a struct", fmt.Sprintf(verb, *slack))
		check("Sprintf("+verb+") of a pointer", fmt.Sprintf(verb, slack))
	}
	check("Sprint", fmt.Sprint(s, slack))
	check("Sprintln", fmt.Sprintln(s))
	check("Errorf", fmt.Errorf("token %v", s).Error())
	check("String", s.String())

	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		log.Info("secret", "token", s, "slack", slack, "cfg", cfg, slog.Any("any", s), slog.Group("g", "token", s))
		log.With("token", s).Info("with")
		check("slog "+h.name, buf.String())
	}

	for _, v := range []any{s, slack, cfg, map[string]secret.Secret{"t": s}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		check("json.Marshal", string(b))
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		check("yaml.Marshal", string(y))
	}

	// An unset secret says so.
	if got := fmt.Sprint(secret.Secret{}); got != "[unset]" {
		t.Errorf("unset secret prints %q", got)
	}

	// In an unexported field fmt cannot call the Secret's methods: it
	// prints the fields, and finds an address, not the value (an adapter
	// keeps its options, tokens included, in unexported fields).
	type holder struct {
		token secret.Secret
		opts  struct{ key secret.Secret }
	}
	h := holder{token: s}
	h.opts.key = s
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		if out := fmt.Sprintf(verb, h); strings.Contains(out, "SUPER-SECRET") || strings.Contains(strings.ToLower(out), fmt.Sprintf("%x", "SUPER-SECRET")) {
			t.Errorf("Sprintf(%s) of unexported fields shows the secret: %s", verb, out)
		}
	}
}

// The example configuration parses strictly, with every section present,
// when its environment variables are set; its secrets are all references.
func TestExample(t *testing.T) {
	refs := regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`).FindAllStringSubmatch(Example, -1)
	if len(refs) == 0 {
		t.Fatal("the example references no environment variable")
	}
	env := map[string]string{}
	for _, m := range refs {
		// Plausible values, so that checks on token prefixes pass.
		switch {
		case strings.Contains(m[1], "APP_TOKEN"):
			env[m[1]] = "xapp-1-test"
		case strings.Contains(m[1], "SLACK_BOT"):
			env[m[1]] = "xoxb-test"
		default:
			env[m[1]] = "test-" + strings.ToLower(m[1])
		}
	}
	c, err := Parse([]byte(Example), "paperbot.example.yaml", cfgEnv(env))
	if err != nil {
		t.Fatal(err)
	}

	// Every section of Config (every key that holds a mapping) is written
	// out in the example.
	file, err := parser.ParseBytes([]byte(Example), parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	top := map[string]bool{}
	if m, ok := file.Docs[0].Body.(*ast.MappingNode); ok {
		for _, kv := range m.Values {
			top[kv.Key.GetToken().Value] = true
		}
	}
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if key == "-" || key == "" || ft.Kind() != reflect.Struct {
			continue
		}
		if !top[key] {
			t.Errorf("the example has no %s: section", key)
		}
	}
	if c.Slack == nil || c.Disc == nil || !slices.Equal(c.Platforms(), []string{"slack", "discord"}) {
		t.Errorf("example platforms %v", c.Platforms())
	}

	// Its secrets are references, never inline values.
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[secret.Secret]() {
				ref := v.Interface().(secret.Secret).Reference()
				if ref != "" && !strings.HasPrefix(ref, "${") && !strings.HasPrefix(ref, "env:") &&
					!strings.HasPrefix(ref, "file:") && !strings.HasPrefix(ref, "/") {
					t.Errorf("%s is an inline secret in the example", path)
				}
				return
			}
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		}
	}
	walk("Config", reflect.ValueOf(c))

	// Without its environment, the example fails on a secret it needs,
	// naming the key and the variable.
	_, err = Parse([]byte(Example), "paperbot.example.yaml", cfgEnv(nil))
	if err == nil || !strings.Contains(err.Error(), "environment variable") || !strings.Contains(err.Error(), "_token") && !strings.Contains(err.Error(), ".token") {
		t.Errorf("example without its environment: %v", err)
	}
}

// A secret written in the file works, with a warning that names the key
// and its line (never the value); references give none.
func TestInlineSecretWarns(t *testing.T) {
	c, err := Parse([]byte("slack:\n  bot_token: xoxb-inline-value\n  app_token: ${SLACK_APP_TOKEN}\n"), "pb.yaml",
		cfgEnv(map[string]string{"SLACK_APP_TOKEN": "xapp-1-secret-value"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], "pb.yaml:2:14: slack.bot_token is written in the file") ||
		strings.Contains(c.Warnings[0], "inline-value") {
		t.Errorf("warnings %q", c.Warnings)
	}
}

// Every duration in the configuration is range checked: a negative one (a
// negative read_timeout would turn off the guard against slow clients) or
// an absurd one is refused with the file, line, column and key. A new
// duration field without a range tag fails this test.
func TestEveryDurationRangeChecked(t *testing.T) {
	var paths []string
	for key, f := range configFields(func(f reflect.StructField) bool { return f.Type == reflect.TypeFor[time.Duration]() }) {
		if _, _, err := durationRange(f); err != nil {
			t.Errorf("%s: %v", key, err)
		}
		paths = append(paths, key)
	}
	if len(paths) < 18 {
		t.Fatalf("found %d durations: %v", len(paths), paths)
	}
	env := cfgEnv(map[string]string{"T": "secret-token"})
	for _, p := range paths {
		for _, v := range []string{"-1s", "100000h", "0s"} {
			// sources.arxiv.delay: -1s as nested flow mappings on one line.
			parts := strings.Split(p, ".")
			y := parts[len(parts)-1] + ": " + v
			for i := len(parts) - 2; i >= 0; i-- {
				y = parts[i] + ": {" + y + "}"
			}
			_, err := Parse([]byte(y+"\n"), "t.yaml", env)
			want := regexp.MustCompile(`^t\.yaml:1:\d+: ` + regexp.QuoteMeta(p+": "+v+" is not between ") + `\S+ and \S+( \(leave the key out for its default\))?$`)
			if err == nil || !want.MatchString(err.Error()) {
				t.Errorf("%s: error %v, want %s", y, err, want)
			}
		}
	}
	// Values in range and left out (the defaults) are taken.
	if _, err := Parse([]byte("http: {read_timeout: 1s, write_timeout: 10m}\ndigest: {grace: 24h}\n"), "t.yaml", env); err != nil {
		t.Error(err)
	}
}

// A duration written as zero, in any unit or quoted, is out of range like
// any other value, with the file, line, column and range: it used to
// become the default silently (every: 0s ran every 3h). A key left out,
// or left empty, still gets its default.
func TestZeroDurationRefused(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ yaml, want string }{
		{"sources:\n  huggingface:\n    every: 0s\n", ":3:12: sources.huggingface.every: 0s is not between 10m and 720h (leave the key out for its default)"},
		{"sources:\n  rescore:\n    every: 0m\n", ":3:12: sources.rescore.every: 0s is not between 1m and 720h"},
		{"digest:\n  grace: \"0h\"\n", ":2:10: digest.grace: 0s is not between 1m and 24h"},
		{"replicas: {lease_ttl: 0s}\n", ":1:23: replicas.lease_ttl: 0s is not between 1s and 5m"},
		// Zero written as a number, quoted or not, is zero too.
		{"sources:\n  huggingface:\n    every: 0\n", ":3:12: sources.huggingface.every: 0s is not between 10m and 720h"},
		{"bot:\n  page_size: \"0\"\n", ":2:14: bot.page_size: 0 is not between 1 and 10 (leave the key out for its default)"},
		{"bot:\n  page_size: 0.0\n", ":2:14: bot.page_size: 0 is not between 1 and 10"},
		{"digest:\n  default_top: 0\n", ":2:16: digest.default_top: 0 is not between 1 and 10"},
	} {
		path := filepath.Join(dir, "pb.yaml")
		if err := os.WriteFile(path, []byte(c.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, cfgEnv(nil))
		if err == nil || !strings.HasPrefix(err.Error(), path+c.want) {
			t.Errorf("%q: error %v, want %q", c.yaml, err, path+c.want)
		}
	}
	for _, y := range []string{"sources:\n  huggingface: {}\n", "sources:\n  huggingface:\n    every:\n"} {
		path := filepath.Join(dir, "ok.yaml")
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, cfgEnv(nil))
		if err != nil {
			t.Errorf("%q: %v", y, err)
		} else if c.Src.HuggingFace.Every != 3*time.Hour {
			t.Errorf("%q: every %v; want the default 3h", y, c.Src.HuggingFace.Every)
		}
	}
}

// The example leaves data_dir out, so that a copy of it used in the Docker
// image keeps the state on the /data volume (the image sets
// PAPERBOT_DATA_DIR=/data); a data_dir in the file still wins over the
// variable, with a warning that says where the data goes, and the
// configuration says where its data directory came from.
func TestDataDirFromTheImage(t *testing.T) {
	docker := map[string]string{"PAPERBOT_DATA_DIR": "/data", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DISCORD_BOT_TOKEN": "d"}
	c, err := Parse([]byte(Example), "/etc/paperbot/paperbot.yaml", cfgEnv(docker))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/data" || c.State != "/data/state.db" || c.Index != "/data/index" || c.DataDirFrom != "$PAPERBOT_DATA_DIR" {
		t.Errorf("the example in the image: data in %q (from %s), state %q, index %q; want /data", c.DataDir, c.DataDirFrom, c.State, c.Index)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "data_dir") {
			t.Errorf("warning about data_dir for the example: %s", w)
		}
	}

	c, err = Parse([]byte("data_dir: ./data\n"), "/etc/paperbot/paperbot.yaml", cfgEnv(docker))
	if err != nil {
		t.Fatal(err)
	}
	want := "/etc/paperbot/paperbot.yaml:1:11: data_dir: ./data overrides $PAPERBOT_DATA_DIR (/data): the index and the state (subscriptions, the digest ledger) go to ./data, not /data; leave data_dir out to use /data"
	if c.DataDir != "./data" || c.DataDirFrom != "the configuration file" || !slices.Contains(c.Warnings, want) {
		t.Errorf("data_dir over the variable: %q from %s, warnings %q", c.DataDir, c.DataDirFrom, c.Warnings)
	}
	if c, _ := Parse(nil, "x", cfgEnv(nil)); c.DataDir != "data" || c.DataDirFrom != "the default" {
		t.Errorf("default: %q from %s", c.DataDir, c.DataDirFrom)
	}
}

// "$NAME" without braces is a variable for state: too, as for the secrets.
func TestStateBareVariable(t *testing.T) {
	c, err := Parse([]byte("state: $PAPERBOT_STATE_URL\n"), "t.yaml", cfgEnv(map[string]string{"PAPERBOT_STATE_URL": "postgres://db/pb"}))
	if err != nil || !c.StateIsPostgres() || c.StateURL.Value() != "postgres://db/pb" || c.State != "" {
		t.Errorf("state %q, url set %v, %v", c.State, c.StateIsPostgres(), err)
	}
}

// search.fast_path: on unless the file says false; anything but a boolean
// is an error naming the key.
func TestSearchFastPath(t *testing.T) {
	for _, tt := range []struct {
		yaml string
		on   bool
	}{{"", true}, {"search: {}\n", true}, {"search:\n  fast_path: true\n", true}, {"search:\n  fast_path: false\n", false}} {
		c, err := Parse([]byte(tt.yaml), "test.yaml", cfgEnv(nil))
		if err != nil {
			t.Fatalf("%q: %v", tt.yaml, err)
		}
		if c.Search.FastPathOn() != tt.on {
			t.Errorf("%q: fast path on = %v, want %v", tt.yaml, c.Search.FastPathOn(), tt.on)
		}
	}
	_, err := Parse([]byte("search:\n  fast_path: sometimes\n"), "test.yaml", cfgEnv(nil))
	if err == nil || !strings.Contains(err.Error(), "test.yaml:2:") || !strings.Contains(err.Error(), "fast_path") {
		t.Errorf("fast_path: sometimes: %v, want an error naming the key and its line", err)
	}
}

// search.memory_mib: the index's default (768) when left out, no budget at
// 0, MiB otherwise; search.mapped_memory_mib: none (0) when left out; a
// negative number is an error naming the key.
func TestSearchMemoryBudgets(t *testing.T) {
	if got := (SearchConfig{}).ResidentBudget(); got != 0 {
		t.Errorf("a SearchConfig not loaded: budget %d, want 0 (the index's default)", got)
	}
	for yaml, want := range map[string][2]int64{
		"":                                    {768 << 20, -1},
		"search:\n  memory_mib: 0\n":          {-1, -1},
		"search:\n  memory_mib: 900\n":        {900 << 20, -1},
		"search:\n  mapped_memory_mib: 512\n": {768 << 20, 512 << 20},
	} {
		c, err := Parse([]byte(yaml), "test.yaml", cfgEnv(nil))
		if err != nil {
			t.Fatalf("%q: %v", yaml, err)
		}
		if got := [2]int64{c.Search.ResidentBudget(), c.Search.MappedBudget()}; got != want {
			t.Errorf("%q: budgets (resident, mapped) %d, want %d", yaml, got, want)
		}
	}
	for _, key := range []string{"memory_mib", "mapped_memory_mib"} {
		_, err := Parse([]byte("bot:\n  page_size: 5\nsearch:\n  "+key+": -5\n"), "test.yaml", cfgEnv(nil))
		if err == nil || !strings.Contains(err.Error(), "test.yaml:4:") || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: -5: %v, want an error naming the key and its line", key, err)
		}
	}
}

// Every count whose 0 means the default carries its range in a tag: 0
// written in the file is refused at its line like a value out of range
// (it used to become the default silently), the range's ends are taken,
// one past them is refused.
func TestEveryCountRangeChecked(t *testing.T) {
	type count struct {
		path   string
		lo, hi int64
	}
	var counts []count
	for key, f := range configFields(func(f reflect.StructField) bool { return f.Type.Kind() == reflect.Int && f.Tag.Get("range") != "" }) {
		lo, hi, err := intRange(f)
		if err != nil {
			t.Errorf("%s: %v", key, err)
		}
		counts = append(counts, count{key, lo, hi})
	}
	want := map[string]bool{"bot.page_size": true, "digest.default_top": true, "sources.huggingface.days": true, "sources.rescore.days": true}
	env := cfgEnv(map[string]string{"T": "secret-token"})
	for _, c := range counts {
		delete(want, c.path)
		if c.path == "digest.default_top" && c.hi != MaxTop {
			t.Errorf("digest.default_top: range up to %d, MaxTop is %d", c.hi, MaxTop)
		}
		doc := func(v int64) []byte {
			parts := strings.Split(c.path, ".")
			y := fmt.Sprintf("%s: %d", parts[len(parts)-1], v)
			for i := len(parts) - 2; i >= 0; i-- {
				y = parts[i] + ": {" + y + "}"
			}
			return []byte(y + "\n")
		}
		for _, v := range []int64{c.lo, c.hi} {
			if _, err := Parse(doc(v), "t.yaml", env); err != nil {
				t.Errorf("%s: %d refused: %v", c.path, v, err)
			}
		}
		for _, v := range []int64{0, c.lo - 1, c.hi + 1, -1} {
			_, err := Parse(doc(v), "t.yaml", env)
			want := regexp.MustCompile(`^t\.yaml:1:\d+: ` + regexp.QuoteMeta(fmt.Sprintf("%s: %d is not between %d and %d", c.path, v, c.lo, c.hi)))
			if err == nil || !want.MatchString(err.Error()) {
				t.Errorf("%s: %d: error %v, want %s", c.path, v, err, want)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("counts without a range tag: %v", want)
	}
}

// configFields yields the key path and field of each field of Config,
// and of the sections under it, that want takes (it does not look inside
// those).
func configFields(want func(reflect.StructField) bool) iter.Seq2[string, reflect.StructField] {
	return func(yield func(string, reflect.StructField) bool) {
		var walk func(tp reflect.Type, path string) bool
		walk = func(tp reflect.Type, path string) bool {
			for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice {
				tp = tp.Elem()
			}
			if tp.Kind() != reflect.Struct {
				return true
			}
			for i := range tp.NumField() {
				f := tp.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if name == "" || name == "-" {
					continue
				}
				key := strings.TrimPrefix(path+"."+name, ".")
				if want(f) {
					if !yield(key, f) {
						return false
					}
					continue
				}
				if !walk(f.Type, key) {
					return false
				}
			}
			return true
		}
		walk(reflect.TypeFor[Config](), "")
	}
}
