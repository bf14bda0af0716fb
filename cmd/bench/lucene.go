package main

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Lucene peer (issue 18): lucene/LuceneBench.java (with its JSON
// reader, lucene/Json.java), embedded in this binary, is compiled with javac against the Lucene 8 jars of Debian's
// liblucene8-java into the work directory and run as a child process, as
// the Go engines are: its own peak RSS (VmHWM), its CPU time from rusage,
// its index files dropped from the page cache before its query process.
// The query mix is translated here, in Go, into what the Java program runs
// (luceneQuery), so that the translation is tested without Java.

//go:embed lucene/*.java
var luceneSource embed.FS

// luceneInstall is how to get what the Lucene peer needs on Debian.
const luceneInstall = "apt-get install -y liblucene8-java openjdk-17-jdk-headless"

// defaultLuceneJars is where liblucene8-java installs its jars.
const defaultLuceneJars = "/usr/share/java"

// defaultLuceneHeap is the JVM's heap limit (-Xmx): what a small machine
// gives a search service (Elasticsearch's default heap was 1 GB for years).
const defaultLuceneHeap = "1g"

// luceneJars are the jars LuceneBench needs: the core (index, search,
// BM25), the analyzers (English, custom), the unified highlighter and what
// the highlighter loads.
var luceneJars = []string{"lucene-core", "lucene-analyzers-common", "lucene-highlighter", "lucene-memory", "lucene-queries"}

// errLuceneMissing wraps the reasons Lucene cannot run here.
var errLuceneMissing = errors.New("skipping Lucene")

func luceneMissing(format string, a ...any) error {
	return fmt.Errorf("%w: %s; install it with `%s` (or point --lucene-jars at a directory holding the Lucene 8 jars: %s)",
		errLuceneMissing, fmt.Sprintf(format, a...), luceneInstall, strings.Join(luceneJars, ", "))
}

// lucene runs the compiled LuceneBench.
type lucene struct {
	java      string
	classpath string
	heap      string
	// Version is what the program reports: "Lucene 8.8.1, Java 17, max heap 1024 MiB".
	Version string
}

// setupLucene finds java, javac and the jars, compiles LuceneBench into
// work/lucene (again only when the source, the jars or javac changed) and
// checks that it runs. An error wrapping errLuceneMissing says what to
// install.
func setupLucene(ctx context.Context, work, jarsDir, heap string) (*lucene, error) {
	java, javac, jars, err := findLucene(jarsDir)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(work, "lucene")
	classes := filepath.Join(dir, "classes")
	files, err := fs.Glob(luceneSource, "lucene/*.java")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	var srcs []string
	for _, f := range files {
		b, err := luceneSource.ReadFile(f)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(h, f, len(b))
		h.Write(b)
		srcs = append(srcs, filepath.Join(dir, path.Base(f)))
	}
	fmt.Fprintln(h, javac)
	for _, j := range jars {
		if st, err := os.Stat(j); err == nil {
			fmt.Fprintln(h, j, st.Size(), st.ModTime().UnixNano())
		}
	}
	key := hex.EncodeToString(h.Sum(nil))
	keyFile := filepath.Join(dir, "classes.key")
	if old, _ := os.ReadFile(keyFile); string(old) != key {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(classes, 0o755); err != nil {
			return nil, err
		}
		for i, f := range files {
			b, _ := luceneSource.ReadFile(f) // read above
			if err := os.WriteFile(srcs[i], b, 0o644); err != nil {
				return nil, err
			}
		}
		args := append([]string{"-nowarn", "-d", classes, "-cp", strings.Join(jars, ":")}, srcs...)
		out, err := exec.CommandContext(ctx, javac, args...).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %w\n%s", strings.Join(srcs, " "), err, out)
		}
		if err := os.WriteFile(keyFile, []byte(key), 0o644); err != nil {
			return nil, err
		}
	}
	l := &lucene{java: java, classpath: strings.Join(append([]string{classes}, jars...), ":"), heap: heap}
	var v struct {
		Lucene  string `json:"lucene"`
		Java    string `json:"java"`
		MaxHeap int64  `json:"max_heap_bytes"`
		GC      string `json:"gc"`
	}
	if _, err := runProcess(l.command(ctx, "version"), "lucene", &v); err != nil {
		return nil, err
	}
	l.Version = fmt.Sprintf("Lucene %s, Java %s, -Xmx%s (%s heap), %s", v.Lucene, v.Java, heap, bytesStr(v.MaxHeap), strings.TrimSuffix(v.GC, " Young Generation"))
	return l, nil
}

// findLucene finds java, javac and the Lucene 8 jars (the newest of each
// when there are several), or says what is missing (errLuceneMissing).
func findLucene(jarsDir string) (java, javac string, jars []string, err error) {
	if java, err = exec.LookPath("java"); err != nil {
		return "", "", nil, luceneMissing("no java on PATH")
	}
	if javac, err = exec.LookPath("javac"); err != nil {
		return "", "", nil, luceneMissing("no javac on PATH (a JDK, not only a JRE)")
	}
	for _, name := range luceneJars {
		found, _ := filepath.Glob(filepath.Join(jarsDir, name+"-8.*.jar"))
		if len(found) == 0 {
			return "", "", nil, luceneMissing("no %s-8.*.jar in %s", name, jarsDir)
		}
		slices.Sort(found)
		jars = append(jars, found[len(found)-1])
	}
	return java, javac, jars, nil
}

// command is `java -Xmx... -cp ... LuceneBench args...`.
func (l *lucene) command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, l.java, append([]string{"-Xmx" + l.heap, "-cp", l.classpath, "LuceneBench"}, args...)...)
}

// ingest indexes a corpus (at most limit papers when > 0) into dir, created
// fresh.
func (l *lucene) ingest(ctx context.Context, corpus, dir string, limit int) (ingestOut, usage, error) {
	var res ingestOut
	if err := os.RemoveAll(dir); err != nil {
		return res, usage{}, err
	}
	args := []string{"ingest", "--corpus", corpus, "--out", dir}
	if limit > 0 {
		args = append(args, "--limit", strconv.Itoa(limit))
	}
	u, err := runProcess(l.command(ctx, args...), "lucene ingest", &res)
	if err != nil {
		return res, u, err
	}
	res.IndexBytes, err = diskUsage(dir)
	return res, u, err
}

// luceneQuery is a query of the mix as LuceneBench runs it: the parts of
// paperbot's language, as text for Lucene's analyzers. Words: any matches
// (BM25 on title + abstract, a word in the title half again); phrases,
// authors (names analysis) and categories required; categories do not
// score; ids are term lookups; Recent orders by publication date, newest
// first (a query of filters alone, as paperbot does).
type luceneQuery struct {
	Words       string   `json:"words,omitempty"`
	Phrases     []string `json:"phrases,omitempty"`
	NotWords    string   `json:"not_words,omitempty"`
	NotPhrases  []string `json:"not_phrases,omitempty"`
	Authors     []string `json:"authors,omitempty"`
	Cats        []string `json:"cats,omitempty"`
	CatPrefixes []string `json:"cat_prefixes,omitempty"`
	IDs         []string `json:"ids,omitempty"`
	Recent      bool     `json:"recent,omitempty"`
}

// translateLucene translates a query of the mix, or says why it is not
// translated. Typos stay as typed: Lucene corrects nothing by default.
func translateLucene(q string) (luceneQuery, string) {
	var lq luceneQuery
	var words, notWords []string
	for _, p := range readParts(q) {
		switch p.kind {
		case partWord:
			if p.neg {
				notWords = append(notWords, p.text)
			} else {
				words = append(words, p.text)
			}
		case partPhrase:
			if p.neg {
				lq.NotPhrases = append(lq.NotPhrases, p.text)
			} else {
				lq.Phrases = append(lq.Phrases, p.text)
			}
		case partAuthor:
			lq.Authors = append(lq.Authors, p.text)
		case partCat:
			// cat:cs is every cs.* category too, as in paperbot.
			c := strings.ToLower(p.text)
			lq.Cats = append(lq.Cats, c)
			if !strings.Contains(c, ".") {
				lq.CatPrefixes = append(lq.CatPrefixes, c+".")
			}
		case partID:
			lq.IDs = append(lq.IDs, p.text)
		case partFilter:
			return luceneQuery{}, p.text + ": dates and sort orders are not translated (not in the mix)"
		}
	}
	lq.Words, lq.NotWords = strings.Join(words, " "), strings.Join(notWords, " ")
	hasText := len(words) > 0 || len(lq.Phrases) > 0
	if len(lq.IDs) > 0 {
		if !hasText {
			// As paperbot: ids without words are looked up, nothing else.
			return luceneQuery{IDs: lq.IDs}, ""
		}
		lq.IDs = nil // and beside words, searched as words would be: not at all
	}
	lq.Recent = !hasText && (len(lq.Authors) > 0 || len(lq.Cats) > 0)
	return lq, ""
}

// lucenePlan is the file LuceneBench's query command reads.
type lucenePlan struct {
	Queries []luceneQuery `json:"queries"`
	// Orders are the timed rounds: indexes into Queries, in the order
	// every engine runs the mix (roundOrder), untranslated queries left out.
	Orders [][]int `json:"orders"`
}

// newLucenePlan translates the mix. at[j] is the mix index of plan query j;
// notExpressed lists the queries left out, with the reason.
func newLucenePlan(qs []Query, rounds int) (plan lucenePlan, at []int, notExpressed []string) {
	planIndex := make([]int, len(qs))
	for i, q := range qs {
		lq, why := translateLucene(q.Text)
		if why != "" {
			planIndex[i] = -1
			notExpressed = append(notExpressed, fmt.Sprintf("%s `%s`: %s", q.Class, q.Text, why))
			continue
		}
		planIndex[i] = len(plan.Queries)
		plan.Queries = append(plan.Queries, lq)
		at = append(at, i)
	}
	for r := range rounds {
		order := []int{}
		for _, i := range roundOrder(r, len(qs)) {
			if planIndex[i] >= 0 {
				order = append(order, planIndex[i])
			}
		}
		plan.Orders = append(plan.Orders, order)
	}
	return plan, at, notExpressed
}

// luceneQueryOut is what LuceneBench's query command prints: queryOut's
// fields without the paths, and the raw figures of every plan query.
type luceneQueryOut struct {
	queryOut
	Hits     []int      `json:"hits"`
	Top      [][]string `json:"top"` // the ids each query found in the warm-up pass
	WallNS   [][]int64  `json:"wall_ns"`
	CPUNS    [][]int64  `json:"cpu_ns"`
	Errors   int        `json:"errors"`
	FirstErr string     `json:"first_error"`
}

// query measures the mix on a Lucene index: one warm-up pass, rounds timed
// passes, each query's results read with highlights. The plan is written to
// planPath. The latencies are summarised as the other engines' are.
func (l *lucene) query(ctx context.Context, index, planPath string, qs []Query, rounds int) (queryOut, usage, error) {
	plan, at, notExpressed := newLucenePlan(qs, rounds)
	b, err := json.Marshal(plan)
	if err != nil {
		return queryOut{}, usage{}, err
	}
	if err := os.WriteFile(planPath, b, 0o644); err != nil {
		return queryOut{}, usage{}, err
	}
	var raw luceneQueryOut
	u, err := runProcess(l.command(ctx, "query", "--index", index, "--plan", planPath), "lucene query", &raw)
	if err != nil {
		return queryOut{}, u, err
	}
	out, err := raw.result(qs, rounds, at)
	out.Paths[0].NotExpressed = notExpressed
	return out, u, err
}

// result maps the raw figures of the plan's queries back onto the mix.
func (raw *luceneQueryOut) result(qs []Query, rounds int, at []int) (queryOut, error) {
	if len(raw.Hits) != len(at) || len(raw.WallNS) != len(at) || len(raw.CPUNS) != len(at) {
		return queryOut{}, fmt.Errorf("lucene query: figures for %d/%d/%d queries, want %d", len(raw.Hits), len(raw.WallNS), len(raw.CPUNS), len(at))
	}
	hits := make([]int, len(qs))
	wall := make([][]time.Duration, len(qs))
	cpu := make([][]time.Duration, len(qs))
	ns := func(v []int64) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x)
		}
		return out
	}
	for j, i := range at {
		hits[i], wall[i], cpu[i] = raw.Hits[j], ns(raw.WallNS[j]), ns(raw.CPUNS[j])
	}
	pr := summarizeRuns(pathSearch, qs, rounds, hits, wall, cpu)
	pr.Errors, pr.FirstErr = raw.Errors, raw.FirstErr
	out := raw.queryOut
	out.Paths = []pathResult{pr}
	return out, nil
}
