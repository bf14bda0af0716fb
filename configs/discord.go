package configs

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperbot/paperbot/configs/secret"
)

// Discord configures the Discord adapter. Its presence enables Discord.
// docs/discord.md walks through every key.
type Discord struct {
	// Mode is "gateway" (default: no public URL) or "http" (the signed
	// interactions endpoint /discord/interactions).
	Mode string `yaml:"mode"`
	// Token is the bot token.
	Token secret.Secret `yaml:"token"`
	// ApplicationID is the application's id (for command registration;
	// looked up with the token when empty).
	ApplicationID string `yaml:"application_id"`
	// PublicKey is the application's Ed25519 public key, hex (http mode).
	PublicKey string `yaml:"public_key"`
	// GuildID registers commands in one guild (instant; for development).
	GuildID string `yaml:"guild_id"`
	// Public makes answers visible to the whole channel by default. By
	// default they are ephemeral (only the person who asked sees them);
	// anyone can still pass public:True on a command.
	Public bool `yaml:"public"`
	// SignatureWindow is how old a signed interaction may be (http mode;
	// default 5m).
	SignatureWindow time.Duration `yaml:"signature_window" range:"1s,1h"`
	// ThreadArchive is how long a digest thread stays open without
	// activity: 1h, 24h, 72h or 168h (default 24h).
	ThreadArchive time.Duration `yaml:"thread_archive" range:"1h,168h"`
	// MaxRateLimitWait is the longest rate-limit wait accepted before a post
	// fails as "try later" (default 60s).
	MaxRateLimitWait time.Duration `yaml:"max_rate_limit_wait" range:"1s,1h"`
	// APIURL overrides Discord's API base URL (tests, proxies): it replaces
	// https://discord.com in every REST call.
	APIURL string `yaml:"api_url"`
}

func (d *Discord) finish(env Env) error {
	if d.Mode == "" {
		d.Mode = "gateway"
	}
	if d.Mode != "gateway" && d.Mode != "http" {
		return fmt.Errorf("discord.mode: %q is not gateway or http", d.Mode)
	}
	if err := d.Token.Resolve("discord.token", env); err != nil {
		return err
	}
	if !d.Token.IsSet() {
		return fmt.Errorf("discord.token is required (e.g. token: ${DISCORD_BOT_TOKEN})")
	}
	if strings.HasPrefix(d.Token.Value(), "Bot ") {
		d.Token = secret.New(strings.TrimPrefix(d.Token.Value(), "Bot "))
	}
	if d.Mode == "http" && d.PublicKey == "" {
		return fmt.Errorf("discord.public_key is required in http mode (the application's public key, hex)")
	}
	if d.PublicKey != "" {
		d.PublicKey = strings.TrimSpace(d.PublicKey)
		if ref := d.PublicKey; strings.HasPrefix(ref, "$") || strings.HasPrefix(ref, "env:") || strings.HasPrefix(ref, "file:") {
			return fmt.Errorf("discord.public_key: the public key is not a secret, and is not read from the environment or a file: write its 64 hex digits here (General Information → Public Key in the Developer Portal)")
		}
		if err := checkPublicKey(d.PublicKey); err != nil {
			return fmt.Errorf("discord.public_key: %v; want 64 hex digits (General Information → Public Key in the Developer Portal)", err)
		}
	}
	for _, f := range []struct{ name, v string }{{"discord.application_id", d.ApplicationID}, {"discord.guild_id", d.GuildID}} {
		if f.v != "" && !isSnowflake(f.v) {
			return fmt.Errorf("%s: %q is not a Discord id (a number like 1234567890123456789)", f.name, f.v)
		}
	}
	if d.SignatureWindow == 0 {
		d.SignatureWindow = 5 * time.Minute
	}
	if d.ThreadArchive == 0 {
		d.ThreadArchive = 24 * time.Hour
	}
	switch d.ThreadArchive {
	case time.Hour, 24 * time.Hour, 72 * time.Hour, 168 * time.Hour:
	default:
		return fmt.Errorf("discord.thread_archive: %s is not one of 1h, 24h, 72h, 168h (Discord's choices)", d.ThreadArchive)
	}
	if d.MaxRateLimitWait == 0 {
		d.MaxRateLimitWait = time.Minute
	}
	if d.APIURL != "" {
		u, err := url.Parse(d.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("discord.api_url: %q is not an http(s) URL", d.APIURL)
		}
	}
	return nil
}

func isSnowflake(s string) bool {
	if len(s) < 1 || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkPublicKey says what is wrong with a public key that is not 64 hex
// digits: the first character that is no hex digit, or how many digits
// it has.
func checkPublicKey(k string) error {
	for i, r := range k {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return fmt.Errorf("%q at character %d is not a hex digit", r, utf8.RuneCountInString(k[:i])+1)
		}
	}
	if n := len(k); n != 64 {
		return fmt.Errorf("it has %d hex digits", n)
	}
	return nil
}
