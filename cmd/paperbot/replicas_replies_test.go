package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/internal/clock"
)

// watchedLeases tells which leases a replica asked for, and whether it got
// them.
type watchedLeases struct {
	bot.Leases
	name  string
	tried chan bool
}

func (w watchedLeases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bot.Lease, bool, error) {
	l, ok, err := w.Leases.AcquireLease(ctx, name, holder, ttl)
	if name == w.name && err == nil {
		select {
		case w.tried <- ok:
		default:
		}
	}
	return l, ok, err
}

// signalAdapter counts replies as replyAdapter does and says so on counted.
type signalAdapter struct {
	*replyAdapter
	counted chan struct{}
}

func (s signalAdapter) CountReplies(ctx context.Context, d bot.Discussion) (bot.ReplyCount, error) {
	c, err := s.replyAdapter.CountReplies(ctx, d)
	select {
	case s.counted <- struct{}{}:
	default:
	}
	return c, err
}

// Replicas on one database count the discussions' replies on one replica
// at a time: a second replica asks for the lease, is refused and counts
// nothing while the first holds it, and takes over (counting at once) when
// the first stops.
func TestReplyCountsOnOneReplica(t *testing.T) {
	base := pgtest.URL(t)
	ctx := t.Context()
	open := func() *pgstore.Store {
		db, err := pgstore.Open(ctx, base, pgstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := open(), open()
	if err := dbA.SaveDay(ctx, discussedDay("fake", "2402.00001", "T1", time.Now().Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cfg := &configs.Config{}
	const ttl = 900 * time.Millisecond

	type replica struct {
		set     *replicaSet
		plat    signalAdapter
		stop    context.CancelFunc
		done    chan error
		refused chan bool
	}
	start := func(name string, db *pgstore.Store) *replica {
		r := &replica{
			plat: signalAdapter{
				replyAdapter: &replyAdapter{fakeAdapter: fakeAdapter{&bottest.Platform{Name: "fake"}}, counts: map[string]int{"T1": 3}},
				counted:      make(chan struct{}, 1),
			},
			refused: make(chan bool, 1),
			done:    make(chan error, 1),
		}
		r.set = &replicaSet{db: db, holder: name, ttl: ttl, log: log, leases: watchedLeases{Leases: db, name: "replies", tried: r.refused}}
		rr, err := newReplyRefresh(cfg, db, func(string) bot.Poster { return r.plat }, clock.System{}, log)
		if err != nil {
			t.Fatal(err)
		}
		var rctx context.Context
		rctx, r.stop = context.WithCancel(ctx)
		go func() { r.done <- r.set.replies(rr)(rctx) }()
		return r
	}
	wait := func(what string, c <-chan struct{}) {
		t.Helper()
		select {
		case <-c:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: not within 30 s", what)
		}
	}

	a := start("replica-A", dbA)
	wait("replica A counting", a.plat.counted)
	b := start("replica-B", dbB)
	// B asks for the lease (A holds it) and is refused; it has counted
	// nothing.
	select {
	case ok := <-b.refused:
		if ok {
			t.Fatal("replica B was granted the replies lease while A holds it")
		}
	case <-b.plat.counted:
		t.Fatal("replica B counted replies while A holds the lease")
	case <-time.After(30 * time.Second):
		t.Fatal("replica B never asked for the replies lease")
	}
	b.plat.mu.Lock()
	calls := b.plat.calls
	b.plat.mu.Unlock()
	if calls != 0 {
		t.Fatalf("replica B counted %d threads while A holds the lease", calls)
	}
	// A stops (its lease released): B takes over and counts at once.
	a.stop()
	<-a.done
	wait("replica B counting after A stopped", b.plat.counted)
	b.stop()
	<-b.done
}
