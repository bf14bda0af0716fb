package configs

import (
	"strings"
	"testing"
)

func oauthYAML(extra string) string {
	return `slack:
  mode: http
  signing_secret: ${SIGN}
  oauth:
    client_id: "123.456"
    client_secret: ${CLIENT_SECRET}
    redirect_url: https://bot.example.org/slack/oauth/callback
` + extra
}

// The oauth keys are checked like the rest: each mistake names its key,
// the file and the line, and never quotes a secret.
func TestSlackOAuthConfig(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	env := map[string]string{"SIGN": "s", "CLIENT_SECRET": "client-secret-value", "KEY": key, "SHORT": "short-key-value", "BOT": "xoxb-1"}
	c, err := Parse([]byte(oauthYAML("    encryption_key: ${KEY}\n    previous_encryption_keys:\n      - ${KEY}\n")), "p.yaml", cfgEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	o := c.Slack.OAuth
	if o == nil || o.ClientID != "123.456" || o.ClientSecret.Value() != "client-secret-value" || o.EncryptionKey.Value() != key || len(o.PreviousEncryptionKeys) != 1 {
		t.Fatalf("oauth = %+v", o)
	}
	for _, tc := range []struct{ yaml, want string }{
		{oauthYAML(""), "p.yaml:5:5: slack.oauth.encryption_key is required"},
		{oauthYAML("    encryption_key: ${SHORT}\n"), "p.yaml:8:21: slack.oauth.encryption_key: not a 32-byte key"},
		{oauthYAML("    encryption_key: ${KEY}\n    previous_encryption_keys:\n      - ${SHORT}\n"), "slack.oauth.previous_encryption_keys: key 1: not a 32-byte key"},
		{oauthYAML("    encryption_key: ${MISSING}\n"), "slack.oauth.encryption_key: environment variable MISSING is not set"},
		{strings.Replace(oauthYAML("    encryption_key: ${KEY}\n"), "https://bot.example.org", "http://bot.example.org", 1), "p.yaml:7:19: slack.oauth.redirect_url: Slack redirects only to https URLs"},
		{strings.Replace(oauthYAML("    encryption_key: ${KEY}\n"), "/slack/oauth/callback", "/cb", 1), "slack.oauth.redirect_url: the path is \"/cb\""},
		{strings.Replace(oauthYAML("    encryption_key: ${KEY}\n"), `client_id: "123.456"`, `client_id: ""`, 1), "p.yaml:5:16: slack.oauth.client_id: empty"},
		{strings.Replace(oauthYAML("    encryption_key: ${KEY}\n"), "  signing_secret", "  bot_token: ${BOT}\n  signing_secret", 1), "p.yaml:3:14: slack.bot_token: with slack.oauth"},
		{oauthYAML("    encryption_key: ${KEY}\ndigest:\n  subscriptions:\n    - platform: slack\n      channel: C1\n"), "p.yaml:11:7: digest.subscriptions[0]: team: missing for Slack channel C1; with slack.oauth"},
	} {
		_, err := Parse([]byte(tc.yaml), "p.yaml", cfgEnv(env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v\nwant %q", err, tc.want)
			continue
		}
		for _, secret := range []string{"short-key-value", "client-secret-value", key} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes a secret: %v", err)
			}
		}
	}
	// A subscription that names its workspace is placed there.
	if _, err := Parse([]byte(oauthYAML("    encryption_key: ${KEY}\ndigest:\n  subscriptions:\n    - platform: slack\n      team: T1\n      channel: C1\n")), "p.yaml", cfgEnv(env)); err != nil {
		t.Errorf("a subscription with its team: %v", err)
	}
	// Loopback http is accepted (tests on one machine).
	y := strings.Replace(oauthYAML("    encryption_key: ${KEY}\n"), "https://bot.example.org", "http://127.0.0.1:8080", 1)
	if _, err := Parse([]byte(y), "p.yaml", cfgEnv(env)); err != nil {
		t.Errorf("loopback redirect: %v", err)
	}
}
