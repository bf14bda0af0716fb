package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// state: is a bbolt file path or a PostgreSQL URL, given directly or by
// reference; a URL is a secret.
func TestState(t *testing.T) {
	const url = "postgres://paperbot:s3cr3t@db:5432/paperbot?sslmode=require"
	urlFile := filepath.Join(t.TempDir(), "state-url")
	if err := os.WriteFile(urlFile, []byte(url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := cfgEnv(map[string]string{"PAPERBOT_STATE_URL": url, "STATE_PATH": "/srv/state.db"})
	for _, tc := range []struct {
		yaml, path, url, warning string
	}{
		{"", filepath.Join("data", "state.db"), "", ""},
		{"state: /var/lib/paperbot/state.db", "/var/lib/paperbot/state.db", "", ""},
		{"state: ./state.db", "./state.db", "", ""},
		{"state: ${STATE_PATH}", "/srv/state.db", "", ""},
		{"state: ${PAPERBOT_STATE_URL}", "", url, ""},
		{"state: env:PAPERBOT_STATE_URL", "", url, ""},
		{"state: file:" + urlFile, "", url, ""},
		{"state: postgresql://paperbot@db/paperbot", "", "postgresql://paperbot@db/paperbot", ""},
		{"data_dir: /d\nstate: " + url, "", url, "x.yaml:2:8: state: the PostgreSQL URL's password is written in the file"},
	} {
		c, err := Parse([]byte(tc.yaml), "x.yaml", env)
		if err != nil {
			t.Errorf("%q: %v", tc.yaml, err)
			continue
		}
		if c.State != tc.path || c.StateURL.Value() != tc.url || c.StateIsPostgres() != (tc.url != "") {
			t.Errorf("%q: state %q, url %q; want %q, %q", tc.yaml, c.State, c.StateURL.Value(), tc.path, tc.url)
		}
		if w := strings.Join(c.Warnings, "\n"); (tc.warning == "") != (w == "") || !strings.Contains(w, tc.warning) {
			t.Errorf("%q: warnings %q, want %q", tc.yaml, w, tc.warning)
		}
		if s := fmt.Sprintf("%v %+v %#v %s", c, c, c, strings.Join(c.Warnings, " ")); strings.Contains(s, "s3cr3t") {
			t.Errorf("%q: the password shows in %s", tc.yaml, s)
		}
	}
	for _, tc := range []struct{ yaml, want string }{
		{"state: ${NOPE}", "x.yaml:1:8: state: environment variable NOPE is not set"},
		{"state: mysql://db/paperbot", "x.yaml:1:8: state: mysql:// is not supported: give a bbolt file path or a postgres:// URL"},
		{"state: 'postgres://u:s3cr3t@[::1/x'", "state: not a valid PostgreSQL URL"},
		{"log:\n  level: info\nstate:\n  url: ${PAPERBOT_STATE_URL}\n", "x.yaml:4:3: state: want one string, a file path or a postgres:// URL (there is no state.url or state.path): state: ${PAPERBOT_STATE_URL}"},
		{"state: {url: x}", "state.url"},
	} {
		_, err := Parse([]byte(tc.yaml), "x.yaml", env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

// A command's --state flag takes the same values.
func TestSetState(t *testing.T) {
	c, err := Parse([]byte("state: ${PAPERBOT_STATE_URL}"), "x.yaml", cfgEnv(map[string]string{"PAPERBOT_STATE_URL": "postgres://db/pb"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetState("/tmp/other.db", cfgEnv(nil)); err != nil || c.State != "/tmp/other.db" || c.StateIsPostgres() {
		t.Errorf("a path over a URL: %q %v %v", c.State, c.StateIsPostgres(), err)
	}
	if err := c.SetState("postgres://db/pb2", cfgEnv(nil)); err != nil || c.State != "" || c.StateURL.Value() != "postgres://db/pb2" {
		t.Errorf("a URL over a path: %q %q %v", c.State, c.StateURL.Value(), err)
	}
}
