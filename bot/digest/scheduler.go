package digest

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// maxSleep bounds how long the scheduler sleeps without looking at the
// clock again, so a suspended host or a clock step does not delay a
// digest by more than this.
const maxSleep = 15 * time.Minute

// channelKey identifies a channel across platforms.
func channelKey(platform, channel string) string { return platform + "\x00" + channel }

// job is one channel's run started by a scheduler pass.
type job struct {
	key, platform, channel, date string
	run                          func(ctx context.Context) error
}

// jobResult is how a job ended.
type jobResult struct {
	job
	err error
}

// schedState is what the scheduler remembers between passes.
type schedState struct {
	inflight map[string]bool
	// handled maps a channel to the latest date known to be in the ledger.
	handled map[string]string
	retry   map[string]retryState
	// badZone remembers subscriptions whose zone failed to load (logged once).
	badZone map[string]bool
}

type retryState struct {
	n  int
	at time.Time
	// refresh: the run waits for a source refresh (not a failure).
	refresh bool
}

func newSchedState() *schedState {
	return &schedState{inflight: map[string]bool{}, handled: map[string]string{}, retry: map[string]retryState{}, badZone: map[string]bool{}}
}

// pass finds the work due at now: days being posted that must resume, and
// subscriptions whose latest due time is not in the ledger yet (run at
// once, or recorded as skipped when past the grace window). It returns
// the jobs to start and when to look again.
func (d *Service) pass(ctx context.Context, st *schedState, now time.Time) ([]job, time.Time) {
	wake := now.Add(maxSleep)
	var jobs []job
	ready := func(key string) bool {
		if st.inflight[key] {
			return false
		}
		if r, ok := st.retry[key]; ok && now.Before(r.at) {
			if r.at.Before(wake) {
				wake = r.at
			}
			return false
		}
		return true
	}
	open, err := d.cfg.Store.OpenDays(ctx)
	if err != nil {
		d.log.ErrorContext(ctx, "digest scheduler: reading the ledger", "err", err)
		return nil, now.Add(time.Minute)
	}
	for _, day := range open {
		key := channelKey(day.Platform, day.Channel)
		if !ready(key) {
			continue
		}
		st.inflight[key] = true
		jobs = append(jobs, job{key: key, platform: day.Platform, channel: day.Channel, date: day.Date, run: func(ctx context.Context) error { return d.resume(ctx, day) }})
	}
	subs, err := d.cfg.Store.Subscriptions(ctx)
	if err != nil {
		d.log.ErrorContext(ctx, "digest scheduler: reading subscriptions", "err", err)
		return jobs, now.Add(time.Minute)
	}
	// The unfinished refreshes, read once a pass, when a run may plan.
	var refreshing []Refresh
	read := false
	for _, s := range subs {
		key := channelKey(s.Platform, s.Channel)
		loc, err := d.zone(s.Zone)
		if err != nil {
			if !st.badZone[key] {
				st.badZone[key] = true
				d.log.ErrorContext(ctx, "digest subscription has a bad time zone; it is not scheduled", "platform", s.Platform, "channel", s.Channel, "zone", s.Zone, "err", err)
			}
			continue
		}
		if o, ok := latest(s, loc, now); ok && o.Due.After(s.Since) && st.handled[key] < o.Date && ready(key) {
			st.inflight[key] = true
			if !read {
				refreshing, read = d.unfinishedRefreshes(ctx), true
			}
			rs := refreshing
			jobs = append(jobs, job{key: key, platform: s.Platform, channel: s.Channel, date: o.Date, run: func(ctx context.Context) error { return d.runDue(ctx, s, o, rs) }})
		}
		if o, ok := next(s, loc, now); ok && o.Due.Before(wake) {
			wake = o.Due
		}
	}
	return jobs, wake
}

// done records how a job ended: a failure is tried again with backoff
// (1, 2, 4 ... 30 minutes).
func (d *Service) done(st *schedState, r jobResult, now time.Time) {
	delete(st.inflight, r.key)
	if r.err == nil {
		delete(st.retry, r.key)
		if r.date > st.handled[r.key] {
			st.handled[r.key] = r.date
		}
		return
	}
	rs := st.retry[r.key]
	if w := (*refreshWaitError)(nil); errors.As(r.err, &w) {
		rs.at, rs.refresh = w.until, true
		st.retry[r.key] = rs
		return
	}
	rs.refresh = false
	rs.n++
	wait := min(time.Minute<<min(rs.n-1, 5), 30*time.Minute)
	rs.at = now.Add(wait)
	st.retry[r.key] = rs
	d.log.Error("digest run failed; trying again later", "platform", r.platform, "channel", r.channel,
		"date", r.date, "retry_in", wait, "err", r.err)
}

// runJob runs one job, turning a panic into an error (logged with its
// stack; it never reaches a channel).
func (d *Service) runJob(ctx context.Context, j job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			d.log.ErrorContext(ctx, "digest run panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return j.run(ctx)
}

// Run is the scheduler: one loop for every subscribed channel, each
// posting at its own local time in its own zone. Channels post in
// parallel (the adapters pace each channel). It sleeps until the next due
// time, a subscription change (Subscribe, Unsubscribe, SyncConfig), a
// run's end or maxSleep. On start-up it posts what was missed within the
// grace window and resumes days cut short. When ctx ends it returns after
// the runs in flight finished their current step.
func (d *Service) Run(ctx context.Context) error {
	st := newSchedState()
	results := make(chan jobResult)
	var sem chan struct{}
	if d.cfg.MaxParallel > 0 {
		sem = make(chan struct{}, d.cfg.MaxParallel)
	}
	d.log.InfoContext(ctx, "digest scheduler running", "grace", d.cfg.Grace)
	// A pass reads every subscription, so it runs when something may be
	// due (wake), after a subscription changed, and shortly after runs
	// end (one pass for a burst of them), not once per finished run.
	needPass := true
	var wake time.Time
	for {
		now := d.cfg.Clock.Now()
		if ctx.Err() == nil && (needPass || !now.Before(wake)) {
			var jobs []job
			jobs, wake = d.pass(ctx, st, now)
			needPass = false
			for _, j := range jobs {
				go func() {
					var err error
					if sem != nil {
						select {
						case sem <- struct{}{}:
							err = d.runJob(ctx, j)
							<-sem
						case <-ctx.Done():
							err = ctx.Err()
						}
					} else {
						err = d.runJob(ctx, j)
					}
					results <- jobResult{job: j, err: err}
				}()
			}
		}
		if ctx.Err() != nil {
			for len(st.inflight) > 0 {
				r := <-results
				delete(st.inflight, r.key)
			}
			d.log.Info("digest scheduler stopped")
			return nil
		}
		timer := time.NewTimer(max(wake.Sub(now), 0))
		select {
		case <-ctx.Done():
		case r := <-results:
			if ctx.Err() != nil && errors.Is(r.err, context.Canceled) {
				delete(st.inflight, r.key)
				break
			}
			now := d.cfg.Clock.Now()
			d.done(st, r, now)
			if soon := now.Add(time.Second); soon.Before(wake) {
				wake = soon
			}
		case <-d.changed:
			needPass = true
			// A refresh that ended may be what the waiting runs wait for.
			for key, rs := range st.retry {
				if rs.refresh {
					rs.at, rs.refresh = now, false
					st.retry[key] = rs
				}
			}
		case <-timer.C:
		}
		timer.Stop()
	}
}

// RunDue runs, once, everything due now (what a scheduler pass would
// start) and waits for it; it returns the runs' errors joined. Tests and
// one-shot tools use it; the scheduler is Run.
func (d *Service) RunDue(ctx context.Context) error {
	st := newSchedState()
	jobs, _ := d.pass(ctx, st, d.cfg.Clock.Now())
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, j := range jobs {
		wg.Go(func() {
			if err := d.runJob(ctx, j); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
