package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/fault"
)

func testSubscriptions(t *testing.T, b Backend) {
	open := b.New(t)
	db := open(t)
	ctx := t.Context()
	since := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	a := digest.Subscription{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers", Time: "09:00", Zone: "Europe/Berlin", Days: schedule.WorkWeek, Top: 5, Topic: "diffusion", Source: digest.SourceChat, Since: since}
	c := digest.Subscription{Platform: "discord", Team: "G1", Channel: "C1", Time: "18:30", Zone: "UTC", Top: 3, Source: digest.SourceConfig, Since: since}
	for _, s := range []digest.Subscription{a, c} {
		if err := db.PutSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutSubscription(ctx, digest.Subscription{Platform: "slack"}); !fault.Is(err, fault.Invalid) {
		t.Errorf("a subscription without a channel: %v, want an invalid-input error", err)
	}
	db.Close()
	db = open(t)
	got, ok, err := db.Subscription(ctx, "slack", "C1")
	if err != nil || !ok || got != a {
		t.Fatalf("Subscription: %+v %v %v, want %+v", got, ok, err, a)
	}
	all, err := db.Subscriptions(ctx)
	if err != nil || len(all) != 2 || all[0] != c || all[1] != a {
		t.Fatalf("Subscriptions: %+v %v, want [discord slack]", all, err)
	}
	a.Top = 7
	if err := db.PutSubscription(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.Subscription(ctx, "slack", "C1"); got.Top != 7 {
		t.Errorf("replaced subscription has top %d, want 7", got.Top)
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

func testLedger(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)

	// Planned: nothing sent yet; the window is remembered as first seen.
	d1 := day("2025-05-05", digest.DayOpen, paperStep("a", digest.Step{}, digest.Step{}), paperStep("b", digest.Step{}, digest.Step{}))
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
	d1.Papers[0].Post = digest.Step{Done: t0, Message: bot.MessageRef{ID: "m1", URL: "https://x/m1"}}
	d1.Papers[0].Thread = digest.Step{Done: t0, Thread: bot.ThreadRef{ID: "m1", URL: "https://x/t1"}}
	d1.Papers[1].Post = digest.Step{Claimed: t0}
	if err := db.SaveDay(ctx, d1); err != nil {
		t.Fatal(err)
	}
	sent, _ := db.Sent(ctx, "slack", "C1")
	if !slices.Equal(sent, []string{"a", "b"}) {
		t.Errorf("sent %v, want [a b]", sent)
	}
	// b turns out not posted, and is given up: it leaves the sent set.
	d1.Papers[1].Post = digest.Step{Skipped: "too late"}
	d1.Status = digest.DayDone
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
	d2 := day("2025-05-06", digest.DayEmpty)
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
	if !ok || got.Papers[0].Post.Message.ID != "m1" || got.Status != digest.DayDone || got.Papers[1].Post.Skipped != "too late" {
		t.Errorf("day %+v", got)
	}
	if _, ok, err := db.Day(ctx, "slack", "C1", "2025-05-07"); ok || err != nil {
		t.Errorf("a day never saved: %v %v", ok, err)
	}
	days, _ := db.Days(ctx, "slack", "C1")
	if len(days) != 2 || days[0].Date != "2025-05-05" || days[1].Date != "2025-05-06" {
		t.Errorf("days %+v", days)
	}

	// Discussions: one per started thread, with the channel's name.
	disc, err := db.DiscussionsOf(ctx, bot.Scope{Platform: "slack", Team: "T1"}, "a", "b", "nope")
	if err != nil {
		t.Fatal(err)
	}
	if len(disc) != 1 || len(disc["a"]) != 1 || disc["a"][0].URL != "https://x/t1" || disc["a"][0].ChannelName != "ml-papers" || !disc["a"][0].Started.Equal(t0) {
		t.Errorf("discussions %+v", disc)
	}

	if err := db.SaveDay(ctx, digest.Day{Platform: "slack", Channel: "C1"}); !fault.Is(err, fault.Invalid) {
		t.Errorf("a day without a date: %v, want an invalid-input error", err)
	}
}

// LastDay must not read a neighbouring channel whose id extends this one's.
func testLastDayPrefixes(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	for _, d := range []digest.Day{
		{Platform: "slack", Channel: "C1", Date: "2025-05-01", Status: digest.DayDone},
		{Platform: "slack", Channel: "C10", Date: "2025-06-01", Status: digest.DayDone},
		{Platform: "slack", Channel: "C2", Date: "2025-07-01", Status: digest.DayDone},
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

// Many channels post at once (the digest fans out): every day, sent set and
// discussion is kept.
func testConcurrentDays(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	const channels = 40
	var wg sync.WaitGroup
	errs := make(chan error, channels)
	for i := range channels {
		wg.Go(func() {
			d := day("2025-05-05", digest.DayDone, threaded("p", t0), threaded(fmt.Sprintf("q%d", i), t0))
			d.Channel = fmt.Sprintf("C%03d", i)
			d.Window = []string{"p", "w"}
			errs <- db.SaveDay(ctx, d)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range channels {
		ch := fmt.Sprintf("C%03d", i)
		sent, err := db.Sent(ctx, "slack", ch)
		if err != nil || !slices.Equal(sent, []string{"p", fmt.Sprintf("q%d", i)}) {
			t.Errorf("%s: sent %v %v", ch, sent, err)
		}
	}
	all, err := db.AllDiscussionsOf(ctx, "p")
	if err != nil || len(all["p"]) != channels {
		t.Errorf("discussions of p: %d %v, want %d", len(all["p"]), err, channels)
	}
}

// A requester sees the discussions of their own platform and workspace or
// guild only: a Slack workspace's thread (its permalink, its channel's
// name) is not shown on Discord, in another workspace or in the console.
func testDiscussionsScope(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	scope := func(platform, team string) bot.Scope { return bot.Scope{Platform: platform, Team: team} }
	where := []bot.Scope{scope("slack", "T1"), scope("slack", "T2"), scope("discord", "G1"), scope("discord", "G2"), scope("console", "")}
	for i, sc := range where {
		d := day("2025-05-05", digest.DayDone, threaded("a", t0.Add(time.Duration(i)*time.Minute)))
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
		t.Fatalf("all discussions: %d, %v; want %d", len(all["a"]), err, len(where))
	}
	for i, d := range all["a"] {
		if !d.Started.Equal(t0.Add(time.Duration(i) * time.Minute)) {
			t.Errorf("discussion %d started %v: not oldest first", i, d.Started)
		}
	}
}

// Reply counts: recent discussions are listed by start time; a count is
// set (also downwards), survives a reopen and a later save of the same
// digest day, and an unknown discussion is not created.
func testReplyCounts(t *testing.T, b Backend) {
	open := b.New(t)
	db := open(t)
	ctx := t.Context()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	old := day("2025-04-01", digest.DayDone, threaded("old", t0.AddDate(0, 0, -34)))
	d1 := day("2025-05-04", digest.DayDone, threaded("a", t0.AddDate(0, 0, -1)))
	d2 := day("2025-05-05", digest.DayOpen, threaded("b", t0), threaded("c", t0.Add(time.Minute)))
	d2.Platform = "discord"
	for _, d := range []digest.Day{d2, old, d1} {
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

	bd := recent[1]
	if ok, err := db.SetReplies(ctx, bd, 12); !ok || err != nil {
		t.Fatalf("SetReplies: %v %v", ok, err)
	}
	// The digest saves its (still open) day again: the count is kept.
	if err := db.SaveDay(ctx, d2); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t)
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
	if ok, err := db.SetReplies(ctx, bd, 3); !ok || err != nil {
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
	ghost := bd
	ghost.ThreadID = "nope"
	if ok, err := db.SetReplies(ctx, ghost, 5); ok || err != nil {
		t.Errorf("unknown discussion: %v %v, want false, nil", ok, err)
	}
	if got, _ := db.RecentDiscussions(ctx, time.Time{}); len(got) != 4 {
		t.Errorf("%d discussions after setting an unknown one, want 4", len(got))
	}
	if _, err := db.SetReplies(ctx, bd, -1); !fault.Is(err, fault.Invalid) {
		t.Errorf("negative count: %v", err)
	}

	// The time of the last reply is kept with the count, survives the
	// day being saved again and a restart, and goes when the replies do.
	last := t0.Add(26*time.Hour + 123*time.Millisecond)
	if ok, err := db.SetReplyCount(ctx, bd, bot.ReplyCount{Replies: 4, Last: last}); !ok || err != nil {
		t.Fatalf("SetReplyCount: %v %v", ok, err)
	}
	if err := db.SaveDay(ctx, d2); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t)
	got, err = db.AllDiscussionsOf(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if g := got["b"][0]; g.Replies != 4 || !g.LastReply.Equal(last) {
		t.Errorf("after SetReplyCount and a restart: %d replies, the last at %v; want 4 at %v", g.Replies, g.LastReply, last)
	}
	if got, _ := db.RecentDiscussions(ctx, t0.AddDate(0, 0, -14)); len(got) != 3 || !got[1].LastReply.Equal(last) {
		t.Errorf("RecentDiscussions does not carry the last reply: %+v", got)
	}
	if ok, err := db.SetReplyCount(ctx, bd, bot.ReplyCount{}); !ok || err != nil {
		t.Fatalf("SetReplyCount to none: %v %v", ok, err)
	}
	if got, _ := db.AllDiscussionsOf(ctx, "b"); got["b"][0].Replies != 0 || !got["b"][0].LastReply.IsZero() {
		t.Errorf("after every reply was deleted: %+v", got["b"][0])
	}
	if ok, err := db.SetReplyCount(ctx, ghost, bot.ReplyCount{Replies: 1, Last: last}); ok || err != nil {
		t.Errorf("unknown discussion: %v %v, want false, nil", ok, err)
	}
	if _, err := db.SetReplyCount(ctx, bd, bot.ReplyCount{Replies: -1}); !fault.Is(err, fault.Invalid) {
		t.Errorf("negative count: %v", err)
	}
}
