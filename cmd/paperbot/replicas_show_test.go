package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/index"
)

// `/papers show` of a paper the index lacks, asked on a replica, fetches
// it from arXiv and writes it to the papers table, which every replica's
// index follows (not only to the replica's own index, where the others
// would never see it); the replica that was asked has it in its index at
// once, without waiting for its follower.
func TestReplicaShowWritesFetchedPaperToTheTable(t *testing.T) {
	url := pgtest.URL(t)
	ctx := t.Context()
	srv := newSrcServer(t)
	var logs bytes.Buffer
	a := newReplicaApp(t, fmt.Sprintf("state: %s\nsources:\n  arxiv:\n    api_url: %s/api/query\n", url, srv.URL), &logs)

	rec := &bottest.Recorder{}
	if err := a.bot.Handle(ctx, &bot.Request{Platform: "console", Channel: "console", Text: "show 2401.12345"}, rec); err != nil {
		t.Fatalf("show: %v (%s)", err, rec.Text())
	}
	if !strings.Contains(rec.Text(), "Length Generalisation of Sparse Parities") {
		t.Fatalf("show answered %q", rec.Text())
	}

	db, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	changes, err := db.PaperChanges(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Paper.ID != "2401.12345" {
		t.Errorf("the papers table holds %+v, want the fetched 2401.12345 (the other replicas follow it)\nlogs:\n%s", changes, logs.String())
	}
	if _, err := a.ix.Lookup(ctx, "2401.12345"); err != nil {
		t.Errorf("the replica that fetched the paper does not have it in its index: %v", err)
	}
}

// deadlineTable is a papers table that cannot be reached: it records its
// context's deadline and fails.
type deadlineTable struct{ deadline time.Time }

func (d *deadlineTable) UpsertPapers(ctx context.Context, _ []paper.Paper) error {
	d.deadline, _ = ctx.Deadline()
	return errors.New("connection refused")
}

// A replica that cannot reach the database still has the paper `show`
// fetched in its index, and the table's write does not take the
// command's whole time (a database that does not answer would otherwise
// leave none for the reply); the error says the other replicas will not
// have it.
func TestShownPaperIndexedWithoutTheTable(t *testing.T) {
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	table := &deadlineTable{}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err = shownIndex{tableIndex{table: table, Index: ix}}.Upsert(ctx, []paper.Paper{{ID: "2401.12345", Title: "Sparse parities"}})
	if err == nil || !strings.Contains(err.Error(), "the other replicas will not have it") {
		t.Errorf("error %v, want one that says the other replicas will not have the paper", err)
	}
	if _, err := ix.Lookup(ctx, "2401.12345"); err != nil {
		t.Errorf("the paper is not in the replica's own index: %v", err)
	}
	if table.deadline.IsZero() || table.deadline.Sub(start) > 5*time.Second {
		t.Errorf("the table's write had until %v after the start of a 20s command, want at most 5s", table.deadline.Sub(start))
	}
}
