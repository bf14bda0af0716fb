package main

import (
	"context"
	"fmt"
	"log/slog"
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
	if a.engage != nil {
		deps.people = a.engage.PeopleOf
	}
	s, err := newSources(deps)
	if err != nil {
		return err
	}
	if s.fetcher != nil {
		bc.Fetcher = s.fetcher
	}
	count, collectors := jobCounters()
	a.collectors = append(a.collectors, collectors...)
	if rs := a.replicas; rs != nil {
		// A paper `show` fetches goes to the papers table too, for the
		// other replicas.
		bc.Indexer = shownIndex{tableIndex{table: rs.db, Index: a.ix}}
		// The replica holding the refresh lease fetches and writes to the
		// papers table; every replica's index follows the table.
		a.jobs = append(a.jobs, rs.follow(a.ix))
		a.jobs = append(a.jobs, rs.refresh(a.ix, deps, s.jobs, count)...)
		return nil
	}
	count(s.jobs)
	r := &sources.Refresher{Jobs: s.jobs, Clock: clock.System{}, Log: a.log}
	if c, ok := a.state.(sources.Cursors); ok && !a.cfg.StateIsPostgres() {
		// Runs under way are recorded in the state file, so that at the
		// next start the digest waits for one a kill or a stop cut
		// short; a run's end wakes the scheduler. Without jobs, the
		// refresher only forgets the runs of sources no longer
		// configured. (A chat on the replicas' database refreshes its
		// own index: the record there is the refresh lease holder's.)
		r.Progress, r.Owner = c, a.holder
		if d, ok := bc.Digest.(interface{ Wake() }); ok {
			r.Ended = d.Wake
		}
	}
	if len(s.jobs) > 0 || r.Progress != nil {
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
	discussions engagement      // nil: no team engagement in the score
	cursors     sources.Cursors // nil: the feeds' validators stay in this process
	// people counts the teammates who reacted to or saved each paper (nil: none).
	people func(ctx context.Context, ids []string) (map[string]int, error)
	clock  clock.Clock
	log    *slog.Logger
}

// engagement is the team's discussions of papers on every platform, as
// the trending score counts them (the state store).
type engagement interface {
	AllDiscussionsOf(ctx context.Context, paperIDs ...string) (map[string][]bot.Discussion, error)
}

// defaultUserAgent is sources.user_agent's default.
func defaultUserAgent() string {
	return "paperbot/" + version() + " (+https://github.com/paperbot/paperbot)"
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
		ua = defaultUserAgent()
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
		files := &sources.FilesJob{Files: cfg.Files, Sink: d.index, Log: d.log}
		out.jobs = append(out.jobs, files.Job())
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
				Feed:       &sources.ArxivFeed{BaseURL: a.FeedURL, Client: arxivClient, IncludeCross: a.IncludeCross, Cursors: d.cursors},
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
		rc := &sources.RescoreJob{
			Index: d.index, Replies: teamReplies(d.discussions), People: d.people,
			Days: cfg.Rescore.Days, Every: cfg.Rescore.Every, Clock: d.clock, Log: d.log,
		}
		out.jobs = append(out.jobs, rc.Job())
	}
	return out, nil
}

// teamReplies counts the team's replies to each paper's threads on every
// platform, for the trending score; nil without a state store.
func teamReplies(e engagement) func(ctx context.Context, ids []string) (map[string]int, error) {
	if e == nil {
		return nil
	}
	return func(ctx context.Context, ids []string) (map[string]int, error) {
		disc, err := e.AllDiscussionsOf(ctx, ids...)
		if err != nil {
			return nil, err
		}
		n := make(map[string]int, len(disc))
		for id, ds := range disc {
			for _, x := range ds {
				n[id] += x.Replies
			}
		}
		return n, nil
	}
}

// jobCounters returns a function that wraps each refresh job so that its
// runs are counted, and the metrics (registered by serve).
func jobCounters() (func(jobs []sources.Job), []prometheus.Collector) {
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
	count := func(jobs []sources.Job) {
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
	}
	return count, []prometheus.Collector{runs, written, last}
}
