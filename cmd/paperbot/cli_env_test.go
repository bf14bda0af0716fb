package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
)

// The process environment is read as os.LookupEnv reads it: a token
// variable that is set but empty (docker run -e SLACK_BOT_TOKEN with an
// empty one on the host) says so, not "not set"; "$VAR" without braces is
// the variable, never a literal token.
func TestConfigEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "paperbot.yaml")
	body := "data_dir: " + filepath.Join(dir, "data") + "\nslack:\n  bot_token: \"$SLACK_BOT_TOKEN\"\n  app_token: ${SLACK_APP_TOKEN}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"empty", map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "xapp-1"},
			"paperbot.yaml:3:14: slack.bot_token: environment variable SLACK_BOT_TOKEN is set but empty"},
		{"missing", map[string]string{"SLACK_APP_TOKEN": "xapp-1"},
			"paperbot.yaml:3:14: slack.bot_token: environment variable SLACK_BOT_TOKEN is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			e := &env{
				getenv:    func(k string) string { return tc.vars[k] },
				lookupEnv: func(k string) (string, bool) { v, ok := tc.vars[k]; return v, ok },
				stdin:     strings.NewReader(""), stdout: &out, stderr: &errOut,
			}
			code := runEnv(t.Context(), e, []string{"serve", "--config", cfg})
			if code != 1 || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut.String(), tc.want)
			}
		})
	}
}

// register-commands says what went wrong once, in words: Discord's field
// errors of a 400 (code 50035) are kept, the method is not repeated, and
// an unreachable Discord is not said twice.
func TestRegisterCommandsErrors(t *testing.T) {
	fake := discordtest.New(t)
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Method == "PUT" {
			return &discordtest.Response{Status: http.StatusBadRequest, Body: map[string]any{
				"code": 50035, "message": "Invalid Form Body",
				"errors": map[string]any{"0": map[string]any{"options": map[string]any{"2": map[string]any{"name": map[string]any{
					"_errors": []any{map[string]any{"code": "APPLICATION_COMMAND_INVALID_NAME", "message": "Command name is invalid"}}}}}}},
			}}
		}
		return nil
	})
	cfgPath, getenv := writeDiscordConfig(t, fake.URL, "  application_id: \"10000000000000001\"\n  guild_id: \"555\"\n")
	_, stderr, code := cliRunEnv(t, getenv, "register-commands", "--config", cfgPath)
	want := "paperbot: registering /papers: discord: PUT /applications/10000000000000001/guilds/555/commands: HTTP 400 (code 50035): Invalid Form Body: 0.options.2.name: Command name is invalid (APPLICATION_COMMAND_INVALID_NAME)\n"
	if code != 1 || stderr != want {
		t.Errorf("a 400: exit %d\n%s\nwant\n%s", code, stderr, want)
	}

	// A refusal with a message for people: said once, with the cause.
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		return &discordtest.Response{Status: http.StatusForbidden, Body: map[string]any{"code": 50001, "message": "Missing Access"}}
	})
	_, stderr, code = cliRunEnv(t, getenv, "register-commands", "--config", cfgPath)
	want = "paperbot: registering /papers: Discord refused to register application 10000000000000001's commands in server 555 (is the bot in it, invited with the applications.commands scope?): check discord.application_id"
	if code != 1 || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "Discord refused") != 1 ||
		!strings.HasSuffix(stderr, ": discord: PUT /applications/10000000000000001/guilds/555/commands: HTTP 403 (code 50001): Missing Access\n") {
		t.Errorf("a 403: exit %d: %s", code, stderr)
	}
}

// cliRunEnv runs paperbot with the environment getenv and no input.
func cliRunEnv(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}
