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
