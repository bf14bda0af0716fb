package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// Report is everything one run measured. It is written as JSON and as
// Markdown (which is also what the terminal shows).
type Report struct {
	Started  time.Time       `json:"started"`
	Seconds  float64         `json:"seconds"`
	Host     hostInfo        `json:"host"`
	Config   runConfig       `json:"config"`
	Corpora  []corpusReport  `json:"corpora"`
	Chat     *chatReport     `json:"chat,omitempty"`
	Fanout   *fanoutReport   `json:"fanout,omitempty"`
	Replicas *replicasReport `json:"replicas,omitempty"`
	Targets  []targetCheck   `json:"targets"`
	Warnings []string        `json:"warnings,omitempty"`
}

type hostInfo struct {
	CPUs          int    `json:"cpus"`
	MemTotalBytes int64  `json:"mem_total_bytes"`
	GoVersion     string `json:"go_version"`
	SQLite        string `json:"sqlite_version"`
	Lucene        string `json:"lucene,omitempty"`
	Commit        string `json:"commit,omitempty"`
}

// runConfig is what the run was asked to do (for reproduction).
type runConfig struct {
	Corpora     []string `json:"corpora"`
	Limit       int      `json:"limit"`
	Sections    []string `json:"sections"`
	Rounds      int      `json:"rounds"`
	Queries     string   `json:"queries"`
	QueryCount  int      `json:"query_count"`
	Batch       int      `json:"batch"`
	Experiments []string `json:"experiments,omitempty"`
	Command     string   `json:"command"`
}

// ingestResult is one engine's ingest of one corpus.
type ingestResult struct {
	ingestOut
	Usage        usage   `json:"usage"`
	PapersPerSec float64 `json:"papers_per_second"`
	// PapersPerCPUSec is papers per second of CPU time (user + system):
	// steadier than wall time on a shared machine.
	PapersPerCPUSec float64 `json:"papers_per_cpu_second"`
	Experiment      string  `json:"experiment,omitempty"`
}

// queryResult is one engine's query run on one corpus.
type queryResult struct {
	queryOut
	Usage usage `json:"usage"`
}

type corpusReport struct {
	Name        string         `json:"name"`
	Papers      int            `json:"papers"`
	Ingest      []ingestResult `json:"ingest,omitempty"`
	Experiments []ingestResult `json:"experiments,omitempty"`
	Queries     []queryResult  `json:"queries,omitempty"`
	// QueryExperiments are the query experiments, on the free-word
	// classes only, beside paperbot's Search on the same queries.
	QueryExperiments []queryResult `json:"query_experiments,omitempty"`
}

func (c *corpusReport) ingest(engine string) *ingestResult {
	for i := range c.Ingest {
		if c.Ingest[i].Engine == engine {
			return &c.Ingest[i]
		}
	}
	return nil
}

func (c *corpusReport) query(engine, path string) (*queryResult, *pathResult) {
	for i := range c.Queries {
		q := &c.Queries[i]
		if q.Engine != engine {
			continue
		}
		for j := range q.Paths {
			if q.Paths[j].Path == path {
				return q, &q.Paths[j]
			}
		}
	}
	return nil, nil
}

// ---- formatting

func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func bytesStr(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func msStr(ms float64) string {
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}

// ratioStr is ratio under another name, for places where a variable
// called ratio shadows it.
func ratioStr(a, b float64) string { return ratio(a, b) }

// ratio formats a/b as "1.23×" ("–" when undefined).
func ratio(a, b float64) string {
	if b == 0 || math.IsNaN(a/b) || math.IsInf(a/b, 0) {
		return "–"
	}
	r := a / b
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

// ---- Markdown

func (r *Report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// writeMarkdown writes the tables: ingest, queries (all and per class),
// chat load, fan-out, targets. Every figure of paperbot stands beside its
// FTS5 peer's and their ratio, all from this run.
func (r *Report) writeMarkdown(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("Run %s on %d CPUs, %s RAM, %s, SQLite %s%s%s; %s.\n\n", r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Host.CPUs, bytesStr(r.Host.MemTotalBytes), r.Host.GoVersion, r.Host.SQLite,
		func() string {
			if r.Host.Lucene != "" {
				return ", " + r.Host.Lucene
			}
			return ""
		}(),
		func() string {
			if r.Host.Commit != "" {
				return ", commit " + r.Host.Commit
			}
			return ""
		}(), (time.Duration(r.Seconds) * time.Second).String())
	p("Command: `%s`\n\n", r.Config.Command)
	for _, c := range r.Corpora {
		r.writeCorpus(w, c)
	}
	if r.Chat != nil {
		r.Chat.writeMarkdown(w)
	}
	if r.Fanout != nil {
		r.Fanout.writeMarkdown(w)
	}
	if r.Replicas != nil {
		r.Replicas.writeMarkdown(w)
	}
	if len(r.Targets) > 0 {
		p("### Targets\n\n| target | goal | this run | met |\n|---|---|---|---|\n")
		for _, t := range r.Targets {
			status := "not measured"
			if t.Met != nil {
				status = "**yes**"
				if !*t.Met {
					status = "**no** — " + t.Note
				}
			}
			p("| %s | %s | %s | %s |\n", t.Target, t.Goal, t.Value, status)
		}
		p("\n")
	}
	for _, warn := range r.Warnings {
		p("> Warning: %s\n\n", warn)
	}
}

func (r *Report) writeCorpus(w io.Writer, c corpusReport) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	if len(c.Ingest) > 0 {
		p("### Ingest: %s corpus, %s papers\n\n", c.Name, count(c.Papers))
		fts, luc := c.ingest(engineFTS5), c.ingest(engineLucene)
		// With Lucene measured, each ratio column "vs FTS5" has a "vs
		// Lucene" beside it.
		vsHead := func(h string) string {
			if luc != nil {
				return h + " | vs FTS5 | vs Lucene"
			}
			return h + " | vs FTS5"
		}
		p("| engine | %s | %s | wall | %s | %s | host load |\n", vsHead("papers/s"), vsHead("papers per CPU-s"), vsHead("index on disk"), vsHead("peak RSS"))
		if luc != nil {
			p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		} else {
			p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		}
		rows := append(slices.Clone(c.Ingest), c.Experiments...)
		for _, in := range rows {
			name := engineLabel(in.Engine)
			if in.Experiment != "" {
				name = "experiment: " + in.Experiment
			}
			vs := func(v float64, of func(*ingestResult) float64) string {
				var out string
				if fts != nil && in.Engine != engineFTS5 {
					out = ratio(v, of(fts))
				}
				if luc == nil {
					return out
				}
				out += " | "
				if in.Engine != engineLucene {
					out += ratio(v, of(luc))
				}
				return out
			}
			size := func(in *ingestResult) float64 { return float64(in.IndexBytes) }
			sizeCell := bytesStr(in.IndexBytes) + " | " + vs(size(&in), size)
			if in.Engine == engineParse {
				sizeCell = "– | "
				if luc != nil {
					sizeCell += " | "
				}
			}
			p("| %s | %s | %s | %s | %s | %.1f s | %s | %s | %s | %.1f |\n", name,
				count(int(in.PapersPerSec)), vs(in.PapersPerSec, func(x *ingestResult) float64 { return x.PapersPerSec }),
				count(int(in.PapersPerCPUSec)), vs(in.PapersPerCPUSec, func(x *ingestResult) float64 { return x.PapersPerCPUSec }),
				in.Seconds, sizeCell,
				bytesStr(in.PeakRSS), vs(float64(in.PeakRSS), func(x *ingestResult) float64 { return float64(x.PeakRSS) }), in.Usage.Load1)
		}
		p("\n")
		for _, in := range c.Ingest {
			if in.Version != "" {
				p("%s ingest: %s; %s in %d segments after its own merges.\n\n", engineLabel(in.Engine), in.Version, bytesStr(in.IndexBytes), in.Segments)
			}
		}
	}
	defer r.writeQueryExperiments(w, c)
	if len(c.Queries) == 0 {
		return
	}
	var nq, rounds int
	for _, q := range c.Queries {
		for _, pr := range q.Paths {
			nq, rounds = pr.Queries, pr.Rounds
		}
	}
	p("### Queries: %s corpus, %s papers (%d queries × %d rounds after a warm-up pass)\n\n", c.Name, count(c.Papers), nq, rounds)
	_, fts := c.query(engineFTS5, pathSearch)
	_, luc := c.query(engineLucene, pathSearch)
	lucHead, lucRule := "", ""
	if luc != nil {
		lucHead, lucRule = " Lucene p50 / this | Lucene p99 / this |", "--:|--:|"
	}
	p("| engine / path | p50 | p95 | p99 | max | FTS5 p50 / this | FTS5 p99 / this |%s CPU p50 / p99 | FTS5 CPU p99 / this | no hits | peak RSS | RSS after (anon + files) | host load |\n", lucHead)
	p("|---|--:|--:|--:|--:|--:|--:|%s--:|--:|--:|--:|--:|--:|\n", lucRule)
	for _, q := range c.Queries {
		for _, pr := range q.Paths {
			vs50, vs99, vsCPU, vsLuc := "", "", "", ""
			if fts != nil && !(q.Engine == engineFTS5 && pr.Path == pathSearch) {
				vs50, vs99, vsCPU = ratio(fts.All.P50, pr.All.P50), ratio(fts.All.P99, pr.All.P99), ratio(fts.CPU.P99, pr.CPU.P99)
			}
			if luc != nil {
				vsLuc = " | |"
				if q.Engine != engineLucene {
					vsLuc = fmt.Sprintf(" %s | %s |", ratio(luc.All.P50, pr.All.P50), ratio(luc.All.P99, pr.All.P99))
				}
			}
			errs := ""
			if pr.Errors > 0 {
				errs = fmt.Sprintf(" (%d errors)", pr.Errors)
			}
			p("| %s | %s | %s | %s | %s | %s | %s |%s %s / %s | %s | %d%s | %s | %s (%s + %s) | %.1f |\n", pathLabel(q.Engine, pr.Path),
				msStr(pr.All.P50), msStr(pr.All.P95), msStr(pr.All.P99), msStr(pr.All.Max), vs50, vs99, vsLuc,
				msStr(pr.CPU.P50), msStr(pr.CPU.P99), vsCPU,
				pr.ZeroHits, errs, bytesStr(q.PeakRSS), bytesStr(q.MemServed.RSS), bytesStr(q.MemServed.RSSAnon), bytesStr(q.MemServed.RSSFile), q.Usage.Load1)
		}
	}
	p("\n")
	for _, q := range c.Queries {
		for _, pr := range q.Paths {
			if len(pr.NotExpressed) > 0 {
				p("%s left out %d queries of the mix it cannot express (empty cells below): %s.\n\n", pathLabel(q.Engine, pr.Path), len(pr.NotExpressed), strings.Join(pr.NotExpressed, "; "))
			}
		}
	}
	// Per class: p50 / p99 of each path.
	type col struct {
		label string
		pr    *pathResult
	}
	var cols []col
	for i := range c.Queries {
		q := &c.Queries[i]
		for j := range q.Paths {
			cols = append(cols, col{pathLabel(q.Engine, q.Paths[j].Path), &q.Paths[j]})
		}
	}
	// The ratio columns need paperbot's search and the peer.
	_, pbs := c.query(enginePaperbot, pathSearch)
	var peers []*pathResult
	p("p50 / p99 by query class:\n\n| class |")
	for _, cl := range cols {
		p(" %s |", cl.label)
	}
	if fts != nil && pbs != nil {
		p(" FTS5 p99 / paperbot search p99 |")
		peers = append(peers, fts)
	}
	if luc != nil && pbs != nil {
		p(" Lucene p99 / paperbot search p99 |")
		peers = append(peers, luc)
	}
	p("\n|---|")
	for range len(cols) + len(peers) {
		p("--:|")
	}
	p("\n")
	// vsClass is the ratio of a peer's p99 to paperbot's in a class; empty
	// when either did not run it.
	vsClass := func(peer *pathResult, class string) string {
		a, ok1 := peer.ByClass[class]
		b, ok2 := pbs.ByClass[class]
		if !ok1 || !ok2 {
			return ""
		}
		return ratio(a.P99, b.P99)
	}
	for _, class := range queryClasses {
		p("| %s |", class)
		for _, cl := range cols {
			if l, ok := cl.pr.ByClass[class]; ok {
				p(" %s / %s |", msStr(l.P50), msStr(l.P99))
			} else {
				p(" |")
			}
		}
		for _, peer := range peers {
			p(" %s |", vsClass(peer, class))
		}
		p("\n")
	}
	p("\n")
	for _, q := range c.Queries {
		for _, pr := range q.Paths {
			if len(pr.Slowest) == 0 {
				continue
			}
			p("Slowest queries, %s: ", pathLabel(q.Engine, pr.Path))
			var parts []string
			for _, s := range pr.Slowest[:min(3, len(pr.Slowest))] {
				parts = append(parts, fmt.Sprintf("`%s` (%s, max %s)", strings.ReplaceAll(s.Query, "`", "'"), s.Class, msStr(s.MaxMs)))
			}
			p("%s.\n\n", strings.Join(parts, ", "))
		}
	}
}

func (r *Report) writeQueryExperiments(w io.Writer, c corpusReport) {
	if len(c.QueryExperiments) == 0 {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("### Query experiments: %s corpus, free-word queries only (words, typos, titles)\n\n", c.Name)
	p("| engine | queries | p50 | p95 | p99 | max | CPU p99 | p99 by class: words1 / words2 / words3 / words45 / typo / title |\n|---|--:|--:|--:|--:|--:|--:|---|\n")
	for _, q := range c.QueryExperiments {
		for _, pr := range q.Paths {
			if pr.Path != pathSearch {
				continue
			}
			label := pathLabel(q.Engine, pr.Path)
			if about, ok := queryExperiments[q.Engine]; ok {
				label = "experiment " + q.Engine + ": " + about
			}
			var cls []string
			for _, k := range []string{"words1", "words2", "words3", "words45", "typo", "title"} {
				cls = append(cls, msStr(pr.ByClass[k].P99))
			}
			p("| %s | %d | %s | %s | %s | %s | %s | %s |\n", label, pr.Queries, msStr(pr.All.P50), msStr(pr.All.P95), msStr(pr.All.P99), msStr(pr.All.Max), msStr(pr.CPU.P99), strings.Join(cls, " / "))
		}
	}
	p("\n")
}

func engineLabel(e string) string {
	switch e {
	case enginePaperbot:
		return "paperbot (Bleve)"
	case engineFTS5:
		return "SQLite FTS5"
	case engineLucene:
		return "Lucene"
	case engineParse:
		return "parse only (floor)"
	}
	return e
}

func pathLabel(engine, path string) string {
	switch {
	case engine == enginePaperbot && path == pathSearch:
		return "paperbot Search"
	case engine == enginePaperbot && path == pathHandler:
		return "paperbot /papers handler"
	case engine == engineFTS5:
		return "SQLite FTS5"
	case engine == engineLucene:
		return "Lucene"
	}
	return engine + " " + path
}
