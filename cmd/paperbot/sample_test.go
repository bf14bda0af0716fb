package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
)

// serve with a source that fills the index (here Hugging Face) starts a
// new index without the sample corpus: its papers, an old trending listing
// with a rank each, were listed by /papers trending and posted
// in the team's digests before the papers of the sources. The digest dry
// run on such a configuration previews no sample either.
func TestSourcesLeaveTheSampleOut(t *testing.T) {
	cfg := hfServeConfig(t, consoleSubscription)
	dryRunPreviewsNothing(t, cfg, "the configured sources fill it once serve runs")

	logs := serveUntilLogged(t, cfg, "msg=refreshed job=huggingface source=huggingface papers=2")
	if strings.Contains(logs, "indexing the sample corpus") {
		t.Errorf("serve indexed the sample corpus beside its source:\n%s", logs)
	}
	ix := openConfiguredIndex(t, cfg)
	if n, err := ix.Count(); err != nil || n != 2 {
		t.Errorf("the index holds %d papers (%v), want the source's 2", n, err)
	}
	if p, err := ix.Lookup(context.Background(), "2205.13760"); err == nil {
		t.Errorf("the sample's Tranception is in the index: %s", p.Title)
	}
}

// Without a source that fills the index, serve and the chat still start
// on the sample corpus (the console demo; arXiv for /papers show alone
// fills nothing).
func TestSampleWithoutFillingSources(t *testing.T) {
	for _, body := range []string{"", "sources:\n  arxiv:\n    categories: []\n", "sources:\n  huggingface:\n    enabled: false\n"} {
		cfg := writeSourcesConfig(t, body)
		_, stderr, code := cliRun(t, nil, "", "chat", "--config", cfg)
		if code != 0 || !strings.Contains(stderr, "indexing the sample corpus (194 papers)") {
			t.Errorf("%q: exit %d, stderr: %s", body, code, stderr)
		}
	}
}

// A replica (the state in PostgreSQL) whose configuration has no source
// that fills the index still leaves the sample corpus out: its index
// holds the papers table's papers, which another replica's refresh
// writes, and the sample would have mixed into them on this replica
// alone (searched, listed as trending, posted in digests). The digest
// dry run says where the papers will come from, and the chat on that
// configuration indexes no sample either.
func TestReplicaLeavesTheSampleOut(t *testing.T) {
	url := pgtest.URL(t)
	ctx := t.Context()
	db, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	team := []paper.Paper{
		{ID: "2403.00042", Title: "Narwhal tusk sensing", Abstract: "Tusks sense salinity.", Published: "2024-03-01"},
		{ID: "2403.00043", Title: "Beluga song dialects", Abstract: "Pods sing apart.", Published: "2024-03-02"},
	}
	if err := db.Fenced(mustLease(t, db)).UpsertPapers(ctx, team); err != nil {
		t.Fatal(err)
	}
	cfg := writeSourcesConfig(t, "state: "+url+"\nhttp:\n  addr: 127.0.0.1:0\n"+consoleSubscription)
	dryRunPreviewsNothing(t, cfg, "serve fills it from the papers table in PostgreSQL")
	if _, stderr, code := cliRun(t, nil, "", "chat", "--config", cfg, "--index", filepath.Join(t.TempDir(), "index")); code != 0 || strings.Contains(stderr, "sample corpus") {
		t.Errorf("chat with the state in PostgreSQL: exit %d, stderr: %s", code, stderr)
	}

	logs := serveUntilLogged(t, cfg, "msg=\"index caught up with the papers table\"")
	if strings.Contains(logs, "indexing the sample corpus") {
		t.Errorf("the replica indexed the sample corpus:\n%s", logs)
	}
	ix := openConfiguredIndex(t, cfg)
	if n, err := ix.Count(); err != nil || n != uint64(len(team)) {
		t.Errorf("the replica's index holds %d papers (%v), want the table's %d", n, err, len(team))
	}
	if p, err := ix.Lookup(ctx, "2205.13760"); err == nil {
		t.Errorf("the sample's Tranception is in the replica's index: %s", p.Title)
	}
	if _, err := ix.Lookup(ctx, "2403.00042"); err != nil {
		t.Errorf("the table's paper is not in the replica's index: %v", err)
	}
}

// consoleSubscription is a configuration's digest section with the
// console's subscription.
const consoleSubscription = `digest:
  subscriptions:
    - platform: console
      channel: console
`

// dryRunPreviewsNothing checks that the digest dry run of cfg's console
// subscription, before serve made the index, previews no sample and
// says why (want).
func dryRunPreviewsNothing(t *testing.T, cfg, want string) {
	t.Helper()
	stdout, stderr, code := cliRun(t, nil, "", "digest", "--dry-run", "--channel", "console:console", "--config", cfg)
	if code != 0 || strings.Contains(stderr, "sample corpus") || !strings.Contains(stderr, want) || len(previewIDs(stdout)) != 0 {
		t.Errorf("dry run before serve: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
