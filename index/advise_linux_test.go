package index_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// TestSegmentsAdvisedRandom checks that the mapped segment files of an
// open index are marked for random access ("rr" in /proc/self/smaps).
func TestSegmentsAdvisedRandom(t *testing.T) {
	// Reopened, the segments are files mapped into memory.
	dir := sampleOnDisk(t)
	ix, err := open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Search(context.Background(), paper.Query{Text: "protein language model", Limit: 5}); err != nil {
		t.Fatal(err)
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	mapped, advised := 0, 0
	inZap := false
	for line := range strings.SplitSeq(string(smaps), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			inZap = strings.HasPrefix(f[5], real+"/") && strings.HasSuffix(f[5], ".zap")
			if inZap {
				mapped++
			}
			continue
		}
		if inZap && len(f) > 0 && f[0] == "VmFlags:" {
			for _, fl := range f[1:] {
				if fl == "rr" {
					advised++
				}
			}
		}
	}
	if mapped == 0 {
		t.Fatal("no segment file of the index is mapped")
	}
	if advised != mapped {
		t.Errorf("%d of %d segment mappings advised for random access", advised, mapped)
	}
}
