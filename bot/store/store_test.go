package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
)

func open(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSubscriptionsRoundTripAndSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "state.db") // parent directories are made
	db := open(t, path)
	ctx := t.Context()
	since := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	a := bot.Subscription{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers", Time: "09:00", Zone: "Europe/Berlin", Days: bot.WorkWeek, Top: 5, Topic: "diffusion", Source: bot.SourceChat, Since: since}
	b := bot.Subscription{Platform: "discord", Team: "G1", Channel: "C1", Time: "18:30", Zone: "UTC", Top: 3, Source: bot.SourceConfig, Since: since}
	for _, s := range []bot.Subscription{a, b} {
		if err := db.PutSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutSubscription(ctx, bot.Subscription{Platform: "slack"}); err == nil {
		t.Error("a subscription without a channel was stored")
	}
	db.Close()
	db = open(t, path)
	got, ok, err := db.Subscription(ctx, "slack", "C1")
	if err != nil || !ok || got != a {
		t.Fatalf("Subscription: %+v %v %v, want %+v", got, ok, err, a)
	}
	all, err := db.Subscriptions(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("Subscriptions: %v %v", all, err)
	}
	if had, err := db.DeleteSubscription(ctx, "slack", "C1"); !had || err != nil {
		t.Fatalf("delete: %v %v", had, err)
	}
	if had, err := db.DeleteSubscription(ctx, "slack", "C1"); had || err != nil {
		t.Fatalf("second delete: %v %v", had, err)
	}
	if _, ok, _ := db.Subscription(ctx, "slack", "C1"); ok {
		t.Fatal("deleted subscription still there")
	}
	if _, ok, _ := db.Subscription(ctx, "discord", "C1"); !ok {
		t.Fatal("the same channel id on another platform was deleted too")
	}
}

func day(date string, status bot.DayStatus, papers ...bot.DigestPaper) bot.DigestDay {
	return bot.DigestDay{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers", Date: date, Status: status, Papers: papers}
}

func paperStep(id string, post, thread bot.Step) bot.DigestPaper {
	return bot.DigestPaper{Paper: paper.Paper{ID: id, Title: "Paper " + id}, Day: 1, Post: post, Thread: thread}
}

func TestLedger(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)

	// Planned: nothing sent yet; the window is remembered as first seen.
	d1 := day("2025-05-05", bot.DayOpen, paperStep("a", bot.Step{}, bot.Step{}), paperStep("b", bot.Step{}, bot.Step{}))
	d1.Window = []string{"a", "b", "c"}
	if err := db.SaveDay(ctx, d1); err != nil {
		t.Fatal(err)
	}
	if sent, _ := db.Sent(ctx, "slack", "C1"); len(sent) != 0 {
		t.Errorf("sent before anything was posted: %v", sent)
	}
	open1, _ := db.OpenDays(ctx)
	if len(open1) != 1 || open1[0].Date != "2025-05-05" {
		t.Errorf("open days %v", open1)
	}

	// a posted and threaded, b claimed (outcome unknown): both are sent.
	d1.Papers[0].Post = bot.Step{Done: t0, Message: bot.MessageRef{ID: "m1", URL: "https://x/m1"}}
	d1.Papers[0].Thread = bot.Step{Done: t0, Thread: bot.ThreadRef{ID: "m1", URL: "https://x/t1"}}
	d1.Papers[1].Post = bot.Step{Claimed: t0}
	if err := db.SaveDay(ctx, d1); err != nil {
		t.Fatal(err)
	}
	sent, _ := db.Sent(ctx, "slack", "C1")
	if !slices.Equal(sent, []string{"a", "b"}) {
		t.Errorf("sent %v, want [a b]", sent)
	}
	// b turns out not posted, and is given up: it leaves the sent set.
	d1.Papers[1].Post = bot.Step{Skipped: "too late"}
	d1.Status = bot.DayDone
	if err := db.SaveDay(ctx, d1); err != nil {
		t.Fatal(err)
	}
	sent, _ = db.Sent(ctx, "slack", "C1")
	if !slices.Equal(sent, []string{"a"}) {
		t.Errorf("sent %v, want [a]", sent)
	}
	if o, _ := db.OpenDays(ctx); len(o) != 0 {
		t.Errorf("open days after done: %v", o)
	}

	// Next day: c is seen again; its first-seen date stays the 5th.
	d2 := day("2025-05-06", bot.DayEmpty)
	d2.Window = []string{"c", "d"}
	if err := db.SaveDay(ctx, d2); err != nil {
		t.Fatal(err)
	}
	seen, err := db.FirstSeen(ctx, "slack", "C1", []string{"a", "c", "d", "zz"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "2025-05-05", "c": "2025-05-05", "d": "2025-05-06"}
	if len(seen) != len(want) || seen["a"] != want["a"] || seen["c"] != want["c"] || seen["d"] != want["d"] {
		t.Errorf("first seen %v, want %v", seen, want)
	}
	if seen, _ := db.FirstSeen(ctx, "slack", "C2", []string{"a"}); len(seen) != 0 {
		t.Errorf("another channel sees %v", seen)
	}

	// LastDay and Day.
	last, ok, err := db.LastDay(ctx, "slack", "C1")
	if err != nil || !ok || last.Date != "2025-05-06" {
		t.Errorf("last day %v %v %v", last.Date, ok, err)
	}
	if _, ok, _ := db.LastDay(ctx, "slack", "C0"); ok {
		t.Error("a channel with no days has a last day")
	}
	got, ok, _ := db.Day(ctx, "slack", "C1", "2025-05-05")
	if !ok || got.Papers[0].Post.Message.ID != "m1" || got.Status != bot.DayDone {
		t.Errorf("day %+v", got)
	}
	days, _ := db.Days(ctx, "slack", "C1")
	if len(days) != 2 || days[0].Date != "2025-05-05" {
		t.Errorf("days %d", len(days))
	}

	// Discussions: one per started thread, with the channel's name.
	disc, err := db.DiscussionsOf(ctx, bot.Scope{Platform: "slack", Team: "T1"}, "a", "b", "nope")
	if err != nil {
		t.Fatal(err)
	}
	if len(disc) != 1 || len(disc["a"]) != 1 || disc["a"][0].URL != "https://x/t1" || disc["a"][0].ChannelName != "ml-papers" || !disc["a"][0].Started.Equal(t0) {
		t.Errorf("discussions %+v", disc)
	}
}

// LastDay must not read a neighbouring channel whose id extends this one's.
func TestLastDayPrefixes(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	ctx := t.Context()
	for _, d := range []bot.DigestDay{
		{Platform: "slack", Channel: "C1", Date: "2025-05-01", Status: bot.DayDone},
		{Platform: "slack", Channel: "C10", Date: "2025-06-01", Status: bot.DayDone},
		{Platform: "slack", Channel: "C2", Date: "2025-07-01", Status: bot.DayDone},
	} {
		if err := db.SaveDay(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for ch, want := range map[string]string{"C1": "2025-05-01", "C10": "2025-06-01", "C2": "2025-07-01"} {
		d, ok, err := db.LastDay(ctx, "slack", ch)
		if err != nil || !ok || d.Date != want {
			t.Errorf("%s: %s %v %v, want %s", ch, d.Date, ok, err, want)
		}
	}
}

func TestOpenLockedAndReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	if err := db.PutSubscription(t.Context(), bot.Subscription{Platform: "slack", Channel: "C1", Time: "09:00", Zone: "UTC", Top: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(path, store.Options{ReadOnly: true, LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("read-only open while held: %v, want ErrLocked", err)
	}
	db.Close()
	ro, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, ok, err := ro.Subscription(t.Context(), "slack", "C1"); !ok || err != nil {
		t.Fatalf("read-only read: %v %v", ok, err)
	}
	if err := ro.PutSubscription(t.Context(), bot.Subscription{Platform: "slack", Channel: "C2"}); err == nil {
		t.Fatal("a read-only store accepted a write")
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("version"), []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = store.Open(path, store.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer paperbot") {
		t.Fatalf("open of a newer schema: %v", err)
	}
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, []byte("this is not a bbolt file, just some text that is long enough"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, store.Options{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("open of a text file: %v", err)
	}
}

// A requester sees the discussions of their own platform and workspace or
// guild only: a Slack workspace's thread (its permalink, its channel's
// name) is not shown on Discord, in another workspace or in the console.
func TestDiscussionsStayInTheirScope(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	scope := func(platform, team string) bot.Scope { return bot.Scope{Platform: platform, Team: team} }
	where := []bot.Scope{scope("slack", "T1"), scope("slack", "T2"), scope("discord", "G1"), scope("discord", "G2"), scope("console", "")}
	for i, sc := range where {
		d := day("2025-05-05", bot.DayDone, threaded("a", t0.Add(time.Duration(i)*time.Minute)))
		d.Platform, d.Team, d.Channel, d.ChannelName = sc.Platform, sc.Team, "C-"+sc.Platform+sc.Team, "private-"+sc.Platform+sc.Team
		if err := db.SaveDay(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, sc := range append(where, scope("slack", ""), scope("discord", ""), scope("slack", "T3"), scope("", "")) {
		got, err := db.DiscussionsOf(ctx, sc, "a", "a")
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if slices.Contains(where, sc) {
			want = 1
		}
		if len(got["a"]) != want {
			t.Errorf("%+v sees %+v, want %d discussion", sc, got["a"], want)
			continue
		}
		for _, d := range got["a"] {
			if d.Platform != sc.Platform || d.Team != sc.Team || d.ChannelName != "private-"+sc.Platform+sc.Team {
				t.Errorf("%+v sees %+v", sc, d)
			}
		}
	}
	all, err := db.AllDiscussionsOf(ctx, "a")
	if err != nil || len(all["a"]) != len(where) {
		t.Errorf("all discussions: %d, %v; want %d", len(all["a"]), err, len(where))
	}
}
