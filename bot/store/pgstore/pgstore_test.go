package pgstore_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"

	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/bot/store/storetest"
)

func open(t testing.TB, url string, opts pgstore.Options) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pgtest.Server(t)
	storetest.Run(t, backend())
}

// backend is this store under the suite.
func backend() storetest.Backend {
	return storetest.Backend{
		New: func(t testing.TB) func(t testing.TB) storetest.Store {
			url := pgtest.URL(t)
			return func(t testing.TB) storetest.Store { return open(t, url, pgstore.Options{}) }
		},
		Shared: true,
		Fence:  func(s storetest.Store, l bot.Lease) storetest.Store { return s.(*pgstore.Store).Fenced(l) },
	}
}

// Three replicas starting at once on an empty database migrate it once:
// the others wait for the advisory lock and find nothing to do.
func TestMigrateOnceWhenReplicasStartTogether(t *testing.T) {
	url := pgtest.URL(t)
	const replicas = 3
	errs := make(chan error, replicas)
	stores := make(chan *pgstore.Store, replicas)
	for range replicas {
		go func() {
			s, err := pgstore.Open(t.Context(), url, pgstore.Options{})
			errs <- err
			stores <- s
		}()
	}
	for range replicas {
		if err := <-errs; err != nil {
			t.Errorf("a replica failed to start: %v", err)
		}
		if s := <-stores; s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	var n, distinct int
	pgtest.QueryRow(t, url, "SELECT count(*), count(DISTINCT version) FROM schema_migrations", &n, &distinct)
	if n != distinct || n != pgstore.SchemaVersion {
		t.Errorf("schema_migrations holds %d rows (%d versions), want one per version (%d)", n, distinct, pgstore.SchemaVersion)
	}
}

// A database migrated by a newer paperbot is refused, saying what to do;
// nothing is changed.
func TestRefusesNewerSchema(t *testing.T) {
	url := pgtest.URL(t)
	open(t, url, pgstore.Options{}).Close()
	pgtest.Exec(t, url, "INSERT INTO schema_migrations (version, name) VALUES (99, 'from_the_future')")
	for _, ro := range []bool{false, true} {
		_, err := pgstore.Open(t.Context(), url, pgstore.Options{ReadOnly: ro})
		if !errors.Is(err, pgstore.ErrNewerSchema) || !strings.Contains(fault.UserMessage(err), "newer paperbot (schema 99") || !strings.Contains(fault.UserMessage(err), "run that version") {
			t.Errorf("read-only %v: %v (%q)", ro, err, fault.UserMessage(err))
		}
	}
	var n int
	pgtest.QueryRow(t, url, "SELECT count(*) FROM schema_migrations", &n)
	if n != pgstore.SchemaVersion+1 {
		t.Errorf("%d migrations recorded after a refusal", n)
	}
}

// Read-only: no schema is made; on a migrated database reads work and
// writes are refused by the server.
func TestReadOnly(t *testing.T) {
	url := pgtest.URL(t)
	_, err := pgstore.Open(t.Context(), url, pgstore.Options{ReadOnly: true})
	if !fault.Is(err, fault.NotFound) || !strings.Contains(err.Error(), "no paperbot schema yet") {
		t.Fatalf("read-only open of an empty database: %v", err)
	}
	rw := open(t, url, pgstore.Options{})
	ctx := t.Context()
	sub := digest.Subscription{Platform: "slack", Channel: "C1", Time: "09:00", Zone: "UTC", Top: 1}
	if err := rw.PutSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	ro := open(t, url, pgstore.Options{ReadOnly: true})
	if got, ok, err := ro.Subscription(ctx, "slack", "C1"); !ok || err != nil || got != sub {
		t.Fatalf("read-only read: %+v %v %v", got, ok, err)
	}
	if err := ro.PutSubscription(ctx, digest.Subscription{Platform: "slack", Channel: "C2"}); err == nil {
		t.Fatal("a read-only store accepted a write")
	}
}

// An unreachable server is a transient failure, and no error or log line
// carries the password.
func TestUnreachableIsTransientAndRedacted(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	url := "postgres://paperbot:s3cr3t-pw@" + addr + "/paperbot?sslmode=disable&connect_timeout=5"
	_, err = pgstore.Open(t.Context(), url, pgstore.Options{})
	if !fault.Is(err, fault.Transient) {
		t.Errorf("open of an unreachable server: %v, want a transient error", err)
	}
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), addr) {
		t.Errorf("the error must name the server, not the password: %v", err)
	}
	_, err = pgstore.Open(t.Context(), "postgres://paperbot:s3cr3t-pw@[::1/x", pgstore.Options{})
	if !fault.Is(err, fault.Invalid) || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("a malformed URL: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://paperbot:s3cr3t@db:5432/paperbot?sslmode=require": "postgres://paperbot:[redacted]@db:5432/paperbot?sslmode=require",
		"postgres://paperbot@db/paperbot":                             "postgres://paperbot@db/paperbot",
		"postgresql://db/paperbot?password=s3cr3t&user=u":             "postgresql://db/paperbot?password=[redacted]&user=u",
		"host=db user=u password=s3cr3t dbname=paperbot":              "host=db user=u password=[redacted] dbname=paperbot",
		"host=db password='s3 cr3t' dbname=paperbot":                  "host=db password=[redacted] dbname=paperbot",
		"postgres://paperbot:s3cr3t@[::1/x":                           "postgres://paperbot:[redacted]@[::1/x",
	} {
		if got := pgstore.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// A value the database refuses (a NUL byte in a key) is invalid input,
// reported as such.
func TestRefusedValueIsInvalid(t *testing.T) {
	s := open(t, pgtest.URL(t), pgstore.Options{})
	err := s.PutSubscription(t.Context(), digest.Subscription{Platform: "slack", Channel: "C\x001", Time: "09:00", Zone: "UTC", Top: 1})
	if !fault.Is(err, fault.Invalid) {
		t.Errorf("a NUL byte in a channel id: %v, want an invalid-input error", err)
	}
}

// A follower on another pool is woken by the notification of the write:
// it was listening before the write, and one notification woke it.
func TestFollowerWokenByOneNotification(t *testing.T) {
	url := pgtest.URL(t)
	writer := open(t, url, pgstore.Options{})
	waiting := make(chan struct{}, 8)
	var notified atomic.Int32
	follower := open(t, url, pgstore.Options{Hooks: pgstore.Hooks{
		Waiting:  func() { waiting <- struct{}{} },
		Notified: func() { notified.Add(1) },
	}})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := follower.WaitPapers(ctx, 0)
		done <- result{n, err}
	}()
	select {
	case <-waiting:
	case <-ctx.Done():
		t.Fatal("the follower never started waiting")
	}
	if err := writer.UpsertPapers(ctx, []paper.Paper{{ID: "2501.00007", Title: "Seen elsewhere"}}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.n != 1 {
		t.Fatalf("follower: %d %v", r.n, r.err)
	}
	if n := notified.Load(); n != 1 {
		t.Errorf("woken after %d notifications, want 1", n)
	}
	ch, err := follower.PaperChanges(ctx, 0, 10)
	if err != nil || len(ch) != 1 || ch[0].Paper.Title != "Seen elsewhere" {
		t.Errorf("the follower reads %+v %v", ch, err)
	}
}

func BenchmarkStore(b *testing.B) {
	pgtest.Server(b)
	storetest.Bench(b, backend())
}
