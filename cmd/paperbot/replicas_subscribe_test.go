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
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/configs"
)

// signalHandler is a log handler that tells when a record with msg is
// logged.
type signalHandler struct {
	slog.Handler
	msg string
	ch  chan struct{}
}

func (h signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return nil
}

func (h signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h signalHandler) WithGroup(string) slog.Handler            { return h }

// replicaStores opens n connections to the test database (closed with the
// test) and parses a configuration with a grace window of an hour.
func replicaStores(t *testing.T, n int) (*configs.Config, []*pgstore.Store) {
	t.Helper()
	url := pgtest.URL(t)
	cfg, err := configs.Parse([]byte("digest:\n  grace: 1h\n"), "paperbot.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var dbs []*pgstore.Store
	for range n {
		db, err := pgstore.Open(t.Context(), url, pgstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return cfg, dbs
}

// runReplicaDigest runs r's digest job (under the digest lease), posting
// to plat, until the test ends; each finished day is sent on the channel
// it returns.
func runReplicaDigest(t *testing.T, r *replicaSet, cfg *configs.Config, search bot.Searcher, plat *bottest.Platform) <-chan digest.Day {
	finished := make(chan digest.Day, 4)
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- r.digest(ctx, cfg, search, func(string) bot.Poster { return plat }, r.log, func(d digest.Day) { finished <- d })
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("digest: %v", err)
		}
	})
	return finished
}

// A channel subscribed through another replica is posted by the scheduler
// of the replica holding the digest lease at once: the change is announced
// through the database and wakes that scheduler, which otherwise would
// find it on its next pass only (up to 15 minutes later: it sleeps until
// the next due time it knows of, and it knew of none).
func TestReplicaSchedulerSeesSubscriptionsFromAnotherReplica(t *testing.T) {
	ctx := t.Context()
	cfg, dbs := replicaStores(t, 2)
	holder, other := dbs[0], dbs[1]
	// Each pass of the scheduler logs that a subscription with a bad time
	// zone is not scheduled, after it read the subscriptions: the test
	// knows when a pass has read them.
	if err := other.PutSubscription(ctx, digest.Subscription{Platform: "slack", Team: "T1", Channel: "CBAD", Time: "09:00", Zone: "Not/AZone", Top: 1,
		Source: digest.SourceChat}); err != nil {
		t.Fatal(err)
	}
	passed := make(chan struct{}, 1)
	log := slog.New(signalHandler{Handler: slog.DiscardHandler, msg: "digest subscription has a bad time zone; it is not scheduled", ch: passed})
	r := &replicaSet{db: holder, holder: "holder", ttl: 2 * time.Second, log: log}
	today := time.Now().UTC().Format(paper.DateLayout)
	search := bottest.NewSearcher(paper.Paper{ID: "2605.00001", Title: "Announced across replicas", Abstract: "A paper.", Authors: []string{"Ada"},
		Published: today, Upvotes: 50})
	plat := &bottest.Platform{Name: "slack"}
	finished := runReplicaDigest(t, r, cfg, search, plat)
	// The scheduler's first pass has read the subscriptions and found none
	// to schedule: it sleeps until its next look, 15 minutes away.
	select {
	case <-passed:
	case <-time.After(30 * time.Second):
		t.Fatal("the digest scheduler did not make a pass under the lease")
	}
	// Another replica stores a subscription due now (as its /papers
	// subscribe does).
	zone, at := dueNowZone(time.Now())
	start := time.Now()
	if err := other.PutSubscription(ctx, digest.Subscription{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "papers",
		Time: at, Zone: zone, Top: 1, Source: digest.SourceChat, Since: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-finished:
		if d.Channel != "C1" || d.Status != digest.DayDone {
			t.Fatalf("finished %+v, want C1's day done", d)
		}
		t.Logf("posted %v after the subscription was stored on the other replica", time.Since(start).Round(time.Millisecond))
	case <-time.After(60 * time.Second):
		t.Fatal("the lease holder's scheduler did not post a subscription stored on another replica within a minute")
	}
	if n := len(plat.CallsTo("C1")); n != 3 {
		t.Errorf("%d posts to C1, want 3 (the header, the paper, its thread)", n)
	}
}
