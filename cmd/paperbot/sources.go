package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/internal/clock"
)

// setupSources prepares the configured paper sources: the arXiv fetcher for
// `show` of unknown ids (bc.Fetcher) and the refresh jobs (a.jobs).
func setupSources(ctx context.Context, a *app, bc *bot.Config) error {
	deps := sourceDeps{
		cfg:   &a.cfg.Src,
		index: a.ix,
		clock: clock.System{},
		log:   a.log,
	}
	if a.state != nil { // opened by setupDigest, which runs first
		deps.discussions = a.state
	}
	s, err := newSources(deps)
	if err != nil {
		return err
	}
	if s.fetcher != nil {
		bc.Fetcher = s.fetcher
	}
	if len(s.jobs) > 0 {
		a.collectors = append(a.collectors, countJobs(s.jobs)...)
		r := &sources.Refresher{Jobs: s.jobs, Clock: clock.System{}, Log: a.log}
		a.jobs = append(a.jobs, r.Run)
	}
	return nil
}

// sourceIndex is what the sources need of the index: writing (merging by
// canonical id) and finding recent papers to re-score.
type sourceIndex interface {
	sources.Sink
	sources.Lookuper
	Search(ctx context.Context, q paper.Query) (paper.Results, error)
}

// sourceDeps are the inputs of newSources (tests inject a fake clock and
// httptest base URLs through the configuration).
type sourceDeps struct {
	cfg         *configs.SourcesConf
	index       sourceIndex
	discussions engagement // nil: no team engagement in the score
	clock       clock.Clock
	log         *slog.Logger
}

// engagement is the team's discussions of papers on every platform, as
// the trending score counts them (the state store).
type engagement interface {
	AllDiscussionsOf(ctx context.Context, paperIDs ...string) (map[string][]bot.Discussion, error)
}

// configuredSources are the fetcher and jobs built from the configuration.
type configuredSources struct {
	fetcher bot.Fetcher // nil unless arXiv fetch_missing is on
	jobs    []sources.Job
}

// newSources builds the fetchers and refresh jobs the configuration asks
// for. All arXiv requests (feeds and API) share one pacer: one request at a
// time, at least min_interval (3s) apart.
func newSources(d sourceDeps) (*configuredSources, error) {
	cfg := d.cfg
	ua := cfg.UserAgent
	if ua == "" {
		ua = "paperbot/" + version() + " (+https://github.com/paperbot/paperbot)"
	}
	client := func(source string, interval time.Duration) *sources.Client {
		return &sources.Client{
			Source:       source,
			HTTP:         sources.NewHTTPClient(cfg.RequestTimeout),
			UserAgent:    ua,
			Clock:        d.clock,
			Pacer:        sources.NewPacer(interval, d.clock),
			Retries:      cfg.Retries,
			MaxRetryWait: cfg.MaxRetryWait,
			Log:          d.log,
		}
	}
	out := &configuredSources{}
	if len(cfg.Files) > 0 {
		out.jobs = append(out.jobs, filesJob(cfg.Files, d))
	}
	// One arXiv client for the feeds, the API and the Hugging Face
	// details: one pacer for everything sent to arXiv.
	var arxivAPI *sources.ArxivAPI
	var arxivClient *sources.Client
	if a := cfg.Arxiv; a.On() {
		arxivClient = client(sources.SourceArxiv, a.MinInterval)
		arxivAPI = &sources.ArxivAPI{BaseURL: a.APIURL, Client: arxivClient}
	}
	if h := cfg.HuggingFace; h.On() {
		hf := &sources.HuggingFace{BaseURL: h.BaseURL, Client: client(sources.SourceHuggingFace, h.MinInterval)}
		job := &sources.HuggingFaceJob{HF: hf, Days: h.Days, Every: h.Every, Sink: d.index, Clock: d.clock, Log: d.log}
		if h.Details() && arxivAPI != nil {
			job.Details, job.Index = arxivAPI, d.index
		}
		out.jobs = append(out.jobs, job.Job())
	}
	if a := cfg.Arxiv; a.On() {
		loc, err := time.LoadLocation(a.Timezone)
		if err != nil {
			return nil, fmt.Errorf("sources.arxiv.timezone: %w", err)
		}
		if a.Fetch() {
			out.fetcher = arxivAPI
		}
		if len(a.Categories) > 0 {
			job := &sources.ArxivFeedJob{
				Feed:       &sources.ArxivFeed{BaseURL: a.FeedURL, Client: arxivClient, IncludeCross: a.IncludeCross},
				Categories: a.Categories,
				Sink:       d.index,
				Schedule:   sources.ArxivSchedule{Loc: loc, Delay: a.Delay, Recheck: a.Recheck, Window: a.Window},
				Clock:      d.clock,
				Log:        d.log,
			}
			out.jobs = append(out.jobs, job.Job())
		}
	}
	if !cfg.Rescore.Disabled {
		out.jobs = append(out.jobs, rescoreJob(cfg.Rescore, d))
	}
	return out, nil
}

// filesJob ingests the configured files once, when serve starts.
func filesJob(files []string, d sourceDeps) sources.Job {
	return sources.Job{
		Name: "files", Source: "files", AtStart: true, Timeout: 2 * time.Hour,
		Run: func(ctx context.Context) (int, error) {
			written := 0
			var errs []error
			for _, name := range files {
				n, err := ingestFile(ctx, d, name)
				written += n
				if err != nil {
					errs = append(errs, err)
				}
			}
			return written, errors.Join(errs...)
		},
	}
}

// fileNotes is what remembers which files were ingested, as they were
// then (the index: the memory goes with it when the index is rebuilt).
type fileNotes interface {
	Note(key string) (string, error)
	SetNote(key, value string) error
}

// ingestFile indexes one configured file. A file ingested before without
// a rejected line, and unchanged since (same size and modification time),
// is not read again: a restart does not re-index a large file. A file
// with rejected lines is read (and its rejects logged) on every start
// until it is fixed.
func ingestFile(ctx context.Context, d sourceDeps, name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("sources.files: %w", err)
	}
	defer f.Close()
	notes, _ := d.index.(fileNotes)
	key, stamp := "", ""
	if st, err := f.Stat(); err == nil && notes != nil {
		abs, _ := filepath.Abs(name)
		key, stamp = "file:"+abs, fmt.Sprintf("%d %d", st.Size(), st.ModTime().UnixNano())
		if old, err := notes.Note(key); err == nil && old == stamp {
			d.log.Info("file unchanged since it was ingested; not read again", "source", "files", "file", name)
			return 0, nil
		}
	}
	const batch = 500
	var (
		papers   []paper.Paper
		written  int
		rejected int
	)
	flush := func() error {
		if len(papers) == 0 {
			return nil
		}
		if err := d.index.Upsert(ctx, papers); err != nil {
			return err
		}
		written += len(papers)
		papers = papers[:0]
		return nil
	}
	err = sources.Parse(ctx, f, name, sources.Auto, sources.Handler{
		Paper: func(p paper.Paper) error {
			papers = append(papers, p)
			if len(papers) >= batch {
				return flush()
			}
			return nil
		},
		Reject: func(e *sources.RecordError) {
			rejected++
			if rejected <= 20 {
				d.log.Warn("rejected a record", "source", "files", "err", e)
			}
		},
	})
	if err == nil {
		err = flush()
	}
	if rejected > 0 {
		d.log.Warn("records rejected", "source", "files", "file", name, "rejected", rejected)
	}
	if err != nil {
		return written, fmt.Errorf("sources.files: %s: %w", name, err)
	}
	if key != "" && rejected == 0 {
		if err := notes.SetNote(key, stamp); err != nil {
			d.log.Warn("could not remember the ingested file; it is read again on the next start", "source", "files", "file", name, "err", err)
		}
	}
	return written, nil
}

// rescoreJob recomputes stored trending scores. The score decays with age,
// so a stored score only ever overstates the current one: the job walks
// the papers by stored score, highest first, down to minStoredScore, and
// rewrites those whose score changed. With a discussion store it also
// folds the team's replies into recently published papers (the last
// rc.Days days), which may have no other signal yet.
func rescoreJob(rc configs.RescoreConf, d sourceDeps) sources.Job {
	return sources.Job{
		Name: "rescore", Source: "index", Next: sources.Every(rc.Every),
		Run: func(ctx context.Context) (int, error) {
			return rescore(ctx, d, rc.Days)
		},
	}
}

const (
	// maxRescored bounds the papers looked at per walk.
	maxRescored = 5000
	// minStoredScore ends the walk: below it a stale score cannot lift a
	// paper over anything that matters (a trending listing's rank 194 is
	// worth 0.05).
	minStoredScore = 0.01
)

func rescore(ctx context.Context, d sourceDeps, days int) (int, error) {
	now := d.clock.Now()
	var candidates []paper.Paper
	seen := map[string]bool{}
	// walk collects papers of a query, by stored score, while keep says so.
	walk := func(text string, keep func(paper.Paper) bool) error {
		for off := 0; off < maxRescored; off += 100 {
			res, err := d.index.Search(ctx, paper.Query{Text: text, Sort: paper.ByTrending, Limit: 100, Offset: off})
			if err != nil {
				return err
			}
			for _, h := range res.Hits {
				if !keep(h.Paper) {
					return nil
				}
				if !seen[h.Paper.ID] {
					seen[h.Paper.ID] = true
					candidates = append(candidates, h.Paper)
				}
			}
			if len(res.Hits) < 100 {
				return nil
			}
		}
		return nil
	}
	if err := walk("", func(p paper.Paper) bool { return p.Trending >= minStoredScore }); err != nil {
		return 0, fmt.Errorf("listing papers by trending score: %w", err)
	}
	replies := map[string]int{}
	if d.discussions != nil {
		since := now.UTC().AddDate(0, 0, -days).Format(paper.DateLayout)
		if err := walk("since:"+since, func(paper.Paper) bool { return true }); err != nil {
			return 0, fmt.Errorf("listing papers published since %s: %w", since, err)
		}
		for chunk := range slices.Chunk(candidates, 500) {
			ids := make([]string, len(chunk))
			for i, p := range chunk {
				ids[i] = p.ID
			}
			disc, err := d.discussions.AllDiscussionsOf(ctx, ids...)
			if err != nil {
				d.log.Warn("reading discussions for the trending score", "source", "index", "err", err)
				break
			}
			for id, ds := range disc {
				for _, x := range ds {
					replies[id] += x.Replies
				}
			}
		}
	}
	var changed []paper.Paper
	for _, p := range candidates {
		old := p.Replies
		p.Replies = max(old, replies[p.ID])
		score := paper.TrendingScore(p, now)
		if p.Replies != old || math.Abs(score-p.Trending) > 1e-3*max(1, math.Abs(p.Trending)) {
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return 0, nil
	}
	if err := d.index.Upsert(ctx, changed); err != nil {
		return 0, fmt.Errorf("writing %d re-scored papers: %w", len(changed), err)
	}
	return len(changed), nil
}

// countJobs wraps each refresh job so that its runs are counted, and
// returns the metrics (registered by serve).
func countJobs(jobs []sources.Job) []prometheus.Collector {
	runs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_source_runs_total",
		Help: "Source refresh runs, by job and outcome (ok, error).",
	}, []string{"job", "outcome"})
	written := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_source_papers_total",
		Help: "Papers written by source refresh runs, by job.",
	}, []string{"job"})
	last := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "paperbot_source_last_success_timestamp_seconds",
		Help: "When each source refresh job last succeeded (Unix time).",
	}, []string{"job"})
	for i := range jobs {
		j := &jobs[i]
		run := j.Run
		j.Run = func(ctx context.Context) (int, error) {
			n, err := run(ctx)
			written.WithLabelValues(j.Name).Add(float64(n))
			if err != nil {
				runs.WithLabelValues(j.Name, "error").Inc()
			} else {
				runs.WithLabelValues(j.Name, "ok").Inc()
				last.WithLabelValues(j.Name).SetToCurrentTime()
			}
			return n, err
		}
	}
	return []prometheus.Collector{runs, written, last}
}
