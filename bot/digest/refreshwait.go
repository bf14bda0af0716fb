package digest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Refresh is a source refresh of the index that was cut short (the
// process killed or stopped while it wrote) and that no run of the job
// has completed since (Config.Refreshing): the index may hold only part of
// what the sources gave.
type Refresh struct {
	Job   string
	Since time.Time
}

// RefreshWait bounds how long a digest waits for a refresh to complete
// before it is planned from what the index holds; the wait also ends once
// half the grace window has passed, so that the rest is left for posting.
const RefreshWait = 30 * time.Minute

// refreshPoll is how often a digest waiting for a refresh looks again (a
// refresh on another replica; serve's own wakes the scheduler when a run
// ends).
const refreshPoll = 15 * time.Second

// refreshWaitError is runDue's answer while a new day waits for a
// refresh: the scheduler looks again at until, counting no failure.
type refreshWaitError struct {
	until time.Time
	why   string
}

func (e *refreshWaitError) Error() string { return e.why }

// refreshGate remembers, for each unfinished refresh, when the scheduler
// first found it (its wait counts from then) and what was logged.
type refreshGate struct {
	mu   sync.Mutex
	seen map[Refresh]*refreshSeen
}

type refreshSeen struct {
	first                    time.Time
	waitLogged, gaveUpLogged bool
}

// unfinishedRefreshes reads the refreshes cut short and not completed, and
// forgets those it remembered that have since. A failure is logged and
// read as none: the digest is not held by a record it cannot read.
func (d *Service) unfinishedRefreshes(ctx context.Context) []Refresh {
	if d.cfg.Refreshing == nil {
		return nil
	}
	rs, err := d.cfg.Refreshing(ctx)
	if err != nil {
		d.log.WarnContext(ctx, "digest scheduler: could not read whether a source refresh is under way; planning without waiting for one", "err", err)
		return nil
	}
	g := &d.refreshes
	g.mu.Lock()
	defer g.mu.Unlock()
	for r := range g.seen {
		if !containsRefresh(rs, r) {
			delete(g.seen, r)
		}
	}
	return rs
}

func containsRefresh(rs []Refresh, r Refresh) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// awaitRefresh holds a new day while refreshes rs, cut short, have not
// completed: the index may hold only part of what its sources give (the
// start-up refresh runs them again). It holds for at most RefreshWait from
// when each refresh was first found, and never past half the grace
// window; then the day is planned from what the index holds, logged once
// per refresh. A weekly recap reads the ledger, not the index.
func (d *Service) awaitRefresh(ctx context.Context, sub Subscription, o occurrence, rs []Refresh, now time.Time) error {
	if len(rs) == 0 || sub.IsWeekly() {
		return nil
	}
	deadline := o.Due.Add(d.cfg.Grace / 2)
	until := now.Add(refreshPoll)
	var holding []string
	g := &d.refreshes
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen == nil {
		g.seen = map[Refresh]*refreshSeen{}
	}
	log := d.log.With("platform", sub.Platform, "channel", sub.Channel, "date", o.Date)
	for _, r := range rs {
		s := g.seen[r]
		if s == nil {
			s = &refreshSeen{first: now}
			g.seen[r] = s
		}
		end := s.first.Add(RefreshWait)
		if deadline.Before(end) {
			end = deadline
		}
		if !now.Before(end) {
			if !s.gaveUpLogged {
				s.gaveUpLogged = true
				log.WarnContext(ctx, "digest planned before the source refresh completed; the index may lack some of its papers",
					"job", r.Job, "refresh_since", r.Since, "waited", now.Sub(s.first).Round(time.Second))
			}
			continue
		}
		if !s.waitLogged {
			s.waitLogged = true
			log.InfoContext(ctx, "digest waits for the source refresh to complete", "job", r.Job, "refresh_since", r.Since, "until", end)
		}
		holding = append(holding, r.Job)
		if end.Before(until) {
			until = end
		}
	}
	if len(holding) == 0 {
		return nil
	}
	return &refreshWaitError{until: until, why: fmt.Sprintf("the digest of %s on %s waits for the source refresh (%s) to complete",
		sub.Where(), o.Date, strings.Join(holding, ", "))}
}
