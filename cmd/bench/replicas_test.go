package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
)

// TestReplicasSmoke runs the replicas section at tiny sizes against the
// test server (PAPERBOT_TEST_POSTGRES; skipped without it, failed in CI):
// three real `paperbot serve` built from this tree, a digest to 3 channels
// × 2 papers at Slack's one message a second per channel, and 2 s of
// slash commands at 20/s round robin over the replicas.
func TestReplicasSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds paperbot and starts three servers: not in -short")
	}
	base := pgtest.Server(t)
	_, papers := tinyCorpus(t)
	b := &bench{
		o: options{work: t.TempDir(), replicas: replicasOptions{channels: 3, perChannel: 2, rate: 20, duration: 2 * time.Second,
			timeout: 3 * time.Minute, pgURL: base, seed: papers}},
		logf: t.Logf, rep: &Report{}, qs: []Query{{Text: "transformers"}, {Text: "residual learning"}, {Text: "author:Perelman"}},
	}
	rep, err := b.runReplicas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Fanout
	if want := 3 * (1 + 2*2); f.Expected != want || f.Messages != want || f.Incomplete != 0 || f.Duplicates != 0 || f.Error != "" {
		t.Errorf("fan-out %+v: want %d messages, 5 in each of 3 channels, no duplicates", f, want)
	}
	if f.BoundSeconds != 5 || f.Seconds <= 0 {
		t.Errorf("fan-out took %v s, bound %v s; want > 0 and 5 (5 messages at 1/s)", f.Seconds, f.BoundSeconds)
	}
	if !strings.Contains("ABC", rep.DigestHolder) || rep.DigestHolder == "" {
		t.Errorf("digest posted by %q, want one of the replicas A, B, C", rep.DigestHolder)
	}
	if len(rep.ReadySeconds) != 3 || rep.Papers != len(papers)+len(papers) || rep.Postgres == "" {
		t.Errorf("ready %v, papers %d (want %d: the corpus and its trending copies), postgres %q", rep.ReadySeconds, rep.Papers, 2*len(papers), rep.Postgres)
	}
	a := rep.Ack
	if a.Sent != 40 || a.Acked != a.Sent || a.Failed != 0 || a.Replies != a.Acked {
		t.Errorf("acks: %d sent, %d acked, %d failed (%s), %d replies; want 40 each, none failed", a.Sent, a.Acked, a.Failed, a.FirstError, a.Replies)
	}
	var total int64
	for _, r := range rep.PerReplica {
		total += r.Requests
		if r.Requests < 13 {
			t.Errorf("replica %s got %d of the 40 commands, want 13 or 14 (round robin)", r.Name, r.Requests)
		}
	}
	if len(rep.PerReplica) != 3 || total != 40 {
		t.Errorf("per replica %+v: want 3 replicas, 40 commands in all", rep.PerReplica)
	}
	tc := rep.targets()
	if len(tc) != 3 || tc[0].Met == nil || !strings.Contains(tc[0].Target, "3 replicas") || !strings.Contains(tc[1].Goal, "p99 < 100 ms") {
		t.Errorf("targets = %+v", tc)
	}
	var md bytes.Buffer
	rep.writeMarkdown(&md)
	if !strings.Contains(md.String(), "### Replicas: 3 `paperbot serve` on one PostgreSQL") || !strings.Contains(md.String(), "round robin over 3") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

// TestReplicasSkipsWithoutPostgres: without PostgreSQL's programs and
// without a server URL the section says why it did not run, in the report
// and its warnings, and claims no target.
func TestReplicasSkipsWithoutPostgres(t *testing.T) {
	b := &bench{o: options{work: t.TempDir(), replicas: replicasOptions{channels: 1, perChannel: 1, findInitdb: func() string { return "" }}},
		logf: t.Logf, rep: &Report{}}
	rep, err := b.runReplicas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Skipped, "no PostgreSQL programs (initdb) found") || len(b.rep.Warnings) != 1 {
		t.Errorf("skipped %q, warnings %q", rep.Skipped, b.rep.Warnings)
	}
	if tc := rep.targets(); tc != nil {
		t.Errorf("targets of a skipped section: %+v", tc)
	}
	var md bytes.Buffer
	rep.writeMarkdown(&md)
	if !strings.Contains(md.String(), "### Replicas\n\nSkipped: replicas: no PostgreSQL programs") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

// TestClusterCPU reads the CPU time of the test cluster (PAPERBOT_PG_DIR,
// set by .ci/postgres start): a server that answered queries used some,
// and the figure does not go back; no directory is 0.
func TestClusterCPU(t *testing.T) {
	if clusterCPU("") != 0 || clusterCPU(t.TempDir()) != 0 {
		t.Error("CPU time of no cluster")
	}
	dir := os.Getenv("PAPERBOT_PG_DIR")
	if dir == "" {
		t.Skip("PAPERBOT_PG_DIR is not set: no cluster of .ci/postgres to read")
	}
	base := pgtest.Server(t)
	before := clusterCPU(dir)
	for range 200 {
		var n int
		pgtest.QueryRow(t, base, "SELECT count(*) FROM generate_series(1, 20000)", &n)
	}
	after := clusterCPU(dir)
	if before <= 0 || after < before {
		t.Errorf("cluster CPU %v s, then %v s: want > 0 and not less", before, after)
	}
	t.Logf("cluster CPU %.2f s → %.2f s", before, after)
}
