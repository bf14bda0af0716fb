package configs

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/paperbot/paperbot/configs/secret"
)

// Slack configures the Slack adapter. Its presence enables Slack.
type Slack struct {
	// Mode is "socket" (default: Socket Mode, no public URL) or "http"
	// (signed requests to /slack/commands, /slack/interactions, /slack/events).
	Mode string `yaml:"mode"`
	// BotToken is the xoxb- bot token (always needed).
	BotToken secret.Secret `yaml:"bot_token"`
	// AppToken is the xapp- app-level token with connections:write (socket mode).
	AppToken secret.Secret `yaml:"app_token"`
	// SigningSecret verifies requests (http mode).
	SigningSecret secret.Secret `yaml:"signing_secret"`
	// APIURL overrides Slack's Web API base URL (tests, proxies).
	APIURL string `yaml:"api_url"`
	// OAuth, when present, distributes the app to many workspaces
	// (slack_oauth.go); bot_token is then not used.
	OAuth *SlackOAuth `yaml:"oauth"`
}

func (s *Slack) finish(env Env) error {
	if s.Mode == "" {
		s.Mode = "socket"
	}
	if s.Mode != "socket" && s.Mode != "http" {
		return fmt.Errorf("slack.mode: %q is not socket or http", s.Mode)
	}
	for _, f := range []struct {
		name string
		s    *secret.Secret
	}{{"slack.bot_token", &s.BotToken}, {"slack.app_token", &s.AppToken}, {"slack.signing_secret", &s.SigningSecret}} {
		if err := f.s.Resolve(f.name, env); err != nil {
			return err
		}
	}
	if s.OAuth != nil {
		if s.BotToken.IsSet() {
			return fmt.Errorf("slack.bot_token: with slack.oauth each workspace's token comes from its install; remove bot_token (or remove oauth for one workspace)")
		}
		if err := s.OAuth.finish(env); err != nil {
			return err
		}
	} else if !s.BotToken.IsSet() {
		return fmt.Errorf("slack.bot_token is required (an xoxb- token, e.g. bot_token: ${SLACK_BOT_TOKEN})")
	}
	if s.Mode == "socket" && !s.AppToken.IsSet() {
		return fmt.Errorf("slack.app_token is required in socket mode (an xapp- token, e.g. app_token: ${SLACK_APP_TOKEN})")
	}
	if s.Mode == "http" && !s.SigningSecret.IsSet() {
		return fmt.Errorf("slack.signing_secret is required in http mode (e.g. signing_secret: ${SLACK_SIGNING_SECRET})")
	}
	// Swapped tokens are a common slip; say so without printing them.
	if strings.HasPrefix(s.BotToken.Value(), "xapp-") {
		return fmt.Errorf("slack.bot_token holds an app-level token (xapp-); it needs the Bot User OAuth Token (xoxb-)")
	}
	if strings.HasPrefix(s.AppToken.Value(), "xoxb-") {
		return fmt.Errorf("slack.app_token holds a bot token (xoxb-); it needs an app-level token (xapp-) with connections:write")
	}
	if s.APIURL != "" {
		u, err := url.Parse(s.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("slack.api_url: %q is not an http(s) URL", s.APIURL)
		}
	}
	return nil
}
