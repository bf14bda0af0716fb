package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/index"
)

// backup and check read only the data: they run with the configuration
// serve uses while the platform secrets it names are not set (cron, a
// shell on the host). Before, both failed on the unset SLACK_BOT_TOKEN.
// And check while serve holds the files says which parts it skipped and
// exits 0 when what it could check is sound.
func TestOfflineCommandsNeedNoPlatformSecrets(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := cliWrite(t, dir, "paperbot.yaml", "data_dir: "+data+"\nslack:\n  mode: http\n  bot_token: ${SLACK_BOT_TOKEN}\n  signing_secret: ${SLACK_SIGNING_SECRET}\n")
	state := filepath.Join(data, "state.db")
	addSubscription(t, state, "C1")
	if _, stderr, code := cliRun(t, nil, "", "serve", "--config", cfg); code == 0 || !strings.Contains(stderr, "SLACK_BOT_TOKEN") {
		t.Fatalf("serve without the tokens: exit %d %s, want it to need them", code, stderr)
	}

	backup := filepath.Join(dir, "backup.db")
	if stdout, stderr, code := cliRun(t, nil, "", "backup", "--config", cfg, backup); code != 0 {
		t.Errorf("backup without the platform secrets: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(backup); err != nil {
		t.Errorf("no backup written: %v", err)
	}
	if stdout, stderr, code := cliRun(t, nil, "", "check", "--config", cfg); code != 0 || !strings.Contains(stdout, "state "+state+": ok") {
		t.Errorf("check without the platform secrets: exit %d\n%s%s", code, stdout, stderr)
	}

	// As if serve ran: the state and the index are held by this process.
	db, err := store.Open(state, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ix, err := index.Open(filepath.Join(data, "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	stdout, stderr, code := cliRun(t, nil, "", "check", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "state "+state+": skipped") ||
		!strings.Contains(stdout, "skipped (held by a running paperbot, which checks them itself when it starts): state, index") {
		t.Errorf("check while the data is held: exit %d, want 0 and the parts skipped\n%s%s", code, stdout, stderr)
	}
}
