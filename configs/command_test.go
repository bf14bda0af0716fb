package configs

import (
	"strings"
	"testing"
)

// bot.command is the slash command's name on both platforms: a name that
// neither Slack (lowercase, no spaces) nor Discord (1-32 lowercase
// letters, digits, - or _) can have is an error at its line, rather than
// every /papers answered "This app answers /My Papers" (Slack) or "I only
// know /Papers" (Discord), and register-commands failing later.
func TestBotCommandName(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"bot:\n  command: \"My Papers\"\n", `t.yaml:2:12: bot.command: "My Papers" is not a slash command name`},
		{"bot:\n  command: Papers\n", `t.yaml:2:12: bot.command: "Papers" is not a slash command name`},
		{"bot:\n  command: papers!\n", `t.yaml:2:12: bot.command: "papers!"`},
		{"bot:\n  command: " + strings.Repeat("a", 33) + "\n", "t.yaml:2:12: bot.command:"},
		{"bot:\n  command: /\n", "t.yaml:2:12: bot.command:"},
	} {
		_, err := Parse([]byte(c.yaml), "t.yaml", cfgEnv(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.yaml, err, c.want)
		}
	}
	for yaml, want := range map[string]string{
		"bot:\n  command: /papers\n":   "papers",
		"bot:\n  command: arxiv-bot\n": "arxiv-bot",
		"bot:\n  command: статьи\n":    "статьи",
		"log:\n  level: info\n":        "papers",
	} {
		c, err := Parse([]byte(yaml), "t.yaml", cfgEnv(nil))
		if err != nil || c.Bot.Command != want {
			t.Errorf("%q: %v, command %q, want %q", yaml, err, c.Bot.Command, want)
		}
	}
}

// discord.public_key is not a secret and is not read from the environment:
// a ${…} reference there is told so, not only "must be 64 hex digits",
// which reads as though the variable held the wrong value.
func TestDiscordPublicKeyReference(t *testing.T) {
	env := cfgEnv(map[string]string{"DISCORD_BOT_TOKEN": "d", "DISCORD_PUBLIC_KEY": strings.Repeat("ab", 32)})
	for _, ref := range []string{"${DISCORD_PUBLIC_KEY}", "$DISCORD_PUBLIC_KEY", "env:DISCORD_PUBLIC_KEY", "file:/run/secrets/key"} {
		y := "discord:\n  mode: http\n  token: ${DISCORD_BOT_TOKEN}\n  public_key: " + ref + "\n"
		_, err := Parse([]byte(y), "t.yaml", env)
		if err == nil || !strings.Contains(err.Error(), "t.yaml:4:15: discord.public_key:") || !strings.Contains(err.Error(), "not a secret") {
			t.Errorf("%s: error %v, want one at 4:15 saying the key is written as it is", ref, err)
		}
	}
}

// A public key that is not 64 hex digits is told what it has: its length
// (63 digits, one lost in the copy), or the first character that is no
// hex digit, not only "must be 64 hex digits".
func TestDiscordPublicKeySaysWhatItGot(t *testing.T) {
	env := cfgEnv(map[string]string{"DISCORD_BOT_TOKEN": "d"})
	for key, want := range map[string]string{
		strings.Repeat("ab", 31) + "a":           "t.yaml:4:15: discord.public_key: it has 63 hex digits; want 64 hex digits",
		strings.Repeat("ab", 33):                 "discord.public_key: it has 66 hex digits; want 64",
		strings.Repeat("ab", 16) + " " + "cd":    `discord.public_key: ' ' at character 33 is not a hex digit; want 64`,
		"é" + strings.Repeat("ab", 31) + "a":     `discord.public_key: 'é' at character 1 is not a hex digit`,
		strings.Repeat("ab", 20) + "g" + "abcde": `'g' at character 41 is not a hex digit`,
	} {
		y := "discord:\n  mode: http\n  token: ${DISCORD_BOT_TOKEN}\n  public_key: \"" + key + "\"\n"
		_, err := Parse([]byte(y), "t.yaml", env)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("public_key %q: error %v, want %q", key, err, want)
		}
	}
	y := "discord:\n  mode: http\n  token: ${DISCORD_BOT_TOKEN}\n  public_key: " + strings.Repeat("aB", 32) + "\n"
	if _, err := Parse([]byte(y), "t.yaml", env); err != nil {
		t.Errorf("64 hex digits: %v", err)
	}
}
