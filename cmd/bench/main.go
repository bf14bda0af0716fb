// Command bench measures paperbot against SQLite FTS5 and Apache Lucene,
// side by side, in one run: ingest throughput, index size and peak memory on the same records;
// query latency on a fixed, checked-in mix of user-style queries (through
// paperbot's Search and through the whole /papers handler); signed Slack
// slash-command load against `paperbot serve` while an ingest runs; and a
// digest fan-out to 1,000 rate-limited channels; both again with three
// `paperbot serve` replicas on one PostgreSQL (replicas.go). It prints a
// Markdown table and writes it, with the raw figures as JSON.
//
//	cd cmd/bench                                 # a Go module of its own (cgo stays out of the bot's)
//	go run -tags sqlite_fts5 . --quick           # 20k papers, about a minute
//	go run -tags sqlite_fts5 .                   # 250k and 1M papers, every section
//	go run -tags sqlite_fts5 . gen-queries       # redraw testdata/queries.tsv
//
// Each engine's ingest and query run happen in a child process (this
// binary re-run with a hidden subcommand; for Lucene, a small Java program
// compiled into the work directory) so that its peak RSS is its own.
// SQLite is compiled from C by github.com/mattn/go-sqlite3; only this
// command imports it, never paperbot's own binary. Lucene comes from
// Debian's liblucene8-java; without it (or a JDK) Lucene is skipped with a
// message that says how to install it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case childCommand:
			if len(args) < 2 {
				return errors.New("child: which kind?")
			}
			switch args[1] {
			case "ingest":
				return childIngest(ctx, args[2:], stdout)
			case "query":
				return childQuery(ctx, args[2:], stdout)
			case "serve":
				return childServe(ctx, args[2:], stdout)
			}
			return fmt.Errorf("child: unknown kind %q", args[1])
		case "gen-queries":
			return runGenQueries(ctx, args[1:], stdout, stderr)
		}
	}
	return runBench(ctx, args, stdout, stderr)
}

// Sections of a run.
const (
	sectionIngest   = "ingest"
	sectionQuery    = "query"
	sectionChat     = "chat"
	sectionFanout   = "fanout"
	sectionReplicas = "replicas" // replicas.go
)

var allSections = []string{sectionIngest, sectionQuery, sectionChat, sectionFanout, sectionReplicas}

type options struct {
	corpora     []string
	limit       int
	sections    []string
	engines     []string
	rounds      int
	queries     string
	work        string
	dataset     string
	batch       int
	mdPath      string
	jsonPath    string
	profileDir  string
	experiments []string
	queryExps   []string
	luceneJars  string
	luceneHeap  string
	chat        chatOptions
	fanout      fanoutOptions
	replicas    replicasOptions
}

func (o *options) has(section string) bool { return slices.Contains(o.sections, section) }

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "a quick run: the first 20,000 papers of the 250k corpus, ingest and queries, 1 round")
	corpora := fs.String("corpus", "250k,1m", "corpora to measure: 250k (the arXiv sample), 1m or 3m (derived from it)")
	limit := fs.Int("limit", 0, "use only the first N papers of each corpus (0: all)")
	sections := fs.String("sections", strings.Join(allSections, ","), "sections to run: "+strings.Join(allSections, ","))
	engines := fs.String("engines", strings.Join(allEngines, ","), "engines to measure: paperbot, fts5, lucene (the peer figures need paperbot and the peer; Lucene is skipped, with a message, where Java or liblucene8-java is missing)")
	luceneJars := fs.String("lucene-jars", defaultLuceneJars, "directory holding the Lucene 8 jars (Debian's liblucene8-java)")
	luceneHeap := fs.String("lucene-heap", defaultLuceneHeap, "the Lucene JVM's heap limit (java -Xmx)")
	rounds := fs.Int("rounds", 3, "timed passes over the query mix after the warm-up pass")
	queries := fs.String("queries", "", "query mix (default cmd/bench/testdata/queries.tsv in the repository)")
	work := fs.String("work", filepath.Join(os.TempDir(), "paperbot-bench"), "work directory for corpora and indexes (never the repository)")
	dataset := fs.String("dataset", "", "the arXiv 250k sample (default $"+datasetEnv+" or ../shared/datasets/arxiv/arxiv-250k.jsonl.xz from the repository root)")
	batch := fs.Int("batch", 0, "papers per batch for both engines (0: paperbot's default, 2000)")
	mdPath := fs.String("md", "", "write the Markdown report here (default WORK/results.md)")
	jsonPath := fs.String("json", "", "write the JSON report here (default WORK/results.json)")
	profileDir := fs.String("profile", "", "write CPU and heap profiles of every child process into this directory")
	queryExps := fs.String("query-experiments", "", "query strategies measured on the free-word queries beside paperbot's Search: exp-or, exp-and-first, exp-rare or all")
	experiments := fs.String("experiments", "", "labelled index experiments to run beside the ingest: "+strings.Join(experimentNames(), ",")+" or all")
	chatRate := fs.Int("chat-rate", 200, "chat: slash commands per second")
	chatSeconds := fs.Int("chat-seconds", 20, "chat: how long the load lasts")
	chatBin := fs.String("paperbot", "", "chat: a built paperbot binary (default: go build ./cmd/paperbot into WORK)")
	chatLimit := fs.Int("chat-experiment-limit", 0, "chat: also measure the labelled experiment server that works on at most N commands at once (0: off)")
	fanChannels := fs.Int("fanout-channels", 1000, "fan-out: channels")
	fanPapers := fs.Int("fanout-papers", 5, "fan-out: papers per channel")
	fanTimeout := fs.Duration("fanout-timeout", 15*time.Minute, "fan-out: stop the digest after this long and report what was posted")
	replicasOpts := replicasFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	o := options{
		corpora: splitList(*corpora), limit: *limit, sections: splitList(*sections), engines: splitList(*engines), rounds: *rounds,
		queries: *queries, work: *work, dataset: *dataset, batch: *batch, mdPath: *mdPath, jsonPath: *jsonPath,
		profileDir:  *profileDir,
		experiments: splitList(*experiments),
		queryExps:   splitList(*queryExps),
		luceneJars:  *luceneJars,
		luceneHeap:  *luceneHeap,
		chat:        chatOptions{rate: *chatRate, duration: time.Duration(*chatSeconds) * time.Second, binary: *chatBin, expLimit: *chatLimit},
		fanout:      fanoutOptions{channels: *fanChannels, papers: *fanPapers, timeout: *fanTimeout},
		replicas:    replicasOpts(),
	}
	if *quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["corpus"] {
			o.corpora = []string{corpus250k}
		}
		if !set["limit"] {
			o.limit = 20000
		}
		if !set["sections"] {
			o.sections = []string{sectionIngest, sectionQuery}
		}
		if !set["rounds"] {
			o.rounds = 1
		}
	}
	if slices.Equal(o.experiments, []string{"all"}) {
		o.experiments = experimentNames()
	}
	for _, e := range o.experiments {
		if _, ok := experimentByName(e); !ok {
			return fmt.Errorf("--experiments: unknown experiment %q (want %s)", e, strings.Join(experimentNames(), ", "))
		}
	}
	if slices.Equal(o.queryExps, []string{"all"}) {
		o.queryExps = []string{"exp-or", "exp-and-first", "exp-rare"}
	}
	for _, e := range o.queryExps {
		if _, ok := queryExperiments[e]; !ok {
			return fmt.Errorf("--query-experiments: unknown experiment %q (want exp-or, exp-and-first or exp-rare)", e)
		}
	}
	for _, s := range o.sections {
		if !slices.Contains(allSections, s) {
			return fmt.Errorf("--sections: unknown section %q (want %s)", s, strings.Join(allSections, ", "))
		}
	}
	for _, e := range o.engines {
		if !slices.Contains(allEngines, e) {
			return fmt.Errorf("--engines: unknown engine %q (want %s)", e, strings.Join(allEngines, ", "))
		}
	}
	for _, c := range o.corpora {
		if _, ok := corpusSizes[c]; !ok {
			return fmt.Errorf("--corpus: unknown corpus %q (want %s)", c, strings.Join(corpusNames(), ", "))
		}
	}
	if o.rounds < 1 {
		return errors.New("--rounds must be at least 1")
	}
	if root, err := repoRoot(); err == nil {
		if abs, err := filepath.Abs(o.work); err == nil && strings.HasPrefix(abs+"/", root+"/") && !strings.HasPrefix(abs+"/", filepath.Join(root, "bench-out")+"/") {
			return fmt.Errorf("--work %s is inside the repository; use a directory outside it (or bench-out/, which is ignored)", o.work)
		}
	}
	if o.queries == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		o.queries = filepath.Join(root, "cmd", "bench", "testdata", "queries.tsv")
	}
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return err
	}
	if o.mdPath == "" {
		o.mdPath = filepath.Join(o.work, "results.md")
	}
	if o.jsonPath == "" {
		o.jsonPath = filepath.Join(o.work, "results.json")
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	qs, err := loadQueries(o.queries)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}
	rep := &Report{
		Started: time.Now(),
		Host:    hostInfo{CPUs: runtime.NumCPU(), MemTotalBytes: memTotal(), GoVersion: runtime.Version(), SQLite: sqliteVersion(), Commit: gitCommit()},
		Config: runConfig{Corpora: o.corpora, Limit: o.limit, Sections: o.sections, Rounds: o.rounds, Queries: o.queries, QueryCount: len(qs),
			Batch: o.batch, Experiments: o.experiments, Command: strings.TrimSpace("cd cmd/bench && go run -tags sqlite_fts5 . " + strings.Join(args, " "))},
	}
	b := &bench{o: o, logf: logf, rep: rep, qs: qs}
	if err := b.run(ctx); err != nil {
		return err
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	rep.evaluateTargets()
	f, err := os.Create(o.mdPath)
	if err != nil {
		return err
	}
	rep.writeMarkdown(io.MultiWriter(f, stdout))
	if err := f.Close(); err != nil {
		return err
	}
	if err := rep.writeJSON(o.jsonPath); err != nil {
		return err
	}
	logf("wrote %s and %s", o.mdPath, o.jsonPath)
	return nil
}

// bench runs the selected sections.
type bench struct {
	o      options
	logf   func(string, ...any)
	rep    *Report
	qs     []Query
	lucene *lucene // set up when Lucene is among the engines and can run
}

func (b *bench) run(ctx context.Context) error {
	needDataset := b.o.has(sectionIngest) || b.o.has(sectionQuery) || b.o.has(sectionChat) || b.o.has(sectionFanout)
	var dataset string
	if needDataset {
		var err error
		if dataset, err = findDataset(b.o.dataset); err != nil {
			return err
		}
	}
	if slices.Contains(b.o.engines, engineLucene) && (b.o.has(sectionIngest) || b.o.has(sectionQuery)) {
		l, err := setupLucene(ctx, b.o.work, b.o.luceneJars, b.o.luceneHeap)
		switch {
		case errors.Is(err, errLuceneMissing):
			b.logf("%v", err)
			b.rep.Warnings = append(b.rep.Warnings, err.Error())
			b.o.engines = slices.DeleteFunc(b.o.engines, func(e string) bool { return e == engineLucene })
		case err != nil:
			return fmt.Errorf("lucene: %w", err)
		default:
			b.logf("lucene: %s", l.Version)
			b.lucene, b.rep.Host.Lucene = l, l.Version
		}
	}
	if b.o.has(sectionChat) {
		// Built now, from the same tree as this binary, so that the served
		// index is read by the code that wrote it (and a broken build fails
		// the run before the long sections, not after).
		bin, err := b.paperbotBinary(ctx)
		if err != nil {
			return err
		}
		b.o.chat.binary = bin
	}
	for _, name := range b.o.corpora {
		if !b.o.has(sectionIngest) && !b.o.has(sectionQuery) {
			break
		}
		path, err := corpusFile(ctx, b.o.work, dataset, name, b.logf)
		if err != nil {
			return err
		}
		cr, err := b.corpus(ctx, name, path)
		if err != nil {
			return err
		}
		b.rep.Corpora = append(b.rep.Corpora, cr)
	}
	if b.o.has(sectionChat) {
		cr, err := b.runChat(ctx, dataset)
		if err != nil {
			return fmt.Errorf("chat: %w", err)
		}
		b.rep.Chat = cr
	}
	if b.o.has(sectionFanout) {
		fr, err := b.runFanout(ctx)
		if err != nil {
			return fmt.Errorf("fanout: %w", err)
		}
		b.rep.Fanout = fr
	}
	return b.replicasSection(ctx)
}

// tag names a corpus at a limit ("250k", "250k-20000").
func (b *bench) tag(name string) string {
	if b.o.limit > 0 {
		return name + "-" + strconv.Itoa(b.o.limit)
	}
	return name
}

func (b *bench) indexPath(name, engine string) string {
	dir := filepath.Join(b.o.work, b.tag(name))
	if engine == engineFTS5 {
		return filepath.Join(dir, "fts5.db")
	}
	return filepath.Join(dir, engine)
}

func (b *bench) profileArgs(what string) []string {
	if b.o.profileDir == "" {
		return nil
	}
	return []string{"--cpuprofile", filepath.Join(b.o.profileDir, what+".cpu.pprof"), "--memprofile", filepath.Join(b.o.profileDir, what+".heap.pprof")}
}

func (b *bench) corpus(ctx context.Context, name, path string) (corpusReport, error) {
	cr := corpusReport{Name: name}
	if err := os.MkdirAll(filepath.Join(b.o.work, b.tag(name)), 0o755); err != nil {
		return cr, err
	}
	ingestOne := func(engine string) (ingestResult, error) {
		out := b.indexPath(name, engine)
		if engine == engineParse {
			out = ""
		}
		if out != "" {
			os.Remove(out + ".done")
		}
		b.logf("ingest %s: %s", b.tag(name), engineLabel(engine))
		var res ingestResult
		var u usage
		var err error
		if engine == engineLucene {
			res.ingestOut, u, err = b.lucene.ingest(ctx, path, out, b.o.limit)
		} else {
			args := []string{"--engine", engine, "--corpus", path, "--out", out, "--limit", strconv.Itoa(b.o.limit), "--batch", strconv.Itoa(b.o.batch)}
			args = append(args, b.profileArgs(fmt.Sprintf("ingest-%s-%s", b.tag(name), engine))...)
			u, err = runChild(ctx, "ingest", args, &res.ingestOut)
		}
		if err != nil {
			return res, err
		}
		res.Usage = u
		if res.Seconds > 0 {
			res.PapersPerSec = float64(res.Papers) / res.Seconds
		}
		if c := u.CPUSeconds(); c > 0 {
			res.PapersPerCPUSec = float64(res.Papers) / c
		}
		if out != "" && res.Reopened != res.Papers {
			warn := fmt.Sprintf("%s ingest of %s: %d papers written, %d found after reopening the index", engineLabel(engine), b.tag(name), res.Papers, res.Reopened)
			b.logf("WARNING: %s", warn)
			b.rep.Warnings = append(b.rep.Warnings, warn)
		}
		b.logf("  %s papers in %.1f s: %s papers/s, %s on disk, peak RSS %s", count(res.Papers), res.Seconds, count(int(res.PapersPerSec)), bytesStr(res.IndexBytes), bytesStr(res.PeakRSS))
		if out != "" {
			if err := os.WriteFile(out+".done", []byte(strconv.Itoa(res.Papers)), 0o644); err != nil {
				return res, err
			}
		}
		return res, nil
	}
	var engines []string
	for _, e := range []string{engineFTS5, enginePaperbot, engineLucene} {
		if slices.Contains(b.o.engines, e) {
			engines = append(engines, e)
		}
	}
	if b.o.has(sectionIngest) {
		for _, e := range append([]string{engineParse}, engines...) {
			res, err := ingestOne(e)
			if err != nil {
				return cr, err
			}
			cr.Papers = res.Papers
			cr.Ingest = append(cr.Ingest, res)
		}
		for _, name2 := range b.o.experiments {
			exp, _ := experimentByName(name2)
			res, err := ingestOne(name2)
			os.RemoveAll(b.indexPath(name, name2))
			if err != nil {
				// An experiment that fails is reported, not fatal.
				warn := fmt.Sprintf("experiment %s on %s failed: %v", name2, b.tag(name), err)
				b.logf("WARNING: %s", warn)
				b.rep.Warnings = append(b.rep.Warnings, warn)
				continue
			}
			res.Experiment = name2 + ": " + exp.about
			cr.Experiments = append(cr.Experiments, res)
		}
	}
	if !b.o.has(sectionQuery) {
		return cr, nil
	}
	for _, e := range engines {
		ixPath := b.indexPath(name, e)
		if n, err := os.ReadFile(ixPath + ".done"); err == nil {
			cr.Papers, _ = strconv.Atoi(string(n))
			continue
		}
		b.logf("no finished %s index of %s in %s: building it", e, b.tag(name), b.o.work)
		res, err := ingestOne(e)
		if err != nil {
			return cr, err
		}
		cr.Papers = res.Papers
		cr.Ingest = append(cr.Ingest, res)
	}
	for _, e := range engines {
		b.logf("queries %s: %s", b.tag(name), engineLabel(e))
		// Each engine's serving process starts cold, as after a deploy:
		// its files are dropped from the page cache, so its resident set
		// is what the mix reads (the warm-up pass reads it back), not what
		// the ingest left cached.
		if n, err := dropFromPageCache(b.indexPath(name, e)); err != nil {
			b.logf("  could not drop %s from the page cache: %v", b.indexPath(name, e), err)
		} else {
			b.logf("  dropped %s of index files from the page cache", bytesStr(n))
		}
		var res queryResult
		var u usage
		var err error
		if e == engineLucene {
			plan := filepath.Join(b.o.work, b.tag(name), "lucene-plan.json")
			res.queryOut, u, err = b.lucene.query(ctx, b.indexPath(name, e), plan, b.qs, b.o.rounds)
		} else {
			args := []string{"--engine", e, "--index", b.indexPath(name, e), "--queries", b.o.queries, "--rounds", strconv.Itoa(b.o.rounds)}
			args = append(args, b.profileArgs(fmt.Sprintf("query-%s-%s", b.tag(name), e))...)
			u, err = runChild(ctx, "query", args, &res.queryOut)
		}
		if err != nil {
			return cr, err
		}
		res.Usage = u
		for _, pr := range res.Paths {
			b.logf("  %s: p50 %s p95 %s p99 %s max %s", pathLabel(e, pr.Path), msStr(pr.All.P50), msStr(pr.All.P95), msStr(pr.All.P99), msStr(pr.All.Max))
			if pr.Errors > 0 {
				b.rep.Warnings = append(b.rep.Warnings, fmt.Sprintf("%s on %s: %d query errors, first: %s", pathLabel(e, pr.Path), b.tag(name), pr.Errors, pr.FirstErr))
			}
			if len(pr.NotExpressed) > 0 {
				b.logf("  %d queries of the mix not expressed, left out of its figures", len(pr.NotExpressed))
			}
		}
		cr.Queries = append(cr.Queries, res)
	}
	if len(b.o.queryExps) > 0 && slices.Contains(engines, enginePaperbot) {
		for _, e := range append([]string{enginePaperbot}, b.o.queryExps...) {
			b.logf("query experiments %s: %s", b.tag(name), e)
			args := []string{"--engine", e, "--index", b.indexPath(name, enginePaperbot), "--queries", b.o.queries, "--rounds", strconv.Itoa(b.o.rounds), "--free-words-only"}
			var res queryResult
			u, err := runChild(ctx, "query", args, &res.queryOut)
			if err != nil {
				return cr, err
			}
			res.Usage = u
			for _, pr := range res.Paths {
				if pr.Path == pathSearch {
					b.logf("  p50 %s p95 %s p99 %s max %s", msStr(pr.All.P50), msStr(pr.All.P95), msStr(pr.All.P99), msStr(pr.All.Max))
				}
			}
			cr.QueryExperiments = append(cr.QueryExperiments, res)
		}
	}
	return cr, nil
}

func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// runGenQueries draws the query mix from the 250k sample and writes it.
func runGenQueries(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen-queries", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataset := fs.String("dataset", "", "the arXiv 250k sample")
	out := fs.String("o", "", "output file (default cmd/bench/testdata/queries.tsv; - for stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, err := findDataset(*dataset)
	if err != nil {
		return err
	}
	papers, err := readPapers(ctx, path, func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) })
	if err != nil {
		return err
	}
	g, err := newMixGen(papers)
	if err != nil {
		return err
	}
	qs := g.generate()
	if *out == "-" {
		return writeQueries(stdout, qs, filepath.Base(path))
	}
	if *out == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		*out = filepath.Join(root, "cmd", "bench", "testdata", "queries.tsv")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := writeQueries(f, qs, filepath.Base(path)); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(stderr, "wrote %d queries to %s\n", len(qs), *out)
	return f.Close()
}
