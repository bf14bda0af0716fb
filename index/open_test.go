package index_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// An index written by a newer mapping version is refused, never rebuilt
// down (issue 13 item 9: an older binary silently rebuilt it).
func TestNewerMappingIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix := openT(t, dir, index.Options{})
	if err := ix.Upsert(context.Background(), []paper.Paper{{ID: "2205.13760", Title: "Tranception"}}); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	newer := strconv.Itoa(index.MappingVersion + 1)
	setVersion(t, dir, newer)
	_, err := open(dir, index.Options{})
	if !errors.Is(err, index.ErrNewerMapping) || !strings.Contains(err.Error(), "mapping version "+newer) ||
		!strings.Contains(err.Error(), "Run the newer paperbot, or give this one an index of its own") {
		t.Fatalf("Open: %v", err)
	}
	// Untouched: the newer paperbot finds its index as it left it.
	if _, err := os.Stat(dir + ".rebuild"); !os.IsNotExist(err) {
		t.Errorf("a rebuild was started: %v", err)
	}
	setVersion(t, dir, strconv.Itoa(index.MappingVersion))
	ix = openT(t, dir, index.Options{})
	defer ix.Close()
	if n := count(t, ix); n != 1 {
		t.Errorf("%d papers", n)
	}
}

// A rebuild on open reports its progress, up to every paper.
func TestRebuildReportsProgress(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix := openT(t, dir, index.Options{Bulk: true})
	var ps []paper.Paper
	for i := range 2500 {
		ps = append(ps, paper.Paper{ID: fmt.Sprintf("2401.%05d", i+1), Title: fmt.Sprintf("Paper %d", i)})
	}
	if err := ix.Upsert(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	setVersion(t, dir, "0")
	var seen [][2]int
	ix = openT(t, dir, index.Options{OnRebuild: func(done, total int) { seen = append(seen, [2]int{done, total}) }})
	defer ix.Close()
	if len(seen) < 3 || seen[0] != [2]int{0, 2500} || seen[len(seen)-1] != [2]int{2500, 2500} {
		t.Errorf("progress %v: want 0 of 2500 first, 2500 of 2500 last, and steps between", seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i][0] <= seen[i-1][0] {
			t.Errorf("progress went back: %v", seen)
		}
	}
}

// A creating directory left by a process killed during the first start is
// removed; one that a live process is building (its lock held) is not
// (issue 13 item 9).
func TestAbandonedCreatingDirectoriesAreRemoved(t *testing.T) {
	parent := t.TempDir()
	dead := filepath.Join(parent, ".ix.creating-111")
	live := filepath.Join(parent, ".ix.creating-222")
	legacyOld := filepath.Join(parent, ".ix.creating-333") // no lock file: an older paperbot's
	legacyNew := filepath.Join(parent, ".ix.creating-444")
	other := filepath.Join(parent, ".other.creating-555") // another index's
	for _, d := range []string{dead, live, legacyOld, legacyNew, other} {
		if err := os.MkdirAll(filepath.Join(d, "store"), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "store", "00000001.zap"), []byte("half a segment"), 0o600)
	}
	for _, d := range []string{dead, live} {
		os.WriteFile(d+".lock", nil, 0o600)
	}
	// The live one's builder holds its lock (another open file: flock
	// locks conflict between them as between processes).
	f, err := os.OpenFile(live+".lock", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(legacyOld, old, old)

	ix := openT(t, filepath.Join(parent, "ix"), index.Options{})
	ix.Close()
	for _, c := range []struct {
		dir  string
		kept bool
	}{{dead, false}, {dead + ".lock", false}, {legacyOld, false}, {live, true}, {live + ".lock", true}, {legacyNew, true}, {other, true}} {
		_, err := os.Stat(c.dir)
		if kept := err == nil; kept != c.kept {
			t.Errorf("%s: kept %v, want %v", filepath.Base(c.dir), kept, c.kept)
		}
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".ix.creating-") && !strings.Contains(e.Name(), "222") && !strings.Contains(e.Name(), "444") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// An index whose store/root.bolt (its list of segments, its mapping) is
// gone is refused as damaged, and opening it changes nothing: Bleve
// created an empty root.bolt and deleted every segment file it did not
// list, all of them, before failing with "left unfinished when it was
// being created"; `paperbot check` and `search` did that too.
func TestMissingRootIsDamageAndNothingIsDeleted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix := openT(t, dir, index.Options{})
	if err := ix.Upsert(context.Background(), []paper.Paper{{ID: "2205.13760", Title: "Tranception"}}); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	store := filepath.Join(dir, "store")
	if err := os.Remove(filepath.Join(store, "root.bolt")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(store)
	_, err := open(dir, index.Options{NoRebuild: true})
	if !errors.Is(err, index.ErrDamaged) || !strings.Contains(err.Error(), "index "+dir+" is damaged: store/root.bolt is missing: it lists the segments, and the ") ||
		!strings.Contains(err.Error(), "move "+dir+" away and ingest your sources again") {
		t.Errorf("Open: %v\nwant ErrDamaged naming store/root.bolt and the remedy", err)
	}
	after, _ := os.ReadDir(store)
	if fmt.Sprint(before) != fmt.Sprint(after) || len(after) == 0 {
		t.Errorf("store before Open: %v, after: %v", before, after)
	}
}
