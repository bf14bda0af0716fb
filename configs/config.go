// Package configs holds paperbot's configuration: the YAML schema and its
// strict loader, secrets that come from the environment or files, the
// example configuration and the embedded sample corpus.
package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/paperbot/paperbot/configs/secret"
)

// Config is the whole configuration file. Every section is optional; an
// empty file (or none) runs the console on the sample corpus.
type Config struct {
	// DataDir holds the index and the bot's state (default "./data", or
	// $PAPERBOT_DATA_DIR).
	DataDir string `yaml:"data_dir"`
	// Index is the index directory (default <data_dir>/index).
	Index string `yaml:"index"`
	// State is the bbolt state file (default <data_dir>/state.db); ""
	// when the state is in PostgreSQL (StateURL; see state.go).
	State string      `yaml:"state"`
	Log   LogConfig   `yaml:"log"`
	HTTP  HTTPConfig  `yaml:"http"`
	Metr  Metrics     `yaml:"metrics"`
	Bot   BotConfig   `yaml:"bot"`
	Slack *Slack      `yaml:"slack"`
	Disc  *Discord    `yaml:"discord"`
	Dig   Digest      `yaml:"digest"`
	Src   SourcesConf `yaml:"sources"`
	// Search tunes how queries are answered.
	Search SearchConfig `yaml:"search"`
	// Replicas tunes serve's replicated set-up (state in PostgreSQL).
	Replicas Replicas `yaml:"replicas"`

	// StateURL is the state's PostgreSQL URL when `state:` is one.
	StateURL secret.Secret `yaml:"-"`
	// Path is the file the configuration was read from ("" for defaults).
	Path string `yaml:"-"`
	// DataDirFrom says where DataDir came from: "the configuration file",
	// "$PAPERBOT_DATA_DIR" or "the default".
	DataDirFrom string `yaml:"-"`
	// Warnings are what works but should change (a secret written in the
	// file); serve and the chat log them at start-up.
	Warnings []string `yaml:"-"`
	// warnAt are warnings about a key, placed in the file by Parse.
	warnAt []warning
	// offline is set by LoadOffline: the platform sections are decoded
	// but neither checked nor their secrets resolved.
	offline bool
}

// keyErrors are several mistakes found together, each about its own key
// ("sources.arxiv.categories[2]: ..."): Parse places each at its line,
// one per line.
type keyErrors []error

func (e keyErrors) Error() string { return errors.Join(e...).Error() }

// warning is a warning about a key of the file.
type warning struct{ key, msg string }

// LogConfig configures structured logging.
type LogConfig struct {
	// Level is debug, info, warn or error (default info).
	Level string `yaml:"level"`
	// Format is text or json (default text).
	Format string `yaml:"format"`
}

// HTTPConfig configures the HTTP server of `paperbot serve` (health checks,
// metrics, Slack and Discord endpoints).
type HTTPConfig struct {
	// Addr is the listen address (default ":8080"; "" disables the server
	// only when no platform needs it: set "off" to disable explicitly).
	Addr string `yaml:"addr"`
	// ReadTimeout, WriteTimeout and IdleTimeout bound connections.
	ReadTimeout  time.Duration `yaml:"read_timeout" range:"1s,10m"`
	WriteTimeout time.Duration `yaml:"write_timeout" range:"1s,10m"`
	IdleTimeout  time.Duration `yaml:"idle_timeout" range:"1s,1h"`
	// ShutdownTimeout is how long in-flight replies get on SIGTERM (default 25s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" range:"1s,10m"`
}

// Metrics configures where Prometheus reads /metrics.
type Metrics struct {
	// Addr, when set, serves /metrics on a listener of its own (such as
	// 127.0.0.1:9090, reachable only from the host or a private network)
	// and no longer on http.addr, which faces the platforms.
	Addr string `yaml:"addr"`
}

// BotConfig tunes the command handlers.
type BotConfig struct {
	// Command is the slash command's name without "/" (default "papers").
	Command string `yaml:"command"`
	// PageSize is how many results a search shows (default 5, at most 10).
	PageSize int `yaml:"page_size" range:"1,10"`
	// Timeout bounds one command's work (default 20s).
	Timeout time.Duration `yaml:"timeout" range:"1s,10m"`
}

// SearchPath lists where Load looks for a configuration when none is named,
// in order.
func SearchPath(env func(string) string) []string {
	var paths []string
	if p := env("PAPERBOT_CONFIG"); p != "" {
		paths = append(paths, p)
	}
	paths = append(paths, "paperbot.yaml")
	if d := env("XDG_CONFIG_HOME"); d != "" {
		paths = append(paths, filepath.Join(d, "paperbot", "paperbot.yaml"))
	} else if h := env("HOME"); h != "" {
		paths = append(paths, filepath.Join(h, ".config", "paperbot", "paperbot.yaml"))
	}
	return append(paths, "/etc/paperbot/paperbot.yaml")
}

// Env reads the environment the way os.LookupEnv does: it tells an empty
// variable from one that is not set.
type Env func(name string) (value string, ok bool)

func (e Env) get(name string) string {
	v, _ := e(name)
	return v
}

// Getenv adapts a getenv-style function (os.Getenv, a map in tests), which
// cannot tell an empty variable from a missing one: both read as not set.
func Getenv(getenv func(string) string) Env {
	return func(name string) (string, bool) {
		v := getenv(name)
		return v, v != ""
	}
}

// Load reads the configuration at path, or the first file of SearchPath
// when path is "" (defaults when there is none). Decoding is strict: an
// unknown or mistyped key is an error naming the key, line and column.
// Secrets are resolved from the environment and files.
func Load(path string, getenv func(string) string) (*Config, error) {
	return LoadEnv(path, Getenv(getenv))
}

// LoadEnv is Load reading the environment with lookup (os.LookupEnv), so
// that an empty variable is reported as empty rather than as not set.
func LoadEnv(path string, lookup Env) (*Config, error) {
	return load(path, lookup, false)
}

// LoadOffline is LoadEnv for the commands that only read the data (backup,
// check): the slack and discord sections are decoded but not checked,
// and their secrets are not resolved, so these commands run where the
// platform tokens are not set (cron, a shell on the host).
func LoadOffline(path string, lookup Env) (*Config, error) {
	return load(path, lookup, true)
}

func load(path string, lookup Env, offline bool) (*Config, error) {
	env := lookup.get
	if path == "" {
		// A file named by PAPERBOT_CONFIG must exist, like one named by
		// --config: a typo in it must not silently run the defaults.
		path = env("PAPERBOT_CONFIG")
	}
	if path == "" {
		for _, p := range SearchPath(env) {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		c := &Config{offline: offline}
		return c, c.finish(lookup)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config file %s does not exist", path)
		}
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := parse(data, path, lookup, offline)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Parse decodes a configuration strictly and resolves its secrets; name is
// used in error messages. A decoding error reads "name:line:column: key:
// message"; it never quotes the file's lines, which may hold a secret.
func Parse(data []byte, name string, getenv func(string) string) (*Config, error) {
	return ParseEnv(data, name, Getenv(getenv))
}

// ParseEnv is Parse reading the environment with lookup (os.LookupEnv).
func ParseEnv(data []byte, name string, env Env) (*Config, error) {
	return parse(data, name, env, false)
}

func parse(data []byte, name string, env Env, offline bool) (*Config, error) {
	c := &Config{offline: offline}
	// A byte order mark (Windows editors write one) is not part of the
	// first key: `unknown field "\ufefflog"` showed it invisibly.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var file *ast.File
	if len(strings.TrimSpace(string(data))) > 0 {
		var err error
		file, err = parser.ParseBytes(data, 0)
		if err != nil {
			return nil, yamlError(name, nil, err)
		}
		if err := checkOneDocument(file); err != nil {
			return nil, fmt.Errorf("%s:%w", name, err)
		}
		for _, doc := range file.Docs {
			if err := checkValues(doc.Body, reflect.TypeFor[Config]()); err != nil {
				return nil, fmt.Errorf("%s:%w", name, err)
			}
			if err := checkState(doc.Body); err != nil {
				return nil, fmt.Errorf("%s:%w", name, err)
			}
			if !offline {
				if err := checkEmptySections(doc.Body); err != nil {
					return nil, fmt.Errorf("%s:%w", name, err)
				}
			}
		}
		if err := yaml.UnmarshalWithOptions(data, c, yaml.DisallowUnknownField()); err != nil {
			return nil, yamlError(name, file, err)
		}
	}
	c.Path = name
	if err := c.finish(env); err != nil {
		var errs keyErrors
		if errors.As(err, &errs) {
			placed := make([]error, len(errs))
			for i, e := range errs {
				placed[i] = fmt.Errorf("%s%s: %w", name, positionOf(file, e), e)
			}
			return nil, errors.Join(placed...)
		}
		return nil, fmt.Errorf("%s%s: %w", name, positionOf(file, err), err)
	}
	for i := range c.Dig.Subscriptions {
		key := fmt.Sprintf("digest.subscriptions[%d]", i)
		c.Dig.Subscriptions[i].At = fmt.Sprintf("%s%s: %s", name, positionOf(file, errors.New(key+": ")), key)
	}
	secrets := map[string]secret.Secret{}
	if c.Slack != nil {
		secrets["slack.bot_token"], secrets["slack.app_token"], secrets["slack.signing_secret"] = c.Slack.BotToken, c.Slack.AppToken, c.Slack.SigningSecret
		if o := c.Slack.OAuth; o != nil {
			secrets["slack.oauth.client_secret"], secrets["slack.oauth.encryption_key"] = o.ClientSecret, o.EncryptionKey
		}
	}
	if c.Disc != nil {
		secrets["discord.token"] = c.Disc.Token
	}
	for key, s := range secrets {
		if s.Inline() {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s%s: %s is written in the file; anyone who can read the file has it: use ${ENV_VAR} or file:/path", name, positionOf(file, errors.New(key+": ")), key))
		}
	}
	for _, w := range c.warnAt {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s%s: %s", name, positionOf(file, errors.New(w.key+": ")), w.msg))
	}
	if w := c.stateWarning(); w != "" {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s%s: %s", name, positionOf(file, errors.New("state: ")), w))
	}
	slices.Sort(c.Warnings)
	return c, nil
}

// positionOf finds where the key a validation error starts with
// ("bot.page_size: 50 is not ...") is in the file: ":line:column", or ""
// when the error names no key or the key is not in the file (a default).
func positionOf(file *ast.File, err error) string {
	if file == nil {
		return ""
	}
	pos, ok := keyPos(file, errorKey(err.Error()))
	if !ok {
		return ""
	}
	return fmt.Sprintf(":%d:%d", pos.Line, pos.Column)
}

// finish applies defaults, resolves secrets and validates.
func (c *Config) finish(env Env) error {
	if err := checkDurations(reflect.ValueOf(c), ""); err != nil {
		return err
	}
	if err := c.checkPaths(); err != nil {
		return err
	}
	fromEnv := env.get("PAPERBOT_DATA_DIR")
	switch {
	case c.DataDir != "":
		c.DataDirFrom = "the configuration file"
		if fromEnv != "" && filepath.Clean(fromEnv) != filepath.Clean(c.DataDir) {
			// A copied example in a container: the state would land
			// outside the volume the image keeps it on.
			c.warnAt = append(c.warnAt, warning{key: "data_dir", msg: fmt.Sprintf(
				"data_dir: %s overrides $PAPERBOT_DATA_DIR (%s): the index and the state (subscriptions, the digest ledger) go to %[1]s, not %[2]s; leave data_dir out to use %[2]s",
				c.DataDir, fromEnv)})
		}
	case fromEnv != "":
		c.DataDir, c.DataDirFrom = fromEnv, "$PAPERBOT_DATA_DIR"
	default:
		c.DataDir, c.DataDirFrom = "data", "the default"
	}
	if c.Index == "" {
		c.Index = filepath.Join(c.DataDir, "index")
	}
	if err := c.setState(c.State, env); err != nil {
		return err
	}
	if c.State == "" && !c.StateIsPostgres() {
		c.State = filepath.Join(c.DataDir, "state.db")
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fmt.Errorf("log.format: %q is not text or json", c.Log.Format)
	}
	h := &c.HTTP
	if h.Addr == "" {
		h.Addr = ":8080"
	}
	if h.ReadTimeout == 0 {
		h.ReadTimeout = 10 * time.Second
	}
	if h.WriteTimeout == 0 {
		h.WriteTimeout = 15 * time.Second
	}
	if h.IdleTimeout == 0 {
		h.IdleTimeout = 60 * time.Second
	}
	if h.ShutdownTimeout == 0 {
		h.ShutdownTimeout = 25 * time.Second
	}
	if h.Addr != "off" {
		if err := checkListenAddr(h.Addr); err != nil {
			return fmt.Errorf("http.addr: %w, or \"off\"", err)
		}
	}
	if a := c.Metr.Addr; a != "" {
		if err := checkListenAddr(a); err != nil {
			return fmt.Errorf("metrics.addr: %w", err)
		}
		if a == h.Addr && !strings.HasSuffix(a, ":0") {
			return fmt.Errorf("metrics.addr: %q is http.addr; give the metrics a listener of their own (like 127.0.0.1:9090) or leave metrics.addr out", a)
		}
	}
	if c.Bot.Command == "" {
		c.Bot.Command = "papers"
	}
	c.Bot.Command = strings.TrimPrefix(c.Bot.Command, "/")
	if err := checkCommandName(c.Bot.Command); err != nil {
		return err
	}
	// The bot has the same defaults (bot.Config); written here, they are
	// what `config check` prints.
	if c.Bot.PageSize == 0 {
		c.Bot.PageSize = 5
	}
	if c.Bot.Timeout == 0 {
		c.Bot.Timeout = 20 * time.Second
	}
	if err := c.Search.finish(); err != nil {
		return err
	}
	c.Replicas.finish()
	for _, s := range c.sections() {
		if err := s.finish(env); err != nil {
			return err
		}
	}
	if !c.offline {
		c.warnAt = append(c.warnAt, c.Src.fileWarnings()...)
	}
	return c.crossCheck()
}

// checkListenAddr checks a listen address: host:port or :port.
func checkListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || strings.ContainsAny(host, "/ ") {
		return fmt.Errorf("%q is not a listen address (like :8080 or 127.0.0.1:9090)", addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

// section is a part of the configuration that checks itself.
type section interface {
	finish(env Env) error
}

func (c *Config) sections() []section {
	var ss []section
	if c.Slack != nil && !c.offline {
		ss = append(ss, c.Slack)
	}
	if c.Disc != nil && !c.offline {
		ss = append(ss, c.Disc)
	}
	return append(ss, &c.Dig, &c.Src)
}

// Platforms lists the configured chat platforms.
func (c *Config) Platforms() []string {
	var ps []string
	if c.Slack != nil {
		ps = append(ps, "slack")
	}
	if c.Disc != nil {
		ps = append(ps, "discord")
	}
	return ps
}

// yamlError turns a YAML error into "name:line:column: key: message". The
// decoder's own format quotes the lines around the mistake, which may hold
// an inline secret, so only the position and the key are kept.
func yamlError(name string, file *ast.File, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	tk := ye.GetToken()
	msg := ye.GetMessage()
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msg = fmt.Sprintf("want %s, got %s", describeType(te.DstType), describeType(te.SrcType))
	}
	var se *yaml.SyntaxError
	if errors.As(err, &se) {
		msg = syntaxHint(msg)
	}
	key := ""
	if p := pathAt(file, tk.Position); p != "" {
		key = p + ": "
		var ue *yaml.UnknownFieldError
		if errors.As(err, &ue) {
			msg = suggestKey(p, msg)
		}
	}
	return fmt.Errorf("%s:%d:%d: %s%s", name, tk.Position.Line, tk.Position.Column, key, msg)
}

// pathAt returns the key path ("bot.page_size") of the node at pos.
func pathAt(file *ast.File, pos *token.Position) string {
	if file == nil || pos == nil {
		return ""
	}
	var path string
	for _, doc := range file.Docs {
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if path != "" {
				return false
			}
			if p := n.GetToken().Position; p.Line == pos.Line && p.Column == pos.Column {
				if _, ok := n.(*ast.MappingValueNode); !ok {
					path = strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), ".")
				}
			}
			return true
		}), doc)
	}
	return path
}

type visitFunc func(ast.Node) bool

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if n == nil || !f(n) {
		return nil
	}
	return f
}

// describeType names a Go type the way a YAML author thinks of it.
func describeType(t reflect.Type) string {
	if t == nil {
		return "nothing"
	}
	if t == reflect.TypeFor[time.Duration]() {
		return "a duration (like 30s, 5m, 1h30m)"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping (key: value lines)"
	case reflect.Pointer:
		return describeType(t.Elem())
	}
	return t.String()
}

// checkValues walks a document beside the type it decodes into and reports,
// with line and key, the mistakes the decoder reports without a position: a
// duration that does not parse ("soon") and a secret that is not a string.
func checkValues(n ast.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if tag, ok := n.(*ast.TagNode); ok {
		n = tag.Value
	}
	if n == nil {
		return nil
	}
	switch t {
	case reflect.TypeFor[time.Duration]():
		if s, ok := n.(*ast.StringNode); ok {
			if _, err := time.ParseDuration(s.Value); err != nil {
				// The value is not quoted: it may be a secret pasted
				// under the wrong key.
				return nodeError(n, "not a duration (like 30s, 5m, 1h30m)")
			}
		}
		return nil
	case reflect.TypeFor[secret.Secret]():
		switch n.(type) {
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
			return nodeError(n, "want a string: ${ENV_VAR}, env:ENV_VAR, file:/path or a path")
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		var pairs []*ast.MappingValueNode
		switch m := n.(type) {
		case *ast.MappingNode:
			pairs = m.Values
		case *ast.MappingValueNode:
			pairs = []*ast.MappingValueNode{m}
		}
		for _, kv := range pairs {
			if kv.Key == nil {
				continue
			}
			if f, ok := fieldByYAMLName(t, kv.Key.GetToken().Value); ok {
				if err := checkValues(kv.Value, f.Type); err != nil {
					return err
				}
				if err := checkZero(kv.Value, f); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		if seq, ok := n.(*ast.SequenceNode); ok {
			for _, v := range seq.Values {
				if err := checkValues(v, t.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func fieldByYAMLName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == name && tag != "-" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func nodeError(n ast.Node, msg string) error {
	path := strings.TrimPrefix(strings.TrimPrefix(n.GetPath(), "$"), ".")
	pos := n.GetToken().Position
	// A block mapping's token is its first ":"; point at its first key.
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		n = m.Values[0]
	}
	if kv, ok := n.(*ast.MappingValueNode); ok && kv.Key != nil {
		pos = kv.Key.GetToken().Position
	}
	return fmt.Errorf("%d:%d: %s: %s", pos.Line, pos.Column, path, msg)
}
