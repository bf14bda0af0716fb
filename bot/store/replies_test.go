package store_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// threaded is a paper posted and threaded at t.
func threaded(id string, t time.Time) bot.DigestPaper {
	return paperStep(id,
		bot.Step{Done: t, Message: bot.MessageRef{ID: "m-" + id}},
		bot.Step{Done: t, Thread: bot.ThreadRef{ID: "m-" + id, URL: "https://x/t-" + id}})
}

// Reply counts: recent discussions are listed by start time; a count is
// set (also downwards), survives a reopen and a later save of the same
// digest day, and an unknown discussion is not created.
func TestReplyCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	old := day("2025-04-01", bot.DayDone, threaded("old", t0.AddDate(0, 0, -34)))
	d1 := day("2025-05-04", bot.DayDone, threaded("a", t0.AddDate(0, 0, -1)))
	d2 := day("2025-05-05", bot.DayOpen, threaded("b", t0), threaded("c", t0.Add(time.Minute)))
	d2.Platform = "discord"
	for _, d := range []bot.DigestDay{d2, old, d1} {
		if err := db.SaveDay(ctx, d); err != nil {
			t.Fatal(err)
		}
	}

	recent, err := db.RecentDiscussions(ctx, t0.AddDate(0, 0, -14))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range recent {
		ids = append(ids, d.PaperID+"@"+d.Platform)
	}
	if want := []string{"a@slack", "b@discord", "c@discord"}; !slices.Equal(ids, want) {
		t.Fatalf("recent discussions %v, want %v (oldest first, the 34-day-old one left out)", ids, want)
	}

	b := recent[1]
	if ok, err := db.SetReplies(ctx, b, 12); !ok || err != nil {
		t.Fatalf("SetReplies: %v %v", ok, err)
	}
	// The digest saves its (still open) day again: the count is kept.
	if err := db.SaveDay(ctx, d2); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t, path)
	got, err := db.AllDiscussionsOf(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if len(got["b"]) != 1 || got["b"][0].Replies != 12 || got["b"][0].URL != "https://x/t-b" || !got["b"][0].Started.Equal(t0) {
		t.Fatalf("after reopen: %+v", got["b"])
	}
	if l := bot.DiscussionLabel(got["b"][0]); l != "Discussed in #ml-papers (12 replies)" {
		t.Errorf("label %q", l)
	}

	// Replies can be deleted: the count follows.
	if ok, err := db.SetReplies(ctx, b, 3); !ok || err != nil {
		t.Fatalf("SetReplies down: %v %v", ok, err)
	}
	if got, _ := db.AllDiscussionsOf(ctx, "b"); got["b"][0].Replies != 3 {
		t.Errorf("replies %d, want 3", got["b"][0].Replies)
	}
	// Only that thread changed.
	if got, _ := db.AllDiscussionsOf(ctx, "c", "a"); got["c"][0].Replies != 0 || got["a"][0].Replies != 0 {
		t.Errorf("other discussions changed: %+v", got)
	}

	// A discussion the store does not know is not created.
	ghost := b
	ghost.ThreadID = "nope"
	if ok, err := db.SetReplies(ctx, ghost, 5); ok || err != nil {
		t.Errorf("unknown discussion: %v %v, want false, nil", ok, err)
	}
	if got, _ := db.RecentDiscussions(ctx, time.Time{}); len(got) != 4 {
		t.Errorf("%d discussions after setting an unknown one, want 4", len(got))
	}
	if _, err := db.SetReplies(ctx, b, -1); !fault.Is(err, fault.Invalid) {
		t.Errorf("negative count: %v", err)
	}
}
