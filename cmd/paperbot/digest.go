package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/internal/clock"
)

// setupDigest opens the state store and prepares the daily digest: it fills
// in the core's Discussions and Digest, makes the stored subscriptions
// match the configuration file's and adds the scheduler and the hourly
// refresh of the discussions' reply counts to a.jobs.
func setupDigest(ctx context.Context, a *app, bc *bot.Config) error {
	db, err := openState(ctx, a.cfg, a.log)
	if err != nil {
		return err
	}
	a.closers = append(a.closers, db.Close)
	if pg, ok := db.(*pgstore.Store); ok && a.only == nil {
		a.replicas = newReplicaSet(a.cfg, pg, a.log)
	}
	finished := digestMetrics(a)
	d, err := newDigest(a.cfg, db, bc.Searcher, a.posterFor, a.log, finished, a.holder)
	if err != nil {
		return err
	}
	if err := d.SyncConfig(ctx, configSubscriptions(a.cfg)); err != nil {
		return fmt.Errorf("%s: %w", configName(a.cfg), err)
	}
	var ds digest.Store = db
	if a.only != nil {
		// The console chat posts the console's digests and leaves the
		// other platforms' alone (neither posted nor recorded as skipped:
		// serve does that when it runs).
		ds = platformView{stateStore: db, platforms: a.only}
		if d, err = newDigest(a.cfg, ds, bc.Searcher, a.posterFor, a.log, finished, a.holder); err != nil {
			return err
		}
	}
	a.state = db
	bc.Discussions = db
	bc.Digest = d
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		// The adapters are known by now (serve and chat fill a.posters first).
		subs, err := ds.Subscriptions(ctx)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if a.posterFor(s.Platform) == nil {
				a.log.Warn("digest subscription for a platform that is not running; its digests are skipped",
					"platform", s.Platform, "channel", s.Channel, "source", s.Source)
			}
		}
		if r := a.replicas; r != nil {
			return r.digest(ctx, a.cfg, bc.Searcher, a.posterFor, a.log, finished)
		}
		return d.Run(ctx)
	})
	a.jobs = append(a.jobs, func(ctx context.Context) error {
		// The configuration's subscriptions written without team: belong
		// to the workspace or server their adapter finds for the channel
		// (/papers subscriptions there lists them). A failure is logged
		// with the channel; the listing asks again.
		if err := d.ResolveTeams(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("digest: finding the workspaces of the configuration's subscriptions", "err", err)
		}
		return nil
	})
	// The team's engagement: the reply counts of recent discussion
	// threads, from the platforms that can count them (Slack, Discord).
	// They show in discussion links, and the sources' re-score folds them
	// into the trending score.
	rr, err := newReplyRefresh(a.cfg, db, a.posterFor, clock.System{}, a.log)
	if err != nil {
		return err
	}
	if r := a.replicas; r != nil {
		a.jobs = append(a.jobs, r.replies(rr))
	} else {
		a.jobs = append(a.jobs, rr.Run)
	}
	return nil
}

// platformView is the state as a digest that serves only some platforms
// sees it: the other platforms' subscriptions and unfinished days are not
// there, so that digest neither posts them nor records them as skipped.
type platformView struct {
	stateStore
	platforms []string
}

var _ digest.Store = platformView{}

// Subscriptions are the subscriptions of the view's platforms.
func (v platformView) Subscriptions(ctx context.Context) ([]digest.Subscription, error) {
	subs, err := v.stateStore.Subscriptions(ctx)
	return slices.DeleteFunc(subs, func(s digest.Subscription) bool { return !slices.Contains(v.platforms, s.Platform) }), err
}

// OpenDays are the unfinished days of the view's platforms.
func (v platformView) OpenDays(ctx context.Context) ([]digest.Day, error) {
	days, err := v.stateStore.OpenDays(ctx)
	return slices.DeleteFunc(days, func(d digest.Day) bool { return !slices.Contains(v.platforms, d.Platform) }), err
}

// newReplyRefresh refreshes, every hour, the reply counts of the
// discussions started in the last sources.rescore.days days (default 14):
// the papers the re-score looks at.
func newReplyRefresh(cfg *configs.Config, db digest.ReplyStore, poster func(string) bot.Poster, clock clock.Clock, log *slog.Logger) (*digest.ReplyRefresh, error) {
	days := cfg.Src.Rescore.Days
	if days <= 0 {
		days = 14
	}
	return digest.NewReplyRefresh(digest.ReplyRefreshConfig{
		Store:  db,
		Poster: poster,
		Clock:  clock,
		Logger: log.With("job", "replies"),
		Window: time.Duration(days) * 24 * time.Hour,
		Every:  time.Hour,
	})
}

// posterFor returns the running adapter of a platform, or nil. It reads
// a.posters when called (the digest calls it when it posts).
func (a *app) posterFor(platform string) bot.Poster {
	for _, p := range a.posters {
		if ad, ok := p.(interface{ Platform() string }); ok && ad.Platform() == platform {
			return p
		}
	}
	return nil
}

func configName(cfg *configs.Config) string {
	if cfg.Path == "" {
		return "config"
	}
	return cfg.Path
}

// newDigest builds the digest from the configuration. owner is this
// process's name in the refresh runs it records (app.holder).
func newDigest(cfg *configs.Config, db digest.Store, search bot.Searcher, poster func(string) bot.Poster, log *slog.Logger, finished func(digest.Day), owner string) (*digest.Service, error) {
	// The weekly recap reads the team's marks and the discussions from the
	// state store (under the console chat's view of it too).
	var eng digest.Engagement
	switch v := db.(type) {
	case platformView:
		eng, _ = v.stateStore.(digest.Engagement)
	default:
		eng, _ = db.(digest.Engagement)
	}
	return digest.New(digest.Config{
		Searcher:    search,
		Store:       db,
		Engagement:  eng,
		Poster:      poster,
		Logger:      log,
		Grace:       cfg.Dig.Grace,
		DefaultTime: cfg.Dig.DefaultTime,
		DefaultZone: cfg.Dig.DefaultTimezone,
		DefaultTop:  cfg.Dig.DefaultTop,
		MaxTop:      configs.MaxTop,
		CommandName: cfg.Bot.Command,
		Finished:    finished,
		ConfigLine:  configLine(cfg),
		// A post in flight at a stop gets half the shutdown timeout: the
		// Slack adapter's history check of a cut post takes up to 10 s
		// more, and the process must be gone before its supervisor kills
		// it (Docker's --stop-timeout 30, the README's, for the default 25s).
		StopTimeout: cfg.HTTP.ShutdownTimeout / 2,
		// The refresh (sources.go) records its runs under way in the
		// state: a new day waits for one a kill or a stop cut short.
		Refreshing: cutRefreshes(db, owner),
	})
}

// cutRefreshes reads from the state the refresh runs cut short and not
// completed since (sources.Refresher.Progress), for the digest: on
// PostgreSQL, those whose refresh lease is no longer held with their token
// (the replica that ran them died or stopped); in a state file, those of
// another process than owner. nil when the state keeps no source cursors.
func cutRefreshes(db digest.Store, owner string) func(ctx context.Context) ([]digest.Refresh, error) {
	if v, ok := db.(platformView); ok {
		db = v.stateStore
	}
	c, ok := db.(sources.Cursors)
	if !ok {
		return nil
	}
	live := func(_ context.Context, u sources.Unfinished) (bool, error) { return u.Owner == owner, nil }
	if pg, ok := db.(interface {
		LeaseHeld(ctx context.Context, l bot.Lease) (bool, error)
	}); ok {
		live = func(ctx context.Context, u sources.Unfinished) (bool, error) {
			return pg.LeaseHeld(ctx, bot.Lease{Name: "refresh", Holder: u.Owner, Token: u.Token})
		}
	}
	return func(ctx context.Context) ([]digest.Refresh, error) {
		us, err := sources.UnfinishedRuns(ctx, c)
		if err != nil {
			return nil, err
		}
		var rs []digest.Refresh
		for _, u := range us {
			if running, err := live(ctx, u); err != nil {
				return nil, err
			} else if !running {
				rs = append(rs, digest.Refresh{Job: u.Job, Since: u.Since})
			}
		}
		return rs, nil
	}
}

// configLine finds where the configuration file writes a subscription of
// it, by its platform and stored channel (digest.Config.ConfigLine).
func configLine(cfg *configs.Config) func(platform, channel string) string {
	return func(platform, channel string) string {
		for i, s := range configSubscriptions(cfg) {
			if s.Platform == platform && s.Channel == channel {
				return cfg.Dig.Subscriptions[i].At
			}
		}
		return ""
	}
}

// digestMetrics makes the digest's metrics (registered by serve) and
// returns the hook that counts each channel's finished day.
func digestMetrics(a *app) func(digest.Day) {
	days := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_digest_days_total",
		Help: "Channels' digest days that ended, by platform and status (done, empty, skipped).",
	}, []string{"platform", "status"})
	papers := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperbot_digest_papers_total",
		Help: "Papers of finished digest days, by platform and outcome (posted, not_posted).",
	}, []string{"platform", "outcome"})
	a.collectors = append(a.collectors, days, papers)
	return func(day digest.Day) {
		days.WithLabelValues(day.Platform, string(day.Status)).Inc()
		for _, p := range day.Papers {
			outcome := "posted"
			if !p.Post.IsDone() {
				outcome = "not_posted"
			}
			papers.WithLabelValues(day.Platform, outcome).Inc()
		}
	}
}

// configSubscriptions converts the configuration file's subscriptions,
// with the defaults filled in (the configuration validated them).
func configSubscriptions(cfg *configs.Config) []digest.Subscription {
	var out []digest.Subscription
	for _, c := range cfg.Dig.Subscriptions {
		days, _ := schedule.ParseDays(c.Days)
		s := digest.Subscription{
			Platform: c.Platform, Team: c.Team, Channel: c.Channel, ChannelName: c.ChannelName,
			Time: c.Time, Zone: c.Timezone, Days: days, Top: c.Top, Topic: c.Topic,
			Source: digest.SourceConfig,
		}
		if s.Time == "" {
			s.Time = cfg.Dig.DefaultTime
		}
		if s.Zone == "" {
			s.Zone = cfg.Dig.DefaultTimezone
		}
		if s.Top == 0 {
			s.Top = cfg.Dig.DefaultTop
		}
		if c.Weekly() {
			day, _ := schedule.ParseWeekday(c.Day)
			s = digest.Weekly(s, day)
			s.Top = configs.MaxTop // as a weekly recap from chat
		}
		out = append(out, s)
	}
	return out
}

// runDigest is `paperbot digest --dry-run --channel PLATFORM:CHANNEL`: it
// prints exactly what the channel's next digest would post, in order,
// without posting or recording anything.
func runDigest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "digest")
	cfgPath := fs.String("config", "", "configuration file")
	indexDir := fs.String("index", "", "index directory (default <data_dir>/index)")
	statePath := fs.String("state", "", "state: subscriptions, the digest ledger; a file (default <data_dir>/state.db) or a postgres:// URL")
	dryRun := fs.Bool("dry-run", false, "show the next digest without posting (required)")
	channel := fs.String("channel", "", "the channel, PLATFORM:CHANNEL (slack:C0123ABCDEF, discord:123…, or PLATFORM:#name)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if !*dryRun {
		return usageError{"only --dry-run is supported: `paperbot serve` posts the digests"}
	}
	if *channel == "" {
		return usageError{"--channel is required (PLATFORM:CHANNEL, e.g. slack:C0123ABCD)"}
	}
	platform, ch, ok := strings.Cut(*channel, ":")
	if !ok || platform == "" || ch == "" {
		return usageError{fmt.Sprintf("--channel %q: want PLATFORM:CHANNEL, like slack:C0123ABCDEF or discord:#ml-papers", *channel)}
	}
	platform = strings.ToLower(platform)
	cfg, err := loadConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if *indexDir != "" {
		cfg.Index = *indexDir
	}
	if *statePath != "" {
		if err := cfg.SetState(*statePath, e.getenv); err != nil {
			return usageError{"--" + err.Error()}
		}
	}
	if cfg.Log.Level == "info" {
		cfg.Log.Level = "warn"
	}
	log := newLogger(cfg, e.stderr)
	ix, closeIndex, err := openIndexForPreview(ctx, e, cfg, indexOptions(cfg, log))
	if err != nil {
		return err
	}
	defer closeIndex()
	db, closeDB, err := openStateReadOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	d, err := newDigest(cfg, db, ix, nil, log, nil, "")
	if err != nil {
		return err
	}
	sub, err := findSubscription(ctx, cfg, db, platform, ch)
	if err != nil {
		return err
	}
	pv, err := d.PreviewOf(ctx, sub)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, digest.PreviewMessage(pv).PlainText(""))
	noteCutRefreshes(ctx, e, db)
	return nil
}

// noteCutRefreshes says, after a dry run, which source refreshes a kill
// or a stop cut short (and none completed since): serve's digest waits
// for them, and the preview came from the index as they left it. The dry
// run is no refresher: in a state file every run recorded is another
// process's (serve, stopped: the file is locked while it runs).
func noteCutRefreshes(ctx context.Context, e *env, db digest.Store) {
	cut := cutRefreshes(db, "")
	if cut == nil {
		return
	}
	rs, err := cut(ctx)
	if err != nil || len(rs) == 0 {
		return
	}
	for _, r := range rs {
		fmt.Fprintf(e.stderr, "paperbot: the source refresh %q was cut short at %s and has not completed since: the index may lack some of its papers, and serve's digest waits for it (at most %s) before it plans a day\n",
			r.Job, r.Since.Format(time.RFC3339), digest.RefreshWait)
	}
}

// openIndexForPreview opens cfg's index for the dry run. Without an index
// (or with an empty one) the preview is made from what serve and the chat
// index there when they first start, in a temporary index: the sample
// corpus (sampleWanted), or nothing when the sources or the papers table
// fill it. Like the state, the index is neither created nor written.
func openIndexForPreview(ctx context.Context, e *env, cfg *configs.Config, opts index.Options) (*index.Index, func(), error) {
	dir, withSample := cfg.Index, sampleWanted(cfg)
	ok, err := index.Exists(dir)
	if err != nil {
		return nil, nil, err
	}
	if ok {
		ix, err := index.Open(dir, opts)
		if err != nil {
			return nil, nil, err
		}
		if n, err := ix.Count(); err != nil || n > 0 {
			return ix, func() { ix.Close() }, nil
		}
		ix.Close()
	}
	tmp, err := os.MkdirTemp("", "paperbot-dry-run-")
	if err != nil {
		return nil, nil, err
	}
	quiet := *e
	quiet.stderr = io.Discard // not "indexing the sample corpus into" the temporary directory
	ix, err := openIndex(ctx, &quiet, filepath.Join(tmp, "index"), opts, withSample)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	switch {
	case withSample:
		fmt.Fprintf(e.stderr, "paperbot: no papers in %s yet: previewing from the sample corpus, which paperbot indexes there when it first starts\n", dir)
	case cfg.StateIsPostgres():
		fmt.Fprintf(e.stderr, "paperbot: no papers in %s yet: serve fills it from the papers table in PostgreSQL, which the sources' refresh writes; until then a digest has nothing to post\n", dir)
	default:
		fmt.Fprintf(e.stderr, "paperbot: no papers in %s yet: the configured sources fill it once serve runs; until then a digest has nothing to post\n", dir)
	}
	return ix, func() { ix.Close(); os.RemoveAll(tmp) }, nil
}

// findSubscription finds the channel's subscription by id or #name: in the
// configuration file first (it wins, as serve would make it), then among
// those made from chat.
func findSubscription(ctx context.Context, cfg *configs.Config, db digest.SubscriptionStore, platform, ch string) (digest.Subscription, error) {
	match := func(s digest.Subscription) bool {
		if s.Platform != platform {
			return false
		}
		name := strings.TrimPrefix(ch, "#")
		return s.Channel == ch || (s.ChannelName != "" && strings.TrimPrefix(s.ChannelName, "#") == name)
	}
	stored, err := db.Subscriptions(ctx)
	if err != nil {
		return digest.Subscription{}, err
	}
	for _, s := range configSubscriptions(cfg) {
		if !match(s) {
			continue
		}
		// As serve would store it.
		i := slices.IndexFunc(stored, func(o digest.Subscription) bool { return o.Platform == s.Platform && o.Channel == s.Channel })
		var old digest.Subscription
		if i >= 0 {
			old = stored[i]
		}
		return digest.FromConfig(s, old, i >= 0, clock.System{}.Now()), nil
	}
	for _, s := range stored {
		if match(s) && s.Source != digest.SourceConfig {
			return s, nil
		}
	}
	var known []string
	for _, s := range configSubscriptions(cfg) {
		known = append(known, s.Platform+":"+s.Channel)
	}
	for _, s := range stored {
		if s.Source != digest.SourceConfig {
			known = append(known, s.Platform+":"+s.Channel)
		}
	}
	if len(known) == 0 {
		return digest.Subscription{}, fmt.Errorf("no channel is subscribed (digest.subscriptions in %s, or /papers subscribe in a channel)", configName(cfg))
	}
	return digest.Subscription{}, fmt.Errorf("%s:%s is not subscribed; subscribed channels: %s", platform, ch, strings.Join(known, ", "))
}
