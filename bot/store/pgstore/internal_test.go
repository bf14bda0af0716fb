package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
)

func TestMigrationFiles(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if ms[len(ms)-1].version != SchemaVersion {
		t.Errorf("last migration %d, SchemaVersion %d", ms[len(ms)-1].version, SchemaVersion)
	}
}

func TestKindOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want fault.Kind
	}{
		{&pgconn.PgError{Code: "57P01"}, fault.Transient}, // admin shutdown (pg_terminate_backend)
		{&pgconn.PgError{Code: "08006"}, fault.Transient}, // connection failure
		{&pgconn.PgError{Code: "53300"}, fault.Transient}, // too many connections
		{&pgconn.PgError{Code: "40P01"}, fault.Transient}, // deadlock
		{&pgconn.PgError{Code: "22021"}, fault.Invalid},   // bad byte sequence
		{&pgconn.PgError{Code: "23505"}, fault.Invalid},   // unique violation
		{&pgconn.PgError{Code: "42P01"}, fault.Internal},  // undefined table
		{&pgconn.PgError{Code: "28P01"}, fault.Internal},  // bad password: not for retrying
		{fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), fault.Transient},
		{pgconn.ErrConnClosed, fault.Transient},
		{context.DeadlineExceeded, fault.Transient},
		{fmt.Errorf("x: %w", bot.ErrFenced), fault.Internal},
		{errors.New("something else"), fault.Internal},
	} {
		if got := kindOf(c.err); got != c.want {
			t.Errorf("kindOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// A session that starts with synchronous_commit off (a server, database
// or role default, or the URL) has it turned on: a commit is durable.
func TestSynchronousCommitOn(t *testing.T) {
	url := pgtest.WithParam(t, pgtest.URL(t), "synchronous_commit", "off")
	s, err := Open(t.Context(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sc string
	if err := s.pool.QueryRow(t.Context(), "SHOW synchronous_commit").Scan(&sc); err != nil {
		t.Fatal(err)
	}
	if sc != "on" {
		t.Errorf("synchronous_commit %q, want on", sc)
	}
}

// The server ending the store's connections (a restart, a failover,
// pg_terminate_backend) is a transient failure at worst, and the store
// works again on new connections.
func TestConnectionLoss(t *testing.T) {
	url := pgtest.WithParam(t, pgtest.URL(t), "application_name", "paperbot-conn-loss-"+t.Name())
	s, err := Open(t.Context(), url, Options{configure: func(c *pgxpool.Config) {
		// Hand out the dead connection without checking it first.
		c.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
		c.MinConns, c.MaxConns = 1, 1
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if _, err := s.Subscriptions(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	pgtest.QueryRow(t, url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'paperbot-conn-loss-"+t.Name()+"' AND pid <> pg_backend_pid()", &n)
	if n == 0 {
		t.Fatal("no connection of the store's to end")
	}
	_, _, err = s.Subscription(ctx, "slack", "C1")
	if err != nil && !fault.Is(err, fault.Transient) {
		t.Errorf("a read on a connection the server ended: %v, want success or a transient error", err)
	}
	t.Logf("first read after the loss: %v", err)
	if _, _, err := s.Subscription(ctx, "slack", "C1"); err != nil {
		t.Errorf("a read after the loss: %v", err)
	}
}

// Digest days are compressed with LZ4 on a server that has it (migration
// 5); without it the column keeps the default.
func TestDayRecordsLZ4(t *testing.T) {
	s, err := Open(t.Context(), pgtest.URL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var lz4 bool
	var method string
	err = s.pool.QueryRow(t.Context(), `SELECT EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)),
	(SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'digest_days'::regclass AND attname = 'record')`).Scan(&lz4, &method)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[bool]string{true: "l", false: ""}[lz4]; method != want {
		t.Errorf("digest_days.record compression %q, want %q (server has lz4: %v)", method, want, lz4)
	}
}

// A day the one statement cannot write (a paper both sent and unsent, a
// thread twice) is written statement by statement, in order: the paper
// ends unsent, the thread stored once.
func TestSaveDayInOrder(t *testing.T) {
	s, err := Open(t.Context(), pgtest.URL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	posted := digest.DayPaper{Paper: paper.Paper{ID: "a"},
		Post:   digest.Step{Done: t0, Message: bot.MessageRef{ID: "m"}},
		Thread: digest.Step{Done: t0, Thread: bot.ThreadRef{ID: "m", URL: "https://x/t"}}}
	d := digest.Day{Platform: "slack", Channel: "C1", Date: "2025-05-05", Status: digest.DayDone,
		Papers: []digest.DayPaper{posted, {Paper: paper.Paper{ID: "a"}}}}
	sent, unsent := d.SentPapers()
	if oneStatement(sent, unsent, d.Discussions()) {
		t.Fatal("a paper both sent and unsent fits the one statement")
	}
	if err := s.SaveDay(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Sent(t.Context(), "slack", "C1"); len(got) != 0 {
		t.Errorf("sent %v, want none (unsent after sent)", got)
	}
	d.Papers[1] = posted
	sent, unsent = d.SentPapers()
	if oneStatement(sent, unsent, d.Discussions()) {
		t.Fatal("a thread twice fits the one statement")
	}
	if err := s.SaveDay(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AllDiscussionsOf(t.Context(), "a"); len(got["a"]) != 1 || !got["a"][0].Started.Equal(t0) {
		t.Errorf("discussions %+v, want one", got)
	}
}
