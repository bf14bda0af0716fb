package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// Seen keys: the first time false, then true until the ttl passes; keys
// are independent; a forgotten key is new again.
func testSeen(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	seen := func(key string, ttl time.Duration) bool {
		t.Helper()
		s, err := db.SeenWithin(ctx, key, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if seen("slack-event:Ev1", time.Hour) {
		t.Fatal("a new key was seen")
	}
	if !seen("slack-event:Ev1", time.Hour) {
		t.Fatal("a repeated key was not seen")
	}
	if seen("slack-event:Ev2", time.Hour) || seen("slack-sig:1531420618:v0=a2114d", time.Hour) {
		t.Fatal("another key was seen")
	}
	if err := db.ForgetSeen(ctx, "slack-event:Ev1"); err != nil {
		t.Fatal(err)
	}
	if seen("slack-event:Ev1", time.Hour) {
		t.Error("a forgotten key was seen")
	}
	if err := db.ForgetSeen(ctx, "never-recorded"); err != nil {
		t.Errorf("forgetting an unknown key: %v", err)
	}
	// Expiry: a key recorded for a millisecond is new again soon after.
	if seen("short", time.Millisecond) {
		t.Fatal("a new key was seen")
	}
	within(t, 5*time.Second, "a seen key expiring", func() bool { return !seen("short", time.Millisecond) })
	if !seen("slack-event:Ev2", time.Hour) {
		t.Error("an unexpired key was forgotten by the sweep of expired ones")
	}
	for _, bad := range []struct {
		key string
		ttl time.Duration
	}{{"", time.Hour}, {"k", 0}, {strings.Repeat("k", 2000), time.Hour}} {
		if _, err := db.SeenWithin(ctx, bad.key, bad.ttl); !fault.Is(err, fault.Invalid) {
			t.Errorf("SeenWithin(%.10q, %v): %v, want an invalid-input error", bad.key, bad.ttl, err)
		}
	}
}

// Of many callers asking at once, exactly one is told a key is new.
func testSeenConcurrently(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	var fresh atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			s, err := db.SeenWithin(ctx, "slack-event:EvRace", time.Hour)
			if err != nil {
				t.Error(err)
			}
			if !s {
				fresh.Add(1)
			}
		})
	}
	wg.Wait()
	if n := fresh.Load(); n != 1 {
		t.Errorf("%d callers were told the key is new, want 1", n)
	}
}

func testCursors(t *testing.T, b Backend) {
	open := b.New(t)
	db := open(t)
	ctx := t.Context()
	if v, ok, err := db.Cursor(ctx, "arxiv-feed:cs.LG"); ok || v != nil || err != nil {
		t.Fatalf("a cursor never written: %q %v %v", v, ok, err)
	}
	val := []byte("{\"etag\":\"W/\\\"abc\\\"\"}\x00\xff")
	if err := db.PutCursor(ctx, "arxiv-feed:cs.LG", val); err != nil {
		t.Fatal(err)
	}
	if err := db.PutCursor(ctx, "job:huggingface", []byte{}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t)
	if v, ok, err := db.Cursor(ctx, "arxiv-feed:cs.LG"); !ok || err != nil || !bytes.Equal(v, val) {
		t.Fatalf("cursor after a restart: %q %v %v, want %q", v, ok, err, val)
	}
	if v, ok, err := db.Cursor(ctx, "job:huggingface"); !ok || err != nil || len(v) != 0 {
		t.Errorf("an empty cursor: %q %v %v", v, ok, err)
	}
	if err := db.PutCursor(ctx, "arxiv-feed:cs.LG", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := db.Cursor(ctx, "arxiv-feed:cs.LG"); string(v) != "2" {
		t.Errorf("replaced cursor %q", v)
	}
	if err := db.PutCursor(ctx, "", []byte("x")); !fault.Is(err, fault.Invalid) {
		t.Errorf("a cursor without a name: %v", err)
	}
	if err := db.PutCursor(ctx, "big", make([]byte, 2<<20)); !fault.Is(err, fault.Invalid) {
		t.Errorf("a 2 MiB cursor: %v", err)
	}
}

// Papers: a new paper is stored, a new record of it is merged with
// paper.Merge and gets the next sequence number (its old one leaves the
// feed), a record that changes nothing changes nothing, and a bad record is
// reported with where and why while the good ones of the batch are stored.
func testPapers(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	first := paper.Paper{ID: "2205.13760", Title: "Tranception", Authors: []string{"Pascal Notin"}, Upvotes: 10, Categories: []string{"cs.LG"}, Source: "arxiv"}
	if err := db.UpsertPapers(ctx, []paper.Paper{first, {ID: "arXiv:2501.00001v2", Title: "Second  paper"}}); err != nil {
		t.Fatal(err)
	}
	ch, err := db.PaperChanges(ctx, 0, 10)
	if err != nil || len(ch) != 2 {
		t.Fatalf("changes: %+v %v", ch, err)
	}
	if ch[0].Paper.ID != "2205.13760" || ch[1].Paper.ID != "2501.00001" || ch[1].Paper.Title != "Second paper" || ch[0].Seq >= ch[1].Seq || ch[0].UpdatedAt.IsZero() {
		t.Errorf("changes (normalised, in order): %+v", ch)
	}
	// A newer record: merged, not replaced.
	upd := paper.Paper{ID: "2205.13760", Title: "Tranception", Upvotes: 4, Stars: 300, Categories: []string{"q-bio.QM"}, Source: "huggingface"}
	if err := db.UpsertPapers(ctx, []paper.Paper{upd}); err != nil {
		t.Fatal(err)
	}
	ch2, err := db.PaperChanges(ctx, ch[1].Seq, 10)
	if err != nil || len(ch2) != 1 {
		t.Fatalf("changes after %d: %+v %v", ch[1].Seq, ch2, err)
	}
	want := first
	if err := want.Normalize(); err != nil {
		t.Fatal(err)
	}
	nu := upd
	if err := nu.Normalize(); err != nil {
		t.Fatal(err)
	}
	want = paper.Merge(want, nu)
	if got := ch2[0].Paper; got.Upvotes != 10 || got.Stars != 300 || len(got.Categories) != 2 || got.Source != "arxiv,huggingface" || got.Authors[0] != "Pascal Notin" || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("merged record %+v, want %+v", got, want)
	}
	all, _ := db.PaperChanges(ctx, 0, 10)
	if len(all) != 2 || all[0].Paper.ID != "2501.00001" || all[1].Paper.ID != "2205.13760" {
		t.Errorf("the feed holds each paper once, at its last change: %+v", all)
	}
	// Nothing new: no change.
	if err := db.UpsertPapers(ctx, []paper.Paper{upd}); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.PaperChanges(ctx, ch2[0].Seq, 10); len(again) != 0 {
		t.Errorf("a record that changes nothing made changes: %+v", again)
	}
	// Two records of one paper in one batch are merged in order.
	if err := db.UpsertPapers(ctx, []paper.Paper{{ID: "2502.00003", Title: "Twice", Upvotes: 5}, {ID: "2502.00003", Title: "Twice", Stars: 9}}); err != nil {
		t.Fatal(err)
	}
	tw, _ := db.PaperChanges(ctx, ch2[0].Seq, 10)
	if len(tw) != 1 || tw[0].Paper.Upvotes != 5 || tw[0].Paper.Stars != 9 {
		t.Errorf("a paper twice in a batch: %+v", tw)
	}
	// A bad record among good ones.
	err = db.UpsertPapers(ctx, []paper.Paper{{ID: "2503.00001", Title: "Good one"}, {ID: "2503.00002", Title: ""}, {ID: "2503.00003", Title: "Good two"}})
	if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "paper 2") || !strings.Contains(err.Error(), "title") || !strings.Contains(fault.UserMessage(err), "1 of 3") {
		t.Errorf("a batch with a bad record: %v", err)
	}
	rest, _ := db.PaperChanges(ctx, tw[0].Seq, 10)
	if len(rest) != 2 || rest[0].Paper.ID != "2503.00001" || rest[1].Paper.ID != "2503.00003" {
		t.Errorf("the good records of a batch with a bad one: %+v", rest)
	}
	if err := db.UpsertPapers(ctx, nil); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
}

// The feed pages: limit and after.
func testPaperFeed(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	var ps []paper.Paper
	for i := range 25 {
		ps = append(ps, paper.Paper{ID: fmt.Sprintf("2501.%05d", i), Title: fmt.Sprintf("Paper %d", i)})
	}
	if err := db.UpsertPapers(ctx, ps); err != nil {
		t.Fatal(err)
	}
	var got []string
	var after int64
	for pages := 0; ; pages++ {
		ch, err := db.PaperChanges(ctx, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ch) == 0 {
			if pages != 3 {
				t.Errorf("%d pages of 10 for 25 papers", pages)
			}
			break
		}
		for _, c := range ch {
			if c.Seq <= after {
				t.Fatalf("change %d after %d", c.Seq, after)
			}
			after = c.Seq
			got = append(got, c.Paper.ID)
		}
	}
	if len(got) != 25 || got[0] != "2501.00000" || got[24] != "2501.00024" {
		t.Errorf("feed %v", got)
	}
	if ch, err := db.PaperChanges(ctx, 0, 0); len(ch) != 0 || err != nil {
		t.Errorf("limit 0: %v %v", ch, err)
	}
}

// WaitPapers returns at once when the feed is past the cursor, wakes up
// when a paper is written, and gives up with its context.
func testWaitPapers(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := db.WaitPapers(short, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait on an empty feed: %v, want the context's deadline", err)
	}
	woke := make(chan int64, 1)
	errc := make(chan error, 1)
	go func() {
		n, err := db.WaitPapers(ctx, 0)
		woke <- n
		errc <- err
	}()
	if err := db.UpsertPapers(ctx, []paper.Paper{{ID: "2501.00001", Title: "Wake up"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, woke, errc, 1)
	n, err := db.WaitPapers(ctx, 0)
	if err != nil || n != 1 {
		t.Errorf("wait when already past: %d %v", n, err)
	}
}

func waitFor(t *testing.T, woke chan int64, errc chan error, atLeast int64) {
	t.Helper()
	select {
	case n := <-woke:
		if err := <-errc; err != nil || n < atLeast {
			t.Fatalf("woke with %d %v, want at least %d", n, err, atLeast)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitPapers did not wake up within 10s of a write")
	}
}

// Seen keys are shared: a key recorded by one replica is seen by another.
func testSharedSeen(t *testing.T, b Backend) {
	open := b.New(t)
	r1, r2 := open(t), open(t)
	ctx := t.Context()
	if s, err := r1.SeenWithin(ctx, "slack-event:Ev9", time.Hour); s || err != nil {
		t.Fatalf("first: %v %v", s, err)
	}
	if s, err := r2.SeenWithin(ctx, "slack-event:Ev9", time.Hour); !s || err != nil {
		t.Fatalf("on another replica: %v %v, want seen", s, err)
	}
	if err := r2.ForgetSeen(ctx, "slack-event:Ev9"); err != nil {
		t.Fatal(err)
	}
	if s, _ := r1.SeenWithin(ctx, "slack-event:Ev9", time.Hour); s {
		t.Error("a key forgotten on another replica was seen")
	}
}

// A paper written by one replica wakes a follower on another and is in
// the changes it reads then.
func testPaperFollower(t *testing.T, b Backend) {
	open := b.New(t)
	writer, follower := open(t), open(t)
	ctx := t.Context()
	woke := make(chan int64, 1)
	errc := make(chan error, 1)
	go func() {
		n, err := follower.WaitPapers(ctx, 0)
		woke <- n
		errc <- err
	}()
	if err := writer.UpsertPapers(ctx, []paper.Paper{{ID: "2501.00042", Title: "Across replicas"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, woke, errc, 1)
	ch, err := follower.PaperChanges(ctx, 0, 10)
	if err != nil || len(ch) != 1 || ch[0].Paper.Title != "Across replicas" {
		t.Fatalf("the follower reads %+v %v", ch, err)
	}
}

// Writers at once and a follower: the follower, reading the feed from its
// cursor and waiting when it is at the end, sees every paper, each change
// after the last it read (no change shows up behind the cursor).
func testPaperFeedConcurrentWriters(t *testing.T, b Backend) {
	open := b.New(t)
	db := open(t)
	follower := db
	if b.Shared {
		follower = open(t)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	const writers, batches, per = 4, 20, 3
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range batches {
				var ps []paper.Paper
				for j := range per {
					ps = append(ps, paper.Paper{ID: fmt.Sprintf("2501.%d%02d%d", w, i, j), Title: fmt.Sprintf("Paper %d %d %d", w, i, j)})
				}
				if err := db.UpsertPapers(ctx, ps); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	seen := map[string]bool{}
	var after int64
	for len(seen) < writers*batches*per {
		ch, err := follower.PaperChanges(ctx, after, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			if c.Seq <= after {
				t.Fatalf("change %d after the cursor %d", c.Seq, after)
			}
			after = c.Seq
			seen[c.Paper.ID] = true
		}
		if len(ch) == 0 {
			if _, err := follower.WaitPapers(ctx, after); err != nil {
				t.Fatalf("waiting with %d of %d papers seen: %v", len(seen), writers*batches*per, err)
			}
		}
	}
	wg.Wait()
	if rest, _ := follower.PaperChanges(ctx, after, 50); len(rest) != 0 {
		t.Errorf("%d changes after the follower had every paper", len(rest))
	}
}
