package sources

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/internal/clock"
)

// RescoreJob recomputes stored trending scores. The score decays with age,
// so a stored score only ever overstates the current one: the job walks
// the papers by stored score, highest first, down to minStoredScore, and
// rewrites those whose score changed. With Replies it also folds the
// team's replies into recently published papers (the last Days days),
// which may have no other signal yet.
type RescoreJob struct {
	Index interface {
		Sink
		Search(ctx context.Context, q paper.Query) (paper.Results, error)
	}
	// Replies, when set, counts the team's replies to each paper's
	// threads on every platform (the state store's discussions).
	Replies func(ctx context.Context, paperIDs []string) (map[string]int, error)
	// People, when set, counts the teammates who reacted to or saved each
	// paper (the state store's marks); unlike replies the count is taken
	// as it is, so a reaction taken back lowers it.
	People func(ctx context.Context, paperIDs []string) (map[string]int, error)
	// Days is how far back published papers get the team's replies.
	Days int
	// Every is how often the job runs.
	Every time.Duration
	Clock clock.Clock
	Log   *slog.Logger
}

// Job is the job for the Refresher.
func (j *RescoreJob) Job() Job {
	return Job{Name: "rescore", Source: "index", Next: Every(j.Every), Run: j.Run}
}

const (
	// maxRescored bounds the papers looked at per walk.
	maxRescored = 5000
	// minStoredScore ends the walk: below it a stale score cannot lift a
	// paper over anything that matters (a trending listing's rank 194 is
	// worth 0.05).
	minStoredScore = 0.01
)

// Run re-scores once and returns how many papers it rewrote.
func (j *RescoreJob) Run(ctx context.Context) (int, error) {
	now := j.Clock.Now()
	var candidates []paper.Paper
	seen := map[string]bool{}
	// walk collects papers of a query, by stored score, while keep says so.
	walk := func(text string, keep func(paper.Paper) bool) error {
		for off := 0; off < maxRescored; off += 100 {
			res, err := j.Index.Search(ctx, paper.Query{Text: text, Sort: paper.ByTrending, Limit: 100, Offset: off})
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
	people := map[string]int{}
	countPeople := j.People
	if j.Replies != nil || j.People != nil {
		since := now.UTC().AddDate(0, 0, -j.Days).Format(paper.DateLayout)
		if err := walk("since:"+since, func(paper.Paper) bool { return true }); err != nil {
			return 0, fmt.Errorf("listing papers published since %s: %w", since, err)
		}
		for chunk := range slices.Chunk(candidates, 500) {
			// A paper's threads and marks may be under an id it had
			// before the index merged it (paper.Aliases).
			ids := make([]string, 0, len(chunk))
			for _, p := range chunk {
				ids = append(ids, p.IDs()...)
			}
			if err := addCounts(ctx, j.Replies, ids, replies); err != nil {
				j.Log.Warn("reading discussions for the trending score", "source", "index", "err", err)
				break
			}
			if err := addCounts(ctx, countPeople, ids, people); err != nil {
				// Keep the stored counts rather than zero them.
				j.Log.Warn("reading the team's reactions for the trending score", "source", "index", "err", err)
				countPeople = nil
			}
		}
	}
	var changed []paper.Paper
	for _, p := range candidates {
		old := p.Replies
		p.Replies = max(old, countOf(replies, p))
		oldPeople := p.People
		if countPeople != nil {
			// A teammate who marked the paper under two of its ids counts
			// twice: the counts come per id.
			p.People, p.PeopleSet = countOf(people, p), true
		}
		score := paper.TrendingScore(p, now)
		if p.Replies != old || p.People != oldPeople || math.Abs(score-p.Trending) > 1e-3*max(1, math.Abs(p.Trending)) {
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return 0, nil
	}
	if err := j.Index.Upsert(ctx, changed); err != nil {
		return 0, fmt.Errorf("writing %d re-scored papers: %w", len(changed), err)
	}
	return len(changed), nil
}

// countOf is p's count in counts, under all its ids.
func countOf(counts map[string]int, p paper.Paper) int {
	n := 0
	for _, id := range p.IDs() {
		n += counts[id]
	}
	return n
}

// addCounts adds count's answer for ids into into (nothing when count is nil).
func addCounts(ctx context.Context, count func(context.Context, []string) (map[string]int, error), ids []string, into map[string]int) error {
	if count == nil {
		return nil
	}
	counts, err := count(ctx, ids)
	if err != nil {
		return err
	}
	for id, n := range counts {
		into[id] += n
	}
	return nil
}
