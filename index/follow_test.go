package index_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/index"
)

func followPaper(n int, title string) paper.Paper {
	return paper.Paper{
		ID: fmt.Sprintf("2401.%05d", n), Title: title, Abstract: "An abstract about " + title + ".",
		Authors: []string{"Ada Lovelace"}, Published: "2024-01-02",
	}
}

// The index follows the papers table: what is in the table when it starts,
// what is written while it follows (woken by the store), and after a
// restart it goes on from where it stopped. A real bbolt store is the feed
// (pgstore's, the same contract, is followed in cmd/paperbot's replica
// tests).
func TestFollowThePapersTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var first []paper.Paper
	for i := range 30 {
		first = append(first, followPaper(i+1, fmt.Sprintf("Zebra finch song learning %d", i)))
	}
	if err := db.UpsertPapers(ctx, first); err != nil {
		t.Fatal(err)
	}
	ixDir := filepath.Join(dir, "ix")
	ix := openT(t, ixDir, index.Options{})
	caught := make(chan int64, 100)
	fctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- ix.Follow(fctx, db, index.FollowOptions{Feed: "test", Batch: 7, CaughtUp: func(s int64) { caught <- s }})
	}()
	waitSeq := func(want int64) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case s := <-caught:
				if s >= want {
					return
				}
			case <-deadline:
				t.Fatalf("the index did not catch up to seq %d within 10s", want)
			}
		}
	}
	waitSeq(30)
	if n := count(t, ix); n != 30 {
		t.Fatalf("%d papers in the index after catching up, want 30", n)
	}
	late := followPaper(99, "Quokka locomotion energetics")
	if err := db.UpsertPapers(ctx, []paper.Paper{late}); err != nil {
		t.Fatal(err)
	}
	waitSeq(31)
	res, err := ix.Search(ctx, paper.Query{Text: "quokka"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Paper.ID != late.ID {
		t.Fatalf("search for the late paper: %+v, %v", res.Hits, err)
	}
	stop()
	<-done
	if feed, seq, err := ix.FeedPosition(); feed != "test" || seq != 31 || err != nil {
		t.Fatalf("position %q %d %v, want test 31", feed, seq, err)
	}
	ix.Close()

	// Written while no index followed; then the index opens again and
	// applies only that.
	if err := db.UpsertPapers(ctx, []paper.Paper{followPaper(100, "Axolotl limb regeneration")}); err != nil {
		t.Fatal(err)
	}
	ix = openT(t, ixDir, index.Options{})
	defer ix.Close()
	fctx, stop = context.WithCancel(ctx)
	defer stop()
	go func() {
		done <- ix.Follow(fctx, db, index.FollowOptions{Feed: "test", CaughtUp: func(s int64) { caught <- s }})
	}()
	waitSeq(32)
	if n := count(t, ix); n != 32 {
		t.Fatalf("%d papers after the restart, want 32", n)
	}
	stop()
	<-done
}
