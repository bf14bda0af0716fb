package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperbot/paperbot/adapters/discord"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/internal/clock"
)

// replicaSet is serve's part in a replicated deployment (the state in
// PostgreSQL, any number of `paperbot serve` on it): the work that must
// happen once (the digest scheduler, the source refresh, a Discord
// gateway connection) runs under a lease, its writes through the lease's
// fenced view of the store; the refresh writes papers to the shared table
// and every replica's index follows the table. With a bbolt state there is
// no replicaSet and serve is one process, as it always was.
type replicaSet struct {
	db     *pgstore.Store
	holder string
	ttl    time.Duration
	poll   time.Duration
	log    *slog.Logger
	// caughtUp is set once the index has applied every paper the table
	// had when it last looked (readiness).
	caughtUp atomic.Bool
	// following is set once the index follows the table (follow); then
	// the digest waits for caughtUpCh (closed with caughtUp) before it
	// plans a day from the index.
	following  atomic.Bool
	caughtOnce sync.Once
	caughtUpCh chan struct{}
	// onTenure, when set, is called as each tenure of a lease begins, with
	// the work's context (tests).
	onTenure func(ctx context.Context, name string, l bot.Lease)
	// leases, when set, grants the leases instead of db (tests watch the
	// attempts through it).
	leases bot.Leases
}

// newReplicaSet is the replica set-up of a serve whose state is db.
func newReplicaSet(cfg *configs.Config, db *pgstore.Store, log *slog.Logger) *replicaSet {
	return &replicaSet{
		db:     db,
		holder: holderName(),
		ttl:    cfg.Replicas.LeaseTTLOrDefault(),
		poll:   cfg.Replicas.FollowPoll,
		log:    log,
	}
}

// holderName identifies this process among the replicas: host, pid and a
// random part (a restarted process with the same pid is another holder).
func holderName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// leased runs work under the named lease until ctx ends (bot.RunLeased):
// on one replica at a time, taken over by another within ttl + ttl/3 when
// its holder dies or loses the database.
func (r *replicaSet) leased(ctx context.Context, name string, work func(ctx context.Context, l bot.Lease) error) error {
	log := r.log.With("lease", name, "holder", r.holder)
	var leases bot.Leases = r.db
	if r.leases != nil {
		leases = r.leases
	}
	return bot.RunLeased(ctx, bot.LeaseConfig{
		Leases: leases,
		Name:   name,
		Holder: r.holder,
		TTL:    r.ttl,
		Logger: r.log, // RunLeased adds the lease and the holder itself
	}, func(ctx context.Context, l bot.Lease) error {
		log.InfoContext(ctx, "lease taken; running", "token", l.Token)
		if r.onTenure != nil {
			r.onTenure(ctx, name, l)
		}
		err := work(ctx, l)
		if ctx.Err() != nil {
			log.InfoContext(ctx, "stopped acting under the lease", "token", l.Token, "reason", context.Cause(ctx))
		}
		return err
	})
}

// replies runs the hourly refresh of the discussions' reply counts on
// one replica at a time: each replica counting every thread would
// multiply the platforms' calls (whose rate limits are the workspace's,
// not a replica's) for the same counts. Another replica takes over
// within the lease's TTL when the holder stops, and refreshes at once.
func (r *replicaSet) replies(rr *digest.ReplyRefresh) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return r.leased(ctx, "replies", func(ctx context.Context, _ bot.Lease) error { return rr.Run(ctx) })
	}
}

// follow keeps the index following the papers table (every replica).
func (r *replicaSet) follow(ix *index.Index) func(ctx context.Context) error {
	r.following.Store(true)
	return func(ctx context.Context) error {
		return ix.Follow(ctx, r.db, index.FollowOptions{
			Feed:   r.db.Where(),
			Poll:   r.poll,
			Clock:  clock.System{},
			Logger: r.log.With("job", "follow-papers"),
			CaughtUp: func(seq int64) {
				if !r.caughtUp.Swap(true) {
					r.log.Info("index caught up with the papers table", "seq", seq)
					close(r.caughtUpChan())
				}
			},
		})
	}
}

// caughtUpChan is closed once the index has caught up with the table.
func (r *replicaSet) caughtUpChan() chan struct{} {
	r.caughtOnce.Do(func() { r.caughtUpCh = make(chan struct{}) })
	return r.caughtUpCh
}

// ready reports whether this replica can serve: the database answers and
// the index has caught up with the papers table once.
func (r *replicaSet) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := r.db.Ping(ctx); err != nil {
		return errors.New("the state database is unreachable")
	}
	if !r.caughtUp.Load() {
		return errors.New("the index is catching up with the papers table")
	}
	return nil
}

// tableIndex is the sources' view of the index on the replica holding the
// refresh lease: papers are written to the shared table (fenced by the
// lease), from which every replica's index follows; reads go to the local
// index.
type tableIndex struct {
	table interface {
		UpsertPapers(ctx context.Context, papers []paper.Paper) error
	}
	*index.Index
}

// Upsert writes papers to the shared table.
func (t tableIndex) Upsert(ctx context.Context, papers []paper.Paper) error {
	return t.table.UpsertPapers(ctx, papers)
}

// shownIndex is where `show` puts a paper it fetched from arXiv on a
// replica: this replica's index at once, so that the next lookup here
// does not wait for its follower, and the papers table, as the refresh
// writes it (tableIndex), so that every replica's index gets it by
// following the table. The table's write is not fenced (no lease is
// needed to add a paper someone asked for, and the table merges it with
// whatever the refresh writes) and is given shownTableTimeout at most:
// a database that does not answer must leave the command time to reply.
type shownIndex struct{ tableIndex }

// shownTableTimeout bounds shownIndex's write to the papers table.
const shownTableTimeout = 3 * time.Second

// Upsert writes papers to the local index and to the table; a failure
// of either says which (the core logs it with the paper's id).
func (s shownIndex) Upsert(ctx context.Context, papers []paper.Paper) error {
	var errs []error
	if err := s.Index.Upsert(ctx, papers); err != nil {
		errs = append(errs, fmt.Errorf("writing to this replica's index: %w", err))
	}
	tctx, cancel := context.WithTimeout(ctx, shownTableTimeout)
	defer cancel()
	if err := s.tableIndex.Upsert(tctx, papers); err != nil {
		errs = append(errs, fmt.Errorf("writing to the papers table (the other replicas will not have it): %w", err))
	}
	return errors.Join(errs...)
}

// leasedGateway is the Discord adapter of a replica: it posts (REST) on
// every replica, and holds the gateway connection only while it holds the
// "discord-gateway" lease, with a fresh adapter for each tenure (a
// discordgo session is opened once).
type leasedGateway struct {
	*discord.Adapter
	replicas *replicaSet
	build    func() (*discord.Adapter, error)
}

// Run holds the gateway under the lease until ctx ends.
func (g leasedGateway) Run(ctx context.Context, h bot.Handler) error {
	return g.replicas.leased(ctx, "discord-gateway", func(ctx context.Context, _ bot.Lease) error {
		gw, err := g.build()
		if err != nil {
			return err
		}
		return gw.Run(ctx, h)
	})
}

// digest runs the digest scheduler under the "digest" lease: one scheduler
// among the replicas, its days claimed and recorded through the lease's
// fenced view (a holder that lost the lease cannot record a day), a new
// scheduler for each tenure, which resumes the days the last one left
// open (the ledger's lookup-after-unknown-outcome finds a post whose
// outcome the last holder never recorded).
//
// Subscriptions changed through another replica reach the scheduler at
// once: the store announces every change (pgstore.WatchSubscriptions).
//
// A replica whose index follows the table takes the lease only once its
// index has caught up: a day planned from an index still being built
// would post too few papers, or none, and be recorded so.
func (r *replicaSet) digest(ctx context.Context, cfg *configs.Config, search bot.Searcher, poster func(string) bot.Poster, log *slog.Logger, finished func(digest.Day)) error {
	if r.following.Load() {
		select {
		case <-r.caughtUpChan():
		case <-ctx.Done():
			return nil
		}
	}
	return r.leased(ctx, "digest", func(ctx context.Context, l bot.Lease) error {
		d, err := newDigest(cfg, r.db.Fenced(l), search, poster, log, finished, r.holder)
		if err != nil {
			return err
		}
		// A subscription made or changed on another replica wakes this
		// scheduler at once (NOTIFY), not on its next pass.
		wctx, stop := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			r.db.WatchSubscriptions(wctx, d.Wake, r.log.With("job", "watch-subscriptions"))
		}()
		defer func() { stop(); <-watched }()
		return d.Run(ctx)
	})
}
