package digest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/internal/clock"
)

// Config wires the daily digest.
type Config struct {
	// Searcher selects the papers; Store keeps subscriptions, the ledger
	// and the discussion links. Both are required.
	Searcher bot.Searcher
	Store    Store
	// Poster returns the running poster of a platform ("slack",
	// "discord", "console"), or nil when that platform is not running.
	// It is called when a digest is posted, not when the Service is built,
	// so adapters may start later.
	Poster func(platform string) bot.Poster
	Clock  clock.Clock
	Logger *slog.Logger
	// Grace is how late a digest may still be posted, for instance on
	// start-up after the bot was down at the due time (default 6h).
	Grace time.Duration
	// DefaultTime, DefaultZone and DefaultTop fill what a chat
	// subscription leaves out (default "09:00", "UTC", 5).
	DefaultTime string
	DefaultZone string
	DefaultTop  int
	// MaxTop bounds Top (default 10).
	MaxTop int
	// StepTimeout bounds one platform call, pacing included (default 2m).
	StepTimeout time.Duration
	// StopTimeout bounds how long a platform call in flight when Run's
	// context ends (a shutdown) may go on (default StepTimeout). Cut then,
	// its outcome is unknown: it stays claimed, and the next start looks
	// for it before posting.
	StopTimeout time.Duration
	// MaxAttempts is how often one step is tried before it is given up
	// and logged (default 5).
	MaxAttempts int
	// MaxParallel bounds how many channels post at once (0: no bound;
	// the adapters pace each channel and their platform as a whole).
	MaxParallel int
	// CommandName is the slash command, for messages (default "papers").
	CommandName string
	// Engagement is what the weekly recap reads besides the ledger (the
	// team's marks and the discussions); when nil, Store is used if it
	// has them, else recaps list only the papers posted that week.
	Engagement Engagement
	// Finished, when set, is told of each channel's day once it ends:
	// done, empty or skipped (for metrics). Channels post in parallel, so
	// it is called concurrently.
	Finished func(day Day)
	// ConfigLine, when set, says where the configuration file writes a
	// subscription of it ("paperbot.yaml:14:5: digest.subscriptions[1]",
	// by its platform and stored channel), for the warnings about it; ""
	// when the file does not.
	ConfigLine func(platform, channel string) string
	// Refreshing, when set, lists the source refreshes of the index that
	// were cut short (the process killed or stopped while they wrote) and
	// have not completed since: a new day waits for them, at most
	// RefreshWait (refreshwait.go). A refresh under way is not listed.
	Refreshing func(ctx context.Context) ([]Refresh, error)
}

// Service is the daily trending digest: it plans each subscribed channel's
// post, posts it step by step through the ledger, answers the
// subscription commands (Manager, and bot.DigestService) and runs the
// scheduler (Run).
type Service struct {
	cfg Config
	log *slog.Logger

	// changed wakes the scheduler after a subscription changed.
	changed chan struct{}

	// selections shares the day's trending searches among channels.
	selections *selections

	mu    sync.Mutex
	zones map[string]*time.Location

	// refreshes is what the scheduler knows of the refreshes it waits for.
	refreshes refreshGate
}

var _ bot.DigestService = (*Service)(nil)

// New checks the configuration and fills in defaults.
func New(cfg Config) (*Service, error) {
	if cfg.Searcher == nil || cfg.Store == nil {
		return nil, errors.New("digest: Config needs a Searcher and a Store")
	}
	if cfg.Poster == nil {
		cfg.Poster = func(string) bot.Poster { return nil }
	}
	if cfg.Engagement == nil {
		cfg.Engagement, _ = cfg.Store.(Engagement)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 6 * time.Hour
	}
	if cfg.MaxTop <= 0 {
		cfg.MaxTop = 10
	}
	if cfg.DefaultTop <= 0 {
		cfg.DefaultTop = min(5, cfg.MaxTop)
	}
	if cfg.DefaultTop > cfg.MaxTop {
		return nil, fmt.Errorf("digest: default top %d is more than the maximum %d", cfg.DefaultTop, cfg.MaxTop)
	}
	if cfg.DefaultTime == "" {
		cfg.DefaultTime = "09:00"
	}
	t, err := schedule.ParseClock(cfg.DefaultTime)
	if err != nil {
		return nil, fmt.Errorf("digest: default digest time: %w", err)
	}
	cfg.DefaultTime = t
	if cfg.DefaultZone == "" {
		cfg.DefaultZone = "UTC"
	}
	if _, err := schedule.LoadZone(cfg.DefaultZone); err != nil {
		return nil, fmt.Errorf("digest: default digest time zone: %w", err)
	}
	if cfg.StepTimeout <= 0 {
		cfg.StepTimeout = 2 * time.Minute
	}
	if cfg.StopTimeout <= 0 || cfg.StopTimeout > cfg.StepTimeout {
		cfg.StopTimeout = cfg.StepTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.CommandName == "" {
		cfg.CommandName = "papers"
	}
	return &Service{cfg: cfg, log: cfg.Logger, changed: make(chan struct{}, 1), zones: map[string]*time.Location{}, selections: newSelections()}, nil
}

// zone loads (and caches) a subscription's zone.
func (d *Service) zone(name string) (*time.Location, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if loc, ok := d.zones[name]; ok {
		return loc, nil
	}
	loc, err := schedule.LoadZone(name)
	if err != nil {
		return nil, err
	}
	d.zones[name] = loc
	return loc, nil
}

// notify wakes the scheduler.
func (d *Service) notify() {
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// postKey is a step's idempotency key: stable across restarts, unique per
// (platform, channel, date, what), 24 characters.
func postKey(platform, channel, date, what string) string {
	h := sha256.Sum256([]byte(platform + "\x00" + channel + "\x00" + date + "\x00" + what))
	return hex.EncodeToString(h[:12])
}

// currentRun is the occurrence the next run of sub posts: the latest due
// one when it is not recorded yet and still within the grace window (the
// scheduler runs it at once), else the next one.
func (d *Service) currentRun(ctx context.Context, sub Subscription, now time.Time) (occurrence, error) {
	loc, err := d.zone(sub.Zone)
	if err != nil {
		return occurrence{}, err
	}
	if o, ok := latest(sub, loc, now); ok && o.Due.After(sub.Since) && now.Sub(o.Due) <= d.cfg.Grace {
		_, exists, err := d.cfg.Store.Day(ctx, sub.Platform, sub.Channel, o.Date)
		if err != nil {
			return occurrence{}, err
		}
		if !exists {
			return o, nil
		}
	}
	o, ok := next(sub, loc, now)
	if !ok {
		return occurrence{}, fmt.Errorf("no day of the week is selected")
	}
	return o, nil
}

// plan selects a day's papers: the top papers by trending score among
// those matching the topic that were never posted to the channel. Each is
// labelled by how long it has been in the channel's trending window (the
// top 2×Top matches not yet posted), so a paper that was outranked on
// earlier days shows as "still trending, day N". Nothing is saved.
func (d *Service) plan(ctx context.Context, sub Subscription, o occurrence, now time.Time) (Day, error) {
	if sub.IsWeekly() {
		return d.planRecap(ctx, sub, o, now)
	}
	sent, err := d.cfg.Store.Sent(ctx, sub.Platform, sub.Channel)
	if err != nil {
		return Day{}, err
	}
	window := 2 * sub.Top
	res, err := d.selections.trending(ctx, d.cfg.Searcher, sub.Topic, sent, window, now)
	if err != nil {
		return Day{}, fmt.Errorf("selecting papers for %s on %q: %w", sub.Where(), sub.Topic, err)
	}
	day := Day{
		Platform: sub.Platform, Team: sub.Team, Channel: sub.Channel, ChannelName: sub.ChannelName,
		Date: o.Date, Due: o.Due, Zone: sub.Zone, Topic: sub.Topic,
		Status: DayOpen, PlannedAt: now,
		Header: Step{Key: postKey(sub.Platform, sub.Channel, o.Date, "header")},
	}
	if res.Fuzzy {
		// Hits for a corrected spelling do not match the topic.
		return day, nil
	}
	skip := newSentSet(sent)
	var picked []paper.Paper
	var aliases []string // of the picked papers: their first days may be under them
	for _, h := range res.Hits {
		id := h.Paper.ID
		if id == "" || skip.has(h.Paper) {
			continue
		}
		skip[id] = true
		day.Window = append(day.Window, id)
		if len(picked) < sub.Top {
			picked = append(picked, h.Paper)
			aliases = append(aliases, h.Paper.Aliases...)
		}
	}
	seen, err := d.cfg.Store.FirstSeen(ctx, sub.Platform, sub.Channel, append(slices.Clone(day.Window), aliases...))
	if err != nil {
		return Day{}, err
	}
	for _, p := range picked {
		first := ""
		for _, id := range p.IDs() {
			if f, ok := seen[id]; ok && (first == "" || f < first) {
				first = f
			}
		}
		// The ledger keeps what the messages show, not the whole record.
		p.Abstract = bot.Shorten(p.Abstract, 400)
		p.Keywords = nil
		n := 1
		if first != "" && first < o.Date {
			n = daysBetween(first, o.Date) + 1
		}
		day.Papers = append(day.Papers, DayPaper{
			Paper:  p,
			Day:    n,
			Post:   Step{Key: postKey(sub.Platform, sub.Channel, o.Date, "paper\x00"+p.ID)},
			Thread: Step{Key: postKey(sub.Platform, sub.Channel, o.Date, "thread\x00"+p.ID)},
		})
	}
	return day, nil
}

// runDue runs a subscription's occurrence: it plans the day (or records
// it as skipped or empty) unless the ledger has it already, then posts
// what remains.
func (d *Service) runDue(ctx context.Context, sub Subscription, o occurrence, refreshing []Refresh) error {
	day, ok, err := d.cfg.Store.Day(ctx, sub.Platform, sub.Channel, o.Date)
	if err != nil {
		return err
	}
	if !ok {
		now := d.cfg.Clock.Now()
		log := d.log.With("platform", sub.Platform, "channel", sub.Channel, "date", o.Date)
		skip := ""
		switch {
		case now.Sub(o.Due) > d.cfg.Grace:
			skip = fmt.Sprintf("missed: it was due at %s, more than the grace window (%s) ago", o.Due.Format(time.RFC3339), d.cfg.Grace)
		case d.cfg.Poster(sub.Platform) == nil:
			skip = fmt.Sprintf("platform %q is not running", sub.Platform)
		default:
			skip = d.teamGone(ctx, sub.Platform, sub.Team)
		}
		if skip != "" {
			day = Day{
				Platform: sub.Platform, Team: sub.Team, Channel: sub.Channel, ChannelName: sub.ChannelName,
				Date: o.Date, Due: o.Due, Zone: sub.Zone, Topic: sub.Topic, Kind: sub.Kind,
				Status: DaySkipped, Note: skip, PlannedAt: now, FinishedAt: now,
			}
			log.WarnContext(ctx, "digest skipped", "reason", skip)
			return d.save(ctx, &day)
		}
		if err := d.awaitRefresh(ctx, sub, o, refreshing, now); err != nil {
			return err
		}
		if err := d.indexHoldsPapers(sub, o); err != nil {
			return err
		}
		day, err = d.plan(ctx, sub, o, now)
		if err != nil {
			return err
		}
		if len(day.Papers) == 0 && day.Recap.Empty() {
			day.Status, day.FinishedAt, day.Note = DayEmpty, now, "nothing new to post"
			if sub.IsWeekly() {
				day.Note = "an empty week: nothing posted here and nobody engaged"
			}
		}
		// The plan is on disk before anything is posted.
		if err := d.save(ctx, &day); err != nil {
			return err
		}
		if day.Status == DayEmpty {
			log.InfoContext(ctx, "digest: nothing new; nothing posted")
			return nil
		}
		log.InfoContext(ctx, "digest planned", "papers", len(day.Papers), "window", len(day.Window))
	}
	if day.Status != DayOpen {
		return nil
	}
	return d.resume(ctx, day)
}

// paperCounter is a Searcher that can tell how many papers it holds (the
// index does).
type paperCounter interface {
	Count() (uint64, error)
}

// indexHoldsPapers fails while the index holds no paper at all (serve
// started on a new or rebuilt index that its sources are still filling):
// a plan made then would record the day as having nothing new, and the
// papers arriving a moment later would miss it. The scheduler tries again
// (1, 2, 4 ... minutes) until the grace window ends. A weekly recap reads
// the ledger, not the index.
func (d *Service) indexHoldsPapers(sub Subscription, o occurrence) error {
	c, ok := d.cfg.Searcher.(paperCounter)
	if !ok || sub.IsWeekly() {
		return nil
	}
	n, err := c.Count()
	if err != nil {
		return fmt.Errorf("the digest of %s on %s: counting the index's papers: %w", sub.Where(), o.Date, err)
	}
	if n == 0 {
		return fmt.Errorf("the digest of %s on %s waits: the index holds no papers yet (its sources have not filled it); it is tried again until %s after the due time", sub.Where(), o.Date, d.cfg.Grace)
	}
	return nil
}

// save writes the day durably. It is not cut short by ctx: a step that
// happened must be recorded even during shutdown.
func (d *Service) save(ctx context.Context, day *Day) error {
	if err := d.cfg.Store.SaveDay(context.WithoutCancel(ctx), *day); err != nil {
		return fmt.Errorf("recording the digest of %s on %s: %w", day.Channel, day.Date, err)
	}
	if day.Status != DayOpen && d.cfg.Finished != nil {
		// A day is saved with its final status once: later runs find it
		// closed in the ledger and leave it.
		d.cfg.Finished(*day)
	}
	return nil
}

// resume posts what remains of an open day, in order: the header, then
// each paper's message followed by its thread. Every step is recorded
// before and after it is made. It returns at the first step that fails
// (the scheduler tries again later) or when ctx ends between steps.
func (d *Service) resume(ctx context.Context, day Day) error {
	log := d.log.With("platform", day.Platform, "channel", day.Channel, "date", day.Date)
	poster := d.cfg.Poster(day.Platform)
	if poster == nil {
		if d.cfg.Clock.Now().Sub(day.Due) <= d.cfg.Grace {
			return fmt.Errorf("platform %q is not running; the digest of %s on %s waits for it", day.Platform, day.Channel, day.Date)
		}
		// Too late to wait: close the day. Steps that may have happened
		// stay as they are (their papers are never offered again).
		why := fmt.Sprintf("platform %q is not running", day.Platform)
		for _, s := range append([]*Step{&day.Header}, paperSteps(day.Papers)...) {
			if s.Pending() && !s.Uncertain() {
				s.Skipped = why
			} else if s.Uncertain() {
				s.Unknown = true
			}
		}
		day.Status, day.FinishedAt, day.Note = DayDone, d.cfg.Clock.Now(), why
		log.ErrorContext(ctx, "digest closed unfinished", "reason", why)
		return d.save(ctx, &day)
	}
	_, subscribed, err := d.cfg.Store.Subscription(ctx, day.Platform, day.Channel)
	if err != nil {
		return err
	}
	now := d.cfg.Clock.Now()
	// No new message once the day is too late or the channel left; what
	// may have been posted is still settled, and threads still started.
	stop := ""
	switch {
	case !subscribed:
		stop = "the channel unsubscribed"
	case now.Sub(day.Due) > d.cfg.Grace:
		stop = fmt.Sprintf("too late: more than the grace window (%s) after the due time", d.cfg.Grace)
	default:
		stop = d.teamGone(ctx, day.Platform, day.Team)
	}
	dest := bot.Destination{Platform: day.Platform, Team: day.Team, Channel: PostChannel(day.Channel)}
	r := &run{d: d, day: &day, poster: poster, log: log}

	// The header still introduces papers that are already out.
	headerStop := stop
	if slices.ContainsFunc(day.Papers, func(p DayPaper) bool { return p.Post.MaybeDone() }) {
		headerStop = ""
	}
	if err := r.post(ctx, &day.Header, dest, d.headerMessage(day), headerStop); err != nil {
		return err
	}
	if stop == "" {
		stop = channelRefused(day)
	}
	for i := range day.Papers {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := &day.Papers[i]
		if err := r.post(ctx, &p.Post, dest, d.paperMessage(day, i), stop); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.thread(ctx, p); err != nil {
			return err
		}
	}
	day.Status, day.FinishedAt = DayDone, d.cfg.Clock.Now()
	posted, threads, lost := 0, 0, 0
	for _, p := range day.Papers {
		if p.Post.IsDone() {
			posted++
		}
		if p.Thread.IsDone() {
			threads++
		}
		if p.Post.Unknown || p.Post.Skipped != "" {
			lost++
		}
	}
	day.Note = fmt.Sprintf("%d of %d papers posted, %d threads", posted, len(day.Papers), threads)
	if day.Recap != nil {
		day.Note = "recap posted"
		if !day.Header.IsDone() {
			day.Note = "recap not posted"
		}
	}
	if err := d.save(ctx, &day); err != nil {
		return err
	}
	log.InfoContext(ctx, "digest posted", "papers", posted, "threads", threads, "not_posted", lost)
	return nil
}

// teamGone says why the platform's poster cannot post in team at all (a
// Slack workspace that uninstalled the app, a Discord server that removed
// the bot: bot.TeamChecker), or "" when it can or cannot tell. No post is
// tried there: the day is skipped.
func (d *Service) teamGone(ctx context.Context, platform, team string) string {
	tc, ok := d.cfg.Poster(platform).(bot.TeamChecker)
	if !ok || team == "" {
		return ""
	}
	if err := tc.CheckTeam(ctx, team); fault.Is(err, fault.NotFound) {
		back := map[string]string{"slack": "the workspace installs the app again", "discord": "the bot is added back to the server"}[platform]
		if back == "" {
			back = "paperbot can post there again"
		}
		return fmt.Sprintf("%s; the subscription stays, and posts again once %s", fault.UserMessage(err), back)
	}
	return ""
}

// channelRefused says why the day's papers are not posted when the
// platform refused its first message until the step was given up (a
// deleted channel, a permission taken away: every message of the day
// would be refused too, each tried MaxAttempts times), and nothing of the
// day may be out; "" otherwise. A header given up on errors that were not
// refusals (the platform down for a while) does not stop the papers.
func channelRefused(day Day) string {
	h := day.Header
	if h.IsDone() || h.Skipped == "" || !h.Refused || slices.ContainsFunc(day.Papers, func(p DayPaper) bool { return p.Post.MaybeDone() }) {
		return ""
	}
	return fmt.Sprintf("the channel refused the day's first message %d times (%s)", h.Attempts, h.Err)
}

// run is one pass over an open day.
type run struct {
	d      *Service
	day    *Day
	poster bot.Poster
	log    *slog.Logger
}

// refused reports whether err says the platform did not do the call (bad
// channel, missing permission): then trying again cannot duplicate it.
func refused(err error) bool {
	return fault.Is(err, fault.Invalid) || fault.Is(err, fault.NotFound)
}

// stepContext is the context of one platform call: not cancelled at once
// by shutdown (an in-flight post finishes and is recorded), but bounded by
// StepTimeout, and by StopTimeout once ctx ends (a platform that does not
// answer must not hold the stop past the supervisor's patience, which
// would kill the process mid-step); and cut at once when ctx ends
// because the lease the digest runs under was lost or its deadline passed
// (bot.RunLeased): another replica may take the day over, and finds by
// lookup whatever the cut call did.
func (r *run) stepContext(ctx context.Context) (context.Context, context.CancelFunc) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.d.cfg.StepTimeout)
	stop := context.AfterFunc(ctx, func() {
		if c := context.Cause(ctx); errors.Is(c, bot.ErrLeaseDeadline) || errors.Is(c, bot.ErrLeaseLost) {
			cancel()
			return
		}
		go func() {
			if r.d.cfg.Clock.Sleep(sctx, r.d.cfg.StopTimeout) == nil {
				cancel()
			}
		}()
	})
	return sctx, func() { stop(); cancel() }
}

// giveUp marks a step that failed too often.
func (r *run) giveUp(ctx context.Context, s *Step, what string) error {
	s.Skipped = fmt.Sprintf("gave up after %d attempts: %s", s.Attempts, s.Err)
	s.Claimed = time.Time{}
	r.log.ErrorContext(ctx, "digest step given up", "step", what, "attempts", s.Attempts, "err", s.Err)
	return r.d.save(ctx, r.day)
}

// post makes a message step: settle an uncertain earlier attempt, then
// claim (recorded), post, record. When stop is set the message is not
// posted (an uncertain earlier attempt is still settled).
func (r *run) post(ctx context.Context, s *Step, to bot.Destination, m bot.Message, stop string) error {
	if !s.Pending() {
		return nil
	}
	what := "message " + s.Key
	if s.Uncertain() {
		finder, ok := r.poster.(bot.PostFinder)
		if !ok {
			s.Unknown = true
			r.log.ErrorContext(ctx, "digest message outcome unknown; not posting it again to avoid a duplicate",
				"key", s.Key, "attempted", s.Claimed, "err", s.Err)
			return r.d.save(ctx, r.day)
		}
		sctx, cancel := r.stepContext(ctx)
		ref, found, err := finder.FindPost(sctx, to, m, s.Key, bot.LookupSince(s.Claimed))
		cancel()
		switch {
		case err != nil:
			s.Attempts++
			s.Err = "looking for an earlier attempt: " + err.Error()
			if s.Attempts >= r.d.cfg.MaxAttempts {
				s.Unknown = true
				r.log.ErrorContext(ctx, "digest message outcome unknown; not posting it again to avoid a duplicate", "key", s.Key, "err", err)
				return r.d.save(ctx, r.day)
			}
			return errors.Join(err, r.d.save(ctx, r.day))
		case found:
			s.Done, s.Message, s.Err = r.d.cfg.Clock.Now(), ref, ""
			r.log.InfoContext(ctx, "digest message found after an unknown outcome", "key", s.Key, "message", ref.ID)
			return r.d.save(ctx, r.day)
		}
		s.Claimed = time.Time{} // not posted: post it now
	}
	if stop != "" {
		s.Skipped = stop
		r.log.WarnContext(ctx, "digest message not posted", "key", s.Key, "reason", stop)
		return r.d.save(ctx, r.day)
	}
	if s.Attempts >= r.d.cfg.MaxAttempts {
		return r.giveUp(ctx, s, what)
	}
	s.Claimed, s.Err = r.d.cfg.Clock.Now(), ""
	s.Attempts++
	if err := r.d.save(ctx, r.day); err != nil {
		return err
	}
	sctx, cancel := r.stepContext(ctx)
	ref, err := r.poster.Post(sctx, to, m, bot.PostOptions{Key: s.Key})
	cancel()
	switch {
	case err == nil || ref.ID != "":
		if err != nil {
			r.log.WarnContext(ctx, "digest message posted in part", "key", s.Key, "message", ref.ID, "err", err)
		}
		s.Done, s.Message = r.d.cfg.Clock.Now(), ref
		err = nil
	case refused(err):
		s.Claimed = time.Time{}
		s.Err, s.Refused = err.Error(), true
	default:
		s.Err, s.Refused = err.Error(), false // stays claimed: the outcome is unknown
	}
	if serr := r.d.save(ctx, r.day); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// thread starts a paper's discussion thread (or, on a platform without
// threads, records the message itself as the discussion).
func (r *run) thread(ctx context.Context, p *DayPaper) error {
	s := &p.Thread
	if !s.Pending() {
		return nil
	}
	if !p.Post.IsDone() {
		if !p.Post.Pending() {
			s.Skipped = "the paper's message was not posted"
			return r.d.save(ctx, r.day)
		}
		return nil
	}
	parent := p.Post.Message
	threader, ok := r.poster.(bot.Threader)
	if !ok {
		s.Done = r.d.cfg.Clock.Now()
		s.Thread = bot.ThreadRef{ID: parent.ID, Channel: parent.Channel, URL: parent.URL}
		return r.d.save(ctx, r.day)
	}
	if s.Uncertain() {
		finder, ok := r.poster.(bot.ThreadFinder)
		if !ok {
			s.Unknown = true
			r.log.ErrorContext(ctx, "digest thread outcome unknown; not starting it again to avoid a duplicate",
				"paper", p.Paper.ID, "attempted", s.Claimed, "err", s.Err)
			return r.d.save(ctx, r.day)
		}
		sctx, cancel := r.stepContext(ctx)
		th, found, err := finder.FindThread(sctx, parent, s.Key, bot.LookupSince(s.Claimed))
		cancel()
		switch {
		case err != nil:
			s.Attempts++
			s.Err = "looking for an earlier attempt: " + err.Error()
			if s.Attempts >= r.d.cfg.MaxAttempts {
				s.Unknown = true
				r.log.ErrorContext(ctx, "digest thread outcome unknown; not starting it again", "paper", p.Paper.ID, "err", err)
				return r.d.save(ctx, r.day)
			}
			return errors.Join(err, r.d.save(ctx, r.day))
		case found:
			s.Done, s.Thread, s.Err = r.d.cfg.Clock.Now(), th, ""
			r.log.InfoContext(ctx, "digest thread found after an unknown outcome", "paper", p.Paper.ID, "thread", th.ID)
			return r.d.save(ctx, r.day)
		}
		s.Claimed = time.Time{}
	}
	if s.Attempts >= r.d.cfg.MaxAttempts {
		return r.giveUp(ctx, s, "thread "+p.Paper.ID)
	}
	s.Claimed, s.Err = r.d.cfg.Clock.Now(), ""
	s.Attempts++
	if err := r.d.save(ctx, r.day); err != nil {
		return err
	}
	sctx, cancel := r.stepContext(ctx)
	th, err := threader.StartThread(sctx, parent, p.Paper.Title, ThreadIntro(p.Paper), bot.PostOptions{Key: s.Key})
	cancel()
	switch {
	case err == nil || th.ID != "":
		if err != nil {
			r.log.WarnContext(ctx, "digest thread started in part", "paper", p.Paper.ID, "thread", th.ID, "err", err)
		}
		if th.URL == "" {
			th.URL = parent.URL
		}
		s.Done, s.Thread = r.d.cfg.Clock.Now(), th
		err = nil
	case refused(err):
		s.Claimed = time.Time{}
		s.Err = err.Error()
	default:
		s.Err = err.Error()
	}
	if serr := r.d.save(ctx, r.day); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// paperSteps lists the steps of the papers: each post, then its thread.
func paperSteps(ps []DayPaper) []*Step {
	var out []*Step
	for i := range ps {
		out = append(out, &ps[i].Post, &ps[i].Thread)
	}
	return out
}
