package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/index"
)

// Papers written to the table by the refresh lease's holder are searchable
// on every replica's index (woken by NOTIFY, the poll set far beyond the
// 5 s the issue allows); a replica is ready only once its index caught up.
func TestReplicaIndexesFollowTheTable(t *testing.T) {
	url := pgtest.URL(t)
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	var replicas []*replicaSet
	var indexes []*index.Index
	for range 2 {
		db, err := pgstore.Open(ctx, url, pgstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		ix, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		r := &replicaSet{db: db, holder: "h", ttl: time.Second, poll: time.Minute, log: log}
		if err := r.ready(ctx); err == nil {
			t.Fatal("a replica whose index never caught up is ready")
		}
		fctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.follow(ix)(fctx) }()
		t.Cleanup(func() { stop(); <-done })
		replicas, indexes = append(replicas, r), append(indexes, ix)
	}
	for i, r := range replicas {
		deadline := time.Now().Add(10 * time.Second)
		for r.ready(ctx) != nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond) // polling readiness
		}
		if err := r.ready(ctx); err != nil {
			t.Fatalf("replica %d not ready: %v", i, err)
		}
	}
	writer := replicas[0].db.Fenced(mustLease(t, replicas[0].db))
	p := paper.Paper{ID: "2403.00042", Title: "Narwhal tusk sensing", Abstract: "Tusks sense salinity.", Authors: []string{"Ada"}, Published: "2024-03-01"}
	start := time.Now()
	if err := writer.UpsertPapers(ctx, []paper.Paper{p}); err != nil {
		t.Fatal(err)
	}
	for i, ix := range indexes {
		deadline := start.Add(5 * time.Second)
		for {
			res, err := ix.Search(ctx, paper.Query{Text: "narwhal"})
			if err == nil && len(res.Hits) == 1 {
				t.Logf("replica %d: searchable %v after the write", i, time.Since(start).Round(time.Millisecond))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d: the paper is not searchable 5s after it was written (%v)", i, err)
			}
			time.Sleep(10 * time.Millisecond) // polling the index
		}
	}
}

func mustLease(t *testing.T, db *pgstore.Store) bot.Lease {
	t.Helper()
	l, ok, err := db.AcquireLease(t.Context(), "refresh", "writer", time.Minute)
	if err != nil || !ok {
		t.Fatalf("taking the refresh lease: %v %v", ok, err)
	}
	return l
}
