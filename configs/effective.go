package configs

import (
	"github.com/goccy/go-yaml"
)

// Effective is the configuration as it runs, in the file's YAML: every
// default filled in, every key present, each secret [redacted] (or [unset])
// and state: a PostgreSQL URL [redacted] too. `paperbot config check`
// prints it.
func (c *Config) Effective() ([]byte, error) {
	out := *c
	if c.StateURL.IsSet() {
		out.State = c.StateURL.String()
	}
	// A subscription's keys left to the digest's defaults, as they run.
	out.Dig.Subscriptions = nil
	for _, s := range c.Dig.Subscriptions {
		if s.Time == "" {
			s.Time = c.Dig.DefaultTime
		}
		if s.Timezone == "" {
			s.Timezone = c.Dig.DefaultTimezone
		}
		if s.Kind == "" {
			s.Kind = "daily"
		}
		if !s.Weekly() { // a weekly recap has neither days nor top
			if s.Days == "" {
				s.Days = "daily"
			}
			if s.Top == 0 {
				s.Top = c.Dig.DefaultTop
			}
		}
		out.Dig.Subscriptions = append(out.Dig.Subscriptions, s)
	}
	return yaml.MarshalWithOptions(&out, yaml.Indent(2), yaml.IndentSequence(true))
}
