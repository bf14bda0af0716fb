package index_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs/sample"
	"github.com/paperbot/paperbot/index"
)

// sampleOnDisk writes the sample corpus into an index in dir and closes
// it: reopened, its segments are files mapped into memory.
func sampleOnDisk(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// openSampleOnDisk opens the sample's index from disk with no memory
// budget (its pages go back only when a test says); it is closed when the
// test ends.
func openSampleOnDisk(t *testing.T) (string, *index.Index) {
	t.Helper()
	dir := sampleOnDisk(t)
	ix, err := open(dir, index.Options{MappedBudget: -1, ResidentBudget: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return dir, ix
}

// zapResident is the resident memory of the mappings of dir's segment
// files, from /proc/self/smaps.
func zapResident(t *testing.T, dir string) uint64 {
	t.Helper()
	real, _ := filepath.EvalSymlinks(dir)
	return residentOf(t, func(path string) bool {
		return strings.HasPrefix(path, real+"/") && strings.HasSuffix(path, ".zap")
	})
}

// residentOf is the resident memory of the mappings of the files that
// match, from /proc/self/smaps.
func residentOf(t *testing.T, match func(path string) bool) uint64 {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	var kb uint64
	in := false
	for line := range strings.SplitSeq(string(smaps), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			// A mapping's first line; anonymous ones name no file.
			in = len(f) >= 6 && match(f[5])
			continue
		}
		if in && len(f) >= 2 && f[0] == "Rss:" {
			n, _ := strconv.ParseUint(f[1], 10, 64)
			kb += n
		}
	}
	return kb << 10
}

var releaseQueries = []string{"protein language model", "diffusion", `"state of the art" reasoning`, "tranception", "video generation benchmark"}

func answers(t *testing.T, ix *index.Index) []paper.Results {
	t.Helper()
	var out []paper.Results
	for _, q := range releaseQueries {
		res, err := ix.Search(context.Background(), paper.Query{Text: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		res.Took = 0
		out = append(out, res)
	}
	return out
}

// Mapped index pages given back leave the process's resident set and come
// back, the same bytes, when a search touches them again; without a
// budget nothing is given back on its own.
func TestMappedPagesGivenBack(t *testing.T) {
	dir, ix := openSampleOnDisk(t)
	before := answers(t, ix)
	for range 20 {
		answers(t, ix)
	}
	if n := index.Released(ix); n != 0 {
		t.Errorf("without a budget the pages were given back %d times", n)
	}
	resident := zapResident(t, dir)
	if resident == 0 {
		t.Fatal("no page of the segment files is resident after searching")
	}
	if err := index.ReleaseMapped(ix); err != nil {
		t.Fatal(err)
	}
	if after := zapResident(t, dir); after >= resident {
		t.Errorf("resident segment pages %d bytes after giving them back, %d before", after, resident)
	}
	if again := answers(t, ix); !reflect.DeepEqual(again, before) {
		t.Errorf("answers changed after the pages were given back")
	}
}

// Over either budget, the index gives its pages back by itself.
func TestBudgets(t *testing.T) {
	for name, opts := range map[string]index.Options{
		"mapped":   {MappedBudget: 1, ResidentBudget: -1},
		"resident": {MappedBudget: -1, ResidentBudget: 1},
	} {
		t.Run(name, func(t *testing.T) {
			ix, err := open(sampleOnDisk(t), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			before := answers(t, ix)
			for range 20 {
				answers(t, ix)
				index.WaitReleases(ix)
			}
			switch n := index.Released(ix); {
			case n == 0:
				t.Error("over its budget (1 byte), the index never gave its pages back")
			case n > 5:
				// Still over the budget after each release (the program's
				// own pages), it should look again only a few hundred
				// readers later.
				t.Errorf("the index gave its pages back %d times in about a hundred searches", n)
			}
			if again := answers(t, ix); !reflect.DeepEqual(again, before) {
				t.Errorf("answers changed after the pages were given back")
			}
		})
	}
	// Under both, it keeps them.
	ix, err := open(sampleOnDisk(t), index.Options{MappedBudget: 1 << 40, ResidentBudget: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for range 20 {
		answers(t, ix)
		index.WaitReleases(ix)
	}
	if n := index.Released(ix); n != 0 {
		t.Errorf("under its budgets, the index gave its pages back %d times", n)
	}
}

// The budgets an index holds to: a server's whole resident memory by
// default, a bulk ingest's mapped pages (they are segments read again only
// to merge them), or the ones it is given; none when given one below zero.
func TestBudgetDefaults(t *testing.T) {
	for _, tt := range []struct {
		opts             index.Options
		mapped, resident uint64
	}{
		{index.Options{}, 0, index.DefaultResidentBudget},
		{index.Options{Bulk: true}, index.BulkMappedBudget, 0},
		{index.Options{Bulk: true, MappedBudget: 5 << 20}, 5 << 20, 0},
		{index.Options{MappedBudget: 5 << 20}, 5 << 20, index.DefaultResidentBudget},
		{index.Options{ResidentBudget: 6 << 20}, 0, 6 << 20},
		{index.Options{Bulk: true, ResidentBudget: 6 << 20}, index.BulkMappedBudget, 6 << 20},
		{index.Options{Bulk: true, MappedBudget: -1}, 0, 0},
		{index.Options{MappedBudget: -1, ResidentBudget: -1}, 0, 0},
	} {
		ix, err := open(filepath.Join(t.TempDir(), "ix"), tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if mapped, resident := index.BudgetsOf(ix); mapped != tt.mapped || resident != tt.resident {
			t.Errorf("Bulk %v, MappedBudget %d, ResidentBudget %d: budgets %d and %d, want %d and %d",
				tt.opts.Bulk, tt.opts.MappedBudget, tt.opts.ResidentBudget, mapped, resident, tt.mapped, tt.resident)
		}
		ix.Close()
	}
}

// A bulk ingest reads no index pages for searches, but scorch maps the
// segments it persists and merges: the writer gives them back past the
// budget after each batch, and what it wrote is all there.
func TestBulkWriterGivesPagesBack(t *testing.T) {
	ix, err := open(filepath.Join(t.TempDir(), "ix"), index.Options{Bulk: true, MappedBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	w := ix.NewWriter(index.WriterOptions{BatchSize: 20, Parts: 2})
	ctx := context.Background()
	for _, p := range papers {
		if err := w.Add(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := index.Released(ix); n == 0 {
		t.Error("over its budget (1 byte), the bulk writer never gave the mapped pages back")
	}
	if n, err := ix.Count(); err != nil || n != uint64(len(papers)) {
		t.Errorf("index holds %d papers (%v), want %d", n, err, len(papers))
	}
}

// Only the segments of the snapshot the index holds while it gives pages
// back are given back: a file mapped under the index directory that is
// not one of them (a segment merged away and unmapped meanwhile, whose
// address range may be anybody's memory by then) is left alone.
func TestReleaseOnlyHeldSegments(t *testing.T) {
	dir, ix := openSampleOnDisk(t)
	answers(t, ix)
	path := filepath.Join(dir, "store", "ffffffffffff.zap")
	const size = 1 << 20
	if err := os.WriteFile(path, bytes.Repeat([]byte{7}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	sum := 0
	for i := 0; i < size; i += os.Getpagesize() {
		sum += int(m[i])
	}
	real, _ := filepath.EvalSymlinks(path)
	stranger := func(p string) bool { return p == real }
	before := residentOf(t, stranger)
	if before == 0 {
		t.Fatalf("the stranger's pages are not resident after reading them (sum %d)", sum)
	}
	if zapResident(t, dir) <= before {
		t.Fatal("no page of the index's own segments is resident after searching")
	}
	if err := index.ReleaseMapped(ix); err != nil {
		t.Fatal(err)
	}
	if after := residentOf(t, stranger); after != before {
		t.Errorf("a file not in the index's snapshot went from %d to %d resident bytes", before, after)
	}
	if own := zapResident(t, dir) - residentOf(t, stranger); own != 0 {
		t.Errorf("%d bytes of the index's own segments still resident after giving them back", own)
	}
}

// A bulk ingest also looks at its mapped pages on a clock of its own, for
// the merges that read segments between two batches: every tick gives
// them back when they are over the budget, with no batch written.
func TestBulkIndexGivesPagesBackOnTicks(t *testing.T) {
	dir := sampleOnDisk(t)
	ticks := make(chan time.Time)
	defer index.SetTrimTicks(ticks)()
	ix, err := open(dir, index.Options{Bulk: true, MappedBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n := index.Released(ix); n != 0 {
		t.Fatalf("given back %d times before any tick", n)
	}
	// The second send waits until the first tick's look is over.
	for range 2 {
		select {
		case ticks <- time.Time{}:
		case <-time.After(time.Minute):
			t.Fatal("nobody took the tick: the bulk index does not look at its mapped pages on a clock")
		}
	}
	if n := index.Released(ix); n == 0 {
		t.Error("over its budget (1 byte), the bulk index gave nothing back on its ticks")
	}
}
