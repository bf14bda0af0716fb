package configs

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/paperbot/paperbot/internal/didyoumean"
)

// crossCheck refuses what each section accepts alone but the whole cannot
// run: a platform's HTTP mode with the HTTP server off, and a subscription
// for a platform that is not configured. It runs after the sections have
// filled their defaults, so that `paperbot config check` refuses what
// serve would. The data commands (LoadOffline: backup, check) skip it:
// a platform's mistake must not stop a backup.
func (c *Config) crossCheck() error {
	if c.offline {
		return nil
	}
	if c.HTTP.Addr == "off" {
		if c.Slack != nil && c.Slack.Mode == "http" {
			return fmt.Errorf("http.addr: \"off\", but slack.mode is http: Slack sends its commands to the HTTP server (/slack/commands); give http.addr an address (like :8080) or set slack.mode: socket")
		}
		if c.Slack != nil && c.Slack.OAuth != nil {
			return fmt.Errorf("http.addr: \"off\", but slack.oauth is set: the install page and /slack/oauth/callback need the HTTP server; give http.addr an address (like :8080)")
		}
		if c.Disc != nil && c.Disc.Mode == "http" {
			return fmt.Errorf("http.addr: \"off\", but discord.mode is http: Discord sends its interactions to the HTTP server (/discord/interactions); give http.addr an address (like :8080) or set discord.mode: gateway")
		}
	}
	for i, s := range c.Dig.Subscriptions {
		configured := true
		switch s.Platform {
		case "slack":
			configured = c.Slack != nil
		case "discord":
			configured = c.Disc != nil
		}
		if !configured {
			return fmt.Errorf("digest.subscriptions[%d]: platform %s (channel %s), but the file has no %s: section, so nothing would post it; configure %s (docs/%s.md) or remove the subscription",
				i, s.Platform, s.Channel, s.Platform, s.Platform, s.Platform)
		}
		if s.Platform == "slack" && s.Team == "" && c.Slack != nil && c.Slack.OAuth != nil {
			// Each workspace that installed the app has its own token, and
			// a channel id does not say whose it is: nothing would post it.
			return fmt.Errorf("digest.subscriptions[%d]: team: missing for Slack channel %s; with slack.oauth the app is in several workspaces, so give the workspace's team id (T…: the \"slack workspace installed\" log line has it) or subscribe from the channel with /papers subscribe",
				i, s.Channel)
		}
	}
	return nil
}

// keyPath matches the key path a validation error starts with when its
// message follows without a colon ("slack.bot_token is required ...").
var keyPath = regexp.MustCompile(`^[a-z_]+(?:\[[0-9]+\])?(?:\.[a-z_]+(?:\[[0-9]+\])?)*`)

// errorKey is the key path a validation error names first: "bot.page_size"
// in "bot.page_size: 50 is not ...", "slack.bot_token" in
// "slack.bot_token is required ...", or "".
func errorKey(msg string) string {
	key, _, ok := strings.Cut(msg, ": ")
	if ok && key != "" && !strings.ContainsAny(key, " \"'") {
		return key
	}
	if k := keyPath.FindString(msg); k != "" && strings.HasPrefix(msg[len(k):], " ") {
		return k
	}
	return ""
}

// keyPos is where key is written in file, or, when it is not (a value
// left out or a default), where the nearest section above it is: the
// subscription of "digest.subscriptions[2].channel: missing".
func keyPos(file *ast.File, key string) (*token.Position, bool) {
	for key != "" {
		if p, err := yaml.PathString("$." + key); err == nil {
			if n, err := p.FilterFile(file); err == nil && n != nil && n.GetToken() != nil {
				return nodePos(n), true
			}
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return nil, false
}

// nodePos is where a node starts in the file: a block mapping's first key
// (its own token is the first ":").
func nodePos(n ast.Node) *token.Position {
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		n = m.Values[0]
	}
	if kv, ok := n.(*ast.MappingValueNode); ok && kv.Key != nil {
		return kv.Key.GetToken().Position
	}
	return n.GetToken().Position
}

// suggestKey adds `; did you mean "slack"?` to an unknown key's message
// when a key of the same section is near it (internal/didyoumean's rule).
func suggestKey(path, msg string) string {
	parent, typed := "", path
	if i := strings.LastIndex(path, "."); i >= 0 {
		parent, typed = path[:i], path[i+1:]
	}
	t := typeAt(reflect.TypeFor[Config](), parent)
	if t == nil {
		return msg
	}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	if p := didyoumean.Phrase(didyoumean.Near(typed, names, false)); p != "" {
		return msg + "; " + p
	}
	if in := sectionsWith(t, typed); len(in) > 0 {
		// A key written at its section's level ("http:" then "addr:"
		// under it, not indented): http: is then empty, the defaults.
		for i, sec := range in {
			in[i] = strings.TrimPrefix(parent+"."+sec+"."+typed, ".")
		}
		return msg + "; is it " + strings.Join(in, " or ") + ", indented under its section?"
	}
	return msg
}

// sectionsWith lists the sections of struct t (its fields that are
// structs) that have a key named key.
func sectionsWith(t reflect.Type, key string) []string {
	var in []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if name == "" || name == "-" || ft.Kind() != reflect.Struct {
			continue
		}
		if _, ok := fieldByYAMLName(ft, key); ok {
			in = append(in, name)
		}
	}
	return in
}

// typeAt is the struct type that the key path ("sources.arxiv",
// "digest.subscriptions[0]") decodes into, or nil.
func typeAt(t reflect.Type, path string) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if path == "" {
		if t.Kind() != reflect.Struct {
			return nil
		}
		return t
	}
	head, rest, _ := strings.Cut(path, ".")
	head, _, _ = strings.Cut(head, "[")
	if t.Kind() != reflect.Struct {
		return nil
	}
	f, ok := fieldByYAMLName(t, head)
	if !ok {
		return nil
	}
	return typeAt(f.Type, rest)
}

// syntaxHint rewords the YAML parser's messages for the mistakes people
// make in a configuration file (a key without its colon, a line indented
// too far or not enough, a list item where keys are expected), which
// otherwise read as the parser's internals ("non-map value is
// specified").
func syntaxHint(msg string) string {
	const colon = "not a \"key: value\" line: is a colon missing after the key, or is the line indented differently from the keys beside it?"
	switch msg {
	case "non-map value is specified", "unexpected key name":
		return colon
	case "value is not allowed in this context", "value is not allowed in this context. map key-value is pre-defined":
		return "this line does not fit where it is: is it indented differently from the lines above it, or is a colon missing on the line before?"
	case "mapping value is not allowed in this context":
		return "a second \"key:\" on one line, or a line indented further than the key above it: put one key per line, under its section"
	case "block sequence entries are not allowed in this context":
		return "a list item (\"- ...\") where a value or keys are expected: put the list on the lines under its key, indented"
	case "found character '\t' that cannot start any token":
		return "a tab indents this line: YAML indents with spaces only"
	}
	if m := duplicateKey.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s is written twice in one section (first at line %s): remove one of the two", m[1], m[2])
	}
	return msg
}

// duplicateKey is the parser's message for a key written twice.
var duplicateKey = regexp.MustCompile(`^mapping key (".*") already defined at \[(\d+):\d+\]$`)

// checkOneDocument refuses a file of several YAML documents: only the
// first would be read, and what follows "---" silently ignored.
func checkOneDocument(file *ast.File) error {
	for i, doc := range file.Docs {
		if i == 0 || doc.Body == nil {
			continue
		}
		pos := nodePos(doc.Body)
		return fmt.Errorf("%d:%d: a second YAML document (after \"---\"): paperbot reads one; put its keys into the first, or remove the \"---\" line", pos.Line, pos.Column)
	}
	return nil
}
