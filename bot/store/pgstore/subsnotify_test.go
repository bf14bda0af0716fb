package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
)

// A subscription created, changed or removed through one store reaches a
// watcher on another (another replica) as a notification; a removal of
// nothing announces nothing; the watcher calls once as it starts
// listening, and again when it listens after its connection was cut.
func TestWatchSubscriptions(t *testing.T) {
	url := pgtest.URL(t)
	writer := open(t, url, pgstore.Options{})
	// Its connections are named, to cut the watcher's own below (other
	// tests' watchers may listen on the same server).
	app := "watcher-" + t.Name()
	watcher := open(t, pgtest.WithParam(t, url, "application_name", app), pgstore.Options{})
	other := open(t, pgtest.URL(t), pgstore.Options{}) // another deployment's schema
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	changed := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() { done <- watcher.WatchSubscriptions(ctx, func() { changed <- struct{}{} }, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("WatchSubscriptions: %v", err)
		}
	}()
	next := func(what string) {
		t.Helper()
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("no call after %s", what)
		}
	}
	next("it started listening")
	sub := digest.Subscription{Platform: "slack", Channel: "C1", Time: "09:00", Zone: "UTC", Top: 1}
	// Another schema's change and a removal of nothing come first: had
	// either notified, the call after them would be theirs.
	if err := other.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if had, err := writer.DeleteSubscription(ctx, "slack", "C404"); had || err != nil {
		t.Fatalf("DeleteSubscription of nothing: %v %v", had, err)
	}
	if err := writer.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	next("a subscription was created")
	if got, ok, err := watcher.Subscription(ctx, "slack", "C1"); !ok || err != nil || got != sub {
		t.Fatalf("after the call the watcher's store reads %+v %v %v", got, ok, err)
	}
	sub.Time = "10:00"
	if err := writer.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	next("a subscription was changed")
	if had, err := writer.DeleteSubscription(ctx, "slack", "C1"); !had || err != nil {
		t.Fatalf("DeleteSubscription: %v %v", had, err)
	}
	next("a subscription was removed")
	select {
	case <-changed:
		t.Fatal("a call with nothing changed (another schema's write, or a removal of nothing)")
	default:
	}
	// Cut the watcher's connection: it listens again and calls once more.
	var cut int
	pgtest.QueryRow(t, pgtest.WithParam(t, url, "application_name", app+"-cutter"),
		"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '"+app+"' AND query LIKE 'LISTEN %'", &cut)
	if cut != 1 {
		t.Fatalf("%d listening connections cut, want the watcher's 1", cut)
	}
	next("its connection was cut and it listened again")
	if err := writer.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	next("a subscription was created after the reconnection")
}
