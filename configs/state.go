package configs

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/paperbot/paperbot/configs/secret"
)

// The state setting. `state:` is one string: a bbolt file path (the
// default, <data_dir>/state.db) or a PostgreSQL URL (postgres://... or
// postgresql://...), either given as it is or as a reference, ${ENV_VAR},
// env:ENV_VAR or file:/path, read at start-up. A URL is a secret.Secret: it may
// hold the database password, and it prints as [redacted]. Load fills in
// Config.State (the file) or Config.StateURL (the database), never both.

// StateIsPostgres reports whether the state is in PostgreSQL (StateURL).
func (c *Config) StateIsPostgres() bool { return c.StateURL.IsSet() }

// SetState points the state at ref, as `state:` in the file would (a
// command's --state flag): a path, a postgres:// URL or a reference to
// either.
func (c *Config) SetState(ref string, getenv func(string) string) error {
	return c.setState(ref, Getenv(getenv))
}

func (c *Config) setState(ref string, env Env) error {
	path, u, err := resolveState(ref, env)
	if err != nil {
		return err
	}
	c.State, c.StateURL = path, u
	return nil
}

// resolveState reads the state setting; an empty ref is the default file.
func resolveState(ref string, env Env) (path string, u secret.Secret, err error) {
	ref = strings.TrimSpace(ref)
	s := secret.FromRef(ref)
	v := ref
	if secret.Indirect(ref) {
		if err := s.Resolve("state", env); err != nil {
			return "", secret.Secret{}, err
		}
		v = s.Value()
	}
	scheme, _, isURL := strings.Cut(v, "://")
	switch {
	case !isURL:
		return v, secret.Secret{}, nil
	case scheme == "postgres" || scheme == "postgresql":
		if _, err := url.Parse(v); err != nil {
			// The parser's message quotes the URL, password and all.
			return "", secret.Secret{}, fmt.Errorf("state: not a valid PostgreSQL URL (want postgres://user:password@host:5432/dbname)")
		}
		if !secret.Indirect(ref) {
			// Written in the file: the URL is its own value.
			if err := s.Resolve("state", env); err != nil {
				return "", secret.Secret{}, err
			}
		}
		return "", s, nil
	default:
		return "", secret.Secret{}, fmt.Errorf("state: %s:// is not supported: give a bbolt file path or a postgres:// URL", scheme)
	}
}

// stateWarning is the warning for a database password written in the file.
func (c *Config) stateWarning() string {
	if !c.StateURL.Inline() {
		return ""
	}
	if u, err := url.Parse(c.StateURL.Value()); err == nil {
		if _, has := u.User.Password(); has || u.Query().Has("password") {
			return "state: the PostgreSQL URL's password is written in the file; anyone who can read the file has it: use state: ${PAPERBOT_STATE_URL} (or file:/path)"
		}
	}
	return ""
}

// checkState refuses a `state:` mapping (state.url, state.path), with the
// one shape there is.
func checkState(body ast.Node) error {
	m, ok := body.(*ast.MappingNode)
	if !ok {
		if kv, ok := body.(*ast.MappingValueNode); ok {
			m = &ast.MappingNode{Values: []*ast.MappingValueNode{kv}}
		} else {
			return nil
		}
	}
	for _, kv := range m.Values {
		if kv.Key == nil || kv.Key.GetToken().Value != "state" {
			continue
		}
		v := kv.Value
		if tag, ok := v.(*ast.TagNode); ok {
			v = tag.Value
		}
		switch v.(type) {
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
			return nodeError(v, "want one string, a file path or a postgres:// URL (there is no state.url or state.path): state: ${PAPERBOT_STATE_URL}")
		}
	}
	return nil
}
