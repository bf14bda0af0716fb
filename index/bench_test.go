package index_test

// Benchmarks on the arXiv 250k sample: ingest throughput and search latency
// on the query mix of cmd/bench. They need the shared datasets and skip
// without them. The side-by-side comparison with SQLite FTS5 is
// `go run -tags sqlite_fts5 ./cmd/bench` (docs/benchmarks.md); these are
// for profiling the index alone:
//
//	go test ./index -run '^$' -bench Ingest -benchtime 1x -cpuprofile cpu.out
//	go test ./index -run '^$' -bench Search -cpuprofile cpu.out
//	go tool pprof -top -cum index.test cpu.out
//
// PAPERBOT_ARXIV_250K names the sample (default ../shared/datasets/arxiv/
// arxiv-250k.jsonl.xz beside the repository); PAPERBOT_BENCH_PAPERS limits
// how many of its papers are used (default all).

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// benchPapers reads the sample (or the first PAPERBOT_BENCH_PAPERS papers).
func benchPapers(b *testing.B) []paper.Paper {
	b.Helper()
	path := sourcestest.ArxivSample(b)
	limit := 0
	if v := os.Getenv("PAPERBOT_BENCH_PAPERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			b.Fatalf("PAPERBOT_BENCH_PAPERS=%q is not a number of papers", v)
		}
		limit = n
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var wait func() error
	if strings.HasSuffix(path, ".xz") {
		if _, err := exec.LookPath("xz"); err != nil {
			b.Skip("the sample is xz-compressed and the xz tool is missing")
		}
		cmd := exec.CommandContext(ctx, "xz", "-dc")
		cmd.Stdin = f
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		r, wait = bufio.NewReader(out), cmd.Wait
	}
	var papers []paper.Paper
	stop := context.Canceled
	err = sources.Parse(ctx, r, filepath.Base(path), sources.JSONL, sources.Handler{
		Paper: func(p paper.Paper) error {
			if limit > 0 && len(papers) >= limit {
				return stop
			}
			papers = append(papers, p)
			return nil
		},
	})
	if err != nil && !errors.Is(err, stop) {
		b.Fatal(err)
	}
	if wait != nil {
		cancel()
		wait() // killed early when limited: not an error
	}
	return papers
}

func ingest(b *testing.B, dir string, papers []paper.Paper, batch int) *index.Index {
	b.Helper()
	ctx := context.Background()
	ix, err := open(dir, index.Options{Bulk: true})
	if err != nil {
		b.Fatal(err)
	}
	w := ix.NewWriter(index.WriterOptions{BatchSize: batch})
	for _, p := range papers {
		if err := w.Add(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return ix
}

// BenchmarkIngest indexes the sample into a fresh index per iteration
// (the papers are parsed beforehand) and reports papers per second.
func BenchmarkIngest(b *testing.B) {
	papers := benchPapers(b)
	for _, batch := range []int{2000} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			var took time.Duration
			for range b.N {
				dir := filepath.Join(b.TempDir(), "index")
				start := time.Now()
				ix := ingest(b, dir, papers, batch)
				if err := ix.Close(); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
			}
			b.ReportMetric(float64(len(papers)*b.N)/took.Seconds(), "papers/s")
		})
	}
}

// BenchmarkSearch indexes the sample once, then times the query mix of
// cmd/bench: one sub-benchmark for the whole mix and one per class, each
// reporting its median and 99th-percentile latency.
func BenchmarkSearch(b *testing.B) {
	mix := readMix(b, filepath.Join("..", "cmd", "bench", "testdata", "queries.tsv"))
	papers := benchPapers(b)
	ix := ingest(b, filepath.Join(b.TempDir(), "index"), papers, 0)
	defer ix.Close()
	ctx := context.Background()
	run := func(b *testing.B, qs []string) {
		for _, q := range qs { // warm-up
			if _, err := ix.Search(ctx, paper.Query{Text: q, Limit: 10}); err != nil {
				b.Fatal(err)
			}
		}
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			start := time.Now()
			if _, err := ix.Search(ctx, paper.Query{Text: qs[i%len(qs)], Limit: 10}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(lat)
		pct := func(p int) float64 {
			return float64(lat[min(len(lat)-1, (len(lat)*p+99)/100-1)]) / float64(time.Millisecond)
		}
		b.ReportMetric(pct(50), "p50-ms")
		b.ReportMetric(pct(99), "p99-ms")
	}
	var all []string
	classes := map[string][]string{}
	var order []string
	for _, q := range mix {
		all = append(all, q[1])
		if _, ok := classes[q[0]]; !ok {
			order = append(order, q[0])
		}
		classes[q[0]] = append(classes[q[0]], q[1])
	}
	b.Run("mix", func(b *testing.B) { run(b, all) })
	for _, c := range order {
		b.Run(c, func(b *testing.B) { run(b, classes[c]) })
	}
}

// readMix reads cmd/bench's query mix: class<TAB>query lines.
func readMix(b *testing.B, path string) [][2]string {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var out [][2]string
	for _, line := range strings.Split(string(data), "\n") {
		class, q, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, [2]string{class, q})
	}
	if len(out) == 0 {
		b.Fatalf("%s: no queries", path)
	}
	return out
}
