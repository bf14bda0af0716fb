package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/store"
)

// dataConfig writes a configuration whose data directory is dir/data.
func dataConfig(t *testing.T, dir string) (cfg, data string) {
	t.Helper()
	data = filepath.Join(dir, "data")
	cfg = filepath.Join(dir, "paperbot.yaml")
	body := "data_dir: " + data + "\nhttp:\n  addr: 127.0.0.1:0\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, data
}

// addSubscription stores a subscription in the state file at path.
func addSubscription(t *testing.T, path, channel string) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sub := digest.Subscription{Platform: "slack", Team: "T1", Channel: channel, Time: "09:00", Zone: "UTC", Top: 5, Since: time.Unix(0, 0).UTC()}
	if err := db.PutSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
}

// `paperbot check` reports the state and the index as ok, and exits 1 with
// what is damaged where (issue 13 item 5).
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	cfg, data := dataConfig(t, dir)
	var b strings.Builder
	for i := range 300 {
		fmt.Fprintf(&b, `{"id":"2401.%05d","title":"Paper %d on glaciers","abstract":"%s"}`+"\n", i+1, i, strings.Repeat("ice sheets and glaciers ", 20))
	}
	papers := cliWrite(t, dir, "papers.jsonl", b.String())
	if _, stderr, code := cliRun(t, nil, "", "ingest", "--config", cfg, papers); code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	state := filepath.Join(data, "state.db")
	addSubscription(t, state, "C1")

	stdout, stderr, code := cliRun(t, nil, "", "check", "--config", cfg)
	if code != 0 || !strings.HasPrefix(stdout, "state "+state+": ok (") || !strings.Contains(stdout, "1 subscription,") ||
		!strings.Contains(stdout, "\nindex "+filepath.Join(data, "index")+": ok (300 papers in ") {
		t.Errorf("sound data: exit %d\n%s%s", code, stdout, stderr)
	}

	// Bit flips in the segments: found by their checksums. Every segment
	// file is damaged: a file the last ingest's merges left behind is not
	// one of the index's segments, and check rightly ignores it.
	segs, _ := filepath.Glob(filepath.Join(data, "index", "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, seg := range segs {
		body, _ := os.ReadFile(seg)
		for range 20 {
			body[r.IntN(len(body)-64)] ^= 1 << r.IntN(8)
		}
		os.WriteFile(seg, body, 0o600)
	}
	stdout, _, code = cliRun(t, nil, "", "check", "--config", cfg)
	want := regexp.MustCompile(`(?m)^index ` + regexp.QuoteMeta(filepath.Join(data, "index")) + `: DAMAGED\n  index ` +
		regexp.QuoteMeta(filepath.Join(data, "index")) + ` is damaged: segment store/[0-9a-f]+\.zap: its checksum does not match`)
	if code != 1 || !want.MatchString(stdout) {
		t.Errorf("damaged segments: exit %d\n%s\nwant %s", code, stdout, want)
	}
	// A 0-byte state file.
	os.WriteFile(state, nil, 0o600)
	stdout, _, code = cliRun(t, nil, "", "check", "--config", cfg, "--state", state)
	if code != 1 || !strings.HasPrefix(stdout, "state "+state+": DAMAGED\n") || !strings.Contains(stdout, "it is empty (0 bytes)") {
		t.Errorf("0-byte state: exit %d\n%s", code, stdout)
	}
	// And serve refuses it, with the remedy, exit 1, no stack trace.
	_, stderr, code = cliRun(t, nil, "", "serve", "--config", cfg)
	if code != 1 || !strings.HasPrefix(stderr, "paperbot: state "+state+": the state file is damaged: it is empty (0 bytes)") ||
		!strings.Contains(stderr, "restore "+state+" from a backup") || strings.Contains(stderr, "goroutine") {
		t.Errorf("serve on a 0-byte state: exit %d\n%s", code, stderr)
	}
}

// serve checks its data in the background at start, logs it and exports
// paperbot_data_check_ok; `paperbot backup` copies the state from the
// running serve (which holds the file locked), and from the file when
// none runs (issue 13 items 5 and 10).
func TestServeChecksDataAndServesBackups(t *testing.T) {
	dir := t.TempDir()
	cfg, data := dataConfig(t, dir)
	state := filepath.Join(data, "state.db")
	addSubscription(t, state, "C1")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdin, stdinW := io.Pipe() // the console waits for commands
	defer stdinW.Close()
	stderr := newCLIOutput()
	ready := make(chan string, 1)
	e := &env{getenv: cliEnv(nil), stdin: stdin, stdout: io.Discard, stderr: stderr, onReady: func(addr string) { ready <- addr }}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, e, []string{"--config", cfg}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, stderr.String())
	}
	stderr.waitFor(t, ctx, `msg="data check: ok" part=index`, done)
	stderr.waitFor(t, ctx, `msg="data check: ok" part=state`, done)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`paperbot_data_check_ok{part="index"} 1`, `paperbot_data_check_ok{part="state"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// A backup while serve holds the state.
	backup := filepath.Join(dir, "backups", "state-copy.db")
	os.MkdirAll(filepath.Dir(backup), 0o755)
	stdout, errOut, code := cliRun(t, nil, "", "backup", "--config", cfg, backup)
	if code != 0 || !strings.HasPrefix(stdout, "backed up "+state+" to "+backup+" (") || !strings.Contains(stdout, "1 subscription,") ||
		!strings.Contains(stdout, "from the running paperbot") {
		t.Errorf("backup while serving: exit %d, %q, %q", code, stdout, errOut)
	}
	if st, err := os.Stat(adminSocket(state)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("admin socket: %v, %v", st, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := os.Stat(adminSocket(state)); err == nil {
		t.Error("the admin socket is left behind")
	}
	db, err := store.Open(backup, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the backup: %v", err)
	}
	subs, err := db.Subscriptions(t.Context())
	db.Close()
	if err != nil || len(subs) != 1 || subs[0].Channel != "C1" {
		t.Errorf("the backup's subscriptions: %+v, %v", subs, err)
	}
	// Without serve: from the file; over an older backup.
	stdout, errOut, code = cliRun(t, nil, "", "backup", "--config", cfg, "--force", backup)
	if code != 0 || !strings.Contains(stdout, "from the file: no paperbot was running") {
		t.Errorf("backup without serve: exit %d, %q, %q", code, stdout, errOut)
	}
	// Never over the state itself.
	if _, errOut, code = cliRun(t, nil, "", "backup", "--config", cfg, state); code != 2 || !strings.Contains(errOut, "is the state file itself") {
		t.Errorf("backup onto the state: exit %d, %q", code, errOut)
	}
	if entries, _ := os.ReadDir(filepath.Dir(backup)); len(entries) != 1 {
		t.Errorf("beside the backup: %v", entries)
	}
}
