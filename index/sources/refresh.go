package sources

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/internal/clock"
)

// Sink receives fetched papers: the index, whose Upsert merges records by
// canonical id.
type Sink interface {
	Upsert(ctx context.Context, papers []paper.Paper) error
}

// Job is one refresh task on a schedule.
type Job struct {
	// Name identifies the job in logs ("arxiv", "huggingface", "rescore").
	Name string
	// Source is the service the job reads, logged with every error.
	Source string
	// AtStart runs the job once as soon as the refresher starts (then on
	// its schedule).
	AtStart bool
	// Next returns when the job runs next: strictly after now. A job
	// without Next runs once, at start (set AtStart).
	Next func(now time.Time) time.Time
	// Run does the work and returns how many papers it wrote.
	Run func(ctx context.Context) (int, error)
	// Timeout bounds one run (default 10m).
	Timeout time.Duration
}

// Refresher runs jobs on their schedules, one at a time, until its context
// ends. A failing or panicking job is logged with its source and runs
// again at its next time: refresh errors are never fatal.
type Refresher struct {
	Jobs  []Job
	Clock clock.Clock
	Log   *slog.Logger
	// Cursors, when set, keep each job's last success ("job:NAME"), so
	// that the replica that takes the refresh over runs a scheduled job
	// when it is due after that run, not at once; a job whose last run
	// did not finish runs at once.
	Cursors Cursors
	// Progress, when set, keeps durably which jobs' runs have not
	// completed (UnfinishedCursor): each run is recorded before it writes
	// anything and forgotten once it ends, so a run cut short (the
	// process killed or stopped while it wrote) is still there at the next
	// start. That job then runs at once, and its record stays until a run
	// of it completes.
	Progress Cursors
	// Owner and Token identify this refresher in the runs it records (the
	// process; on replicas, the refresh lease's holder and fencing
	// token), so that a reader tells a run under way from one cut short.
	Owner string
	Token int64
	// Ended, when set, is called after each run ended and Progress was
	// updated (serve wakes the digest scheduler, which may be waiting).
	Ended func()
}

// Run runs the jobs until ctx is done; it returns nil then.
func (r *Refresher) Run(ctx context.Context) error {
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	progress := r.loadProgress(ctx, log)
	if len(r.Jobs) == 0 {
		return nil
	}
	clk := r.Clock
	if clk == nil {
		clk = clock.System{}
	}
	now := clk.Now()
	due := make([]time.Time, len(r.Jobs)) // zero: never again
	for i, j := range r.Jobs {
		if j.AtStart {
			due[i] = now
			if last, ok := r.lastSuccess(ctx, j, log); ok && j.Next != nil {
				due[i] = next(j, last)
			}
		} else {
			due[i] = next(j, now)
		}
		if progress.cut[j.Name] {
			due[i] = now
			log.Warn("a run of the job was cut short (the process stopped while it wrote) and none has completed since; running it now",
				"job", j.Name, "source", j.Source, "since", progress.since(j.Name))
		}
		log.Info("refresh scheduled", "job", j.Name, "source", j.Source, "next", due[i])
	}
	for {
		i := -1
		for k := range due {
			if !due[k].IsZero() && (i < 0 || due[k].Before(due[i])) {
				i = k
			}
		}
		if i < 0 {
			<-ctx.Done() // nothing left to run
			return nil
		}
		if err := clk.Sleep(ctx, due[i].Sub(clk.Now())); err != nil {
			return nil
		}
		j := r.Jobs[i]
		start := clk.Now()
		progress.begin(ctx, j, start)
		n, err := runJob(ctx, j)
		if ctx.Err() != nil {
			return nil // the run stays recorded as unfinished
		}
		progress.end(ctx, j, err)
		if r.Ended != nil {
			r.Ended()
		}
		due[i] = next(j, clk.Now())
		if err != nil {
			log.Error("refresh failed", append([]any{"job", j.Name, "source", j.Source, "err", err}, nextAttr(due[i])...)...)
			continue
		}
		r.saveSuccess(ctx, j, start, log)
		log.Info("refreshed", append([]any{"job", j.Name, "source", j.Source, "papers", n,
			"took", clk.Now().Sub(start).Round(time.Millisecond)}, nextAttr(due[i])...)...)
	}
}

// nextAttr is the "next" attribute of a job's log line: when it runs
// again, or nothing for a one-shot job (a zero time, 0001-01-01, read as
// a date).
func nextAttr(t time.Time) []any {
	if t.IsZero() {
		return nil
	}
	return []any{"next", t}
}

// next is the job's next time, never in the past (a schedule that returns
// one would otherwise spin); zero for a one-shot job.
func next(j Job, now time.Time) time.Time {
	if j.Next == nil {
		return time.Time{}
	}
	t := j.Next(now)
	if !t.After(now) {
		t = now.Add(time.Minute)
	}
	return t
}

// runJob runs one job with its timeout, turning a panic into an error.
func runJob(ctx context.Context, j Job) (n int, err error) {
	timeout := j.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return j.Run(ctx)
}

// Every is a schedule that runs every d.
func Every(d time.Duration) func(time.Time) time.Time {
	return func(now time.Time) time.Time { return now.Add(d) }
}

// ArxivSchedule places refreshes after arXiv's announcements: Sunday to
// Thursday at 20:00 US Eastern time. The listing feeds are rebuilt some
// time after an announcement (arXiv documents midnight Eastern), so the
// first check comes Delay after the announcement and, while the feeds
// still show the previous day, rechecks follow every Recheck until Window
// after the announcement. Conditional GET makes a recheck of an unchanged
// feed cost one 304.
type ArxivSchedule struct {
	// Loc is US Eastern time (America/New_York).
	Loc *time.Location
	// Delay after the announcement of the first check (default 30m).
	Delay time.Duration
	// Recheck is the wait between checks while the feeds are stale (default 1h).
	Recheck time.Duration
	// Window ends the rechecks, counted from the announcement (default 6h).
	Window time.Duration
}

// AnnouncementHour is the hour (US Eastern) of arXiv's announcements.
const AnnouncementHour = 20

func (s ArxivSchedule) defaults() ArxivSchedule {
	if s.Loc == nil {
		s.Loc = time.UTC
	}
	if s.Delay <= 0 {
		s.Delay = 30 * time.Minute
	}
	if s.Recheck <= 0 {
		s.Recheck = time.Hour
	}
	if s.Window <= 0 {
		s.Window = 6 * time.Hour
	}
	return s
}

// IsAnnouncementDay reports whether arXiv announces on weekday d (Sunday
// to Thursday).
func IsAnnouncementDay(d time.Weekday) bool { return d != time.Friday && d != time.Saturday }

// Previous is the latest announcement at or before t.
func (s ArxivSchedule) Previous(t time.Time) time.Time {
	s = s.defaults()
	lt := t.In(s.Loc)
	for i := 0; i < 8; i++ {
		d := lt.AddDate(0, 0, -i)
		a := time.Date(d.Year(), d.Month(), d.Day(), AnnouncementHour, 0, 0, 0, s.Loc)
		if IsAnnouncementDay(a.Weekday()) && !a.After(t) {
			return a
		}
	}
	panic("unreachable: an announcement every week")
}

// NextAnnouncement is the first announcement strictly after t.
func (s ArxivSchedule) NextAnnouncement(t time.Time) time.Time {
	s = s.defaults()
	lt := t.In(s.Loc)
	for i := 0; i < 8; i++ {
		d := lt.AddDate(0, 0, i)
		a := time.Date(d.Year(), d.Month(), d.Day(), AnnouncementHour, 0, 0, 0, s.Loc)
		if IsAnnouncementDay(a.Weekday()) && a.After(t) {
			return a
		}
	}
	panic("unreachable: an announcement every week")
}

// ArxivFeedJob refreshes the listing feeds of some categories after each
// announcement, writing new papers to a sink. Its Next and Run must not be
// called concurrently (the Refresher runs one job at a time).
type ArxivFeedJob struct {
	Feed       *ArxivFeed
	Categories []string
	Sink       Sink
	Schedule   ArxivSchedule
	Clock      clock.Clock
	Log        *slog.Logger

	// seen is, per category, the latest announcement its feed was seen
	// to include.
	seen map[string]time.Time
}

// Job returns the refresher job.
func (j *ArxivFeedJob) Job() Job {
	return Job{Name: "arxiv", Source: SourceArxiv, AtStart: true, Next: j.Next, Run: j.Run}
}

// done reports whether every category's feed includes announcement a.
func (j *ArxivFeedJob) done(a time.Time) bool {
	for _, c := range j.Categories {
		if j.seen[c].Before(a) {
			return false
		}
	}
	return true
}

// Next is the time of the next check after now. While the latest
// announcement's feeds have not been seen, the checks come at Delay,
// Delay+Recheck, ... after it, within its Window; then Delay after the
// next announcement.
func (j *ArxivFeedJob) Next(now time.Time) time.Time {
	s := j.Schedule.defaults()
	a := s.Previous(now.Add(-s.Delay))
	if !j.done(a) {
		for t := a.Add(s.Delay); t.Before(a.Add(s.Window)); t = t.Add(s.Recheck) {
			if t.After(now) {
				return t
			}
		}
	}
	return s.NextAnnouncement(now.Add(-s.Delay)).Add(s.Delay)
}

// Run reads every category's feed (spaced by the arXiv pacer) and writes
// the new papers. A failing category does not stop the others.
func (j *ArxivFeedJob) Run(ctx context.Context) (int, error) {
	clk := j.Clock
	if clk == nil {
		clk = clock.System{}
	}
	log := j.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if j.seen == nil {
		j.seen = map[string]time.Time{}
	}
	a := j.Schedule.Previous(clk.Now())
	written := 0
	var errs []error
	for _, c := range j.Categories {
		res, err := j.Feed.Fetch(ctx, c)
		if err != nil {
			errs = append(errs, fmt.Errorf("category %s: %w", c, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		for _, e := range res.Skipped {
			log.Warn("skipped a feed entry", "source", SourceArxiv, "category", c, "err", e)
		}
		for _, e := range res.Warnings {
			log.Warn("kept a feed entry with invalid UTF-8 replaced", "source", SourceArxiv, "category", c, "err", e)
		}
		if res.NotModified {
			log.Debug("feed not modified", "source", SourceArxiv, "category", c)
			continue
		}
		// A feed rebuilt after the announcement includes it; one without
		// a date is taken as current.
		if res.Updated.IsZero() || !res.Updated.Before(a) {
			j.seen[c] = a
		}
		if len(res.Papers) > 0 {
			if err := j.Sink.Upsert(ctx, res.Papers); err != nil {
				errs = append(errs, fmt.Errorf("category %s: writing %d papers: %w", c, len(res.Papers), err))
				continue
			}
		}
		if err := j.Feed.Commit(ctx, res); err != nil {
			errs = append(errs, fmt.Errorf("category %s: %w", c, err))
		}
		written += len(res.Papers)
		log.Debug("feed read", "source", SourceArxiv, "category", c, "papers", len(res.Papers),
			"types", res.Types, "updated", res.Updated)
	}
	return written, errors.Join(errs...)
}

// HuggingFaceJob refreshes the daily papers of the last Days days (today
// in UTC included) every Every: a day's list fills in gradually and its
// upvotes keep growing for days.
type HuggingFaceJob struct {
	HF    *HuggingFace
	Days  int
	Every time.Duration
	Sink  Sink
	Clock clock.Clock
	Log   *slog.Logger

	// Details and Index, when both set, complete the papers Hugging Face
	// lists from the arXiv API (categories, the full author list), once per
	// paper: Hugging Face gives no categories, so without this a cat:
	// filter would never find them.
	Details IDFetcher
	Index   Lookuper
}

// IDFetcher fetches papers by canonical id (the arXiv API).
type IDFetcher interface {
	FetchIDs(ctx context.Context, ids []string) ([]paper.Paper, error)
}

// Lookuper finds an indexed paper by canonical id.
type Lookuper interface {
	Lookup(ctx context.Context, id string) (paper.Paper, error)
}

var _ IDFetcher = (*ArxivAPI)(nil)

// details returns the arXiv records of the papers not yet indexed with
// categories. A failure only loses the details (logged).
func (j *HuggingFaceJob) details(ctx context.Context, papers []paper.Paper, log *slog.Logger) []paper.Paper {
	if j.Details == nil || j.Index == nil {
		return nil
	}
	var missing []string
	for _, p := range papers {
		if !paper.IsArxivID(p.ID) {
			continue
		}
		if q, err := j.Index.Lookup(ctx, p.ID); err == nil && len(q.Categories) > 0 {
			continue
		}
		missing = append(missing, p.ID)
	}
	if len(missing) == 0 {
		return nil
	}
	extra, err := j.Details.FetchIDs(ctx, missing)
	if err != nil {
		log.Warn("could not complete Hugging Face papers from arXiv", "source", SourceArxiv, "papers", len(missing), "err", err)
		return nil
	}
	return extra
}

// Job returns the refresher job.
func (j *HuggingFaceJob) Job() Job {
	every := j.Every
	if every <= 0 {
		every = 3 * time.Hour
	}
	return Job{Name: "huggingface", Source: SourceHuggingFace, AtStart: true, Next: Every(every), Run: j.Run}
}

// Run reads the days' lists and writes their papers. A failing day does
// not stop the others.
func (j *HuggingFaceJob) Run(ctx context.Context) (int, error) {
	clk := j.Clock
	if clk == nil {
		clk = clock.System{}
	}
	log := j.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	days := max(j.Days, 1)
	today := clk.Now().UTC()
	written := 0
	var errs []error
	for d := range days {
		day := today.AddDate(0, 0, -d)
		date := day.Format(paper.DateLayout)
		// A page that failed keeps the papers of the pages before it.
		res, err := j.HF.Daily(ctx, day)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", date, err))
		}
		for _, e := range res.Skipped {
			log.Warn("skipped a daily paper", "source", SourceHuggingFace, "date", date, "err", e)
		}
		for _, e := range res.Warnings {
			log.Warn("kept a daily paper with a field dropped or converted", "source", SourceHuggingFace, "date", date, "err", e)
		}
		papers := res.Papers
		if ctx.Err() != nil {
			break
		}
		if len(papers) == 0 {
			continue
		}
		n := len(papers)
		// The arXiv records of the same papers merge into them.
		papers = append(papers, j.details(ctx, papers, log)...)
		if err := j.Sink.Upsert(ctx, papers); err != nil {
			errs = append(errs, fmt.Errorf("%s: writing %d papers: %w", date, n, err))
			continue
		}
		written += n
	}
	return written, errors.Join(errs...)
}
