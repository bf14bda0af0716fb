// Package pgstore keeps paperbot's state in PostgreSQL, shared by every
// replica that points at the same database: the digest subscriptions, the
// post ledger and the paper-to-thread links (the same contract as the bbolt
// store, bot/store, held to it by the suite in bot/store/storetest), and
// what replicas need to share: leases with fencing, seen keys (event
// dedupe), source cursors and the papers table with its change feed.
//
// Every write is one transaction, committed (synchronous_commit on: a
// connection that finds it off turns it on for itself) before it returns.
//
// Schema. Versioned migrations (migrations/NNNN_name.sql, embedded) are
// applied at Open in one transaction under a PostgreSQL advisory lock, and
// recorded in schema_migrations: replicas starting at once migrate once,
// the others wait for the lock and find nothing left to do. A database
// whose schema is newer than this binary knows is refused (ErrNewerSchema).
// The tables live in the connection's current schema (search_path).
//
// Leases. A lease row holds its holder, its fencing token and its expiry
// on the database's clock (clock_timestamp() + ttl when the statement
// runs). The holder's local deadline (bot.Lease.Deadline) counts from the
// moment it sent the request (bot.LeaseDeadline): since the database sets
// the expiry after it received the request, the holder's deadline passes
// before the lease can be taken by anyone else (the argument is in
// bot/lease.go). A fenced write (Store.Fenced) reads the lease row FOR
// SHARE in its own transaction: a takeover, which updates that row, waits
// for the write to commit, and a write that starts after a takeover sees
// the new token and fails with bot.ErrFenced.
//
// The change feed. Writers of papers take the paper_feed row's lock first
// and hold it until they commit, so sequence numbers are given and made
// visible in the same order: a follower that has read up to N never sees a
// smaller number appear later. Each write notifies (pg_notify) a channel
// named after the schema; WaitPapers listens on it and re-reads the
// feed's end on every notification, so missed or foreign notifications
// cost nothing but a query.
//
// Errors carry the core's fault kinds: a lost connection, a server
// shutting down, a timeout, a deadlock or a serialization failure is
// fault.Transient (the operation may be tried again); bad data is
// fault.Invalid; the rest is fault.Internal. A statement or a
// transaction that never reached the server (a dead pooled connection) or
// ended in a deadlock or a serialization failure runs again, three times
// at most. Writes of one statement run outside an explicit transaction
// (they commit by themselves, in one round trip).
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
)

// SchemaVersion is the schema this code reads and writes: the version of
// the last file in migrations/.
const SchemaVersion = 5

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune Open.
type Options struct {
	// ReadOnly applies no migration and makes every transaction read-only
	// (default_transaction_read_only): for inspection (`paperbot digest
	// --dry-run`). The schema must be this binary's.
	ReadOnly bool
	// Logger logs the migrations applied (default: none).
	Logger *slog.Logger
	// Hooks observe the store, for tests.
	Hooks Hooks
	// configure, when set, adjusts the pool's configuration (tests).
	configure func(*pgxpool.Config)
}

// Hooks are called at points tests wait for.
type Hooks struct {
	// Waiting is called when WaitPapers has found nothing new and starts
	// waiting for a notification.
	Waiting func()
	// Notified is called for each notification WaitPapers receives.
	Notified func()
}

// ErrNewerSchema is returned by Open for a database migrated by a newer
// paperbot.
var ErrNewerSchema = errors.New("the database's paperbot schema is newer than this paperbot knows")

// Store is the PostgreSQL state store.
type Store struct {
	pool    *pgxpool.Pool
	where   string // the redacted URL, for messages
	channel string // the papers' notification channel
	hooks   Hooks
	// seenWrites counts SeenWithin calls, to sweep expired keys now and then.
	seenWrites atomic.Uint64
	// windows are the trending windows committed per day (ledgerwrite.go).
	windows windowCache
}

var (
	_ digest.Store      = (*Store)(nil)
	_ digest.ReplyStore = (*Store)(nil)
	_ bot.Leases        = (*Store)(nil)
)

// Open connects to the database at url (postgres://user:password@host/db,
// with any libpq parameter, pool_max_conns among them), migrates its
// schema and returns the store. Errors name the database by its URL with
// the password redacted, never the password.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	where := Redact(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, fmt.Errorf("state %s: %w", where, err), "the state database URL is not valid")
	}
	rp := cfg.ConnConfig.RuntimeParams
	if rp["application_name"] == "" {
		rp["application_name"] = "paperbot"
	}
	if opts.ReadOnly {
		rp["default_transaction_read_only"] = "on"
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// The ledger's exactly-once rests on a commit being durable.
		var sc string
		if err := c.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc); err != nil {
			return err
		}
		if sc == "off" {
			_, err := c.Exec(ctx, "SET synchronous_commit = on")
			return err
		}
		return nil
	}
	if opts.configure != nil {
		opts.configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap(fmt.Errorf("%s: %w", where, err), "connecting")
	}
	s := &Store{pool: pool, where: where, hooks: opts.Hooks}
	if err := s.start(ctx, opts); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) start(ctx context.Context, opts Options) error {
	var schema string
	if err := s.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return wrap(fmt.Errorf("%s: %w", s.where, err), "connecting")
	}
	if schema == "" {
		return fault.New(fault.Internal, "state %s: no schema to create the tables in (the search_path names none that exists)", s.where)
	}
	h := fnv.New64a()
	io.WriteString(h, schema)
	s.channel = fmt.Sprintf("paperbot_papers_%016x", h.Sum64())
	ms, err := migrations()
	if err != nil {
		return err
	}
	if opts.ReadOnly {
		return s.checkSchema(ctx, ms)
	}
	return s.migrate(ctx, ms, opts.Logger)
}

// Close closes the pool. It is safe to call more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Where is the database's URL with its password redacted.
func (s *Store) Where() string { return s.where }

// Redact returns a PostgreSQL URL (or libpq keyword string) with its
// password replaced by [redacted], for logs and messages.
func Redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "[redacted]")
		}
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") {
				q.Set(k, "[redacted]")
			}
		}
		u.RawQuery = q.Encode()
		// url.String escapes the brackets of the redacted password.
		return strings.ReplaceAll(u.String(), "%5Bredacted%5D", "[redacted]")
	}
	if strings.Contains(raw, "://") { // a URL that does not parse
		return urlPassword.ReplaceAllString(raw, "$1:[redacted]@")
	}
	return kwPassword.ReplaceAllString(raw, "password=[redacted]")
}

var (
	kwPassword  = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)`)
	urlPassword = regexp.MustCompile(`(://[^:@/]*):[^@]*@`)
)

// migration is one file of migrations/.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// migrations returns the embedded migrations in order; their versions are
// 1, 2, 3... (a test checks the files).
func migrations() ([]migration, error) {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("pgstore: migration file %s is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: m[2], sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("pgstore: migration %04d_%s.sql: want version %d (versions run 1, 2, 3... without gaps)", m.version, m.name, i+1)
		}
	}
	if len(ms) != SchemaVersion {
		return nil, fmt.Errorf("pgstore: %d migrations, but SchemaVersion is %d", len(ms), SchemaVersion)
	}
	return ms, nil
}

// migrateLock is the advisory lock taken while migrating ("paperbot").
const migrateLock = 0x7061706572626f74

// migrate applies the migrations the database lacks, in one transaction
// under the advisory lock.
func (s *Store) migrate(ctx context.Context, ms []migration, log *slog.Logger) error {
	latest := ms[len(ms)-1].version
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
			return err
		}
		if cur > latest {
			return s.newer(cur, latest)
		}
		for _, m := range ms[cur:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
			if log != nil {
				log.Info("state schema migrated", "version", m.version, "name", m.name, "database", s.where)
			}
		}
		return nil
	})
	if errors.Is(err, ErrNewerSchema) {
		return err
	}
	return wrap(err, "migrating the schema of "+s.where)
}

func (s *Store) newer(cur, latest int) error {
	return fault.Wrap(fault.Internal, fmt.Errorf("state %s: schema version %d, this paperbot knows up to %d: %w", s.where, cur, latest, ErrNewerSchema),
		"the state database was migrated by a newer paperbot (schema %d; this one knows %d): run that version or newer on every replica, or point state at another database", cur, latest)
}

// checkSchema checks, without changing anything, that the schema is the
// one this binary writes.
func (s *Store) checkSchema(ctx context.Context, ms []migration) error {
	latest := ms[len(ms)-1].version
	var cur int
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&cur)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		return fault.New(fault.NotFound, "state %s: the database has no paperbot schema yet: `paperbot serve` creates it when it starts", s.where)
	}
	if err != nil {
		return wrap(err, "reading the schema version of "+s.where)
	}
	switch {
	case cur > latest:
		return s.newer(cur, latest)
	case cur < latest:
		return fault.New(fault.Internal, "state %s: schema version %d is older than this paperbot's %d: `paperbot serve` of this version migrates it when it starts", s.where, cur, latest)
	}
	return nil
}

// wrap gives a database error its fault kind and says what was being done.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Kind == fault.Invalid {
		return err
	}
	k := kindOf(err)
	msg := ""
	switch k {
	case fault.Transient:
		msg = "the state database cannot be reached right now; try again in a moment"
	case fault.Invalid:
		msg = "the state database refused a value"
	}
	return fault.Wrap(k, fmt.Errorf("state: %s: %w", what, err), "%s", msg)
}

// kindOf classifies a database error.
func kindOf(err error) fault.Kind {
	if errors.Is(err, bot.ErrFenced) || errors.Is(err, bot.ErrLeaseLost) {
		return fault.Internal
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),       // insufficient resources (too many connections, disk full)
			pe.Code == "40001", pe.Code == "40P01", // serialization failure, deadlock
			pe.Code == "55P03",                                         // lock not available
			pe.Code == "57014",                                         // query canceled (statement_timeout)
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shutting down, starting up
			return fault.Transient
		case strings.HasPrefix(pe.Code, "22"), strings.HasPrefix(pe.Code, "23"): // data exception, integrity
			return fault.Invalid
		}
		return fault.Internal
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		pgconn.Timeout(err), pgconn.SafeToRetry(err), errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return fault.Transient
	}
	return fault.Internal
}

// retryable reports whether a failed transaction may run again: it never
// reached the server, or the server rolled it back for a deadlock or a
// serialization failure.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return pgconn.SafeToRetry(err)
}

// do runs fn, which does the work of one statement or transaction, and
// runs it again (three times at most) when that is safe: it never reached
// the server, or the server rolled it back for a deadlock or a
// serialization failure.
func (s *Store) do(ctx context.Context, what string, fn func() error) error {
	var err error
	for range 3 {
		if err = ctx.Err(); err != nil {
			return err
		}
		if err = fn(); err == nil || !retryable(err) {
			break
		}
	}
	return wrap(err, what)
}

// tx runs fn in a transaction, committed before it returns (see do).
func (s *Store) tx(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	return s.do(ctx, what, func() error { return pgx.BeginFunc(ctx, s.pool, fn) })
}
