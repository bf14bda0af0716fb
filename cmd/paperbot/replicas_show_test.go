package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
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
