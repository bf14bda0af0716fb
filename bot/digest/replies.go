package digest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/internal/clock"
)

// ReplyStore keeps the reply counts of the remembered discussions
// (bot/store implements it).
type ReplyStore interface {
	// RecentDiscussions returns the discussions started at or after since.
	RecentDiscussions(ctx context.Context, since time.Time) ([]bot.Discussion, error)
	// SetReplyCount records a discussion's reply count and the time of
	// its last reply. It reports false (and stores nothing) when the
	// discussion is not known.
	SetReplyCount(ctx context.Context, d bot.Discussion, c bot.ReplyCount) (bool, error)
}

// ReplyRefreshConfig configures a ReplyRefresh.
type ReplyRefreshConfig struct {
	// Store and Poster are required. Poster returns the running poster of
	// a platform, or nil (as in Config); discussions on a platform
	// whose poster is not a ReplyCounter are left as they are.
	Store  ReplyStore
	Poster func(platform string) bot.Poster
	// Clock tells the time and waits (default the system clock, whose
	// timers testing/synctest fakes).
	Clock  clock.Clock
	Logger *slog.Logger
	// Window is how far back discussions are refreshed, by the time they
	// were started (default 14 days).
	Window time.Duration
	// Every is the time from the start of one refresh to the next
	// (default 1h).
	Every time.Duration
	// Pace is the least time between two counts on one platform (default
	// 1s); platforms are counted in parallel.
	Pace time.Duration
	// MaxFailures ends a platform's pass after that many failures in a
	// row (a revoked token, an outage), logged once (default 5).
	MaxFailures int
}

// ReplyRefresh keeps the reply counts of recent discussions current: every
// hour it asks each platform how many replies each thread started in the
// last two weeks has, and stores the counts that changed. The counts show
// in discussion links ("Discussed in #ml-papers (12 replies)") and, through
// the sources' re-scoring, in the trending score.
type ReplyRefresh struct {
	cfg ReplyRefreshConfig
	log *slog.Logger
}

// ReplyStats says what one refresh did.
type ReplyStats struct {
	// Discussions is how many discussions were in the window.
	Discussions int
	// Counted is how many were counted; Changed how many counts changed.
	Counted, Changed int
	// Gone counts threads the platform no longer has; Failed the other
	// errors. Skipped are those on a platform that is not running or
	// cannot count replies.
	Gone, Failed, Skipped int
}

// NewReplyRefresh checks the configuration and fills in defaults.
func NewReplyRefresh(cfg ReplyRefreshConfig) (*ReplyRefresh, error) {
	if cfg.Store == nil || cfg.Poster == nil {
		return nil, errors.New("digest: ReplyRefreshConfig needs a Store and a Poster")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Window <= 0 {
		cfg.Window = 14 * 24 * time.Hour
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Hour
	}
	if cfg.Pace <= 0 {
		cfg.Pace = time.Second
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 5
	}
	return &ReplyRefresh{cfg: cfg, log: cfg.Logger}, nil
}

// Run refreshes the counts at once and then every cfg.Every until ctx
// ends. Errors are logged, never returned: the counts are a nicety and
// the next refresh tries again.
func (r *ReplyRefresh) Run(ctx context.Context) error {
	for {
		start := r.cfg.Clock.Now()
		if _, err := r.Refresh(ctx); err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "refreshing discussion replies", "err", err)
		}
		wait := r.cfg.Every - r.cfg.Clock.Now().Sub(start)
		if err := r.cfg.Clock.Sleep(ctx, max(wait, time.Minute)); err != nil || ctx.Err() != nil {
			return nil
		}
	}
}

// Refresh counts the replies of every discussion started within the
// window, one platform call at a time per platform (paced), and stores
// the counts that changed. A failed count is logged and the old count
// kept; an error is returned only when the discussions cannot be read.
func (r *ReplyRefresh) Refresh(ctx context.Context) (ReplyStats, error) {
	now := r.cfg.Clock.Now()
	ds, err := r.cfg.Store.RecentDiscussions(ctx, now.Add(-r.cfg.Window))
	if err != nil {
		return ReplyStats{}, fmt.Errorf("reading recent discussions: %w", err)
	}
	byPlatform := map[string][]bot.Discussion{}
	for _, d := range ds {
		if d.ThreadID == "" {
			continue
		}
		byPlatform[d.Platform] = append(byPlatform[d.Platform], d)
	}
	total := ReplyStats{Discussions: len(ds)}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for platform, list := range byPlatform {
		counter, _ := r.cfg.Poster(platform).(bot.ReplyCounter)
		if counter == nil {
			mu.Lock()
			total.Skipped += len(list)
			mu.Unlock()
			continue
		}
		// Most recent first: the threads people are most likely still in.
		slices.SortFunc(list, func(a, b bot.Discussion) int { return cmp.Compare(b.Started.UnixNano(), a.Started.UnixNano()) })
		wg.Go(func() {
			st := r.refreshPlatform(ctx, platform, counter, list)
			mu.Lock()
			total.Counted += st.Counted
			total.Changed += st.Changed
			total.Gone += st.Gone
			total.Failed += st.Failed
			total.Skipped += st.Skipped
			mu.Unlock()
		})
	}
	wg.Wait()
	level := slog.LevelInfo
	if total.Counted == 0 && total.Changed == 0 && total.Failed == 0 {
		level = slog.LevelDebug
	}
	r.log.Log(ctx, level, "discussion replies refreshed", "discussions", total.Discussions, "counted", total.Counted,
		"changed", total.Changed, "gone", total.Gone, "failed", total.Failed, "skipped", total.Skipped)
	return total, ctx.Err()
}

// refreshPlatform counts one platform's discussions in turn.
func (r *ReplyRefresh) refreshPlatform(ctx context.Context, platform string, counter bot.ReplyCounter, list []bot.Discussion) ReplyStats {
	var st ReplyStats
	failures := 0
	for i, d := range list {
		if i > 0 {
			if err := r.cfg.Clock.Sleep(ctx, r.cfg.Pace); err != nil {
				st.Skipped += len(list) - i
				return st
			}
		}
		log := r.log.With("platform", platform, "channel", d.Channel, "thread", d.ThreadID, "paper", d.PaperID)
		c, err := counter.CountReplies(ctx, d)
		switch {
		case err == nil:
			failures = 0
		case ctx.Err() != nil:
			st.Skipped += len(list) - i
			return st
		case fault.Is(err, fault.NotFound):
			// Deleted thread or channel: keep the last count, which the
			// team did write.
			st.Gone++
			failures = 0
			log.DebugContext(ctx, "discussion thread is gone; keeping its last reply count", "replies", d.Replies, "err", err)
			continue
		default:
			st.Failed++
			failures++
			log.WarnContext(ctx, "counting discussion replies", "err", err)
			if failures >= r.cfg.MaxFailures {
				st.Skipped += len(list) - i - 1
				r.log.WarnContext(ctx, "counting discussion replies: too many failures in a row; the rest waits for the next refresh",
					"platform", platform, "failures", failures, "left", len(list)-i-1)
				return st
			}
			continue
		}
		st.Counted++
		c.Replies = max(c.Replies, 0)
		n := c.Replies
		if n == d.Replies && c.Last.Equal(d.LastReply) {
			continue
		}
		ok, err := r.cfg.Store.SetReplyCount(ctx, d, c)
		switch {
		case err != nil && ctx.Err() != nil:
			st.Skipped += len(list) - i
			return st
		case err != nil:
			st.Failed++
			log.WarnContext(ctx, "recording a discussion's reply count", "replies", n, "err", err)
		case ok:
			st.Changed++
			log.DebugContext(ctx, "discussion replies changed", "from", d.Replies, "to", n)
		}
	}
	return st
}
