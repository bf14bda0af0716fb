package index_test

import (
	"os"
	"testing"
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
	code := m.Run()
	if sampleIx != nil {
		sampleIx.Close()
	}
	for _, d := range testDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
