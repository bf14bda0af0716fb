package slack

import (
	"context"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/store"
)

// Two replicas behind one Events API URL share the state store: Slack's
// retry of an event that reached the first replica, delivered to the
// second, is dropped as a duplicate, and the event is answered once.
func TestEventRetryOnAnotherReplicaIsDropped(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	var ran, dups atomic.Int32
	h := bot.HandlerFunc(func(context.Context, *bot.Request, bot.Responder) error { ran.Add(1); return nil })
	var urls []string
	var replicas []*Adapter
	for range 2 {
		a := newTestAdapter(t, api, clock)
		a.events = newEventSeen(db, nil, a.log)
		a.opts.Hooks.DuplicateEvent = func() { dups.Add(1) }
		urls = append(urls, startHTTP(t, a, h).URL)
		replicas = append(replicas, a)
	}
	event := `{"team_id":"T1","type":"event_callback","event_id":"EvShared1",
		"event":{"type":"app_mention","user":"U1","text":"<@UBOT> diffusion","ts":"1700000100.000200","channel":"C7"}}`
	for i, u := range []string{urls[0], urls[1], urls[1]} {
		resp := signedPost(t, u+PathEvents, testSecret, clock.Now(), "application/json", event)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery %d: status %d, want 200", i+1, resp.StatusCode)
		}
	}
	for _, a := range replicas {
		a.work.CloseAndWait()
	}
	if n := ran.Load(); n != 1 {
		t.Errorf("the event was handled %d times over two replicas, want once", n)
	}
	if n := dups.Load(); n != 2 {
		t.Errorf("%d duplicates counted, want 2", n)
	}
}
