package index_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// unadvised counts which of files (segment files of one snapshot) are mapped
// and which of those are not marked MADV_RANDOM ("rr" in VmFlags).
func unadvised(t *testing.T, files []string) (mapped int, notAdvised []string) {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	want := map[string]bool{}
	for _, f := range files {
		real, err := filepath.EvalSymlinks(f)
		if err != nil {
			t.Fatal(err)
		}
		want[real] = true
	}
	inFile, cur, rr := false, "", false
	flush := func() {
		if inFile && !rr {
			notAdvised = append(notAdvised, cur)
		}
	}
	for line := range strings.SplitSeq(string(smaps), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			flush()
			inFile = want[f[5]]
			cur, rr = f[5], false
			if inFile {
				mapped++
			}
			continue
		}
		if inFile && len(f) > 0 && f[0] == "VmFlags:" {
			for _, fl := range f[1:] {
				rr = rr || fl == "rr"
			}
		}
	}
	flush()
	return
}

// A segment a query saw while it was in memory keeps its id when the
// persister writes and maps it: the advisor never advises that file.
func TestAdviseAfterPersist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for !stop.Load() {
			ix.Search(ctx, paper.Query{Text: "protein", Limit: 1})
		}
	})
	for b := range 5 {
		var batch []paper.Paper
		for i := range 50 {
			batch = append(batch, paper.Paper{ID: fmt.Sprintf("2405.%05d", b*50+i), Title: "Protein paper", Abstract: "protein folding", Published: "2024-05-01"})
		}
		if err := ix.Upsert(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	// The property that matters: every segment file of the snapshot a
	// search reads is advised before it is read. (A segment the merger
	// maps after that snapshot was taken is advised by the first search
	// that sees it, so counting every mapped file races the merger.)
	// Several rounds, so that merges finishing meanwhile are covered too.
	for round := range 3 {
		files, release, err := index.SearchSnapshotFiles(ix)
		if err != nil {
			t.Fatal(err)
		}
		mapped, bad := unadvised(t, files)
		release()
		if len(files) == 0 || mapped < len(files) {
			t.Fatalf("round %d: %d segment files in the snapshot, %d of them mapped", round, len(files), mapped)
		}
		if len(bad) > 0 {
			t.Errorf("round %d: %d of %d segment files a search reads are not advised: %v", round, len(bad), mapped, bad)
		}
	}
}
