// Package pgtest gives tests a PostgreSQL schema of their own on the server
// named by PAPERBOT_TEST_POSTGRES (a URL; `.ci/run` starts a throwaway
// cluster and sets it, and so does `eval "$(.ci/postgres start)"`). Without
// the variable the tests skip, saying so, except in CI (CI set, or
// PAPERBOT_TEST_POSTGRES_REQUIRED), where they fail: CI must run them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test server.
const Env = "PAPERBOT_TEST_POSTGRES"

// Required reports whether the PostgreSQL tests must run (CI).
func Required() bool {
	for _, v := range []string{os.Getenv("CI"), os.Getenv("PAPERBOT_TEST_POSTGRES_REQUIRED")} {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "", "0", "false", "no":
		default:
			return true
		}
	}
	return false
}

// Server returns the test server's URL, or skips the test (fails it in CI)
// when there is none.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		msg := Env + " is not set: the PostgreSQL tests need a server (eval \"$(.ci/postgres start)\" starts a throwaway one)"
		if Required() {
			t.Fatal(msg + "; in CI they must run")
		}
		t.Skip(msg)
	}
	return u
}

// URL makes a new, empty schema on the test server and returns a URL whose
// connections use it (search_path); the schema and everything in it are
// dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := Server(t)
	suffix := make([]byte, 6)
	rand.Read(suffix)
	schema := "paperbot_test_" + hex.EncodeToString(suffix)
	exec(t, base, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() { exec(t, base, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE") })
	return WithParam(t, base, "search_path", schema)
}

// WithParam returns the URL with a connection parameter set.
func WithParam(t testing.TB, raw, key, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs one statement on the server (for tests that change things
// behind a store's back).
func Exec(t testing.TB, raw, sql string, args ...any) {
	t.Helper()
	exec(t, raw, sql, args...)
}

func exec(t testing.TB, raw, sql string, args ...any) {
	t.Helper()
	withConn(t, raw, func(ctx context.Context, conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
		return nil
	})
}

// QueryRow runs one query on the server and scans its one row into dest.
func QueryRow(t testing.TB, raw, sql string, dest ...any) {
	t.Helper()
	withConn(t, raw, func(ctx context.Context, conn *pgx.Conn) error {
		if err := conn.QueryRow(ctx, sql).Scan(dest...); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
		return nil
	})
}

// withConn runs fn on a connection of its own, failing the test (with the
// statement's error) when anything fails.
func withConn(t testing.TB, raw string, fn func(ctx context.Context, conn *pgx.Conn) error) {
	t.Helper()
	// Not the test's context: cleanups run after it is cancelled.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		t.Fatalf("connecting to the test server (%s): %v", Env, err)
	}
	defer conn.Close(ctx)
	if err := fn(ctx, conn); err != nil {
		t.Fatal(err)
	}
}
