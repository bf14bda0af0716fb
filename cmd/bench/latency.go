package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// Query paths.
const (
	pathSearch  = "search"  // the engine's search call
	pathHandler = "handler" // paperbot's whole /papers handler: search, reply card, rendering
)

// latency summarises samples, in milliseconds.
type latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// summarize computes nearest-rank percentiles.
func summarize(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	pct := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return ms(s[max(0, min(i, len(s)-1))])
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return latency{N: len(s), P50: pct(50), P95: pct(95), P99: pct(99), Max: ms(s[len(s)-1]), Mean: ms(sum) / float64(len(s))}
}

// slowQuery is one of the slowest queries of a run.
type slowQuery struct {
	Class string  `json:"class"`
	Query string  `json:"query"`
	Ms    float64 `json:"median_ms"` // median over the rounds
	MaxMs float64 `json:"max_ms"`
	Hits  int     `json:"hits"`
}

// pathResult is the latency of one query path over the whole mix.
type pathResult struct {
	Path    string  `json:"path"`
	Queries int     `json:"queries"`
	Rounds  int     `json:"rounds"`
	All     latency `json:"all"`
	// CPU is the CPU time each query took (user + system): the Go
	// engines' process time over the query (RUSAGE_SELF: the goroutines
	// a search fans out to, and the GC, run on other threads), Lucene's
	// searching thread's (its searches run on one thread). Steadier than
	// wall time when the machine is shared.
	CPU      latency            `json:"cpu"`
	ByClass  map[string]latency `json:"by_class"`
	Slowest  []slowQuery        `json:"slowest"`
	ZeroHits int                `json:"zero_hit_queries"`
	// ErrorReplies counts replies of kind error (a paper id that is not
	// in the index, for instance): answers, not failures.
	ErrorReplies int    `json:"error_replies,omitempty"`
	Errors       int    `json:"errors"`
	FirstErr     string `json:"first_error,omitempty"`
	// NotExpressed lists the queries of the mix this engine cannot run
	// (class, query, why): left out of every figure above.
	NotExpressed []string `json:"not_expressed,omitempty"`
}

// queryOut is what a query child reports.
type queryOut struct {
	Engine      string       `json:"engine"`
	Papers      uint64       `json:"papers"`
	OpenSeconds float64      `json:"open_seconds"`
	Paths       []pathResult `json:"paths"`
	// Memory after opening, and after serving the whole mix on every path.
	MemOpen   procMem `json:"mem_after_open"`
	MemServed procMem `json:"mem_after_queries"`
	HeapLive  uint64  `json:"heap_live_bytes"`
	// PeakRSS is the process's peak resident memory (VmHWM).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// Version names the engine's version and settings (Lucene's).
	Version string `json:"version,omitempty"`
}

// searchFunc runs one query and returns how many hits it got.
type searchFunc func(ctx context.Context, q string) (int, error)

// measure runs the mix once in file order (warm-up), then rounds times in
// a different seeded order each round, timing every query.
func measure(ctx context.Context, path string, qs []Query, rounds int, run searchFunc) pathResult {
	var errs int
	var firstErr string
	fail := func(q string, err error) {
		errs++
		if firstErr == "" {
			firstErr = fmt.Sprintf("%q: %v", q, err)
		}
	}
	hits := make([]int, len(qs))
	for i, q := range qs {
		n, err := run(ctx, q.Text)
		hits[i] = n
		if err != nil {
			fail(q.Text, err)
		}
	}
	wall := make([][]time.Duration, len(qs))
	cpu := make([][]time.Duration, len(qs))
	// The goroutine is not locked to its thread: a search that fans out
	// to goroutines and waits for them then handed its processor to the
	// locked thread at every wake-up: on 2 cores and 1M papers, 18-24 of
	// paperbot's 1,200 timed queries took over 1.5 times their median and
	// a millisecond, against 4-5 unlocked (typo p99 16-17 ms against
	// 10-12; docs/benchmarks.md). No server locks its handlers so.
	for r := range rounds {
		for _, i := range roundOrder(r, len(qs)) {
			c0 := processCPU()
			start := time.Now()
			_, err := run(ctx, qs[i].Text)
			d := time.Since(start)
			if c0 >= 0 {
				cpu[i] = append(cpu[i], processCPU()-c0)
			}
			if err != nil {
				fail(qs[i].Text, err)
			}
			wall[i] = append(wall[i], d)
		}
	}
	res := summarizeRuns(path, qs, rounds, hits, wall, cpu)
	res.Errors, res.FirstErr = errs, firstErr
	return res
}

// roundOrder is the order in which timed round r runs a mix of n queries:
// a seeded permutation, the same for every engine.
func roundOrder(r, n int) []int {
	return rand.New(rand.NewPCG(uint64(r)+1, 99)).Perm(n)
}

// summarizeRuns makes the path result of a measured mix: hits[i] is what
// query i found in the warm-up pass, wall[i] and cpu[i] its timed rounds.
// A query with no timed rounds was not run (an engine that cannot express
// it) and counts nowhere.
func summarizeRuns(path string, qs []Query, rounds int, hits []int, wall, cpu [][]time.Duration) pathResult {
	res := pathResult{Path: path, Rounds: rounds, ByClass: map[string]latency{}}
	var all, allCPU []time.Duration
	byClass := map[string][]time.Duration{}
	var slow []slowQuery
	for i, q := range qs {
		if len(wall[i]) == 0 {
			continue
		}
		res.Queries++
		if hits[i] == 0 {
			res.ZeroHits++
		}
		all = append(all, wall[i]...)
		allCPU = append(allCPU, cpu[i]...)
		byClass[q.Class] = append(byClass[q.Class], wall[i]...)
		s := summarize(wall[i])
		slow = append(slow, slowQuery{Class: q.Class, Query: q.Text, Ms: s.P50, MaxMs: s.Max, Hits: hits[i]})
	}
	res.All = summarize(all)
	res.CPU = summarize(allCPU)
	for c, ds := range byClass {
		res.ByClass[c] = summarize(ds)
	}
	slices.SortStableFunc(slow, func(a, b slowQuery) int { return -cmpFloat(a.MaxMs, b.MaxMs) })
	res.Slowest = slow[:min(5, len(slow))]
	return res
}

// processCPU is the CPU time of the process, all its threads (-1 when
// unknown).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// childQuery measures one engine's query latency on an index and prints a
// queryOut.
func childQuery(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	engine := fs.String("engine", enginePaperbot, "paperbot or fts5")
	ixPath := fs.String("index", "", "index directory or database file")
	queriesPath := fs.String("queries", "", "query mix file")
	rounds := fs.Int("rounds", 3, "timed passes over the mix")
	cpuprof := fs.String("cpuprofile", "", "write a CPU profile of the timed passes here")
	memprof := fs.String("memprofile", "", "write a heap profile here at the end")
	freeWords := fs.Bool("free-words-only", false, "measure only the queries made of free words (for the query experiments)")
	budget := fs.Int64("mapped-budget", 0, "paperbot: give mapped index pages back past this many MiB of them (index.Options.MappedBudget; 0 or -1: none, paperbot serve's default)")
	resident := fs.Int64("memory-budget", 0, "paperbot: give mapped index pages back past this many MiB of resident memory (index.Options.ResidentBudget; 0: paperbot serve's default, index.DefaultResidentBudget; -1: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	qs, err := loadQueries(*queriesPath)
	if err != nil {
		return err
	}
	if *freeWords {
		qs = slices.DeleteFunc(qs, func(q Query) bool { return !freeWordQuery(q.Text) })
	}
	out := queryOut{Engine: *engine}
	start := time.Now()
	var paths []struct {
		name string
		run  searchFunc
	}
	var h *handlerPath
	switch *engine {
	case enginePaperbot:
		ix, err := index.Open(*ixPath, index.Options{NoRebuild: true, MappedBudget: *budget << 20, ResidentBudget: *resident << 20})
		if err != nil {
			return err
		}
		defer ix.Close()
		out.Papers, _ = ix.Count()
		b, err := bot.New(bot.Config{Searcher: ix})
		if err != nil {
			return err
		}
		h = newHandlerPath(b)
		paths = append(paths, struct {
			name string
			run  searchFunc
		}{pathSearch, func(ctx context.Context, q string) (int, error) {
			res, err := ix.Search(ctx, paper.Query{Text: q, Limit: 10})
			return len(res.Hits), err
		}}, struct {
			name string
			run  searchFunc
		}{pathHandler, h.run})
	case engineFTS5:
		db, err := openFTS(ctx, *ixPath, false)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM papers").Scan(&out.Papers); err != nil {
			return err
		}
		s, err := newFTSSearcher(ctx, db, 10)
		if err != nil {
			return err
		}
		defer s.Close()
		paths = append(paths, struct {
			name string
			run  searchFunc
		}{pathSearch, s.Search})
	default:
		if _, ok := queryExperiments[*engine]; !ok {
			return fmt.Errorf("query: unknown engine %q", *engine)
		}
		s, err := newExpSearcher(*ixPath, *engine)
		if err != nil {
			return err
		}
		defer s.Close()
		n, _ := s.bi.DocCount()
		out.Papers = n
		paths = append(paths, struct {
			name string
			run  searchFunc
		}{pathSearch, s.Search})
	}
	out.OpenSeconds = time.Since(start).Seconds()
	out.MemOpen = readProcMem()
	stopProf, err := startCPUProfile(*cpuprof)
	if err != nil {
		return err
	}
	for _, p := range paths {
		pr := measure(ctx, p.name, qs, *rounds, p.run)
		if p.name == pathHandler && h != nil {
			pr.ErrorReplies = h.errorReplies
		}
		out.Paths = append(out.Paths, pr)
	}
	stopProf()
	out.MemServed = readProcMem()
	out.PeakRSS = out.MemServed.HWM
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out.HeapLive = ms.HeapAlloc
	if *memprof != "" {
		if err := writeHeapProfile(*memprof); err != nil {
			return err
		}
	}
	return writeResult(stdout, out)
}

// handlerPath sends a query through the whole /papers handler, as a chat
// adapter does, and renders the reply (plain text, as the console adapter
// does, and JSON, as an HTTP adapter sends it).
type handlerPath struct {
	b            *bot.Bot
	commands     map[string]bool
	errorReplies int
}

func newHandlerPath(b *bot.Bot) *handlerPath {
	h := &handlerPath{b: b, commands: map[string]bool{}}
	for _, c := range b.Commands() {
		if c.Default {
			continue
		}
		h.commands[c.Name] = true
		for _, a := range c.Aliases {
			h.commands[a] = true
		}
	}
	return h
}

func (h *handlerPath) run(ctx context.Context, q string) (int, error) {
	text := q
	// A query whose first word names a subcommand is sent as `search ...`,
	// as a user would.
	if w, _, _ := strings.Cut(q, " "); h.commands[strings.ToLower(w)] {
		text = "search " + q
	}
	var hits int
	rw := bot.ResponderFunc(func(ctx context.Context, m bot.Message) error {
		if _, err := json.Marshal(m); err != nil {
			return err
		}
		_ = m.PlainText("*")
		if m.Kind == bot.KindError {
			h.errorReplies++
			return nil
		}
		hits += len(m.Sections)
		return nil
	})
	err := h.b.Handle(ctx, &bot.Request{Platform: "bench", Channel: "CBENCH", User: "UBENCH", Text: text}, rw)
	if fault.Is(err, fault.NotFound) || fault.Is(err, fault.Invalid) {
		// An answer ("paper X is not in the index"), counted above.
		return hits, nil
	}
	return hits, err
}
