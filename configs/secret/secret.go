// Package secret holds a credential read from the environment or a file
// that never prints its value. It is a leaf: the standard library only (no
// YAML package), so the adapters that take tokens import it and nothing of
// the configuration loader.
package secret

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Secret is a credential (token, signing secret, key). In YAML it is a
// reference: "${ENV_VAR}" (or "$ENV_VAR"), "env:ENV_VAR", "file:/path" or a
// path starting with "/" or "./", read when the configuration is loaded. An inline value
// works too but is discouraged. A Secret never prints its value: it formats
// and logs as [redacted]. The value is kept by a function, so that even a
// struct that keeps a Secret in an unexported field (where fmt cannot call
// its methods, and prints the fields, pointers dereferenced) prints an
// address, not the value.
type Secret struct {
	get func() secret
}

type secret struct {
	ref   string
	value string
}

func newSecret(ref, value string) Secret {
	s := secret{ref: ref, value: value}
	return Secret{get: func() secret { return s }}
}

func (s Secret) load() secret {
	if s.get == nil {
		return secret{}
	}
	return s.get()
}

func (s Secret) ref() string { return s.load().ref }

// UnmarshalYAML keeps the reference, a YAML string (plain, quoted or a
// block scalar, with its escapes decoded); Resolve reads it. Its signature
// is the one YAML decoders call (goccy/go-yaml's InterfaceUnmarshaler),
// which needs no import of theirs.
func (s *Secret) UnmarshalYAML(unmarshal func(any) error) error {
	var ref string
	if err := unmarshal(&ref); err != nil {
		return err
	}
	*s = newSecret(strings.TrimSpace(ref), "")
	return nil
}

// New returns a secret holding value (for tests and flags).
func New(value string) Secret { return newSecret("", value) }

// FromRef returns the secret a reference points at, unread until Resolve
// (as if decoded from a file).
func FromRef(ref string) Secret { return newSecret(strings.TrimSpace(ref), "") }

// Reference is the reference the secret was decoded from ("${SLACK_BOT_TOKEN}",
// "file:/run/secrets/token", or the value itself when it was written
// inline); "" for one made by New.
func (s Secret) Reference() string { return s.ref() }

// Value returns the secret itself. Call it only where the secret is used.
func (s Secret) Value() string { return s.load().value }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s.Value() != "" }

// Inline reports whether the value was written in the file itself rather
// than referenced (environment variable or file).
func (s Secret) Inline() bool {
	ref := s.ref()
	return ref != "" && !strings.HasPrefix(ref, "${") && !strings.HasPrefix(ref, "env:") && !bareVariable(ref) &&
		!strings.HasPrefix(ref, "file:") && !strings.HasPrefix(ref, "/") && !strings.HasPrefix(ref, "./")
}

// Indirect reports whether ref names where a value is kept: an environment
// variable (${NAME}, $NAME, env:NAME) or a file (file:/path). A bare path
// (/path, ./path) is a file reference too for a Secret, but not for a
// setting whose value may itself be a path (state:), so it is not counted
// here.
func Indirect(ref string) bool {
	return strings.HasPrefix(ref, "${") && strings.HasSuffix(ref, "}") || strings.HasPrefix(ref, "env:") ||
		bareVariable(ref) || strings.HasPrefix(ref, "file:")
}

// String hides the value.
func (s Secret) String() string {
	if !s.IsSet() {
		return "[unset]"
	}
	return "[redacted]"
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return s.String() }

// Format hides the value from every fmt verb: without it, verbs that do not
// call String (%d, %t, %p...) print the struct's fields.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	io.WriteString(f, s.String())
}

// LogValue hides the value from log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText hides the value from encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

var (
	_ slog.LogValuer = Secret{}
	_ fmt.Stringer   = Secret{}
	_ fmt.Formatter  = Secret{}
)

// Resolve reads the secret from where its reference points: the
// environment through lookup (os.LookupEnv, which tells an empty variable
// from a missing one) or a file. field names the setting in errors (never
// the value). A secret without a reference stays as it is.
func (s *Secret) Resolve(field string, lookup func(name string) (value string, ok bool)) error {
	ref := s.ref()
	switch {
	case ref == "":
		return nil
	case strings.HasPrefix(ref, "${") && strings.HasSuffix(ref, "}"):
		return s.fromEnv(field, ref[2:len(ref)-1], lookup)
	case strings.HasPrefix(ref, "env:"):
		return s.fromEnv(field, ref[4:], lookup)
	case bareVariable(ref):
		// "$SLACK_BOT_TOKEN", as a shell would write it: no token
		// starts with "$".
		return s.fromEnv(field, ref[1:], lookup)
	case strings.HasPrefix(ref, "file:"):
		return s.fromFile(field, ref[5:])
	case strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "./"):
		return s.fromFile(field, ref)
	default:
		s.set(ref)
		return nil
	}
}

// bareVariable reports whether ref is "$NAME", a variable written without
// braces.
func bareVariable(ref string) bool {
	if len(ref) < 2 || ref[0] != '$' {
		return false
	}
	for i, c := range ref[1:] {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// set gives the secret its value (a new one: copies made before keep theirs).
func (s *Secret) set(value string) {
	*s = newSecret(s.ref(), value)
}

func (s *Secret) fromEnv(field, name string, lookup func(string) (string, bool)) error {
	v, set := lookup(name)
	switch {
	case !set:
		return fmt.Errorf("%s: environment variable %s is not set", field, name)
	case strings.TrimSpace(v) == "":
		return fmt.Errorf("%s: environment variable %s is set but empty", field, name)
	}
	s.set(strings.TrimSpace(v))
	return nil
}

func (s *Secret) fromFile(field, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if !filepath.IsAbs(path) {
			// Under a service manager the working directory is rarely
			// the configuration's.
			if wd, werr := os.Getwd(); werr == nil {
				return fmt.Errorf("%s: reading secret file: %w (a relative path is read from the working directory, %s: write the full path)", field, err, wd)
			}
		}
		return fmt.Errorf("%s: reading secret file: %w", field, err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return fmt.Errorf("%s: secret file %s is empty", field, path)
	}
	s.set(v)
	return nil
}
