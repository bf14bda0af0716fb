package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
)

// The replica holding the refresh lease was stopped while its job wrote to
// the papers table, and its lease ended: the replica holding the digest
// lease finds the run unfinished in the database, under a lease no longer
// held, and holds a channel's digest due now until the next holder's
// refresh completes, then posts it (at its next look, within 15 s).
func TestReplicaDigestWaitsForARefreshCutShort(t *testing.T) {
	ctx := t.Context()
	cfg, dbs := replicaStores(t, 2)
	refresher, other := dbs[0], dbs[1]
	refresh := func(lease bot.Lease, run func(ctx context.Context, stop context.CancelFunc) (int, error), ended func(stop context.CancelFunc)) {
		t.Helper()
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		job := sources.Job{Name: "huggingface", Source: "huggingface", AtStart: true, Next: sources.Every(3 * time.Hour),
			Run: func(ctx context.Context) (int, error) { return run(ctx, stop) }}
		r := &sources.Refresher{Jobs: []sources.Job{job}, Progress: refresher.Fenced(lease), Owner: lease.Holder, Token: lease.Token,
			Ended: func() { ended(stop) }}
		if err := r.Run(rctx); err != nil {
			t.Fatal(err)
		}
	}
	// Stopped mid-run; its lease ends (as a dead replica's expires).
	lease := mustLease(t, refresher)
	refresh(lease, func(ctx context.Context, stop context.CancelFunc) (int, error) {
		stop()
		return 0, ctx.Err()
	}, func(context.CancelFunc) { t.Error("a run cut short was reported as ended") })
	if err := refresher.ReleaseLease(ctx, lease); err != nil {
		t.Fatal(err)
	}

	if err := other.PutSubscription(ctx, digest.Subscription{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "papers",
		Zone: "UTC", Time: time.Now().UTC().Add(-time.Minute).Format("15:04"), Top: 1, Source: digest.SourceChat, Since: time.Now().Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	waits := make(chan struct{}, 1)
	log := slog.New(signalHandler{Handler: slog.DiscardHandler, msg: "digest waits for the source refresh to complete", ch: waits})
	r := &replicaSet{db: other, holder: "digest", ttl: 2 * time.Second, log: log}
	search := bottest.NewSearcher(paper.Paper{ID: "2605.00001", Title: "Announced across replicas", Abstract: "A paper.", Authors: []string{"Ada"},
		Published: time.Now().UTC().Format(paper.DateLayout), Upvotes: 50})
	plat := &bottest.Platform{Name: "slack"}
	finished := runReplicaDigest(t, r, cfg, search, plat)
	select {
	case <-waits:
	case d := <-finished:
		t.Fatalf("the digest of %s ended (%s) while the refresh was unfinished", d.Channel, d.Status)
	case <-time.After(30 * time.Second):
		t.Fatal("the digest did not wait for the refresh within 30s")
	}

	// The next holder of the refresh lease runs it again; it completes.
	completed := time.Now()
	refresh(mustLease(t, refresher), func(context.Context, context.CancelFunc) (int, error) {
		select {
		case d := <-finished:
			t.Fatalf("the digest of %s ended (%s) before the refresh completed", d.Channel, d.Status)
		default:
		}
		return 1, nil
	}, func(stop context.CancelFunc) { stop() })
	select {
	case d := <-finished:
		if d.Channel != "C1" || d.Status != digest.DayDone || len(d.Papers) != 1 {
			t.Fatalf("finished %s %s with %d papers, want C1 done with 1", d.Channel, d.Status, len(d.Papers))
		}
		t.Logf("posted %v after the refresh completed", time.Since(completed).Round(time.Millisecond))
	case <-time.After(60 * time.Second):
		t.Fatal("the digest was not posted within 60s of the refresh's end")
	}
	if n := len(plat.CallsTo("C1")); n != 3 {
		t.Errorf("%d posts to C1, want 3 (the header, the paper, its thread)", n)
	}
}
