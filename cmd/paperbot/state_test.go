package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/configs/sample"
)

// With state: ${PAPERBOT_STATE_URL} the commands keep their state in
// PostgreSQL: the configuration's subscriptions are synced there, the
// digest posts and records its day there, `digest --dry-run` reads it
// there, no state file is made, and the password is never logged.
func TestStateInPostgres(t *testing.T) {
	url := pgtest.WithParam(t, pgtest.URL(t), "password", "pw-never-logged")
	getenv := func(k string) string {
		if k == "PAPERBOT_STATE_URL" {
			return url
		}
		return ""
	}
	cfgPath, dataDir := writeDigestConfig(t, "state: ${PAPERBOT_STATE_URL}\n"+digestConfig)
	ctx := t.Context()

	// A chat subscription from an earlier run, due a few minutes ago.
	due := time.Now().UTC().Add(-5 * time.Minute)
	pg, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.PutSubscription(ctx, digest.Subscription{
		Platform: "fake", Channel: "F1", ChannelName: "fake-papers", Time: due.Format("15:04"), Zone: "UTC",
		Top: 2, Source: digest.SourceChat, Since: due.Add(-48 * time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	// The papers, in the table that a replica's index follows (as another
	// replica's refresh writes them): a replica indexes no sample corpus.
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Fenced(mustLease(t, pg)).UpsertPapers(ctx, papers); err != nil {
		t.Fatal(err)
	}

	e := &env{getenv: getenv, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	c, err := loadConfig(cfgPath, e)
	if err != nil {
		t.Fatal(err)
	}
	c.Log.Level = "debug"
	var logs bytes.Buffer
	a, err := newApp(ctx, e, c, newLogger(c, &logs))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, ok := a.state.(*pgstore.Store); !ok {
		t.Fatalf("the state is a %T, want PostgreSQL", a.state)
	}

	postDigest(t, a, 5) // header, 2 papers, 2 threads
	a.Close()

	// Everything is in the database.
	day, ok, err := pg.Day(ctx, "fake", "F1", due.Format(time.DateOnly))
	if err != nil || !ok || day.Status != digest.DayDone {
		t.Errorf("the day in PostgreSQL: %v %v %v", day.Status, ok, err)
	}
	if s, ok, _ := pg.Subscription(ctx, "console", "console"); !ok || s.Source != digest.SourceConfig {
		t.Errorf("the configuration's subscription was not synced to PostgreSQL: %+v", s)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "state.db")); err == nil {
		t.Error("a state file was made beside a PostgreSQL state")
	}

	// The dry run reads it there.
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"digest", "--dry-run", "--channel", "fake:#fake-papers", "--config", cfgPath}, getenv, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "Next digest for #fake-papers") {
		t.Errorf("dry run:\n%s", out.String())
	}
	for what, s := range map[string]string{"logs": logs.String(), "stdout": out.String(), "stderr": errOut.String()} {
		if strings.Contains(s, "pw-never-logged") {
			t.Errorf("the database password is in the %s", what)
		}
	}
	if !strings.Contains(logs.String(), "password=%5Bredacted%5D") && !strings.Contains(logs.String(), "password=[redacted]") {
		t.Errorf("the logs do not say which database (redacted):\n%s", logs.String())
	}
}

// A database without paperbot's schema is an empty state for the dry run,
// and stays without it; --state takes a URL too.
func TestDryRunOnEmptyDatabase(t *testing.T) {
	url := pgtest.URL(t)
	cfgPath, _ := writeDigestConfig(t, digestConfig)
	_, errOut, code := runCmd(t, "", "digest", "--dry-run", "--channel", "console:#papers", "--config", cfgPath, "--state", url)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var n int
	pgtest.QueryRow(t, url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()", &n)
	if n != 0 {
		t.Errorf("the dry run made %d tables", n)
	}
	if _, errOut, code := runCmd(t, "", "digest", "--dry-run", "--channel", "console:#papers", "--config", cfgPath, "--state", "mysql://db/x"); code != 2 || !strings.Contains(errOut, "--state: mysql:// is not supported") {
		t.Errorf("--state mysql://: exit %d, %s", code, errOut)
	}
}

// A state file another process holds is refused naming that file, and
// not a data directory it is not in: with --state elsewhere, the chat
// asked "is paperbot already running with data_dir data?".
func TestStateHeldElsewhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "elsewhere", "state.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	held, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	env := cliDataEnv(t)
	_, stderr, code := cliRun(t, env, "", "chat", "--state", path)
	want := "paperbot: state " + path + ": the state file is in use by another paperbot process: is another paperbot (serve, or a chat) running with it? One state file takes one process: stop that one first\n"
	if code != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}
