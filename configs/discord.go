package configs

import "fmt"

// Discord configures the Discord adapter. Its presence enables Discord.
type Discord struct {
	// Mode is "gateway" (default: no public URL) or "http" (the signed
	// interactions endpoint /discord/interactions).
	Mode string `yaml:"mode"`
	// Token is the bot token.
	Token Secret `yaml:"token"`
	// ApplicationID is the application's id (for command registration).
	ApplicationID string `yaml:"application_id"`
	// PublicKey is the application's Ed25519 public key, hex (http mode).
	PublicKey string `yaml:"public_key"`
	// GuildID registers commands in one guild (instant; for development).
	GuildID string `yaml:"guild_id"`
	// APIURL overrides Discord's API base URL (tests, proxies).
	APIURL string `yaml:"api_url"`
}

func (d *Discord) finish(env func(string) string) error {
	if d.Mode == "" {
		d.Mode = "gateway"
	}
	if d.Mode != "gateway" && d.Mode != "http" {
		return fmt.Errorf("discord.mode: %q is not gateway or http", d.Mode)
	}
	if err := d.Token.resolve("discord.token", env); err != nil {
		return err
	}
	if !d.Token.IsSet() {
		return fmt.Errorf("discord.token is required (e.g. token: ${DISCORD_BOT_TOKEN})")
	}
	if d.Mode == "http" && d.PublicKey == "" {
		return fmt.Errorf("discord.public_key is required in http mode (the application's public key, hex)")
	}
	return nil
}
