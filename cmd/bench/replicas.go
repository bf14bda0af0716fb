package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore"
)

// The replicas section (issue 15): three real `paperbot serve` processes
// on one PostgreSQL database (a throwaway cluster, or --replicas-postgres),
// each building its own index from the shared papers table, and one
// loopback Slack with Slack's per-channel rate limit (the fan-out
// section's fake: a second message within a second in a channel gets a
// 429 with Retry-After). Measured: the digest fan-out to 1,000 channels ×
// 5 papers, posted by the replica that holds the digest lease, from the
// moment the first replica is ready (its index caught up with the table,
// so it may take the lease) to the last message; then the acknowledgement
// latency of signed slash commands at 200 requests a second, spread round
// robin over the three replicas (the chat section's open-loop generator).

type replicasOptions struct {
	channels, perChannel int
	// papers is how many papers of the dataset go into the table.
	papers   int
	rate     int
	duration time.Duration
	timeout  time.Duration
	// pgURL names a server to use instead of a throwaway cluster.
	pgURL string
	// pool, when > 0, is each replica's pool_max_conns (0: paperbot's
	// default, 4 or the number of CPUs).
	pool int
	// seed, when set, are the papers instead of the dataset's (tests);
	// findInitdb replaces the lookup of PostgreSQL's programs (tests).
	seed       []paper.Paper
	findInitdb func() string
}

// replicaCount is how many `paperbot serve` the section starts.
const replicaCount = 3

// replicasFlags declares the section's flags on fs; the function it
// returns reads them after fs.Parse.
func replicasFlags(fs *flag.FlagSet) func() replicasOptions {
	channels := fs.Int("replicas-channels", 1000, "replicas: channels the digest fans out to")
	per := fs.Int("replicas-papers-per-channel", 5, "replicas: papers per channel")
	papers := fs.Int("replicas-papers", 20000, "replicas: papers of the dataset written to the shared table (each replica indexes them all)")
	rate := fs.Int("replicas-rate", 200, "replicas: slash commands per second, round robin over the replicas")
	secs := fs.Int("replicas-seconds", 20, "replicas: how long the slash-command load lasts")
	timeout := fs.Duration("replicas-timeout", 15*time.Minute, "replicas: stop waiting for the fan-out after this long and report what was posted")
	pool := fs.Int("replicas-pool", 0, "replicas: each replica's PostgreSQL connection pool (pool_max_conns in its state URL; 0: paperbot's default)")
	pgURL := fs.String("replicas-postgres", "", "replicas: a PostgreSQL server URL to use (a schema of its own, dropped after) instead of a throwaway cluster from .ci/postgres")
	return func() replicasOptions {
		return replicasOptions{channels: *channels, perChannel: *per, papers: *papers, rate: *rate, duration: time.Duration(*secs) * time.Second,
			timeout: *timeout, pgURL: *pgURL, pool: *pool}
	}
}

type replicasReport struct {
	Replicas int    `json:"replicas"`
	Postgres string `json:"postgres_version"`
	// Pool is the replicas' pool_max_conns (0: paperbot's default).
	Pool   int `json:"pool_max_conns,omitempty"`
	Papers int `json:"papers_in_table"`
	// ReadySeconds is when each replica was ready (/healthz 200: its index
	// caught up with the table), seconds after the three were started.
	ReadySeconds []float64 `json:"ready_seconds"`
	// Fanout is the digest, timed from the first replica's readiness.
	Fanout       fanoutReport `json:"fanout"`
	DigestHolder string       `json:"digest_posted_by"`
	// FanoutPGCPU and AckPGCPU are the CPU seconds PostgreSQL used from
	// the first replica's readiness to the fan-out's end, and during the
	// slash-command load with its warm-up and replies (0: not known, the
	// server was not the section's own).
	FanoutPGCPU float64 `json:"fanout_postgres_cpu_seconds,omitempty"`
	// FanoutCPU is each replica's CPU seconds during the fan-out (the
	// digest holder's and the others', whose index builds may end in it);
	// FanoutLoad the host's 1-minute load average at its start and end.
	FanoutCPU  []float64  `json:"fanout_cpu_seconds_per_replica,omitempty"`
	FanoutLoad [2]float64 `json:"fanout_load1"`
	AckPGCPU   float64    `json:"ack_postgres_cpu_seconds,omitempty"`
	// Ack is the slash-command load over the replicas.
	Ack        chatPhase        `json:"ack"`
	PerReplica []replicaFigures `json:"per_replica"`
	Skipped    string           `json:"skipped,omitempty"`
}

type replicaFigures struct {
	Name     string `json:"name"`
	Requests int64  `json:"requests"`
	// CPUSeconds is the replica's CPU time during the measured load.
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSS    int64   `json:"peak_rss_bytes"`
}

// replica is one `paperbot serve` of the section.
type replica struct {
	name, base string
	cmd        *exec.Cmd
	done       chan struct{}
}

// replicasSection runs the section when it is selected.
func (b *bench) replicasSection(ctx context.Context) error {
	if !b.o.has(sectionReplicas) {
		return nil
	}
	rr, err := b.runReplicas(ctx)
	if err != nil {
		return fmt.Errorf("replicas: %w", err)
	}
	b.rep.Replicas = rr
	return nil
}

func (b *bench) runReplicas(ctx context.Context) (*replicasReport, error) {
	o := b.o.replicas
	rep := &replicasReport{Replicas: replicaCount}
	dbBase := o.pgURL
	pgDir := "" // the cluster's directory, when the section started it
	if dbBase == "" {
		find := o.findInitdb
		if find == nil {
			find = findInitdb
		}
		if find() == "" {
			b.logf("%v", errNoPostgres)
			b.rep.Warnings = append(b.rep.Warnings, errNoPostgres.Error())
			rep.Skipped = errNoPostgres.Error()
			return rep, nil
		}
		u, dir, stop, err := startPostgres(ctx, b.logf)
		if err != nil {
			return nil, err
		}
		defer stop()
		dbBase, pgDir = u, dir
	}
	dbURL, version, drop, err := benchSchema(ctx, dbBase)
	if err != nil {
		return nil, err
	}
	defer drop()
	rep.Postgres = version
	bin, err := b.paperbotBinary(ctx)
	if err != nil {
		return nil, err
	}
	papers, err := b.replicaPapers(ctx)
	if err != nil {
		return nil, err
	}
	db, err := pgstore.Open(ctx, dbURL, pgstore.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	b.logf("replicas: writing %d papers to the table", len(papers))
	if err := db.UpsertPapers(ctx, papers); err != nil {
		return nil, fmt.Errorf("writing the papers: %w", err)
	}
	rep.Papers = len(papers)
	// Due a minute ago (within the grace): the lease holder starts the day
	// as soon as its index has caught up.
	now := time.Now().UTC()
	due := now.Add(-time.Minute)
	for i := range o.channels {
		if err := db.PutSubscription(ctx, digest.Subscription{
			Platform: "slack", Team: "TBENCH", Channel: fmt.Sprintf("CREP%05d", i), ChannelName: fmt.Sprintf("papers-%d", i),
			Time: due.Format("15:04"), Zone: "UTC", Top: o.perChannel, Source: digest.SourceChat, By: "UBENCH", Since: now.Add(-2 * time.Hour),
		}); err != nil {
			return nil, err
		}
	}
	fake, err := startFakeSlack()
	if err != nil {
		return nil, err
	}
	defer fake.srv.Close()
	fake.enforce = slackChannelInterval
	dir := filepath.Join(b.o.work, "replicas")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	secretBytes := make([]byte, 16)
	rand.Read(secretBytes)
	secret := hex.EncodeToString(secretBytes)

	serveURL := dbURL
	if o.pool > 0 {
		rep.Pool = o.pool
		serveURL = withParam(dbURL, "pool_max_conns", strconv.Itoa(o.pool))
	}
	launch := time.Now()
	fake.resetPosts(launch)
	var reps []*replica
	defer func() {
		for _, r := range reps {
			r.stop()
		}
	}()
	for _, name := range []string{"A", "B", "C"}[:replicaCount] {
		r, err := startReplica(ctx, bin, name, dir, serveURL, fake.url, secret)
		if err != nil {
			return nil, err
		}
		reps = append(reps, r)
	}
	b.logf("replicas: %d serve processes started on one database, %d papers in the table; digest to %d channels × %d papers due",
		replicaCount, len(papers), o.channels, o.perChannel)
	ready, err := waitReplicasReady(ctx, reps, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	for _, t := range ready {
		rep.ReadySeconds = append(rep.ReadySeconds, t.Sub(launch).Seconds())
	}
	t0 := slices.MinFunc(ready, func(a, b time.Time) int { return a.Compare(b) })
	b.logf("replicas: ready after %v s", rep.ReadySeconds)

	pg0 := clusterCPU(pgDir)
	if err := b.replicasFanout(ctx, rep, fake, dbURL, reps, launch, t0); err != nil {
		return nil, err
	}
	pg1 := clusterCPU(pgDir)
	b.replicasAcks(ctx, rep, fake, reps, secret)
	if pgDir != "" {
		rep.FanoutPGCPU, rep.AckPGCPU = pg1-pg0, clusterCPU(pgDir)-pg1
	}
	return rep, nil
}

// replicaPapers are the papers of the table: the first N of the dataset,
// and a day of trending papers (copies of a hundred of them under new ids,
// with upvotes and today's date, as the Hugging Face refresh writes them)
// for the digest to post.
func (b *bench) replicaPapers(ctx context.Context) ([]paper.Paper, error) {
	ps := b.o.replicas.seed
	if ps == nil {
		path, err := findDataset(b.o.dataset)
		if err != nil {
			return nil, err
		}
		b.logf("replicas: reading %s", path)
		all, err := readPapers(ctx, path, b.logf)
		if err != nil {
			return nil, err
		}
		ps = all[:min(b.o.replicas.papers, len(all))]
	}
	now := time.Now().UTC()
	today := now.Format(paper.DateLayout)
	n := min(100, len(ps))
	out := slices.Clone(ps)
	for i, p := range ps[:n] {
		p.ID = fmt.Sprintf("%s.9%04d", now.Format("0601"), i)
		p.URL, p.PDFURL = "", ""
		p.Upvotes = 10 * (n - i)
		p.Published = today
		out = append(out, p)
	}
	return out, nil
}

func startReplica(ctx context.Context, bin, name, dir, dbURL, slackURL, secret string) (*replica, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	rdir := filepath.Join(dir, name)
	if err := os.MkdirAll(rdir, 0o755); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`data_dir: %q
state: ${BENCH_STATE_URL}
log:
  level: warn
http:
  addr: "127.0.0.1:%d"
slack:
  mode: http
  bot_token: ${BENCH_SLACK_BOT_TOKEN}
  signing_secret: ${BENCH_SLACK_SIGNING_SECRET}
  api_url: %q
digest:
  grace: 1h
`, filepath.Join(rdir, "data"), port, slackURL+"/api/")
	cfgPath := filepath.Join(rdir, "paperbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(rdir, "serve.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfgPath)
	cmd.Env = append(os.Environ(), "BENCH_STATE_URL="+dbURL, "BENCH_SLACK_BOT_TOKEN=xoxb-bench-not-a-token", "BENCH_SLACK_SIGNING_SECRET="+secret)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	r := &replica{name: name, base: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); logFile.Close(); close(r.done) }()
	return r, nil
}

// stop ends the replica (SIGTERM; SIGKILL after 30 s) and waits for it.
func (r *replica) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM) // a process this section started
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
	}
}

// waitReplicasReady polls every replica's /healthz until each answers 200
// and returns when each did.
func waitReplicasReady(ctx context.Context, reps []*replica, timeout time.Duration) ([]time.Time, error) {
	ready := make([]time.Time, len(reps))
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for left := len(reps); left > 0; {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("replicas: not every replica ready within %s (logs in the work directory's replicas/)", timeout)
		}
		for i, r := range reps {
			if !ready[i].IsZero() {
				continue
			}
			select {
			case <-r.done:
				return nil, fmt.Errorf("replica %s exited before it was ready (%v; see its serve.log)", r.name, r.cmd.ProcessState)
			default:
			}
			if resp, err := client.Get(r.base + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ready[i] = time.Now()
					left--
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return ready, nil
}

// replicasFanout waits for the digest to finish (every channel's day done
// in the ledger and every message at the fake), or the timeout, and
// reports it, timed from t0.
func (b *bench) replicasFanout(ctx context.Context, rep *replicasReport, fake *fakeSlack, dbURL string, reps []*replica, launch, t0 time.Time) error {
	o := b.o.replicas
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	f := &rep.Fanout
	*f = fanoutReport{Corpus: "the shared table", Papers: rep.Papers, Channels: o.channels, PerChannel: o.perChannel,
		Expected: o.channels * (1 + 2*o.perChannel)}
	cpu0 := replicasCPU(reps)
	each0 := make([]float64, len(reps))
	for i, r := range reps {
		each0[i] = procCPU(r.cmd.Process.Pid)
	}
	rep.FanoutLoad[0] = loadAvg()
	deadline := t0.Add(o.timeout)
	var done int
	for {
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM digest_days WHERE status = 'done'").Scan(&done); err != nil {
			return fmt.Errorf("reading the digest ledger: %w", err)
		}
		posts, _ := fake.postStats()
		n := 0
		for _, ts := range posts {
			n += len(ts)
		}
		if done >= o.channels && n >= f.Expected {
			break
		}
		if time.Now().After(deadline) {
			f.Error = fmt.Sprintf("stopped waiting after %s (--replicas-timeout): %d of %d channels' days done", o.timeout, done, o.channels)
			break
		}
		if alive := slices.ContainsFunc(reps, func(r *replica) bool { return r.alive() }); !alive {
			f.Error = "every replica exited"
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	f.CPUSeconds = replicasCPU(reps) - cpu0
	rep.FanoutLoad[1] = loadAvg()
	for i, r := range reps {
		rep.FanoutCPU = append(rep.FanoutCPU, procCPU(r.cmd.Process.Pid)-each0[i])
	}
	var holder string
	if err := conn.QueryRow(ctx, "SELECT holder FROM leases WHERE name = 'digest'").Scan(&holder); err == nil {
		rep.DigestHolder = holder
		for _, r := range reps {
			if strings.Contains(holder, "/"+strconv.Itoa(r.cmd.Process.Pid)+"/") {
				rep.DigestHolder = r.name
			}
		}
	}
	posts, limited := fake.postStats()
	f.RateLimited = limited
	f.Duplicates = fake.duplicates()
	off := t0.Sub(launch)
	var first, last []time.Duration
	for _, ts := range posts {
		f.Messages += len(ts)
		f.MessagesPerChannel = max(f.MessagesPerChannel, len(ts))
		first = append(first, slices.Min(ts)-off)
		last = append(last, slices.Max(ts)-off)
		if len(ts) < 1+2*o.perChannel {
			f.Incomplete++
		}
	}
	f.Incomplete += f.Channels - len(posts)
	f.FirstPost, f.LastPost = summarize(first), summarize(last)
	if len(last) > 0 {
		f.Seconds = slices.Max(last).Seconds()
	}
	f.BoundSeconds = float64(1+2*o.perChannel) * slackChannelInterval.Seconds()
	b.logf("replicas: fan-out %.1f s for %d of %d messages (bound %.0f s), %d refused, %d duplicates, posted by %s",
		f.Seconds, f.Messages, f.Expected, f.BoundSeconds, f.RateLimited, f.Duplicates, rep.DigestHolder)
	return nil
}

func (r *replica) alive() bool {
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

func replicasCPU(reps []*replica) float64 {
	var s float64
	for _, r := range reps {
		s += procCPU(r.cmd.Process.Pid)
	}
	return s
}

// roundRobin sends each request to the next replica in turn.
type roundRobin struct {
	hosts  []string
	next   atomic.Uint64
	counts []atomic.Int64
	base   http.RoundTripper
}

func (t *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	i := int((t.next.Add(1) - 1) % uint64(len(t.hosts)))
	t.counts[i].Add(1)
	req = req.Clone(req.Context())
	req.URL.Host, req.Host = t.hosts[i], t.hosts[i]
	return t.base.RoundTrip(req)
}

// replicasAcks sends the slash-command load over the replicas.
func (b *bench) replicasAcks(ctx context.Context, rep *replicasReport, fake *fakeSlack, reps []*replica, secret string) {
	o := b.o.replicas
	rr := &roundRobin{counts: make([]atomic.Int64, len(reps)), base: &http.Transport{
		MaxIdleConns: maxInflight, MaxIdleConnsPerHost: maxInflight, IdleConnTimeout: time.Minute,
	}}
	for _, r := range reps {
		rr.hosts = append(rr.hosts, strings.TrimPrefix(r.base, "http://"))
	}
	g := &loadGen{client: &http.Client{Timeout: 10 * time.Second, Transport: rr}, endpoint: reps[0].base + "/slack/commands",
		secret: secret, fake: fake, queries: b.qs}
	b.logf("replicas: warm-up, 3 s at %d/s over %d replicas", o.rate, len(reps))
	g.phase(ctx, "warm-up", o.rate, 3*time.Second)
	g.settle(ctx)
	for i := range rr.counts {
		rr.counts[i].Store(0)
	}
	cpu := make([]float64, len(reps))
	for i, r := range reps {
		cpu[i] = procCPU(r.cmd.Process.Pid)
	}
	b.logf("replicas: %s at %d/s over %d replicas", o.duration, o.rate, len(reps))
	rep.Ack = g.phase(ctx, "over the replicas", o.rate, o.duration)
	for i, r := range reps {
		rep.PerReplica = append(rep.PerReplica, replicaFigures{Name: r.name, Requests: rr.counts[i].Load(),
			CPUSeconds: procCPU(r.cmd.Process.Pid) - cpu[i], PeakRSS: procMemOf(r.cmd.Process.Pid).HWM})
		rep.Ack.ServeCPU += rep.PerReplica[i].CPUSeconds
	}
	b.logf("replicas: ack p50 %s p99 %s max %s, %d sent, %d failed", msStr(rep.Ack.Ack.P50), msStr(rep.Ack.Ack.P99), msStr(rep.Ack.Ack.Max), rep.Ack.Sent, rep.Ack.Failed)
}
