package sources_test

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// BenchmarkParseArxiv parses the first 20,000 records of the arXiv 250k
// sample, read once into memory: the JSON decoding, the LaTeX and
// control-character cleaning and the normalisation of a bulk ingest, per
// paper. It skips without ../shared (PAPERBOT_ARXIV_250K names the sample
// elsewhere) or the xz tool.
//
//	go test ./index/sources -run '^$' -bench ParseArxiv -benchmem
func BenchmarkParseArxiv(b *testing.B) {
	path := sourcestest.ArxivSample(b)
	if _, err := exec.LookPath("xz"); err != nil && strings.HasSuffix(path, ".xz") {
		b.Skip("the sample is xz-compressed and the xz tool is missing")
	}
	const n = 20000
	cmd := exec.Command("sh", "-c", `xz -dcf "$0" | head -n `+"20000", path)
	out, err := cmd.Output()
	if err != nil {
		b.Fatal(err)
	}
	if c := bytes.Count(out, []byte("\n")); c < n {
		b.Fatalf("%d lines in %s, want %d", c, path, n)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	papers := 0
	h := sources.Handler{
		Paper:  func(paper.Paper) error { papers++; return nil },
		Reject: func(e *sources.RecordError) { b.Fatal(e) },
	}
	for b.Loop() {
		papers = 0
		r := bufio.NewReader(bytes.NewReader(out))
		if err := sources.Parse(context.Background(), r, "arxiv.jsonl", sources.JSONL, h); err != nil {
			b.Fatal(err)
		}
	}
	if papers != n {
		b.Fatalf("%d papers, want %d", papers, n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/paper")
}
