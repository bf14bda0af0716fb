package index_test

import (
	"fmt"
	"os"
	"testing"

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

func TestMain(m *testing.M) {
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
