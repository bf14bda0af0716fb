package index

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/paperbot/paperbot/bot/paper"
)

// SearchFast is Search with the fast path allowed, SearchBleve on Bleve's
// searchers alone, whatever the index's options (tests compare the two).
func SearchFast(ctx context.Context, ix *Index, q paper.Query) (paper.Results, error) {
	return ix.search(ctx, q, true)
}

// SearchBleve: see SearchFast.
func SearchBleve(ctx context.Context, ix *Index, q paper.Query) (paper.Results, error) {
	return ix.search(ctx, q, false)
}

// SimilarFast and SimilarBleve are Similar with and without the fast path.
func SimilarFast(ctx context.Context, ix *Index, id string, limit int) (paper.Results, error) {
	return ix.similar(ctx, id, limit, true)
}

// SimilarBleve: see SimilarFast.
func SimilarBleve(ctx context.Context, ix *Index, id string, limit int) (paper.Results, error) {
	return ix.similar(ctx, id, limit, false)
}

// Answers is how many queries the fast evaluators, and Bleve's searchers,
// answered.
func Answers(ix *Index) (fast, bleve int64) {
	for s := range numShapes {
		if s == shapeOther {
			bleve += ix.answers[s].Load()
		} else {
			fast += ix.answers[s].Load()
		}
	}
	return fast, bleve
}

// FastPathEnv names the variable that runs the index's tests with the
// fast path off (PAPERBOT_FAST_PATH=off) or on (on, or unset).
const FastPathEnv = "PAPERBOT_FAST_PATH"

// FastPathOff reads FastPathEnv.
func FastPathOff() (bool, error) {
	switch v := os.Getenv(FastPathEnv); v {
	case "", "on":
		return false, nil
	case "off":
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q: want on or off", FastPathEnv, v)
	}
}

// RunOptions are opts as the test run asks: the fast path off when
// FastPathEnv says so. (TestMain refuses any other value first.)
func RunOptions(opts Options) Options {
	if off, _ := FastPathOff(); off {
		opts.DisableFastPath = true
	}
	return opts
}

// ColumnSegments is how many segments' listing columns are in memory.
func ColumnSegments(ix *Index) int {
	ix.columns.mu.Lock()
	defer ix.columns.mu.Unlock()
	return len(ix.columns.m)
}

// Epoch is the index's current snapshot number: it changes whenever a
// batch, a persisted segment or a merge changes what searches see.
func Epoch(ix *Index) uint64 {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return 0
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return 0
	}
	v, _ := s.StatsMap()["CurRootEpoch"].(uint64)
	return v
}

// SearchSnapshotFiles takes the snapshot a search would read now (through
// the same path, advising its segments) and lists its segment files; the
// snapshot, and so its mappings, is held until release is called.
func SearchSnapshotFiles(ix *Index) (files []string, release func(), err error) {
	r, err := ix.reader()
	if err != nil {
		return nil, nil, err
	}
	if snap, ok := r.(*scorch.IndexSnapshot); ok {
		for _, s := range snap.Segments() {
			if p, ok := s.Segment().(segment.PersistedSegment); ok {
				files = append(files, p.Path())
			}
		}
	}
	return files, func() { r.Close() }, nil
}

// SetRank sets one ranking parameter by name (ablation runs).
func SetRank(ix *Index, name string, v float64) {
	p := &ix.rank
	switch name {
	case "titleBoost":
		p.titleBoost = v
	case "fbDocs":
		p.fbDocs = int(v)
	case "fbTerms":
		p.fbTerms = int(v)
	case "origWeight":
		p.origWeight = v
	case "names":
		p.nameWeight = v
	case "acronyms":
		p.acronyms = v != 0
	case "depth":
		p.rerankDepth = int(v)
	case "exact":
		p.exactBonus = v
	case "prefix":
		p.prefixBonus = v
	case "pairs":
		p.pairBonus = v
	case "authors":
		p.authorBonus = v
	case "fbMinTerms":
		p.fbMinTerms = int(v)
	default:
		panic("no ranking parameter " + name)
	}
}

// AnalyzedLen is how many terms the English analysis makes of s.
func AnalyzedLen(ix *Index, s string) int { return len(ix.english.Analyze([]byte(s))) }

// MeanLengths are the mean analysed lengths of the text and title fields.
func MeanLengths(ix *Index) (text, title float64, err error) {
	n := 0
	err = eachStored(ix.bi, func(raw string) error {
		p, err := ix.rec.decode([]byte(raw))
		if err != nil {
			return err
		}
		n++
		text += float64(len(ix.english.Analyze([]byte(p.Title + "\n" + p.Abstract))))
		title += float64(len(ix.english.Analyze([]byte(p.Title))))
		return nil
	})
	if n > 0 {
		text /= float64(n)
		title /= float64(n)
	}
	return text, title, err
}

// ResetRank restores the default ranking parameters.
func ResetRank(ix *Index) { ix.rank = defaultRank }

// SetFilterRatio sets when the words' MaxScore visits a filter's papers
// (0: always; 1<<40: never) and returns a function restoring it.
func SetFilterRatio(r uint64) (restore func()) {
	old := filterRatio
	filterRatio = r
	return func() { filterRatio = old }
}

// ReleaseMapped gives back the index's mapped pages now (advise.go).
func ReleaseMapped(ix *Index) error {
	return ix.withSegmentFiles(func(files map[string]bool) error { return releaseMapped(ix.advise.dir, files) })
}

// WaitReleases waits for the releases of mapped pages under way.
func WaitReleases(ix *Index) { ix.bg.running.Wait() }

// Released is how many times the index gave its mapped pages back.
func Released(ix *Index) int64 { return ix.advise.released.Load() }

// BudgetsOf are the budgets the index holds to, of mapped pages and of the
// process's resident memory (0: none).
func BudgetsOf(ix *Index) (mapped, resident uint64) { return ix.advise.budget, ix.advise.resident }

// SetRarePer sets how rare (one paper in n) a word may be and still be
// taken for a misspelling: a small index can then have as many papers
// with a misspelling as a large one does.
func SetRarePer(ix *Index, n uint64) { ix.rank.rarePer = n }

// SetTrimTicks makes a bulk index opened next look at its mapped pages at
// each value sent on ticks (advise.go) and returns a function restoring
// the ticker.
func SetTrimTicks(ticks <-chan time.Time) (restore func()) {
	old := newTrimTicker
	newTrimTicker = func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }
	return func() { newTrimTicker = old }
}
