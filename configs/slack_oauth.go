package configs

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/paperbot/paperbot/bot/install"
	"github.com/paperbot/paperbot/configs/secret"
)

// SlackOAuth configures distribution to many workspaces ("Add to Slack"):
// each workspace installs the app through OAuth and its bot token is kept
// in the state store, encrypted. docs/slack.md, "Distribute to many
// workspaces", walks through it.
type SlackOAuth struct {
	// ClientID and ClientSecret are the app's credentials (Basic
	// Information → App Credentials).
	ClientID     string        `yaml:"client_id"`
	ClientSecret secret.Secret `yaml:"client_secret"`
	// RedirectURL is the public URL of /slack/oauth/callback, as entered
	// under OAuth & Permissions → Redirect URLs.
	RedirectURL string `yaml:"redirect_url"`
	// EncryptionKey seals each workspace's token (AES-256-GCM): 32 bytes
	// as 64 hex digits or base64.
	EncryptionKey secret.Secret `yaml:"encryption_key"`
	// PreviousEncryptionKeys still open tokens sealed before a key
	// rotation; they are sealed again with EncryptionKey at start-up.
	PreviousEncryptionKeys []secret.Secret `yaml:"previous_encryption_keys"`
	// AuthorizeURL overrides Slack's authorize page (tests).
	AuthorizeURL string `yaml:"authorize_url"`
}

func (o *SlackOAuth) finish(env Env) error {
	if err := o.ClientSecret.Resolve("slack.oauth.client_secret", env); err != nil {
		return err
	}
	if err := o.EncryptionKey.Resolve("slack.oauth.encryption_key", env); err != nil {
		return err
	}
	for i := range o.PreviousEncryptionKeys {
		if err := o.PreviousEncryptionKeys[i].Resolve(fmt.Sprintf("slack.oauth.previous_encryption_keys[%d]", i), env); err != nil {
			return err
		}
	}
	switch {
	case strings.TrimSpace(o.ClientID) == "":
		return fmt.Errorf("slack.oauth.client_id: empty: copy the Client ID from the app's Basic Information → App Credentials")
	case !o.ClientSecret.IsSet():
		return fmt.Errorf("slack.oauth.client_secret is required (e.g. client_secret: ${SLACK_CLIENT_SECRET})")
	case o.RedirectURL == "":
		return fmt.Errorf("slack.oauth.redirect_url is required: the public https URL of /slack/oauth/callback, as entered in the app's Redirect URLs")
	case !o.EncryptionKey.IsSet():
		return fmt.Errorf("slack.oauth.encryption_key is required: 32 random bytes that encrypt each workspace's token (openssl rand -hex 32; e.g. encryption_key: ${PAPERBOT_ENCRYPTION_KEY})")
	}
	if err := checkKey(o.EncryptionKey.Value()); err != nil {
		return fmt.Errorf("slack.oauth.encryption_key: %w", err)
	}
	for i, k := range o.PreviousEncryptionKeys {
		if err := checkKey(k.Value()); err != nil {
			return fmt.Errorf("slack.oauth.previous_encryption_keys: key %d: %w", i+1, err)
		}
	}
	u, err := url.Parse(o.RedirectURL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Errorf("slack.oauth.redirect_url: %q is not an http(s) URL", o.RedirectURL)
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return fmt.Errorf("slack.oauth.redirect_url: Slack redirects only to https URLs (http is accepted for localhost tests only)")
	case u.Path != "/slack/oauth/callback":
		return fmt.Errorf("slack.oauth.redirect_url: the path is %q; paperbot serves the callback at /slack/oauth/callback", u.Path)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("slack.oauth.redirect_url: remove the query or fragment")
	}
	if o.AuthorizeURL != "" {
		if u, err := url.Parse(o.AuthorizeURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("slack.oauth.authorize_url: %q is not an http(s) URL", o.AuthorizeURL)
		}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkKey checks an encryption key's form (the error never quotes it).
func checkKey(s string) error {
	_, err := install.ParseKey(s)
	return err
}
