package main

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/install"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
)

// migrateFixture fills a state file through the bbolt store's own API with
// some of everything it keeps, and returns the channels it wrote to.
func migrateFixture(t *testing.T, path string) {
	t.Helper()
	ctx := t.Context()
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range []string{"C1", "C2", "C3"} {
		must(db.PutSubscription(ctx, digest.Subscription{Platform: "slack", Team: "T1", Channel: ch, ChannelName: "ml-" + ch, Time: "09:00", Zone: "UTC", Topic: "protein " + ch, Top: 3}))
	}
	must(db.PutSubscription(ctx, digest.Subscription{Platform: "discord", Team: "G1", Channel: "D1", Time: "08:30", Zone: "Europe/Paris"}))
	posted := func(id string, at time.Time) digest.DayPaper {
		return digest.DayPaper{Paper: paper.Paper{ID: id, Title: "Paper " + id}, Day: 1,
			Post:   digest.Step{Done: at, Message: bot.MessageRef{ID: "m-" + id, URL: "https://x/m-" + id}},
			Thread: digest.Step{Done: at, Thread: bot.ThreadRef{ID: "m-" + id, URL: "https://x/t-" + id}}}
	}
	done := digest.Day{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-C1", Date: "2026-03-01", Status: digest.DayDone,
		Papers: []digest.DayPaper{posted("2603.00001", t0.AddDate(0, 0, -1)), posted("2603.00002", t0.AddDate(0, 0, -1))},
		Window: []string{"2603.00001", "2603.00002", "2603.00003"}}
	// An open day: one paper posted, one claimed with its outcome unknown.
	open := digest.Day{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-C1", Date: "2026-03-02", Status: digest.DayOpen,
		Papers: []digest.DayPaper{posted("2603.00003", t0), {Paper: paper.Paper{ID: "2603.00004"}, Day: 1, Post: digest.Step{Claimed: t0}}},
		Window: []string{"2603.00003", "2603.00004"}}
	other := digest.Day{Platform: "discord", Team: "G1", Channel: "D1", Date: "2026-03-02", Status: digest.DayDone,
		Papers: []digest.DayPaper{posted("2603.00001", t0)}, Window: []string{"2603.00001"}}
	for _, d := range []digest.Day{done, open, other} {
		must(db.SaveDay(ctx, d))
	}
	// A day of a channel no longer subscribed: its ledger is kept.
	must(db.SaveDay(ctx, digest.Day{Platform: "slack", Team: "T1", Channel: "C9", Date: "2026-02-27", Status: digest.DayEmpty}))
	if ok, err := db.SetReplies(ctx, bot.Discussion{PaperID: "2603.00001", Platform: "slack", Channel: "C1", ThreadID: "m-2603.00001"}, 7); !ok || err != nil {
		t.Fatalf("SetReplies: %v %v", ok, err)
	}
	must(db.PutInstallation(ctx, install.Installation{Platform: "slack", Team: "T1", TeamName: "Team 1", AppID: "A1", BotUserID: "UB1",
		Scopes: "commands,chat:write", InstalledBy: "U1", InstalledAt: t0, Sealed: []byte("\x00sealed\xff")}))
	// The team's marks: a save (/papers saved) and a reaction (a person
	// in the trending score).
	for _, m := range []bot.Mark{
		{Platform: "slack", Team: "T1", PaperID: "2603.00001", User: "U1", Kind: bot.MarkSave, Channel: "C1", At: t0},
		{Platform: "slack", Team: "T1", PaperID: "2603.00002", User: "U2", Kind: bot.MarkReaction, Detail: "fire", Channel: "C1", Thread: "m-2603.00002", Message: "m-2603.00002", At: t0.Add(time.Minute)},
	} {
		if added, err := db.AddMark(ctx, m); !added || err != nil {
			t.Fatalf("AddMark: %v %v", added, err)
		}
	}
	must(db.PutCursor(ctx, "arxiv/cs.LG", []byte(`{"etag":"W/\"1\""}`)))
	must(db.PutCursor(ctx, "empty", []byte{}))
	must(db.UpsertPapers(ctx, []paper.Paper{{ID: "2603.00001", Title: "Protein folding at scale"}, {ID: "2603.00002", Title: "Sparse attention"}}))
	if seen, err := db.SeenWithin(ctx, "slack-event/Ev1", time.Hour); seen || err != nil {
		t.Fatalf("SeenWithin: %v %v", seen, err)
	}
	start := time.Now()
	if _, err := db.SeenWithin(ctx, "slack-event/Ev0", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for time.Since(start) < 2*time.Millisecond { // Ev0 expires
	}
	if _, _, err := db.AcquireLease(ctx, "digest", "host/1/aa", time.Minute); err != nil {
		t.Fatal(err)
	}
}

// asJSON is v encoded, for comparing records read from two stores.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// `paperbot migrate-state` copies everything the state file holds into
// PostgreSQL: read back through the PostgreSQL store, each record equals
// the file's. A second run refuses the database that now holds state; a
// run while a process holds the file, or while a replica holds a lease,
// refuses too. The password is never printed.
func TestMigrateState(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	// The test server trusts loopback: the password is never checked, only
	// carried.
	u.User = url.UserPassword("postgres", "pw-never-printed")
	dbURL := u.String()
	env := map[string]string{"PAPERBOT_STATE_URL": dbURL}
	path := filepath.Join(t.TempDir(), "state.db")
	migrateFixture(t, path)

	// A process holding the file: refused, saying what to do.
	held, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := cliRun(t, env, "", "migrate-state", "--from", path, "--to", "${PAPERBOT_STATE_URL}")
	held.Close()
	if code != 1 || !strings.Contains(errOut, "in use by another paperbot process") || !strings.Contains(errOut, "stop it first") {
		t.Fatalf("while held: exit %d, stderr %q", code, errOut)
	}

	stdout, errOut, code := cliRun(t, env, "", "migrate-state", "--from", path, "--to", "${PAPERBOT_STATE_URL}")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	for _, want := range []string{"migrated " + path + " to postgres://postgres:[redacted]@", "subscriptions                 4",
		"digest days                   4 (1 open", "discussions                   4", "installations                 1",
		"source cursors                2", "marks                         2", "seen keys                     1", "not copied: 1 expired seen keys", "1 leases", "verified"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout+errOut, "pw-never-printed") {
		t.Errorf("the password was printed:\n%s%s", stdout, errOut)
	}

	compareMigrated(t, path, dbURL)

	// Again, without --force: refused, the database unchanged.
	_, errOut, code = cliRun(t, env, "", "migrate-state", "--from", path, "--to", "env:PAPERBOT_STATE_URL")
	if code != 1 || !strings.Contains(errOut, "holds paperbot state already (4 subscriptions, 4 digest days") || !strings.Contains(errOut, "--force") ||
		strings.Count(errOut, "holds") != 1 {
		t.Errorf("second run: exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(errOut, "pw-never-printed") {
		t.Errorf("the password was printed: %s", errOut)
	}
	// With --force it replaces: the same content, nothing doubled.
	if _, errOut, code = cliRun(t, env, "", "migrate-state", "--force", "--from", path, "--to", "${PAPERBOT_STATE_URL}"); code != 0 {
		t.Fatalf("--force: exit %d, stderr %s", code, errOut)
	}
	compareMigrated(t, path, dbURL)

	// A replica running on the database (a lease held): refused even with --force.
	pg, err := pgstore.Open(t.Context(), dbURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, ok, err := pg.AcquireLease(t.Context(), "refresh", "replica-a", time.Minute); !ok || err != nil {
		t.Fatalf("lease: %v %v", ok, err)
	}
	_, errOut, code = cliRun(t, env, "", "migrate-state", "--force", "--from", path, "--to", "${PAPERBOT_STATE_URL}")
	if code != 1 || !strings.Contains(errOut, "replicas are running on postgres://postgres:[redacted]@") {
		t.Errorf("with a lease held: exit %d, stderr %q", code, errOut)
	}

	// Mistakes on the command line.
	if _, errOut, code = cliRun(t, nil, "", "migrate-state", "--from", path, "--to", "other.db"); code != 2 || !strings.Contains(errOut, "not a PostgreSQL URL") {
		t.Errorf("--to a file: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code = cliRun(t, nil, "", "migrate-state", "--to", dbURL); code != 2 || !strings.Contains(errOut, "--from") {
		t.Errorf("no --from: exit %d, stderr %q", code, errOut)
	}
}

// compareMigrated reads everything back from both stores and compares.
func compareMigrated(t *testing.T, path, dbURL string) {
	t.Helper()
	ctx := t.Context()
	src, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := pgstore.Open(ctx, dbURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	type reader interface {
		Subscriptions(context.Context) ([]digest.Subscription, error)
		OpenDays(context.Context) ([]digest.Day, error)
		Days(ctx context.Context, platform, channel string) ([]digest.Day, error)
		Sent(ctx context.Context, platform, channel string) ([]string, error)
		FirstSeen(ctx context.Context, platform, channel string, ids []string) (map[string]string, error)
		AllDiscussionsOf(ctx context.Context, ids ...string) (map[string][]bot.Discussion, error)
		Installations(ctx context.Context, platform string) ([]install.Installation, error)
		Cursor(ctx context.Context, name string) ([]byte, bool, error)
		PaperChanges(ctx context.Context, after int64, limit int) ([]paper.Change, error)
		AllMarksOf(ctx context.Context, paperIDs ...string) (map[string][]bot.Mark, error)
	}
	ids := []string{"2603.00001", "2603.00002", "2603.00003", "2603.00004"}
	read := func(r reader) map[string]string {
		out := map[string]string{}
		get := func(what string, v any, err error) {
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			out[what] = asJSON(t, v)
		}
		subs, err := r.Subscriptions(ctx)
		slices.SortFunc(subs, func(a, b digest.Subscription) int { return strings.Compare(a.Platform+a.Channel, b.Platform+b.Channel) })
		get("subscriptions", subs, err)
		v, err := r.OpenDays(ctx)
		get("open days", v, err)
		for _, pc := range [][2]string{{"slack", "C1"}, {"slack", "C9"}, {"discord", "D1"}} {
			days, err := r.Days(ctx, pc[0], pc[1])
			get("days "+pc[1], days, err)
			sent, err := r.Sent(ctx, pc[0], pc[1])
			sent = slices.Clip(append([]string{}, sent...)) // none: [] from both
			get("sent "+pc[1], sent, err)
			seen, err := r.FirstSeen(ctx, pc[0], pc[1], ids)
			get("first seen "+pc[1], seen, err)
		}
		disc, err := r.AllDiscussionsOf(ctx, ids...)
		get("discussions", disc, err)
		marks, err := r.AllMarksOf(ctx, ids...)
		get("marks", marks, err)
		ins, err := r.Installations(ctx, "slack")
		get("installations", ins, err)
		for _, name := range []string{"arxiv/cs.LG", "empty", "none"} {
			c, ok, err := r.Cursor(ctx, name)
			get("cursor "+name, []any{string(c), ok}, err)
		}
		changes, err := r.PaperChanges(ctx, 0, 10)
		var papers []paper.Paper
		for _, c := range changes {
			papers = append(papers, c.Paper)
		}
		get("papers", papers, err)
		return out
	}
	want, got := read(src), read(dst)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: PostgreSQL has\n%s\nthe file has\n%s", k, got[k], w)
		}
	}
	if !strings.Contains(want["discussions"], `"Replies":7`) || !strings.Contains(want["days C1"], "2603.00004") || want["papers"] == "null" ||
		!strings.Contains(want["marks"], `"kind":"save"`) || !strings.Contains(want["marks"], `"detail":"fire"`) {
		t.Errorf("the fixture is not what the comparison needs: %v", want)
	}
	// The live seen key came along (a retry is recognised), the expired one did not.
	if seen, err := dst.SeenWithin(ctx, "slack-event/Ev1", time.Hour); !seen || err != nil {
		t.Errorf("Ev1 after the move: seen=%v err=%v, want seen", seen, err)
	}
	if seen, err := dst.SeenWithin(ctx, "slack-event/Ev0", time.Hour); seen || err != nil {
		t.Errorf("Ev0 (expired before the move): seen=%v err=%v, want unseen", seen, err)
	}
	// Leave the seen keys as migrated for the next comparison.
	for _, k := range []string{"slack-event/Ev0"} {
		if err := dst.ForgetSeen(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
}
