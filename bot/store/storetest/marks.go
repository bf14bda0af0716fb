package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
)

func mark(user, paperID string, kind bot.MarkKind, detail string, at time.Time) bot.Mark {
	return bot.Mark{Platform: "slack", Team: "T1", PaperID: paperID, User: user, Kind: kind, Detail: detail,
		Channel: "C1", Thread: "m-" + paperID, At: at}
}

func markIDs(ms []bot.Mark) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.User+":"+string(m.Kind)+":"+m.Detail+"@"+m.PaperID)
	}
	slices.Sort(out)
	return out
}

// Marks: one per person, paper, kind and emoji; a repeat adds nothing, a
// removal removes only that person's mark, scopes stay apart, saves list
// newest first, and everything survives a restart.
func testMarks(t *testing.T, b Backend) {
	open := b.New(t)
	db := open(t)
	ctx := t.Context()
	t0 := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

	add := func(m bot.Mark, want bool) {
		t.Helper()
		added, err := db.AddMark(ctx, m)
		if err != nil || added != want {
			t.Fatalf("AddMark(%+v) = %v, %v; want %v", m, added, err, want)
		}
	}
	add(mark("U1", "p1", bot.MarkReaction, "+1", t0), true)
	add(mark("U1", "p1", bot.MarkReaction, "+1", t0.Add(time.Hour)), false) // a retried delivery
	add(mark("U2", "p1", bot.MarkReaction, "+1", t0.Add(time.Minute)), true)
	add(mark("U2", "p1", bot.MarkReaction, "fire", t0.Add(2*time.Minute)), true)
	add(mark("U1", "p2", bot.MarkSave, "", t0.Add(3*time.Minute)), true)
	add(mark("U1", "p1", bot.MarkSave, "", t0.Add(4*time.Minute)), true)
	other := mark("U1", "p1", bot.MarkReaction, "+1", t0)
	other.Team = "T2"
	add(other, true)

	got, err := db.MarksOf(ctx, bot.Scope{Platform: "slack", Team: "T1"}, "p1", "p2", "p3")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"U1:reaction:+1@p1", "U1:save:@p1", "U2:reaction:+1@p1", "U2:reaction:fire@p1"}; !slices.Equal(markIDs(got["p1"]), want) {
		t.Errorf("marks of p1 in T1: %v, want %v", markIDs(got["p1"]), want)
	}
	if len(got["p3"]) != 0 {
		t.Errorf("marks of p3: %v", got["p3"])
	}
	for _, m := range got["p1"] {
		if m.User == "U1" && m.Kind == bot.MarkReaction && !m.At.Equal(t0) {
			t.Errorf("a repeated mark changed its time to %v (want the first, %v)", m.At, t0)
		}
	}

	// U2 takes the thumbs-up back: U1's stays, and U2's other reaction too.
	if removed, err := db.RemoveMark(ctx, mark("U2", "p1", bot.MarkReaction, "+1", time.Time{})); !removed || err != nil {
		t.Fatalf("RemoveMark: %v %v", removed, err)
	}
	if removed, err := db.RemoveMark(ctx, mark("U2", "p1", bot.MarkReaction, "+1", time.Time{})); removed || err != nil {
		t.Fatalf("RemoveMark again: %v %v, want false", removed, err)
	}

	all, err := db.AllMarksOf(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"U1:reaction:+1@p1", "U1:reaction:+1@p1", "U1:save:@p1", "U2:reaction:fire@p1"}; !slices.Equal(markIDs(all["p1"]), want) {
		t.Errorf("all marks of p1: %v, want %v", markIDs(all["p1"]), want)
	}

	saved, err := db.SavedBy(ctx, bot.Scope{Platform: "slack", Team: "T1"}, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if ids := []string{saved[0].PaperID, saved[1].PaperID}; len(saved) != 2 || !slices.Equal(ids, []string{"p1", "p2"}) {
		t.Errorf("saved by U1: %v, want p1 then p2 (newest first)", markIDs(saved))
	}

	since, err := db.MarksSince(ctx, bot.Scope{Platform: "slack", Team: "T1"}, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(since) != 3 || since[0].Detail != "fire" || since[2].Kind != bot.MarkSave || since[2].PaperID != "p1" {
		t.Errorf("marks since t0+2m: %v, want fire, save p2, save p1 (oldest first)", markIDs(since))
	}

	if _, err := db.AddMark(ctx, bot.Mark{Platform: "slack", PaperID: "p1", Kind: bot.MarkSave}); !fault.Is(err, fault.Invalid) {
		t.Errorf("a mark without a user: %v, want an Invalid error", err)
	}
	if _, err := db.AddMark(ctx, bot.Mark{Platform: "slack", PaperID: "p1", User: "U1", Kind: "like"}); !fault.Is(err, fault.Invalid) {
		t.Errorf("a mark of an unknown kind: %v, want an Invalid error", err)
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t)
	again, err := db.SavedBy(ctx, bot.Scope{Platform: "slack", Team: "T1"}, "U1")
	if err != nil || len(again) != 2 {
		t.Fatalf("saves after a restart: %v %v", markIDs(again), err)
	}
}

// DiscussionsByThread finds a digest thread by its id on its platform.
func testMarksThreads(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	t0 := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	d := day("2025-03-10", digest.DayDone, threaded("a", t0), threaded("b", t0.Add(time.Minute)))
	if err := db.SaveDay(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := db.DiscussionsByThread(ctx, "slack", "m-b", "unknown", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PaperID != "b" || got[0].Channel != "C1" {
		t.Fatalf("discussions of thread m-b: %+v", got)
	}
	if got, err := db.DiscussionsByThread(ctx, "discord", "m-b"); err != nil || len(got) != 0 {
		t.Fatalf("another platform's thread: %+v %v", got, err)
	}
}
