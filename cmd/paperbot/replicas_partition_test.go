package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/configs"
)

// tcpProxy forwards loopback connections to a server; Cut drops every
// connection and refuses new ones (a network partition), Restore heals it.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.Cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *tcpProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return false
	}
	for _, c := range cs {
		p.conns[c] = true
	}
	return true
}

func (p *tcpProxy) serve(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, s) {
		c.Close()
		s.Close()
		return
	}
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *tcpProxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// replicaPoster is one replica's view of the shared fake platform: it
// records which replica made each call, and can hold a replica's calls
// until its context ends (a request cut short: nothing posted).
type replicaPoster struct {
	*bottest.Platform
	name string
	rec  *postLog
	// hold, when it returns true, makes the call wait for its context.
	hold func() bool
}

type postLog struct {
	mu    sync.Mutex
	calls []replicaCall
	held  chan string
}

type replicaCall struct {
	replica string
	at      time.Time
	call    bottest.Call
}

func (p *replicaPoster) Post(ctx context.Context, to bot.Destination, m bot.Message, opts bot.PostOptions) (bot.MessageRef, error) {
	if p.hold != nil && p.hold() {
		// The test reads the first held call; the digest posts to several
		// channels at once, so later ones must not block here (they wait
		// for their context like the first).
		select {
		case p.rec.held <- p.name:
		default:
		}
		<-ctx.Done()
		return bot.MessageRef{}, ctx.Err()
	}
	ref, err := p.Platform.Post(ctx, to, m, opts)
	p.note(err)
	return ref, err
}

func (p *replicaPoster) StartThread(ctx context.Context, parent bot.MessageRef, title string, m bot.Message, opts bot.PostOptions) (bot.ThreadRef, error) {
	ref, err := p.Platform.StartThread(ctx, parent, title, m, opts)
	p.note(err)
	return ref, err
}

func (p *replicaPoster) note(err error) {
	if err != nil {
		return
	}
	calls := p.Platform.Calls()
	p.rec.mu.Lock()
	p.rec.calls = append(p.rec.calls, replicaCall{replica: p.name, at: time.Now(), call: calls[len(calls)-1]})
	p.rec.mu.Unlock()
}

// dueNowZone is an Etc/GMT zone where it is about noon, and the time of
// day a minute ago there: a subscription at that time is due at once,
// whatever the hour the test runs.
func dueNowZone(now time.Time) (zone, at string) {
	off := now.UTC().Hour() - 12 // local = UTC - off
	zone = fmt.Sprintf("Etc/GMT%+d", off)
	if off == 0 {
		zone = "Etc/GMT"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
		zone = "UTC"
	}
	return zone, now.In(loc).Add(-time.Minute).Format("15:04")
}

// A replica whose database connection is cut stops acting on the digest
// lease (its lease's local deadline passes without a renewal) before
// another replica can take it over; the other finishes the day, every
// channel's papers posted and threaded exactly once; and once the cut
// replica reaches the database again, a write under its old lease is
// fenced off.
func TestPartitionedReplicaStopsBeforeTakeover(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.ln.Addr().String()
	ctx := t.Context()
	open := func(raw string) *pgstore.Store {
		db, err := pgstore.Open(ctx, raw, pgstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := open(viaProxy.String()), open(base)

	const channels, top = 12, 3
	var papers []paper.Paper
	for i := range 8 {
		papers = append(papers, paper.Paper{
			ID: fmt.Sprintf("2402.%05d", i+1), Title: fmt.Sprintf("Partition tolerant paper %d", i+1),
			Abstract: "About partitions.", Authors: []string{"Ada"}, Published: time.Now().UTC().Format(paper.DateLayout),
			Upvotes: 100 - i,
		})
	}
	search := bottest.NewSearcher(papers...)
	zone, at := dueNowZone(time.Now())
	for i := range channels {
		if err := dbB.PutSubscription(ctx, digest.Subscription{
			Platform: "fake", Channel: fmt.Sprintf("C%03d", i), Time: at, Zone: zone, Top: top,
			Source: digest.SourceChat, Since: time.Now().Add(-48 * time.Hour),
		}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &configs.Config{Dig: configs.Digest{Grace: time.Hour, DefaultTime: "09:00", DefaultTimezone: "UTC", DefaultTop: top}}
	cfg.Bot.Command = "papers"
	log := slog.New(slog.DiscardHandler)
	const ttl = 2 * time.Second

	shared := &bottest.Platform{Name: "fake"}
	rec := &postLog{held: make(chan string, 1)}
	var aPosts int
	var holdMu sync.Mutex
	posterA := &replicaPoster{Platform: shared, name: "A", rec: rec, hold: func() bool {
		holdMu.Lock()
		defer holdMu.Unlock()
		aPosts++
		return aPosts > 4 // A is cut off mid-digest, a request in flight
	}}
	posterB := &replicaPoster{Platform: shared, name: "B", rec: rec}
	var mu sync.Mutex
	var stopA, takenB time.Time
	var leaseA bot.Lease

	rA := &replicaSet{db: dbA, holder: "replica-A", ttl: ttl, log: log, onTenure: func(ctx context.Context, _ string, l bot.Lease) {
		mu.Lock()
		defer mu.Unlock()
		if leaseA.Token == 0 {
			leaseA = l
		}
		// A stops acting when its work's context ends (every platform
		// call made after that is an error below).
		context.AfterFunc(ctx, func() {
			mu.Lock()
			if stopA.IsZero() {
				stopA = time.Now()
			}
			mu.Unlock()
		})
	}}
	rB := &replicaSet{db: dbB, holder: "replica-B", ttl: ttl, log: log, onTenure: func(context.Context, string, bot.Lease) {
		mu.Lock()
		defer mu.Unlock()
		if takenB.IsZero() {
			takenB = time.Now()
		}
	}}
	run := func(ctx context.Context, r *replicaSet, p *replicaPoster) chan error {
		done := make(chan error, 1)
		go func() { done <- r.digest(ctx, cfg, search, func(string) bot.Poster { return p }, log, nil) }()
		return done
	}
	ctxA, cancelA := context.WithCancel(ctx)
	defer cancelA()
	doneA := run(ctxA, rA, posterA) // A takes the lease first (B starts once A holds it)
	var who string
	select {
	case who = <-rec.held:
	case <-time.After(30 * time.Second):
		t.Fatal("replica A never got to its fifth post")
	}
	if who != "A" {
		t.Fatalf("held replica %s", who)
	}
	ctxB, cancelB := context.WithCancel(ctx)
	defer cancelB()
	doneB := run(ctxB, rB, posterB)
	cutAt := time.Now()
	proxy.Cut()

	// Every channel: a header post, top papers, each threaded.
	want := channels * (1 + 2*top)
	deadline := time.Now().Add(60 * time.Second)
	for len(shared.Calls()) < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // polling the fake's posts, not waiting for an effect
	}
	cancelB()
	<-doneB
	cancelA()
	<-doneA

	mu.Lock()
	defer mu.Unlock()
	if stopA.IsZero() || takenB.IsZero() {
		t.Fatalf("A stopped at %v, B took the lease at %v", stopA, takenB)
	}
	if !stopA.Before(takenB) {
		t.Errorf("A stopped acting %v after the cut, B took the lease %v after it: A must stop first", stopA.Sub(cutAt), takenB.Sub(cutAt))
	}
	t.Logf("cut → A stopped %v, cut → B took over %v", stopA.Sub(cutAt).Round(time.Millisecond), takenB.Sub(cutAt).Round(time.Millisecond))
	calls := shared.Calls()
	if len(calls) != want {
		t.Errorf("%d calls on the platform, want %d (each channel's header, %d papers and their threads, once)", len(calls), want, top)
	}
	seen := map[string]int{}
	for _, c := range calls {
		seen[c.Op+" "+c.Channel()+" "+c.Key]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s made %d times", k, n)
		}
	}
	for _, c := range rec.calls {
		if c.replica == "A" && c.at.After(stopA) {
			t.Errorf("A made a call after it stopped acting: %s %s", c.call.Op, c.call.Channel())
		}
		if c.replica == "B" && c.at.Before(takenB) {
			t.Errorf("B made a call before it took the lease")
		}
	}
	// Healed: A's write under its old lease is refused.
	proxy.Restore()
	err = dbA.Fenced(leaseA).PutCursor(ctx, "partition-test", []byte("x"))
	if !errors.Is(err, bot.ErrFenced) {
		t.Errorf("A's write under its lost lease: %v, want ErrFenced", err)
	}
}
