package configs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// platformSections configures Slack and Discord with secrets platformEnv
// has, for tests whose subscriptions need the platforms configured.
const platformSections = `
slack:
  bot_token: ${SLACK_BOT_TOKEN}
  app_token: ${SLACK_APP_TOKEN}
discord:
  token: ${DISCORD_BOT_TOKEN}
`

var platformEnv = cfgEnv(map[string]string{
	"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DISCORD_BOT_TOKEN": "d-1",
})

// An unknown key is placed in the file and, when a key of its section is
// near it, the error says which was meant (the CLI's and the chat's rule).
func TestUnknownKeySuggests(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"log:\n  level: info\nslak:\n  mode: socket\n", `t.yaml:3:1: slak: unknown field "slak"; did you mean "slack"?`},
		{"log:\n  levle: info\n", `t.yaml:2:3: log.levle: unknown field "levle"; did you mean "level"?`},
		{"sources:\n  arxiv:\n    categorys: [cs.LG]\n", `t.yaml:3:5: sources.arxiv.categorys: unknown field "categorys"; did you mean "categories"?`},
		{"digest:\n  subscriptions:\n    - platform: slack\n      chanel: C1\n", `t.yaml:4:7: digest.subscriptions[0].chanel: unknown field "chanel"; did you mean "channel"?`},
		{"slack:\n  oauth:\n    client_di: x\n", `t.yaml:3:5: slack.oauth.client_di: unknown field "client_di"; did you mean "client_id"?`},
	} {
		_, err := Parse([]byte(tc.yaml), "t.yaml", noEnv)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.yaml, err, tc.want)
		}
	}
	// A section's key written at the section's level, not indented under
	// it (the section is then empty: its defaults, silently).
	for _, tc := range []struct{ yaml, want string }{
		{"http:\naddr: \":9999\"\n", `t.yaml:2:1: addr: unknown field "addr"; is it http.addr or metrics.addr, indented under its section?`},
		{"sources:\n  huggingface:\n  every: 1h\n", `t.yaml:3:3: sources.every: unknown field "every"; is it sources.huggingface.every or sources.rescore.every, indented under its section?`},
	} {
		_, err := Parse([]byte(tc.yaml), "t.yaml", noEnv)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.yaml, err, tc.want)
		}
	}
	// Nothing near: no guess.
	_, err := Parse([]byte("zzzz: 1\n"), "t.yaml", noEnv)
	if err == nil || err.Error() != `t.yaml:1:1: zzzz: unknown field "zzzz"` {
		t.Errorf("zzzz: %v", err)
	}
}

// A line whose tokens are swapped or missing (no colon, a list item where
// keys are, a key indented too far) is an error with file:line:column
// that says what to look for, not the parser's words for it.
func TestSyntaxErrorsSayWhereAndWhat(t *testing.T) {
	jargon := regexp.MustCompile(`non-map value|unexpected key name|not allowed in this context|pre-defined|mapping key|\[\d+:\d+\]`)
	for _, tc := range []struct{ yaml, want string }{
		{"log:\n  level: info\nbot\n", `t.yaml:3:1: not a "key: value" line: is a colon missing`},
		{"bot:\n  command papers\n  page_size: 3\n", `t.yaml:2:3: not a "key: value" line`},
		{"bot:\n  command: papers\n  timeout 5s\n", `t.yaml:3:3: not a "key: value" line`},
		{"data_dir /tmp\nlog:\n  level: info\n", `t.yaml:1:1: not a "key: value" line`},
		{"log: - level\n", `t.yaml:1:6: a list item ("- ...") where a value or keys are expected`},
		{"log:\n  level: info\n   format: json\n", `t.yaml:2:10: a second "key:" on one line, or a line indented further`},
		{"sources:\n  files:\n    - a.jsonl\n    b.jsonl\n", `t.yaml:4:5: this line does not fit where it is`},
		{"log:\n  level: info\n- bot\n", `t.yaml:3:1: not a "key: value" line`},
		{"log:\n  - level: info\n", `t.yaml:2:3: log: sequence was used where mapping is expected`},
		{"digest:\n  subscriptions:\n    - platform slack\n      channel: C1\n", `t.yaml:3:7: not a "key: value" line`},
		{"log:\n\tlevel: info\n", `t.yaml:2:1: a tab indents this line: YAML indents with spaces only`},
		{"slack:\n  mode: socket\n  mode: http\n", `t.yaml:3:3: "mode" is written twice in one section (first at line 2): remove one of the two`},
	} {
		_, err := Parse([]byte(tc.yaml), "t.yaml", noEnv)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s...", tc.yaml, err, tc.want)
			continue
		}
		if jargon.MatchString(err.Error()) {
			t.Errorf("%q: the parser's jargon: %v", tc.yaml, err)
		}
	}
}

// A second document after "---" is refused, not silently ignored.
func TestSecondDocumentRefused(t *testing.T) {
	_, err := Parse([]byte("log:\n  level: info\n---\nbot:\n  page_size: 50\n"), "t.yaml", noEnv)
	if err == nil || !strings.HasPrefix(err.Error(), `t.yaml:4:1: a second YAML document (after "---")`) {
		t.Errorf("got %v", err)
	}
	// A lone "---" before the keys, or after them, is one document.
	for _, y := range []string{"---\nlog:\n  level: info\n", "log:\n  level: info\n---\n"} {
		if _, err := Parse([]byte(y), "t.yaml", noEnv); err != nil {
			t.Errorf("%q: %v", y, err)
		}
	}
}

// A platform in its HTTP mode with the HTTP server off is refused by
// validation (config check), naming both keys, where http.addr is.
func TestHTTPOffWithHTTPMode(t *testing.T) {
	env := cfgEnv(map[string]string{"TOKEN": "xoxb-1", "SECRET": "s", "DTOKEN": "d"})
	for _, tc := range []struct{ yaml, want string }{
		{"http:\n  addr: \"off\"\nslack:\n  mode: http\n  bot_token: ${TOKEN}\n  signing_secret: ${SECRET}\n", `t.yaml:2:9: http.addr: "off", but slack.mode is http`},
		{"slack:\n  mode: http\n  bot_token: ${TOKEN}\n  signing_secret: ${SECRET}\nhttp:\n  addr: off\n", `t.yaml:6:9: http.addr: "off", but slack.mode is http`},
		{"http:\n  addr: \"off\"\ndiscord:\n  mode: http\n  token: ${DTOKEN}\n  public_key: " + strings.Repeat("ab", 32) + "\n", `t.yaml:2:9: http.addr: "off", but discord.mode is http`},
	} {
		_, err := Parse([]byte(tc.yaml), "t.yaml", env)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s...", tc.yaml, err, tc.want)
		}
	}
	// Socket Mode and the gateway need no HTTP server.
	y := "http:\n  addr: \"off\"\nslack:\n  bot_token: ${TOKEN}\n  app_token: ${TOKEN}\ndiscord:\n  token: ${DTOKEN}\n"
	if _, err := Parse([]byte(strings.Replace(y, "app_token: ${TOKEN}", "app_token: ${APP}", 1)), "t.yaml",
		cfgEnv(map[string]string{"TOKEN": "xoxb-1", "APP": "xapp-1", "DTOKEN": "d"})); err != nil {
		t.Errorf("socket and gateway with http off: %v", err)
	}
}

// A subscription for a platform the file does not configure would never
// post: the error names the subscription and where it is.
func TestSubscriptionNeedsItsPlatform(t *testing.T) {
	y := "discord:\n  token: ${DISCORD_BOT_TOKEN}\ndigest:\n  subscriptions:\n    - platform: discord\n      channel: \"1\"\n    - platform: slack\n      channel: C1\n"
	_, err := Parse([]byte(y), "t.yaml", platformEnv)
	want := "t.yaml:7:7: digest.subscriptions[1]: platform slack (channel C1), but the file has no slack: section"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v\nwant %s...", err, want)
	}
	y = "digest:\n  subscriptions:\n    - platform: discord\n      channel: \"1\"\n"
	_, err = Parse([]byte(y), "t.yaml", platformEnv)
	want = "t.yaml:3:7: digest.subscriptions[0]: platform discord (channel 1), but the file has no discord: section"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v\nwant %s...", err, want)
	}
	// The console needs no section; both platforms configured is fine.
	for _, y := range []string{
		"digest:\n  subscriptions:\n    - platform: console\n      channel: c\n",
		platformSections + "digest:\n  subscriptions:\n    - platform: slack\n      channel: C1\n    - platform: discord\n      channel: \"1\"\n",
	} {
		if _, err := Parse([]byte(y), "t.yaml", platformEnv); err != nil {
			t.Errorf("%q: %v", y, err)
		}
	}
}

// A validation error about a key that is left out, or empty, points at
// the key or, when it is not written, at its section.
func TestMissingValueSaysWhere(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"log:\n  level: info\nslack:\n  bot_token: ~\n", "t.yaml:4:14: slack.bot_token is required"},
		{"log:\n  level: info\nslack:\n  mode: socket\n", "t.yaml:4:3: slack.bot_token is required"},
		{"digest:\n  subscriptions:\n    - platform: console\n      top: 3\n", "t.yaml:3:7: digest.subscriptions[0].channel: missing"},
	} {
		_, err := Parse([]byte(tc.yaml), "t.yaml", noEnv)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s...", tc.yaml, err, tc.want)
		}
	}
}

// backup and check (LoadOffline) read only the data paths: a platform's
// mistake across sections does not stop them.
func TestOfflineSkipsCrossChecks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paperbot.yaml")
	y := "http:\n  addr: \"off\"\nslack:\n  mode: http\ndigest:\n  subscriptions:\n    - platform: discord\n      channel: \"1\"\n"
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOffline(path, Getenv(noEnv)); err != nil {
		t.Errorf("offline: %v", err)
	}
	if _, err := LoadEnv(path, Getenv(platformEnv)); err == nil {
		t.Error("online: no error")
	}
}

// A path written as a shell would expand it (~, $HOME) is refused at its
// line: paperbot takes paths as written, and `data_dir: ~/paperbot` put
// the state and the index in a directory named "~" without a word.
func TestPathsAreNotExpanded(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"data_dir: ~/paperbot\n", `t.yaml:1:11: data_dir: "~/paperbot": ~ is the shell's shorthand for a home directory, and paperbot takes paths as written: write the full path`},
		{"data_dir: $HOME/paperbot\n", `t.yaml:1:11: data_dir: "$HOME/paperbot": $HOME is not expanded in a path`},
		{"index: /srv/${USER}/index\n", `t.yaml:1:8: index: "/srv/${USER}/index": ${USER} is not expanded in a path`},
		{"state: ~/state.db\n", `t.yaml:1:8: state: "~/state.db": ~ is the shell's shorthand`},
		{"sources:\n  files: [/srv/a.jsonl, ~/b.jsonl]\n", `t.yaml:2:25: sources.files[1]: "~/b.jsonl": ~ is the shell's shorthand`},
	} {
		_, err := Parse([]byte(tc.yaml), "t.yaml", noEnv)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s...", tc.yaml, err, tc.want)
		}
	}
	// A reference that state: reads whole, and paths with a $ or ~ that
	// no shell would expand, are as before.
	env := func(k string) string { return map[string]string{"STATE": "/srv/state.db"}[k] }
	for _, ok := range []string{"state: ${STATE}\n", "state: $STATE\n", "data_dir: /srv/a~b/$1\n", "sources:\n  files: [/srv/price$.jsonl]\n"} {
		if _, err := Parse([]byte(ok), "t.yaml", env); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
