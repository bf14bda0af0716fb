package storetest

import (
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
