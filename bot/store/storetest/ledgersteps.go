package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
)

// A day saved step by step, as the digest saves it (the plan, then each
// paper's post and thread claimed and done): after every save the sent
// set and the discussions are what the day says, a thread saved again
// keeps its start time and takes the day's channel name, and a window
// that grows during the day adds its new papers' first-seen dates.
func testLedgerSteps(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	ids := []string{"p1", "p2", "p3"}
	var ps []digest.DayPaper
	for _, id := range ids {
		ps = append(ps, paperStep(id, digest.Step{}, digest.Step{}))
	}
	d := day("2025-05-05", digest.DayOpen, ps...)
	d.Window = []string{"p1", "p2", "p3", "w1"}
	save := func(what string) {
		t.Helper()
		if err := db.SaveDay(ctx, d); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	check := func(what string, sent []string, threads map[string]time.Time) {
		t.Helper()
		got, err := db.Sent(ctx, "slack", "C1")
		if err != nil || !slices.Equal(got, sent) {
			t.Errorf("%s: sent %v (%v), want %v", what, got, err, sent)
		}
		disc, err := db.AllDiscussionsOf(ctx, ids...)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for id, ds := range disc {
			n += len(ds)
			if len(ds) != 1 || !ds[0].Started.Equal(threads[id]) || ds[0].ThreadID != "m-"+id {
				t.Errorf("%s: discussions of %s %+v, want one started at %v", what, id, ds, threads[id])
			}
		}
		if n != len(threads) {
			t.Errorf("%s: %d discussions %+v, want %d", what, n, disc, len(threads))
		}
	}
	save("the plan")
	check("the plan", nil, nil)

	threads := map[string]time.Time{}
	var sent []string
	for i, id := range ids {
		at := t0.Add(time.Duration(i) * time.Minute)
		d.Papers[i].Post = digest.Step{Claimed: at}
		save("claiming " + id)
		sent = append(sent, id)
		check("claimed "+id, sent, threads)
		d.Papers[i].Post = digest.Step{Done: at, Message: bot.MessageRef{ID: "m-" + id}}
		save("posted " + id)
		d.Papers[i].Thread = digest.Step{Claimed: at}
		save("claiming the thread of " + id)
		check("thread of "+id+" claimed", sent, threads)
		d.Papers[i].Thread = digest.Step{Done: at, Thread: bot.ThreadRef{ID: "m-" + id, URL: "https://x/t-" + id}}
		save("threaded " + id)
		threads[id] = at
		check("threaded "+id, sent, threads)
	}

	// Saved again with a later thread time and the channel renamed: the
	// start time stays, the name follows.
	d.Papers[0].Thread.Done = t0.Add(time.Hour)
	d.ChannelName = "papers"
	d.Window = append(d.Window, "w2")
	d.Status = digest.DayDone
	save("the day done")
	check("done", sent, threads)
	if disc, _ := db.AllDiscussionsOf(ctx, "p1"); len(disc["p1"]) != 1 || disc["p1"][0].ChannelName != "papers" {
		t.Errorf("after the channel was renamed: %+v", disc["p1"])
	}
	seen, err := db.FirstSeen(ctx, "slack", "C1", []string{"p1", "w1", "w2"})
	if err != nil || len(seen) != 3 || seen["w2"] != "2025-05-05" || seen["w1"] != "2025-05-05" {
		t.Errorf("first seen %v (%v), want p1, w1 and w2 on the 5th", seen, err)
	}
}

// A fenced-off save writes nothing: not the day, not its sent papers, its
// window's first-seen dates or its discussions.
func testFencedOffWritesNothing(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	a, _, err := db.AcquireLease(ctx, "digest", "replica-a", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	fa := b.Fence(db, a)
	d := day("2025-05-05", digest.DayOpen, paperStep("a", digest.Step{}, digest.Step{}))
	d.Window = []string{"a"}
	if err := fa.SaveDay(ctx, d); err != nil {
		t.Fatalf("fenced save while held: %v", err)
	}
	if err := db.ReleaseLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.AcquireLease(ctx, "digest", "replica-b", time.Hour); err != nil || !ok {
		t.Fatalf("takeover: %v %v", ok, err)
	}
	d.Papers[0] = threaded("a", t0)
	d.Window = []string{"a", "b"}
	if err := fa.SaveDay(ctx, d); !errors.Is(err, bot.ErrFenced) {
		t.Fatalf("fenced save after takeover: %v, want ErrFenced", err)
	}
	if got, _, _ := db.Day(ctx, "slack", "C1", "2025-05-05"); got.Papers[0].Post.MaybeDone() {
		t.Errorf("the fenced-off day was written: %+v", got.Papers[0])
	}
	if sent, _ := db.Sent(ctx, "slack", "C1"); len(sent) != 0 {
		t.Errorf("a fenced-off save wrote sent papers %v", sent)
	}
	if seen, _ := db.FirstSeen(ctx, "slack", "C1", []string{"a", "b"}); len(seen) != 1 {
		t.Errorf("first seen %v after a fenced-off save, want only a", seen)
	}
	if disc, _ := db.AllDiscussionsOf(ctx, "a"); len(disc) != 0 {
		t.Errorf("a fenced-off save wrote discussions %+v", disc)
	}
}
