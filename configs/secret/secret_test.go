package secret_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/paperbot/paperbot/configs/secret"
)

// secretHolder decodes a Secret the way every section of the configuration does.
type secretHolder struct {
	Token secret.Secret `yaml:"token"`
}

func decodeSecret(t *testing.T, y string, env map[string]string) (secret.Secret, error) {
	t.Helper()
	var h secretHolder
	if err := yaml.UnmarshalWithOptions([]byte(y), &h, yaml.DisallowUnknownField()); err != nil {
		t.Fatalf("decoding %q: %v", y, err)
	}
	err := h.Token.Resolve("x.token", mapEnv(env))
	return h.Token, err
}

// mapEnv is an environment over a map: a key in the map is set, even to "".
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestSecretReferences(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("  file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("rel-token", []byte("relative-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TOKEN": " env-secret\n", "OTHER": "other"}
	cases := []struct{ yaml, want string }{
		{"token: ${TOKEN}", "env-secret"},
		{`token: "${TOKEN}"`, "env-secret"},
		{"token: '${TOKEN}'", "env-secret"},
		{"token: ${TOKEN} # from the environment", "env-secret"},
		{"token: $TOKEN", "env-secret"},
		{`token: "$TOKEN"`, "env-secret"},
		{"token: env:OTHER", "other"},
		{"token: file:" + file, "file-secret"},
		{"token: " + file, "file-secret"},
		{"token: ./rel-token", "relative-secret"},
		{"token: file:rel-token", "relative-secret"},
		// Inline values work (discouraged), with YAML's quoting and escapes.
		{"token: xoxb-inline", "xoxb-inline"},
		{`token: "in\u0041line"`, "inAline"},
		{"token: 'it''s'", "it's"},
		{"token: |\n  block-secret\n", "block-secret"},
		{"token: 12345", "12345"},
		{"token:", ""},
		{`token: ""`, ""},
	}
	for _, c := range cases {
		s, err := decodeSecret(t, c.yaml, env)
		if err != nil || s.Value() != c.want || s.IsSet() != (c.want != "") {
			t.Errorf("%q: value %q set %v err %v; want %q", c.yaml, s.Value(), s.IsSet(), err, c.want)
		}
	}
}

func TestSecretErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte(" \n\t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("file-secret-value"), 0o000); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ yaml, want string }{
		{"token: ${MISSING}", "x.token: environment variable MISSING is not set"},
		{"token: env:MISSING", "x.token: environment variable MISSING is not set"},
		{"token: ${EMPTY}", "x.token: environment variable EMPTY is set but empty"},
		{"token: $EMPTY", "x.token: environment variable EMPTY is set but empty"},
		{"token: $MISSING", "x.token: environment variable MISSING is not set"},
		{"token: file:" + empty, "x.token: secret file " + empty + " is empty"},
		{"token: " + empty, "x.token: secret file " + empty + " is empty"},
		{"token: file:" + filepath.Join(dir, "missing"), "x.token: reading secret file: open " + filepath.Join(dir, "missing")},
	}
	env := map[string]string{"EMPTY": "", "SET": "env-secret-value"}
	for _, c := range cases {
		_, err := decodeSecret(t, c.yaml, env)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yaml, err, c.want)
		}
	}
	// An unreadable file: the error names the field and the path, never
	// what the file holds (root reads it anyway).
	_, err := decodeSecret(t, "token: "+secretFile, env)
	if err != nil && (!strings.HasPrefix(err.Error(), "x.token: reading secret file") || strings.Contains(err.Error(), "file-secret-value")) {
		t.Errorf("unreadable file: %v", err)
	}
	if err != nil && !errors.Is(err, fs.ErrPermission) {
		t.Errorf("unreadable file: %v does not wrap the cause", err)
	}
}

// A secret read from its reference keeps working after a copy; the copy
// made before keeps what it had.
func TestResolveAfterCopy(t *testing.T) {
	var y struct{ T secret.Secret }
	if err := yaml.Unmarshal([]byte("t: inline-value"), &y); err != nil {
		t.Fatal(err)
	}
	c := y.T
	if err := y.T.Resolve("t", mapEnv(nil)); err != nil || y.T.Value() != "inline-value" || c.Value() != "" {
		t.Errorf("resolved %q (copy before: %q), %v", y.T.Value(), c.Value(), err)
	}
}

// Indirect tells a reference to the environment or a file from a value
// (or a path, which a setting like state: takes as it is); FromRef keeps
// the reference, unread, and Reference gives it back.
func TestIndirect(t *testing.T) {
	for ref, want := range map[string]bool{
		"${PAPERBOT_STATE_URL}": true, "$PAPERBOT_STATE_URL": true, "env:X": true, "file:/run/secrets/x": true,
		"/var/lib/paperbot/state.db": false, "./state.db": false, "postgres://u:p@h/db": false,
		"${UNCLOSED": false, "$1X": false, "xoxb-inline": false, "": false,
	} {
		if got := secret.Indirect(ref); got != want {
			t.Errorf("Indirect(%q) = %v, want %v", ref, got, want)
		}
	}
	s := secret.FromRef(" ${TOKEN} ")
	if s.IsSet() || s.Reference() != "${TOKEN}" || s.Inline() {
		t.Errorf("FromRef: set %v, reference %q, inline %v; want unset, ${TOKEN}, not inline", s.IsSet(), s.Reference(), s.Inline())
	}
	if err := s.Resolve("x.token", mapEnv(map[string]string{"TOKEN": "v"})); err != nil || s.Value() != "v" {
		t.Errorf("resolved %q, %v", s.Value(), err)
	}
	if secret.New("v").Reference() != "" {
		t.Error("a secret made by New has a reference")
	}
}

// The adapters take their tokens as Secrets and import nothing of the
// configuration loader, so no YAML package either.
func TestAdaptersImportNoYAML(t *testing.T) {
	if testing.Short() {
		t.Skip("go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/paperbot/paperbot/adapters/...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/paperbot/paperbot/configs" || strings.Contains(dep, "yaml") {
			t.Errorf("the adapters import %s", dep)
		}
	}
}

// A relative secret file (./name) is read from the working directory,
// which under a service manager is rarely the configuration's: the error
// says which directory was searched, so "no such file" next to a file that
// exists beside the configuration explains itself.
func TestRelativeSecretFileNamesTheDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s := secret.FromRef("./signing_secret")
	err := s.Resolve("slack.signing_secret", func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), "slack.signing_secret") || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %v, want it to name the field and the working directory %s", err, dir)
	}
	// An absolute path needs no such note.
	s = secret.FromRef(filepath.Join(dir, "missing"))
	err = s.Resolve("slack.signing_secret", func(string) (string, bool) { return "", false })
	if err == nil || strings.Contains(err.Error(), "working directory") {
		t.Errorf("absolute path: error %v", err)
	}
}
