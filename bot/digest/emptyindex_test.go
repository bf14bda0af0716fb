package digest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/configs/sample"
	"github.com/paperbot/paperbot/index"
)

// A digest due while the index holds no papers yet (serve started on an
// index moved away to be rebuilt, its sources about to fill it) is not a
// day with nothing new: recorded as empty, the day was lost, since the
// files source filled the index a moment later. It waits for the papers
// instead, and posts them once they are in.
func TestDigestWaitsForAnEmptyIndex(t *testing.T) {
	due := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	ix, err := index.Open(t.TempDir(), index.Options{Logger: discard, Now: func() time.Time { return due }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	clock := &fakeClock{t: due.Add(-24 * time.Hour)}
	e := newEnv(t, ix, clock)
	e.subscribe(digest.Subscription{Channel: "C1", ChannelName: "papers", Time: "09:00", Zone: "UTC", Top: 3, Since: clock.Now()})

	// Restarted five minutes after the due time, on an empty index.
	clock.Set(due.Add(5 * time.Minute))
	err = e.d.RunDue(t.Context())
	if err == nil || !strings.Contains(err.Error(), "no papers") {
		t.Errorf("run on an empty index: %v, want an error saying the index has no papers", err)
	}
	if d, ok, _ := e.db.Day(context.Background(), "fake", "C1", "2025-05-05"); ok {
		t.Fatalf("the day was recorded on an empty index: %s (%s)", d.Status, d.Note)
	}
	if n := len(e.plat.Calls()); n != 0 {
		t.Fatalf("%d platform calls on an empty index", n)
	}

	// The sources fill the index; the next try posts the day.
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(t.Context(), papers); err != nil {
		t.Fatal(err)
	}
	clock.Set(due.Add(7 * time.Minute))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	day := e.day("C1", "2025-05-05")
	if day.Status != digest.DayDone || len(day.Papers) != 3 {
		t.Fatalf("day %s with %d papers (%s), want done with 3", day.Status, len(day.Papers), day.Note)
	}
	var want []string
	for _, p := range day.Papers {
		want = append(want, p.Paper.ID)
	}
	checkExactlyOnce(t, e.plat.Calls(), want)
}
