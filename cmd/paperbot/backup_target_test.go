package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/store"
)

// backup into a directory that does not exist says so (not the name of
// its temporary file); an existing file is kept unless --force; a
// directory named as the file is refused; a flag after the file is a
// usage error that says so.
func TestBackupTarget(t *testing.T) {
	dir := t.TempDir()
	cfg, data := dataConfig(t, dir)
	addSubscription(t, filepath.Join(data, "state.db"), "C1")

	missing := filepath.Join(dir, "nowhere")
	_, errOut, code := cliRun(t, nil, "", "backup", "--config", cfg, filepath.Join(missing, "state.db"))
	if code != 1 || errOut != "paperbot: backup: directory "+missing+" does not exist: create it first (mkdir -p "+missing+")\n" {
		t.Errorf("missing directory: exit %d, %q", code, errOut)
	}
	if strings.Contains(errOut, "partial") {
		t.Errorf("the error names the temporary file: %q", errOut)
	}

	old := filepath.Join(dir, "old.db")
	if err := os.WriteFile(old, []byte("an older backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = cliRun(t, nil, "", "backup", "--config", cfg, old)
	if code != 1 || errOut != "paperbot: backup: "+old+" exists: name a new file, or pass --force to replace it\n" {
		t.Errorf("existing file: exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(old); string(b) != "an older backup" {
		t.Errorf("the existing file was changed without --force")
	}
	if _, errOut, code = cliRun(t, nil, "", "backup", "--config", cfg, old, "--force"); code != 2 || !strings.Contains(errOut, "--force comes after the file: flags go first") {
		t.Errorf("flag after the file: exit %d, %q", code, errOut)
	}
	stdout, errOut, code := cliRun(t, nil, "", "backup", "--config", cfg, "--force", old)
	if code != 0 || !strings.HasPrefix(stdout, "backed up ") {
		t.Errorf("--force: exit %d, %q, %q", code, stdout, errOut)
	}
	db, err := store.Open(old, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the replaced backup: %v", err)
	}
	db.Close()

	_, errOut, code = cliRun(t, nil, "", "backup", "--config", cfg, dir)
	if code != 1 || !strings.Contains(errOut, "backup: "+dir+" is a directory: name a file in it, like "+filepath.Join(dir, "state-")) {
		t.Errorf("a directory: exit %d, %q", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 { // data, paperbot.yaml, old.db
		t.Errorf("left in %s: %v", dir, entries)
	}
}
