package index_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"

	"go.uber.org/goleak"
)

var testDirs []string

// tempDir is a directory that outlives single tests (the shared sample
// index) and is removed when the test binary ends.
func tempDir() (string, error) {
	d, err := os.MkdirTemp("", "paperbot-index-test-")
	if err == nil {
		testDirs = append(testDirs, d)
	}
	return d, err
}

// TestMain runs the suite with the fast path on, or off when
// PAPERBOT_FAST_PATH=off: every index a test opens through open or openT
// (index.RunOptions) follows it, and the tests that compare the fast path
// with Bleve's searchers compare them either way.
func TestMain(m *testing.M) {
	off, err := index.FastPathOff()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if off {
		fmt.Fprintln(os.Stderr, "index tests: the fast path is off ("+index.FastPathEnv+"=off)")
	}
	// Goroutines that run before any test are not the tests' (Bleve
	// starts its analysis workers when its package loads).
	before := goleak.IgnoreCurrent()
	code := m.Run()
	if sampleIx != nil {
		sampleIx.Close()
	}
	for _, d := range testDirs {
		os.RemoveAll(d)
	}
	// No goroutine a test started may outlive the tests.
	if err := goleak.Find(before); code == 0 && err != nil {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		code = 1
	}
	os.Exit(code)
}

// open opens an index with the options the test run asks for (see TestMain).
func open(dir string, opts index.Options) (*index.Index, error) {
	return index.Open(dir, index.RunOptions(opts))
}

// withPapers is a new index in a temporary directory holding papers,
// closed when the test ends.
func withPapers(t *testing.T, papers []paper.Paper) *index.Index {
	t.Helper()
	ix, err := open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Upsert(context.Background(), papers); err != nil {
		t.Fatal(err)
	}
	return ix
}
