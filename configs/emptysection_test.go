package configs

import (
	"strings"
	"testing"
)

// A platform section whose keys are all commented out (or not indented
// under it) is an error at its line: the docs say the section's presence
// enables the platform, and serve would otherwise start without it, with
// the console on stdin, which a service ends at once.
func TestEmptyPlatformSection(t *testing.T) {
	env := cfgEnv(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DISCORD_BOT_TOKEN": "d"})
	for _, c := range []struct{ name, yaml, want string }{
		{"slack, keys commented out", "log:\n  level: info\nslack:\n  # bot_token: ${SLACK_BOT_TOKEN}\n", "t.yaml:3:1: slack: the section is empty"},
		{"slack, nothing after it", "slack:\n", "t.yaml:1:1: slack: the section is empty"},
		{"discord, keys commented out", "discord:\n#  token: ${DISCORD_BOT_TOKEN}\n", "t.yaml:1:1: discord: the section is empty"},
	} {
		_, err := Parse([]byte(c.yaml), "t.yaml", env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// Written null on purpose, or left out: off, as before.
	for _, y := range []string{"slack: null\ndiscord: ~\n", "log:\n  level: info\n"} {
		c, err := Parse([]byte(y), "t.yaml", env)
		if err != nil {
			t.Errorf("%q: %v", y, err)
			continue
		}
		if len(c.Platforms()) != 0 {
			t.Errorf("%q: platforms %v, want none", y, c.Platforms())
		}
	}
	// The commands that read only the data do not check the platforms.
	if _, err := parse([]byte("slack:\n"), "t.yaml", Getenv(cfgEnv(nil)), true); err != nil {
		t.Errorf("offline: %v", err)
	}
}
