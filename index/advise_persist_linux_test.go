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

// unadvised counts the index's mapped .zap files not marked MADV_RANDOM.
func unadvised(t *testing.T, dir string) (mapped, notAdvised int, paths []string) {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	inZap, cur, rr := false, "", false
	flush := func() {
		if inZap && !rr {
			notAdvised++
			paths = append(paths, cur)
		}
	}
	for line := range strings.SplitSeq(string(smaps), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			flush()
			inZap = strings.HasPrefix(f[5], real+"/") && strings.HasSuffix(f[5], ".zap")
			cur, rr = f[5], false
			if inZap {
				mapped++
			}
			continue
		}
		if inZap && len(f) > 0 && f[0] == "VmFlags:" {
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
	ix, err := index.Open(dir, index.Options{})
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
	// Nothing new since: a query now finds no unseen segment id.
	ix.Search(ctx, paper.Query{Text: "protein", Limit: 1})
	mapped, bad, paths := unadvised(t, dir)
	if bad > 0 {
		t.Errorf("%d of %d mapped segment files not advised: %v", bad, mapped, paths)
	}
}
