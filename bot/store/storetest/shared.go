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

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// Leases: tokens grow with each new holder and survive a restart, a
// renewal keeps the token and moves the local deadline, a release lets the
// next holder in, and a lease no longer held cannot be renewed.
func testLeases(t *testing.T, b Backend) {
	open := b.New(t)
	db := open(t)
	ctx := t.Context()
	const ttl = time.Hour

	sent := time.Now()
	a, ok, err := db.AcquireLease(ctx, "digest", "replica-a", ttl)
	if err != nil || !ok || a.Token <= 0 || a.Name != "digest" || a.Holder != "replica-a" {
		t.Fatalf("acquire: %+v %v %v", a, ok, err)
	}
	// The local deadline is computed from when the request was sent.
	if a.Deadline.Before(sent) || a.Deadline.After(time.Now().Add(ttl-ttl/10)) {
		t.Errorf("deadline %v is not within [%v, now+0.9·ttl]", a.Deadline, sent)
	}
	// Acquiring again (a retried request): same token.
	again, ok, err := db.AcquireLease(ctx, "digest", "replica-a", ttl)
	if err != nil || !ok || again.Token != a.Token {
		t.Fatalf("acquire again: %+v %v %v, want token %d", again, ok, err, a.Token)
	}
	// Another name is another lease.
	other, ok, err := db.AcquireLease(ctx, "refresh", "replica-b", ttl)
	if err != nil || !ok {
		t.Fatalf("another lease: %+v %v %v", other, ok, err)
	}
	r, err := db.RenewLease(ctx, a, ttl)
	if err != nil || r.Token != a.Token || r.Deadline.Before(a.Deadline) {
		t.Fatalf("renew: %+v %v", r, err)
	}
	if err := db.ReleaseLease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RenewLease(ctx, r, ttl); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("renewal of a released lease: %v, want ErrLeaseLost", err)
	}
	if err := db.ReleaseLease(ctx, r); err != nil {
		t.Errorf("releasing a released lease: %v", err)
	}
	bl, ok, err := db.AcquireLease(ctx, "digest", "replica-b", ttl)
	if err != nil || !ok || bl.Token <= a.Token {
		t.Fatalf("acquire after release: %+v %v %v, want a token above %d", bl, ok, err, a.Token)
	}
	// A restart keeps the tokens growing.
	if err := db.ReleaseLease(ctx, bl); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t)
	c, ok, err := db.AcquireLease(ctx, "digest", "replica-c", ttl)
	if err != nil || !ok || c.Token <= bl.Token {
		t.Fatalf("acquire after a restart: %+v %v %v, want a token above %d", c, ok, err, bl.Token)
	}
	for _, bad := range []struct {
		name, holder string
		ttl          time.Duration
	}{{"", "h", ttl}, {"n", "", ttl}, {"n", "h", 0}, {strings.Repeat("n", 2000), "h", ttl}} {
		if _, _, err := db.AcquireLease(ctx, bad.name, bad.holder, bad.ttl); !fault.Is(err, fault.Invalid) {
			t.Errorf("acquire(%.10q, %q, %v): %v, want an invalid-input error", bad.name, bad.holder, bad.ttl, err)
		}
	}
}

// A write made under a lease (the store's fenced view) succeeds while the lease is
// held and fails with ErrFenced, writing nothing, once another holder
// took it: a digest day, a cursor, papers.
func testFencing(t *testing.T, b Backend) {
	db := one(t, b)
	ctx := t.Context()
	const ttl = time.Hour
	a, _, err := db.AcquireLease(ctx, "digest", "replica-a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	fa := b.Fence(db, a)
	d := day("2025-05-05", digest.DayOpen, paperStep("a", digest.Step{Claimed: time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)}, digest.Step{}))
	if err := fa.SaveDay(ctx, d); err != nil {
		t.Fatalf("fenced save while held: %v", err)
	}
	if err := fa.PutCursor(ctx, "arxiv", []byte("1")); err != nil {
		t.Fatalf("fenced cursor while held: %v", err)
	}
	if err := fa.UpsertPapers(ctx, []paper.Paper{{ID: "2501.00001", Title: "Held"}}); err != nil {
		t.Fatalf("fenced papers while held: %v", err)
	}

	if err := db.ReleaseLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	bl, ok, err := db.AcquireLease(ctx, "digest", "replica-b", ttl)
	if err != nil || !ok {
		t.Fatalf("takeover: %v %v", ok, err)
	}
	d2 := d
	d2.Date = "2025-05-06"
	if err := fa.SaveDay(ctx, d2); !errors.Is(err, bot.ErrFenced) {
		t.Errorf("fenced save after takeover: %v, want ErrFenced", err)
	}
	if _, ok, _ := db.Day(ctx, "slack", "C1", "2025-05-06"); ok {
		t.Error("a fenced-off day was written")
	}
	if err := fa.PutCursor(ctx, "arxiv", []byte("2")); !errors.Is(err, bot.ErrFenced) {
		t.Errorf("fenced cursor after takeover: %v, want ErrFenced", err)
	}
	if v, _, _ := db.Cursor(ctx, "arxiv"); string(v) != "1" {
		t.Errorf("cursor %q after a fenced-off write, want 1", v)
	}
	if err := fa.UpsertPapers(ctx, []paper.Paper{{ID: "2501.00002", Title: "Late"}}); !errors.Is(err, bot.ErrFenced) {
		t.Errorf("fenced papers after takeover: %v, want ErrFenced", err)
	}
	if ch, _ := db.PaperChanges(ctx, 0, 10); len(ch) != 1 {
		t.Errorf("%d paper changes after a fenced-off write, want 1", len(ch))
	}
	// The new holder's writes go through; unfenced writes are not checked.
	if err := b.Fence(db, bl).SaveDay(ctx, d2); err != nil {
		t.Errorf("the new holder's save: %v", err)
	}
	if err := db.PutCursor(ctx, "other", []byte("x")); err != nil {
		t.Errorf("an unfenced write: %v", err)
	}
	// A lease never acquired fences too.
	if err := b.Fence(db, bot.Lease{Name: "nope", Holder: "h", Token: 1}).PutCursor(ctx, "arxiv", nil); !errors.Is(err, bot.ErrFenced) {
		t.Errorf("write under an unknown lease: %v, want ErrFenced", err)
	}
}

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

// Two replicas on one state: a held lease is refused to the other until
// it is released; the first holder's renewals and fenced writes then fail.
func testLeasesExclude(t *testing.T, b Backend) {
	open := b.New(t)
	r1, r2 := open(t), open(t)
	ctx := t.Context()
	a, ok, err := r1.AcquireLease(ctx, "digest", "replica-a", time.Hour)
	if err != nil || !ok {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	if l, ok, err := r2.AcquireLease(ctx, "digest", "replica-b", time.Hour); ok || err != nil {
		t.Fatalf("a held lease was granted to another holder: %+v %v %v", l, ok, err)
	}
	if err := r2.ReleaseLease(ctx, bot.Lease{Name: "digest", Holder: "replica-b", Token: a.Token}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r2.AcquireLease(ctx, "digest", "replica-b", time.Hour); ok {
		t.Fatal("another holder's release freed the lease")
	}
	if err := r1.ReleaseLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	bl, ok, err := r2.AcquireLease(ctx, "digest", "replica-b", time.Hour)
	if err != nil || !ok || bl.Token <= a.Token {
		t.Fatalf("acquire after release: %+v %v %v", bl, ok, err)
	}
	if _, err := r1.RenewLease(ctx, a, time.Hour); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("the old holder renewed: %v", err)
	}
	if err := b.Fence(r1, a).PutCursor(ctx, "c", nil); !errors.Is(err, bot.ErrFenced) {
		t.Errorf("the old holder's fenced write: %v", err)
	}
	// Concurrent acquisitions of a free lease: exactly one wins.
	var won atomic.Int32
	var wg sync.WaitGroup
	stores := []Store{r1, r2}
	for i := range 8 {
		wg.Go(func() {
			_, ok, err := stores[i%2].AcquireLease(ctx, "race", fmt.Sprintf("holder-%d", i), time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Errorf("%d holders got one lease at once", n)
	}
}

// A holder that stops renewing loses the lease at its expiry: another
// takes it over with a larger token, and by then the first holder's local
// deadline had passed (it stopped acting before the takeover). Until the
// takeover, a write fenced by the expired lease fails too.
func testLeaseTakeover(t *testing.T, b Backend) {
	open := b.New(t)
	r1, r2 := open(t), open(t)
	ctx := t.Context()
	const ttl = 300 * time.Millisecond
	a, ok, err := r1.AcquireLease(ctx, "refresh", "replica-a", ttl)
	if err != nil || !ok {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	fa := b.Fence(r1, a)
	within(t, 10*time.Second, "a fenced write failing once its lease expired", func() bool {
		err := fa.PutCursor(ctx, "c", []byte("x"))
		if err != nil && !errors.Is(err, bot.ErrFenced) {
			t.Fatal(err)
		}
		return err != nil
	})
	if now := time.Now(); !now.After(a.Deadline) {
		t.Errorf("the store fenced the lease off at %v, before the holder's local deadline %v", now, a.Deadline)
	}
	var bl bot.Lease
	within(t, 10*time.Second, "the lease being taken over", func() bool {
		l, ok, err := r2.AcquireLease(ctx, "refresh", "replica-b", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		bl = l
		return ok
	})
	if now := time.Now(); !now.After(a.Deadline) {
		t.Errorf("taken over at %v, before the first holder's local deadline %v", now, a.Deadline)
	}
	if bl.Token <= a.Token {
		t.Errorf("takeover token %d, not above %d", bl.Token, a.Token)
	}
	if _, err := r1.RenewLease(ctx, a, ttl); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("renewal after a takeover: %v, want ErrLeaseLost", err)
	}
	if _, ok, _ := r1.AcquireLease(ctx, "refresh", "replica-a", ttl); ok {
		t.Error("the old holder got the lease back while the new one holds it")
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
