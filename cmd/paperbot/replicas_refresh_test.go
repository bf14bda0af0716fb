package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/configs"
)

// replicaApp is one replica built from config (its state in PostgreSQL)
// running its jobs until the test ends; tenures receives the name of
// each lease it takes.
type replicaApp struct {
	*app
	logs    *slackLogBuffer // a log sink the test reads while the replica writes
	tenures chan string
}

// newReplicaApp builds a replica from config (its state in PostgreSQL),
// without running its jobs, logging to logs; it is closed when the test
// ends.
func newReplicaApp(t *testing.T, config string, logs io.Writer) *app {
	t.Helper()
	path := writeSourcesConfig(t, config)
	e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	cfg, err := loadConfig(path, e)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(t.Context(), e, cfg, newLogger(cfg, logs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if a.replicas == nil {
		t.Fatal("serve with the state in PostgreSQL has no replica set")
	}
	return a
}

// startReplicaApp is newReplicaApp running the replica's jobs until the
// test ends.
func startReplicaApp(t *testing.T, config string) *replicaApp {
	t.Helper()
	r := &replicaApp{logs: &slackLogBuffer{}, tenures: make(chan string, 16)}
	a := newReplicaApp(t, config, r.logs)
	r.app = a
	a.replicas.onTenure = func(_ context.Context, name string, _ bot.Lease) {
		select {
		case r.tenures <- name:
		default:
		}
	}
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, job := range a.jobs {
		wg.Go(func() { job(ctx) })
	}
	t.Cleanup(func() {
		stop()
		wg.Wait()
		if t.Failed() {
			t.Logf("replica %s logs:\n%s", a.replicas.holder, r.logs.String())
		}
	})
	return r
}

// A replica without sources to refresh never takes the refresh lease (it
// re-scores, under a lease of its own): started first, it used to take
// the lease and hold it, re-scoring only, so that the sources of the
// replica that has them never ran.
func TestReplicaWithoutSourcesLeavesTheRefresh(t *testing.T) {
	url := pgtest.URL(t)
	base := "state: " + url + "\nreplicas:\n  lease_ttl: 1s\n"
	bare := startReplicaApp(t, base)
	// It takes the lease it re-scores under, with nobody else about.
	for name := ""; name != "rescore" && name != "refresh"; {
		select {
		case name = <-bare.tenures:
		case <-time.After(30 * time.Second):
			t.Fatal("the replica without sources did not start re-scoring within 30s")
		}
		if name == "refresh" {
			t.Errorf("the replica without sources took the refresh lease")
		}
	}

	file := filepath.Join(t.TempDir(), "papers.jsonl")
	if err := os.WriteFile(file, []byte(`{"id":"2403.00042","title":"Narwhal tusk sensing","abstract":"Tusks sense salinity.","published":"2024-03-01"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	startReplicaApp(t, base+"sources:\n  files: ["+file+"]\n")
	db, err := pgstore.Open(t.Context(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	until(t, 20*time.Second, "the file's paper in the papers table (the refresh of the replica with sources)", func() bool {
		changes, err := db.PaperChanges(t.Context(), 0, 10)
		return err == nil && len(changes) == 1 && changes[0].Paper.ID == "2403.00042"
	})
	for len(bare.tenures) > 0 {
		if name := <-bare.tenures; name == "refresh" {
			t.Errorf("the replica without sources took the refresh lease")
		}
	}
}

// Replicas whose fetching sources differ say so: only the refresh lease
// holder's sources run, so a replica that starts with sources other than
// those the last replica with sources recorded logs a warning naming both
// replicas and both sources; one that starts with the same sources does
// not.
func TestReplicasWithDifferentSourcesWarn(t *testing.T) {
	url := pgtest.URL(t)
	// Hugging Face at an address nothing answers (the refresh fails,
	// the sources are recorded all the same), fetching 1 or 3 days.
	hf := func(days int) string {
		return fmt.Sprintf("  huggingface:\n    base_url: http://127.0.0.1:1\n    days: %d\n    arxiv_details: false\n", days)
	}
	base := "state: " + url + "\nreplicas:\n  lease_ttl: 5s\nsources:\n  rescore:\n    disabled: true\n"
	db, err := pgstore.Open(t.Context(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recorded := func(r *replicaApp) func() bool {
		return func() bool {
			v, ok, err := db.Cursor(t.Context(), sourcesRecord)
			return err == nil && ok && strings.Contains(string(v), r.replicas.holder)
		}
	}
	const warning = "replicas have different sources"

	first := startReplicaApp(t, base+hf(1))
	until(t, 20*time.Second, "the first replica's sources recorded", recorded(first))
	same := startReplicaApp(t, base+hf(1))
	until(t, 20*time.Second, "the second replica's sources recorded", recorded(same))
	other := startReplicaApp(t, base+hf(3))
	until(t, 20*time.Second, "the third replica's warning", func() bool { return strings.Contains(other.logs.String(), warning) })

	var line string
	for l := range strings.Lines(other.logs.String()) {
		if strings.Contains(l, warning) {
			line = l
		}
	}
	for _, want := range []string{other.replicas.holder, same.replicas.holder, "huggingface 1 days", "huggingface 3 days"} {
		if !strings.Contains(line, want) {
			t.Errorf("the warning does not name %s:\n%s", want, line)
		}
	}
	for _, r := range []*replicaApp{first, same} {
		if strings.Contains(r.logs.String(), warning) {
			t.Errorf("replica %s, whose sources are the first one's, warned:\n%s", r.replicas.holder, r.logs.String())
		}
	}
}

// The files of sources.files are a replica's own: it reads them once at
// start into the papers table, outside any lease, and never takes the
// refresh lease for them. A replica with files alone used to take it and
// keep it after its one read, so that another replica's Hugging Face
// source never ran.
func TestReplicaWithFilesLeavesTheRefresh(t *testing.T) {
	url := pgtest.URL(t)
	file := filepath.Join(t.TempDir(), "papers.jsonl")
	if err := os.WriteFile(file, []byte(`{"id":"2403.00042","title":"Narwhal tusk sensing","abstract":"Tusks sense salinity.","published":"2024-03-01"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := "state: " + url + "\nreplicas:\n  lease_ttl: 1s\nsources:\n  rescore:\n    disabled: true\n"
	files := startReplicaApp(t, base+"  files: ["+file+"]\n")
	db, err := pgstore.Open(t.Context(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	until(t, 20*time.Second, "the file's paper in the papers table", func() bool {
		changes, err := db.PaperChanges(t.Context(), 0, 10)
		return err == nil && len(changes) == 1 && changes[0].Paper.ID == "2403.00042"
	})
	hf := startReplicaApp(t, base+"  huggingface:\n    base_url: http://127.0.0.1:1\n    arxiv_details: false\n")
	select {
	case name := <-hf.tenures:
		if name != "refresh" {
			t.Errorf("the Hugging Face replica took %q, want refresh", name)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the Hugging Face replica did not take the refresh lease within 20s")
	}
	for len(files.tenures) > 0 {
		if name := <-files.tenures; name == "refresh" {
			t.Errorf("the replica with files alone took the refresh lease")
		}
	}
}

// The sources compared between replicas are those that fetch papers,
// the same whatever their order; none is "".
func TestFetchingSources(t *testing.T) {
	describe := func(yaml string) string {
		t.Helper()
		cfg, err := configs.Parse([]byte(yaml), "paperbot.yaml", func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		return fetchingSources(&cfg.Src)
	}
	if d := describe("sources:\n  files: [a.jsonl]\n"); d != "" {
		t.Errorf("files alone (every replica reads its own) are described as %q, want nothing to refresh", d)
	}
	if d := describe("sources:\n  arxiv:\n    fetch_missing: true\n  rescore:\n    every: 2h\n"); d != "" {
		t.Errorf("the arXiv API and re-scoring alone are described as %q, want nothing to refresh", d)
	}
	a := describe("sources:\n  arxiv:\n    categories: [cs.LG, cs.CL]\n  huggingface: {}\n")
	b := describe("sources:\n  huggingface: {}\n  arxiv:\n    categories: [cs.CL, cs.LG]\n")
	if a != b || !strings.Contains(a, "cs.CL,cs.LG") || !strings.Contains(a, "huggingface") {
		t.Errorf("the same sources in another order: %q and %q", a, b)
	}
	if c := describe("sources:\n  arxiv:\n    categories: [cs.CL]\n"); c == a {
		t.Errorf("other sources are described the same: %q", c)
	}
}
