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
	return yaml.MarshalWithOptions(&out, yaml.Indent(2), yaml.IndentSequence(true))
}
