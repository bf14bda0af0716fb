package configs

import (
	"fmt"
	"regexp"
)

// commandNameRE is what both platforms accept as a slash command's name:
// Discord's rule (1-32 lowercase letters, digits, - or _), which also
// keeps to Slack's (lowercase, no spaces).
var commandNameRE = regexp.MustCompile(`^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$`)

// checkCommandName checks bot.command (without its "/").
func checkCommandName(name string) error {
	if !commandNameRE.MatchString(name) {
		return fmt.Errorf("bot.command: %q is not a slash command name: 1-32 lowercase letters, digits, - or _ (as the command is named in the Slack app and registered in Discord), like papers", name)
	}
	return nil
}
