// Package configs holds paperbot's configuration: the YAML schema and its
// strict loader, secrets that come from the environment or files, the
// example configuration and the embedded sample corpus.
package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Config is the whole configuration file. Every section is optional; an
// empty file (or none) runs the console on the sample corpus.
type Config struct {
	// DataDir holds the index and the bot's state (default "./data", or
	// $PAPERBOT_DATA_DIR).
	DataDir string `yaml:"data_dir"`
	// Index is the index directory (default <data_dir>/index).
	Index string `yaml:"index"`
	// State is the bbolt state file (default <data_dir>/state.db).
	State string      `yaml:"state"`
	Log   LogConfig   `yaml:"log"`
	HTTP  HTTPConfig  `yaml:"http"`
	Bot   BotConfig   `yaml:"bot"`
	Slack *Slack      `yaml:"slack"`
	Disc  *Discord    `yaml:"discord"`
	Dig   Digest      `yaml:"digest"`
	Src   SourcesConf `yaml:"sources"`

	// Path is the file the configuration was read from ("" for defaults).
	Path string `yaml:"-"`
}

// LogConfig configures structured logging.
type LogConfig struct {
	// Level is debug, info, warn or error (default info).
	Level string `yaml:"level"`
	// Format is text or json (default text).
	Format string `yaml:"format"`
}

// HTTPConfig configures the HTTP server of `paperbot serve` (health checks,
// metrics, Slack and Discord endpoints).
type HTTPConfig struct {
	// Addr is the listen address (default ":8080"; "" disables the server
	// only when no platform needs it: set "off" to disable explicitly).
	Addr string `yaml:"addr"`
	// ReadTimeout, WriteTimeout and IdleTimeout bound connections.
	ReadTimeout  time.Duration `yaml:"read_timeout"`
	WriteTimeout time.Duration `yaml:"write_timeout"`
	IdleTimeout  time.Duration `yaml:"idle_timeout"`
	// ShutdownTimeout is how long in-flight replies get on SIGTERM (default 25s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// BotConfig tunes the command handlers.
type BotConfig struct {
	// Command is the slash command's name without "/" (default "papers").
	Command string `yaml:"command"`
	// PageSize is how many results a search shows (default 5, at most 10).
	PageSize int `yaml:"page_size"`
	// Timeout bounds one command's work (default 20s).
	Timeout time.Duration `yaml:"timeout"`
}

// SearchPath lists where Load looks for a configuration when none is named,
// in order.
func SearchPath(env func(string) string) []string {
	var paths []string
	if p := env("PAPERBOT_CONFIG"); p != "" {
		paths = append(paths, p)
	}
	paths = append(paths, "paperbot.yaml")
	if d := env("XDG_CONFIG_HOME"); d != "" {
		paths = append(paths, filepath.Join(d, "paperbot", "paperbot.yaml"))
	} else if h := env("HOME"); h != "" {
		paths = append(paths, filepath.Join(h, ".config", "paperbot", "paperbot.yaml"))
	}
	return append(paths, "/etc/paperbot/paperbot.yaml")
}

// Load reads the configuration at path, or the first file of SearchPath
// when path is "" (defaults when there is none). Decoding is strict: an
// unknown or mistyped key is an error naming the key, line and column.
// Secrets are resolved from the environment and files.
func Load(path string, env func(string) string) (*Config, error) {
	if path == "" {
		for _, p := range SearchPath(env) {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		c := &Config{}
		return c, c.finish(env)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config file %s does not exist", path)
		}
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := Parse(data, path, env)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Parse decodes a configuration strictly and resolves its secrets; name is
// used in error messages.
func Parse(data []byte, name string, env func(string) string) (*Config, error) {
	c := &Config{}
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := yaml.UnmarshalWithOptions(data, c, yaml.DisallowUnknownField()); err != nil {
			return nil, fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, true))
		}
	}
	c.Path = name
	if err := c.finish(env); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// finish applies defaults, resolves secrets and validates.
func (c *Config) finish(env func(string) string) error {
	if c.DataDir == "" {
		c.DataDir = env("PAPERBOT_DATA_DIR")
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.Index == "" {
		c.Index = filepath.Join(c.DataDir, "index")
	}
	if c.State == "" {
		c.State = filepath.Join(c.DataDir, "state.db")
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return fmt.Errorf("log.format: %q is not text or json", c.Log.Format)
	}
	h := &c.HTTP
	if h.Addr == "" {
		h.Addr = ":8080"
	}
	if h.ReadTimeout == 0 {
		h.ReadTimeout = 10 * time.Second
	}
	if h.WriteTimeout == 0 {
		h.WriteTimeout = 15 * time.Second
	}
	if h.IdleTimeout == 0 {
		h.IdleTimeout = 60 * time.Second
	}
	if h.ShutdownTimeout == 0 {
		h.ShutdownTimeout = 25 * time.Second
	}
	if c.Bot.Command == "" {
		c.Bot.Command = "papers"
	}
	c.Bot.Command = strings.TrimPrefix(c.Bot.Command, "/")
	if c.Bot.PageSize < 0 || c.Bot.PageSize > 10 {
		return fmt.Errorf("bot.page_size: %d is not between 1 and 10", c.Bot.PageSize)
	}
	for _, s := range c.sections() {
		if err := s.finish(env); err != nil {
			return err
		}
	}
	return nil
}

// section is a part of the configuration that checks itself.
type section interface {
	finish(env func(string) string) error
}

func (c *Config) sections() []section {
	var ss []section
	if c.Slack != nil {
		ss = append(ss, c.Slack)
	}
	if c.Disc != nil {
		ss = append(ss, c.Disc)
	}
	return append(ss, &c.Dig, &c.Src)
}

// Platforms lists the configured chat platforms.
func (c *Config) Platforms() []string {
	var ps []string
	if c.Slack != nil {
		ps = append(ps, "slack")
	}
	if c.Disc != nil {
		ps = append(ps, "discord")
	}
	return ps
}
