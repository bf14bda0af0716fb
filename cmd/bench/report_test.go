package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 200; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	// Shuffled input must not matter.
	ds[0], ds[199] = ds[199], ds[0]
	got := summarize(ds)
	want := latency{N: 200, P50: 100, P95: 190, P99: 198, Max: 200, Mean: 100.5}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if got := summarize(nil); got != (latency{}) {
		t.Errorf("summarize(nil) = %+v", got)
	}
	if got := summarize([]time.Duration{3 * time.Millisecond}); got.P50 != 3 || got.P99 != 3 {
		t.Errorf("one sample: %+v", got)
	}
}

// TestMeasure checks the warm-up, the rounds and the bookkeeping with a
// fake engine.
func TestMeasure(t *testing.T) {
	qs := []Query{{"words1", "a"}, {"words1", "b"}, {"id", "c"}, {"typo", "boom"}}
	calls := map[string]int{}
	run := func(_ context.Context, q string) (int, error) {
		calls[q]++
		switch q {
		case "c":
			return 0, nil
		case "boom":
			return 0, errors.New("engine failed")
		}
		return 3, nil
	}
	res := measure(context.Background(), pathSearch, qs, 3, run)
	for _, q := range qs {
		if calls[q.Text] != 4 {
			t.Errorf("%q ran %d times, want 4 (warm-up + 3 rounds)", q.Text, calls[q.Text])
		}
	}
	if res.All.N != 12 || res.ByClass["words1"].N != 6 || res.ByClass["id"].N != 3 {
		t.Errorf("samples: all %d, words1 %d, id %d", res.All.N, res.ByClass["words1"].N, res.ByClass["id"].N)
	}
	if res.ZeroHits != 2 {
		t.Errorf("zero hits = %d, want 2", res.ZeroHits)
	}
	if res.Errors != 4 || !strings.Contains(res.FirstErr, "engine failed") {
		t.Errorf("errors = %d (%q), want 4", res.Errors, res.FirstErr)
	}
	if len(res.Slowest) != 4 {
		t.Errorf("slowest = %d entries", len(res.Slowest))
	}
}

func TestShortfall(t *testing.T) {
	tests := []struct {
		v, goal float64
		atLeast bool
		want    string
	}{
		{0.3, 0.5, true, "missed: 40% below the goal (needs 1.67× more)"},
		{0.6, 0.5, true, ""},
		{150, 100, false, "missed: 50% over the goal"},
		{99, 100, false, ""},
	}
	for _, tt := range tests {
		if got := shortfall(tt.v, tt.goal, tt.atLeast); got != tt.want {
			t.Errorf("shortfall(%v, %v, %v) = %q, want %q", tt.v, tt.goal, tt.atLeast, got, tt.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	if got := count(1234567); got != "1,234,567" {
		t.Errorf("count = %q", got)
	}
	if got := count(999); got != "999" {
		t.Errorf("count = %q", got)
	}
	if got := bytesStr(3 << 30); got != "3.00 GiB" {
		t.Errorf("bytesStr = %q", got)
	}
	if got := msStr(0.1234); got != "0.12 ms" {
		t.Errorf("msStr = %q", got)
	}
	if got := msStr(1500); got != "1.50 s" {
		t.Errorf("msStr = %q", got)
	}
	if got := ratio(1, 0); got != "–" {
		t.Errorf("ratio(1, 0) = %q", got)
	}
	if got := ratio(45, 3); got != "15×" {
		t.Errorf("ratio(45, 3) = %q", got)
	}
}

// sampleReport is a report with fixed figures.
func sampleReport() *Report {
	lat := func(p50, p99, mx float64) latency {
		return latency{N: 800, P50: p50, P95: p99 / 2, P99: p99, Max: mx, Mean: p50}
	}
	byClass := func(l latency) map[string]latency {
		m := map[string]latency{}
		for _, c := range queryClasses {
			m[c] = l
		}
		return m
	}
	r := &Report{
		Started: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC),
		Seconds: 1234,
		Host:    hostInfo{CPUs: 2, MemTotalBytes: 24 << 30, GoVersion: "go1.26", SQLite: "3.50.0", Commit: "abc1234"},
		Config:  runConfig{Command: "cd cmd/bench && go run -tags sqlite_fts5 ."},
		Corpora: []corpusReport{{
			Name: "1m", Papers: 1_000_000,
			Ingest: []ingestResult{
				{ingestOut: ingestOut{Engine: engineParse, Papers: 1_000_000, Seconds: 80, PeakRSS: 60 << 20}, PapersPerSec: 12500, PapersPerCPUSec: 12000},
				{ingestOut: ingestOut{Engine: engineFTS5, Papers: 1_000_000, Seconds: 100, IndexBytes: 2 << 30, PeakRSS: 100 << 20}, PapersPerSec: 10000, PapersPerCPUSec: 9000},
				{ingestOut: ingestOut{Engine: enginePaperbot, Papers: 1_000_000, Seconds: 250, IndexBytes: 3 << 30, PeakRSS: 900 << 20}, PapersPerSec: 4000, PapersPerCPUSec: 2500},
			},
			Experiments: []ingestResult{{ingestOut: ingestOut{Engine: "batch500", Papers: 1_000_000, Seconds: 300, IndexBytes: 3 << 30, PeakRSS: 500 << 20}, PapersPerSec: 3333, PapersPerCPUSec: 2000, Experiment: "batch500: paperbot, 500 papers per batch"}},
			Queries: []queryResult{
				{queryOut: queryOut{Engine: enginePaperbot, PeakRSS: 1500 << 20, MemServed: procMem{RSS: 1400 << 20, RSSAnon: 400 << 20, RSSFile: 1000 << 20}, Paths: []pathResult{
					{Path: pathSearch, Queries: 400, Rounds: 2, All: lat(5, 120, 1500), CPU: lat(4, 60, 700), ByClass: byClass(lat(5, 120, 1500)), Slowest: []slowQuery{{Class: "title", Query: "a `slow` title", Ms: 900, MaxMs: 1500}}},
					{Path: pathHandler, Queries: 400, Rounds: 2, All: lat(6, 90, 800), CPU: lat(5, 50, 600), ByClass: byClass(lat(6, 90, 800)), ErrorReplies: 3},
				}}},
				{queryOut: queryOut{Engine: engineFTS5, PeakRSS: 200 << 20, MemServed: procMem{RSS: 150 << 20}, Paths: []pathResult{
					{Path: pathSearch, Queries: 400, Rounds: 2, All: lat(20, 600, 2000), CPU: lat(18, 480, 1900), ByClass: byClass(lat(20, 600, 2000)), ZeroHits: 40},
				}}},
			},
		}},
	}
	r.evaluateTargets()
	return r
}

// sampleReportWithLucene is sampleReport with Lucene measured too: it
// could not express one query, and no author query at all.
func sampleReportWithLucene() *Report {
	r := sampleReport()
	r.Host.Lucene = "Lucene 8.8.1, Java 17.0.15, -Xmx1g (1.00 GiB heap), G1"
	c := &r.Corpora[0]
	c.Ingest = append(c.Ingest, ingestResult{ingestOut: ingestOut{Engine: engineLucene, Papers: 1_000_000, Seconds: 50, IndexBytes: 1 << 30, PeakRSS: 600 << 20, Segments: 12, Version: "Lucene 8.8.1, 2 indexing threads"}, PapersPerSec: 20000, PapersPerCPUSec: 11000})
	byClass := map[string]latency{}
	for i, cl := range queryClasses {
		if cl != "author" {
			byClass[cl] = latency{N: 80, P50: 4, P95: 50, P99: 100 + float64(10*i), Max: 300}
		}
	}
	c.Queries = append(c.Queries, queryResult{queryOut: queryOut{Engine: engineLucene, PeakRSS: 900 << 20, MemServed: procMem{RSS: 800 << 20, RSSAnon: 300 << 20, RSSFile: 500 << 20}, Paths: []pathResult{
		{Path: pathSearch, Queries: 360, Rounds: 2, All: latency{N: 720, P50: 4, P95: 50, P99: 110, Max: 300}, CPU: latency{N: 720, P50: 3, P99: 90}, ByClass: byClass, ZeroHits: 30,
			NotExpressed: []string{"author `author:X` (for the test)"}},
	}}})
	r.evaluateTargets()
	return r
}

func TestTargets(t *testing.T) {
	r := sampleReport()
	got := map[string]targetCheck{}
	for _, tc := range r.Targets {
		got[tc.Target] = tc
	}
	check := func(name string, wantMet bool, wantInValue string) {
		t.Helper()
		tc, ok := got[name]
		if !ok {
			t.Fatalf("no target %q among %v", name, r.Targets)
		}
		if tc.Met == nil || *tc.Met != wantMet {
			t.Errorf("%s: met = %v, want %v (%+v)", name, tc.Met, wantMet, tc)
		}
		if !strings.Contains(tc.Value, wantInValue) {
			t.Errorf("%s: value %q lacks %q", name, tc.Value, wantInValue)
		}
		if !wantMet && !strings.HasPrefix(tc.Note, "missed: ") {
			t.Errorf("%s: a miss without a shortfall note: %q", name, tc.Note)
		}
	}
	check("ingest throughput, 1,000,000 papers", false, "0.40×")
	check("ingest peak RSS, 1,000,000 papers", false, "900 MiB")
	check("query p99, whole mix", false, "120 ms search, 90.0 ms through /papers")
	check("query p99 vs FTS5", false, "5.0× lower (120 ms vs 600 ms); CPU time p99 8.00× lower")
	check("slowest single query", false, "1.50 s")
	check("serving memory (peak RSS of the query process)", false, "1.46 GiB peak")
}

func TestLuceneTargets(t *testing.T) {
	got := map[string]targetCheck{}
	for _, tc := range sampleReportWithLucene().Targets {
		got[tc.Target] = tc
	}
	for _, tt := range []struct {
		name  string
		met   bool
		value string
		note  string
	}{
		{"ingest throughput vs Lucene, 1,000,000 papers", false, "0.20× (4,000 vs 20,000 papers/s; per CPU-second 0.23×)", "missed: 60% below the goal"},
		{"index size vs Lucene, 1,000,000 papers", false, "3.00× (3.00 GiB vs 1.00 GiB)", "missed: 100% over the goal"},
		{"query p99 vs Lucene, whole mix", false, "120 ms vs Lucene 110 ms (Lucene / paperbot: 0.92×); Lucene without the 1 queries it cannot express", "missed: 9% over Lucene's"},
		{"query p99 vs Lucene, every class both run", false, "7 of 9 classes at or below Lucene's", "missed in words1 120 ms vs 100 ms, words2 120 ms vs 110 ms"},
	} {
		tc, ok := got[tt.name]
		if !ok {
			t.Errorf("no target %q", tt.name)
			continue
		}
		if tc.Met == nil || *tc.Met != tt.met || tc.Value != tt.value || !strings.HasPrefix(tc.Note, tt.note) {
			t.Errorf("%s = %+v (met %v), want met %v, value %q, note %q", tt.name, tc, *tc.Met, tt.met, tt.value, tt.note)
		}
	}
	// Without Lucene, no such targets.
	for _, tc := range sampleReport().Targets {
		if strings.Contains(tc.Target, "Lucene") {
			t.Errorf("a Lucene target without Lucene: %+v", tc)
		}
	}
}

// TestMarkdownTablesWellFormed renders reports of every combination of
// engines and checks that each table row has as many cells as its header.
func TestMarkdownTablesWellFormed(t *testing.T) {
	for _, keep := range [][]string{
		{enginePaperbot, engineFTS5, engineLucene},
		{enginePaperbot, engineLucene},
		{enginePaperbot, engineFTS5},
		{enginePaperbot},
		{engineFTS5, engineLucene},
		{engineLucene},
		{engineFTS5},
	} {
		r := sampleReportWithLucene()
		c := &r.Corpora[0]
		c.Ingest = slices.DeleteFunc(c.Ingest, func(in ingestResult) bool { return in.Engine != engineParse && !slices.Contains(keep, in.Engine) })
		c.Queries = slices.DeleteFunc(c.Queries, func(q queryResult) bool { return !slices.Contains(keep, q.Engine) })
		r.evaluateTargets()
		var b bytes.Buffer
		r.writeMarkdown(&b)
		cells := -1
		for i, line := range strings.Split(b.String(), "\n") {
			if !strings.HasPrefix(line, "|") {
				cells = -1
				continue
			}
			n := strings.Count(line, "|")
			if cells < 0 {
				cells = n
			} else if n != cells {
				t.Errorf("engines %v, line %d: %d cells, the header has %d:\n%s", keep, i+1, n-1, cells-1, line)
			}
		}
	}
}

// TestMarkdownGolden compares the Markdown rendering of fixed reports with
// testdata/report.golden.md (paperbot and FTS5) and
// testdata/report-lucene.golden.md (Lucene beside them); go test -update
// rewrites them.
func TestMarkdownGolden(t *testing.T) {
	for golden, r := range map[string]*Report{"report.golden.md": sampleReport(), "report-lucene.golden.md": sampleReportWithLucene()} {
		var b bytes.Buffer
		r.writeMarkdown(&b)
		golden = filepath.Join("testdata", golden)
		if *update {
			if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("Markdown differs from %s (go test -update rewrites it):\n%s", golden, b.String())
		}
	}
}
