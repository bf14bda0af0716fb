package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// UnfinishedCursor is the cursor that lists the refresh runs that have not
// completed (Refresher.Progress): a JSON list of Unfinished.
const UnfinishedCursor = "refresh:unfinished"

// Unfinished is a job's run that has not completed: one under way, or one
// cut short (the process killed or stopped while it wrote) that no run of
// the job has completed since. Until it completes, the index may hold only
// part of what the sources gave: the digest waits for it (bot/digest).
type Unfinished struct {
	Job string `json:"job"`
	// Since is when that run started (the first run cut short, when the
	// runs after it failed too).
	Since time.Time `json:"since"`
	// Owner and Token are the Refresher's that started it: a run whose
	// owner is gone (another process; on replicas, a refresh lease no
	// longer held with that token) was cut short.
	Owner string `json:"owner,omitempty"`
	Token int64  `json:"token,omitempty"`
}

// UnfinishedRuns reads the runs that have not completed from c.
func UnfinishedRuns(ctx context.Context, c Cursors) ([]Unfinished, error) {
	raw, ok, err := c.Cursor(ctx, UnfinishedCursor)
	if err != nil || !ok {
		return nil, err
	}
	var us []Unfinished
	if err := json.Unmarshal(raw, &us); err != nil {
		return nil, fmt.Errorf("cursor %s does not read (%q): %w", UnfinishedCursor, raw, err)
	}
	return us, nil
}

// progress is the Refresher's record of its unfinished runs (a copy of
// the cursor, which it alone writes).
type progress struct {
	c     Cursors // nil: nothing is recorded
	owner string
	token int64
	log   *slog.Logger
	runs  []Unfinished
	// cut are the jobs whose run was cut short before this refresher
	// started (and has not completed since).
	cut map[string]bool
}

// loadProgress reads the runs left unfinished by the refresher before
// this one; those of jobs it does not have (a source no longer
// configured) are forgotten, since no run of theirs will complete them.
func (r *Refresher) loadProgress(ctx context.Context, log *slog.Logger) *progress {
	p := &progress{c: r.Progress, owner: r.Owner, token: r.Token, log: log, cut: map[string]bool{}}
	if p.c == nil {
		return p
	}
	left, err := UnfinishedRuns(ctx, p.c)
	if err != nil {
		log.Warn("could not read which refresh runs were cut short; running the jobs on their schedule", "err", err)
		return p
	}
	for _, u := range left {
		if !slices.ContainsFunc(r.Jobs, func(j Job) bool { return j.Name == u.Job }) {
			log.Info("forgetting the unfinished run of a job no longer configured", "job", u.Job, "since", u.Since)
			continue
		}
		p.runs = append(p.runs, u)
		p.cut[u.Job] = true
	}
	if len(p.runs) != len(left) {
		p.save(ctx)
	}
	return p
}

// since is when the unfinished run of the job started.
func (p *progress) since(job string) time.Time {
	for _, u := range p.runs {
		if u.Job == job {
			return u.Since
		}
	}
	return time.Time{}
}

// begin records, before the job writes anything, that its run is under
// way (a run cut short earlier keeps its record).
func (p *progress) begin(ctx context.Context, j Job, start time.Time) {
	if p.c == nil || p.cut[j.Name] {
		return
	}
	p.runs = append(p.runs, Unfinished{Job: j.Name, Since: start.UTC(), Owner: p.owner, Token: p.token})
	p.save(ctx)
}

// end records that the job's run ended: completed, its record goes; a
// failed run goes too, unless it was to complete one cut short (the index
// still lacks what that one did not write).
func (p *progress) end(ctx context.Context, j Job, err error) {
	if p.c == nil || err != nil && p.cut[j.Name] {
		return
	}
	delete(p.cut, j.Name)
	p.runs = slices.DeleteFunc(p.runs, func(u Unfinished) bool { return u.Job == j.Name })
	p.save(ctx)
}

// save writes the record; a failure is logged (the refresh goes on).
func (p *progress) save(ctx context.Context) {
	runs := p.runs
	if runs == nil {
		runs = []Unfinished{}
	}
	b, err := json.Marshal(runs)
	if err == nil {
		err = p.c.PutCursor(ctx, UnfinishedCursor, b)
	}
	if err != nil {
		p.log.Warn("could not record which refresh runs are under way; a digest may be planned from an index a stopped refresh left half-written", "err", err)
	}
}
