package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/configs"
)

// runMigrateState copies a bbolt state file into a PostgreSQL database:
// `paperbot migrate-state --from data/state.db --to postgres://...`.
func runMigrateState(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate-state")
	from := fs.String("from", "", "the bbolt state file to copy (e.g. data/state.db)")
	to := fs.String("to", "", "the PostgreSQL database: a postgres:// URL, ${ENV_VAR}, env:ENV_VAR or file:/path, as state: takes it")
	force := fs.Bool("force", false, "replace the state the database holds (papers are merged, never removed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q. Usage: paperbot migrate-state --from FILE --to postgres://... [--force]", fs.Arg(0))}
	}
	if *from == "" || *to == "" {
		return usageError{"both --from (the state file) and --to (the database) are needed. Usage: paperbot migrate-state --from data/state.db --to '${PAPERBOT_STATE_URL}'"}
	}
	var target configs.Config
	if err := target.SetState(*to, e.getenv); err != nil {
		return usageError{"--to: " + err.Error()}
	}
	if !target.StateIsPostgres() {
		return usageError{fmt.Sprintf("--to %s is not a PostgreSQL URL: give postgres://user:password@host/db, or a reference to one (${PAPERBOT_STATE_URL})", *to)}
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("--from: no state file: %w", err)
	}
	src, err := store.Open(*from, store.Options{ReadOnly: true, LockTimeout: time.Second})
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w: a paperbot holds %s; stop it first (migrate-state copies a state that nothing writes), migrate, then start the replicas with state: pointing at the database", err, *from)
	}
	if err != nil {
		return err
	}
	defer src.Close()
	snap, err := src.Export(ctx, time.Now())
	if err != nil {
		return err
	}
	db, err := pgstore.Open(ctx, target.StateURL.Value(), pgstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := db.Import(ctx, snap, pgstore.ImportOptions{Replace: *force})
	if err != nil {
		return err
	}
	after, err := db.Counts(ctx)
	if err != nil {
		return fmt.Errorf("migrated, but counting what the database holds failed: %w", err)
	}
	want := snap.Counts()
	if err := verifyCounts(want, after, before.Papers > 0); err != nil {
		return fmt.Errorf("%s to %s: %w", *from, db.Where(), err)
	}
	printMigration(e.stdout, *from, db.Where(), snap, after)
	return nil
}

// verifyCounts checks that the database holds what was copied. Seen keys
// may expire meanwhile (fewer is right); papers merge with those the
// database had (more is right when it had some).
func verifyCounts(want, got store.Counts, hadPapers bool) error {
	type row struct {
		what      string
		want, got int
	}
	rows := []row{
		{"subscriptions", want.Subscriptions, got.Subscriptions},
		{"digest days", want.Days, got.Days},
		{"open digest days", want.OpenDays, got.OpenDays},
		{"sent papers", want.Sent, got.Sent},
		{"trending-window records", want.Seen, got.Seen},
		{"discussions", want.Discussions, got.Discussions},
		{"installations", want.Installations, got.Installations},
		{"source cursors", want.Cursors, got.Cursors},
		{"marks", want.Marks, got.Marks},
	}
	for _, r := range rows {
		if r.want != r.got {
			return fmt.Errorf("verification failed: copied %d %s, the database holds %d", r.want, r.what, r.got)
		}
	}
	if got.SeenKeys > want.SeenKeys {
		return fmt.Errorf("verification failed: copied %d seen keys, the database holds %d", want.SeenKeys, got.SeenKeys)
	}
	if got.Papers < want.Papers || (!hadPapers && got.Papers != want.Papers) {
		return fmt.Errorf("verification failed: copied %d papers, the database holds %d", want.Papers, got.Papers)
	}
	return nil
}

func printMigration(w io.Writer, from, where string, snap *store.Snapshot, got store.Counts) {
	c := snap.Counts()
	fmt.Fprintf(w, "migrated %s to %s\n", from, where)
	for _, r := range []struct {
		what string
		n    int
		note string
	}{
		{"subscriptions", c.Subscriptions, ""},
		{"digest days", c.Days, fmt.Sprintf(" (%d open: the digest resumes them)", c.OpenDays)},
		{"sent papers", c.Sent, ""},
		{"trending-window records", c.Seen, ""},
		{"discussions", c.Discussions, " (thread links with their reply counts)"},
		{"installations", c.Installations, " (credentials still sealed by your keyring)"},
		{"source cursors", c.Cursors, ""},
		{"marks", c.Marks, " (the team's saves and reactions)"},
		{"seen keys", c.SeenKeys, " (event dedupe and replay guard, until they expire)"},
		{"papers", c.Papers, fmt.Sprintf(" (the database's papers table now holds %d)", got.Papers)},
	} {
		fmt.Fprintf(w, "  %-24s %6d%s\n", r.what, r.n, r.note)
	}
	fmt.Fprintf(w, "not copied: %d expired seen keys (forgotten anyway), %d leases (one process's; replicas take their own)\n", snap.ExpiredSeenKeys, snap.Leases)
	fmt.Fprintln(w, "verified: the database holds every record copied")
}
