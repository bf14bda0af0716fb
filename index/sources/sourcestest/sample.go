package sourcestest

import (
	"os"
	"path/filepath"
	"testing"
)

// ArxivSampleEnv names the arXiv 250k sample when it is not where the
// workplace keeps it (../shared/datasets/arxiv beside the repository).
const ArxivSampleEnv = "PAPERBOT_ARXIV_250K"

// ArxivSample is the path of the arXiv 250k sample (arxiv-250k.jsonl.xz):
// $PAPERBOT_ARXIV_250K, else ../shared/datasets/arxiv/ beside the
// repository (found from the test's directory up to go.mod). The test is
// skipped when it is missing: a clone without ../shared runs the rest.
func ArxivSample(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv(ArxivSampleEnv)
	if path == "" {
		dir, err := os.Getwd()
		if err != nil {
			tb.Skipf("no arXiv 250k sample: %v", err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				tb.Skipf("no arXiv 250k sample: no go.mod above the test; set %s", ArxivSampleEnv)
			}
			dir = parent
		}
		path = filepath.Join(dir, "..", "shared", "datasets", "arxiv", "arxiv-250k.jsonl.xz")
	}
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("no arXiv 250k sample (%v); set %s", err, ArxivSampleEnv)
	}
	return path
}
