package index_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/internal/tmpfs"
)

// wordyPaper is a paper with a random abstract of about 1.5 kB, so that a
// few thousand fill a small disk.
func wordyPaper(r *rand.Rand, i int) paper.Paper {
	return paper.Paper{ID: fmt.Sprintf("2401.%05d", i), Title: fmt.Sprintf("Paper %d about w%x", i, r.Uint32()), Abstract: randomWords(r, 1500)}
}

// randomWords is about n bytes of words no dictionary holds.
func randomWords(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, "w%x ", r.Uint32())
	}
	return b.String()
}

// A full disk stops a bulk ingest with "no space left on device" instead
// of hanging (issue 13: Bleve retried the failed persist for ever and the
// writer waited on the persisted callback), and leaves an index that opens
// and holds at least the papers the writer reported as persisted. On a
// real (tmpfs) full disk.
func TestWriterStopsOnAFullDisk(t *testing.T) {
	mnt := tmpfs.Mount(t, "6m")
	dir := filepath.Join(mnt, "ix")
	ix := openT(t, dir, index.Options{Bulk: true})
	w := ix.NewWriter(index.WriterOptions{BatchSize: 200})
	r := rand.New(rand.NewPCG(1, 2))
	var err error
	added := 0
	for i := range 40000 {
		p := wordyPaper(r, i)
		if err = p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err = w.Add(context.Background(), p); err != nil {
			break
		}
		added++
	}
	if err == nil {
		err = w.Close()
	} else {
		w.Close()
	}
	if err == nil {
		t.Fatalf("%d papers written to a 6 MB disk without an error", added)
	}
	if !errors.Is(err, syscall.ENOSPC) || !errors.Is(err, index.ErrWrite) || !strings.Contains(err.Error(), "no space left on device") {
		t.Errorf("error %v: want ENOSPC, %q", err, "no space left on device")
	}
	persisted := w.Persisted()
	t.Logf("stopped after %d papers added, %d persisted: %v", added, persisted, err)
	if cerr := ix.Close(); cerr != nil {
		t.Logf("closing the index: %v", cerr)
	}
	// The index still opens, and holds what was persisted.
	ix = openT(t, dir, index.Options{})
	defer ix.Close()
	n := count(t, ix)
	if int(n) < persisted || int(n) > added {
		t.Errorf("%d papers in the index reopened; %d were persisted, %d added", n, persisted, added)
	}
	if persisted > 0 {
		if _, err := ix.Lookup(context.Background(), "2401.00000"); err != nil {
			t.Errorf("the first paper: %v", err)
		}
	}
}
