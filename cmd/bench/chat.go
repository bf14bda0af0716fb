package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The chat section: signed Slack slash commands from a bounded, open-loop
// loopback load generator against a real `paperbot serve` (Slack adapter in
// HTTP mode, the index of the largest corpus measured), first with nothing
// else running, then while `paperbot ingest` indexes the 250k corpus into
// another index on the same machine. A fake Slack on loopback answers
// auth.test and receives the replies posted to each command's
// response_url, rendered by the real Block Kit renderer.

type chatOptions struct {
	rate     int
	duration time.Duration
	binary   string
	// expLimit > 0 also measures the experiment server that works on at
	// most that many commands at once.
	expLimit int
}

// slackRequestLimit is Slack's deadline for acknowledging a command.
const slackRequestLimit = 3 * time.Second

// replyWait is how long a phase waits for the replies to its commands.
const replyWait = 60 * time.Second

// maxInflight bounds the generator: a request that would exceed it is not
// sent and counted as dropped.
const maxInflight = 2000

type chatPhase struct {
	Name       string  `json:"name"`
	Rate       int     `json:"rate_per_second"`
	Seconds    float64 `json:"seconds"`
	Sent       int     `json:"sent"`
	Acked      int     `json:"acked"`
	Failed     int     `json:"failed"`
	Dropped    int     `json:"dropped_by_generator"`
	FirstError string  `json:"first_error,omitempty"`
	AcksPerSec float64 `json:"acks_per_second"`
	// Ack is the time from a request's scheduled send to its 200 (open
	// loop: a late generator counts against the server, never for it).
	Ack latency `json:"ack"`
	// Over3s counts acknowledgements at or over Slack's 3 s deadline.
	Over3s int `json:"acks_at_or_over_3s"`
	// Reply is the time from the scheduled send to the answer arriving at
	// the response_url.
	Reply   latency `json:"reply"`
	Replies int     `json:"replies"`
	// ReplyWait is how long the phase waited for replies after its last
	// acknowledgement; replies later than that are not counted.
	ReplyWait    float64 `json:"reply_wait_seconds"`
	MaxSendLagMs float64 `json:"max_send_lag_ms"`
	Load1        float64 `json:"loadavg_1m_after"`
	// CPU seconds used during the phase by the server, by the concurrent
	// ingest, and by the load generator (this process).
	ServeCPU  float64 `json:"serve_cpu_seconds"`
	IngestCPU float64 `json:"ingest_cpu_seconds,omitempty"`
	GenCPU    float64 `json:"generator_cpu_seconds"`
	Note      string  `json:"note,omitempty"`
}

type chatReport struct {
	Corpus  string             `json:"corpus"`
	Papers  int                `json:"papers"`
	Servers []chatServerReport `json:"servers"`
}

// chatServerReport is one server's phases.
type chatServerReport struct {
	Label  string      `json:"label"`
	Limit  int         `json:"limit,omitempty"`
	Phases []chatPhase `json:"phases"`
	// IngestBytes is how much index the concurrent ingest had written by
	// the end of the loaded phase.
	IngestBytes   int64 `json:"ingest_index_bytes_during"`
	IngestRunning bool  `json:"ingest_still_running_at_end"`
	ServePeakRSS  int64 `json:"serve_peak_rss_bytes"`
	ServeRSS      int64 `json:"serve_rss_bytes"`
	// ColdStart is the server's start on an index dropped from the page
	// cache: the time from its exec to /healthz answering 200 (the index is
	// open), to the first slash command's reply, and its RSS then.
	ColdStart coldStart `json:"cold_start"`
}

// coldStart is how a server started (see chatServerReport.ColdStart).
type coldStart struct {
	HealthySeconds     float64 `json:"healthy_seconds"`
	FirstAnswerSeconds float64 `json:"first_answer_seconds"`
	RSS                int64   `json:"rss_bytes"`
}

func (c *chatServerReport) phase(name string) *chatPhase {
	for i := range c.Phases {
		if c.Phases[i].Name == name {
			return &c.Phases[i]
		}
	}
	return nil
}

// targets are checked on the real `paperbot serve`.
func (c *chatReport) targets() []targetCheck {
	if len(c.Servers) == 0 || c.Servers[0].Limit != 0 {
		return nil
	}
	var out []targetCheck
	if cs := c.Servers[0].ColdStart; cs.HealthySeconds > 0 {
		v := fmt.Sprintf("first answer %.1f s after the start (healthy after %.1f s), RSS then %s", cs.FirstAnswerSeconds, cs.HealthySeconds, bytesStr(cs.RSS))
		if cs.FirstAnswerSeconds == 0 {
			v = fmt.Sprintf("healthy after %.1f s, the first command was not answered", cs.HealthySeconds)
		}
		out = append(out, targetCheck{
			Target: fmt.Sprintf("paperbot serve cold start, %s papers", count(c.Papers)),
			Goal:   "answering within 10 s of the start",
			Value:  v,
			Met:    met(cs.FirstAnswerSeconds > 0 && cs.FirstAnswerSeconds < 10),
			Note:   shortfall(cs.FirstAnswerSeconds*1000, 10000, false),
		})
	}
	p := c.Servers[0].phase("during ingest")
	if p == nil {
		return out
	}
	scope := ""
	if !c.Servers[0].IngestRunning {
		scope = " (the ingest finished before the load did)"
	}
	rateOK := p.AcksPerSec >= 0.98*float64(p.Rate) && p.Failed == 0 && p.Dropped == 0
	return append(out, []targetCheck{
		{
			Target: fmt.Sprintf("slash-command acks during an ingest, %d req/s%s", p.Rate, scope),
			Goal:   "p99 < 100 ms at 200 req/s",
			Value:  fmt.Sprintf("p99 %s, %.0f acks/s (%d sent, %d failed, %d dropped)", msStr(p.Ack.P99), p.AcksPerSec, p.Sent, p.Failed, p.Dropped),
			Met:    met(p.Ack.P99 < 100 && rateOK && p.Rate >= 200),
			Note:   shortfall(p.Ack.P99, 100, false),
		},
		{
			Target: "no acknowledgement at or over 3 s",
			Goal:   "0",
			Value:  fmt.Sprintf("%d (slowest %s)", p.Over3s, msStr(p.Ack.Max)),
			Met:    met(p.Over3s == 0 && p.Failed == 0),
		},
	}...)
}

func (c *chatReport) writeMarkdown(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("### Chat load: signed Slack slash commands (%s corpus, %s papers)\n\n", c.Corpus, count(c.Papers))
	p("| server | phase | rate | sent | acked | acks/s | ack p50 | ack p95 | ack p99 | ack max | ≥ 3 s | replies (in the wait) | reply p50 | reply p99 | failed / dropped | CPU s: server / ingest / generator | host load |\n")
	p("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range c.Servers {
		for _, ph := range s.Phases {
			r50, r99 := "–", "–"
			if ph.Reply.N > 0 {
				r50, r99 = msStr(ph.Reply.P50), msStr(ph.Reply.P99)
			}
			p("| %s | %s | %d/s | %d | %d | %.0f | %s | %s | %s | %s | %d | %d (%.0f s) | %s | %s | %d / %d | %.1f / %.1f / %.1f | %.1f |\n", s.Label, ph.Name, ph.Rate, ph.Sent, ph.Acked, ph.AcksPerSec,
				msStr(ph.Ack.P50), msStr(ph.Ack.P95), msStr(ph.Ack.P99), msStr(ph.Ack.Max), ph.Over3s, ph.Replies, ph.ReplyWait, r50, r99, ph.Failed, ph.Dropped,
				ph.ServeCPU, ph.IngestCPU, ph.GenCPU, ph.Load1)
		}
	}
	p("\n")
	for _, s := range c.Servers {
		idle, busy := s.phase("idle"), s.phase("during ingest")
		if idle != nil && busy != nil {
			p("%s: during the ingest, ack p99 is %s the idle figure; peak RSS %s.", s.Label, ratio(busy.Ack.P99, idle.Ack.P99), bytesStr(s.ServePeakRSS))
			if cs := s.ColdStart; cs.HealthySeconds > 0 {
				p(" Cold start (index dropped from the page cache): healthy after %.2f s, first answer after %.2f s, RSS %s then.", cs.HealthySeconds, cs.FirstAnswerSeconds, bytesStr(cs.RSS))
			}
			if busy.Note != "" {
				p(" Note: %s.", busy.Note)
			}
			p("\n\n")
		}
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// paperbotBinary builds cmd/paperbot into the work directory (or returns
// the one given).
func (b *bench) paperbotBinary(ctx context.Context) (string, error) {
	if b.o.chat.binary != "" {
		return b.o.chat.binary, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(b.o.work, "paperbot")
	b.logf("building %s", bin)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/paperbot")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/paperbot: %w", err)
	}
	return bin, nil
}

// chatCorpus picks the largest corpus with a finished paperbot index.
func (b *bench) chatCorpus() (name, dir string, papers int, err error) {
	for _, c := range []string{corpus3M, corpus1M, corpus250k} {
		if len(b.o.corpora) > 0 && !containsStr(b.o.corpora, c) {
			continue
		}
		d := b.indexPath(c, enginePaperbot)
		if n, err := os.ReadFile(d + ".done"); err == nil {
			papers, _ = strconv.Atoi(string(n))
			return c, d, papers, nil
		}
	}
	return "", "", 0, errors.New("no finished paperbot index to serve: run the ingest or query section first (same --work, --corpus and --limit)")
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// chatServer is one server the chat section measures.
type chatServer struct {
	label string
	// limit > 0 selects the experiment server with that many commands
	// worked on at once; 0 is the real `paperbot serve`.
	limit int
}

func (b *bench) runChat(ctx context.Context, dataset string) (*chatReport, error) {
	name, ixDir, papers, err := b.chatCorpus()
	if err != nil {
		return nil, err
	}
	env := &chatEnv{ixDir: ixDir}
	if env.ingestCorpus, err = corpusFile(ctx, b.o.work, dataset, corpus250k, b.logf); err != nil {
		return nil, err
	}
	if env.bin, err = b.paperbotBinary(ctx); err != nil {
		return nil, err
	}
	if env.queries, err = loadQueries(b.o.queries); err != nil {
		return nil, err
	}
	if env.fake, err = startFakeSlack(); err != nil {
		return nil, err
	}
	defer env.fake.srv.Close()
	env.dir = filepath.Join(b.o.work, "chat")
	if err := os.RemoveAll(env.dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(env.dir, 0o755); err != nil {
		return nil, err
	}
	secretBytes := make([]byte, 16)
	rand.Read(secretBytes)
	env.secret = hex.EncodeToString(secretBytes)
	rep := &chatReport{Corpus: name, Papers: papers}
	servers := []chatServer{{label: "paperbot serve"}}
	if b.o.chat.expLimit > 0 {
		servers = append(servers, chatServer{label: fmt.Sprintf("experiment: at most %d commands at once", b.o.chat.expLimit), limit: b.o.chat.expLimit})
	}
	for _, s := range servers {
		sr, err := b.chatRun(ctx, env, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.label, err)
		}
		rep.Servers = append(rep.Servers, sr)
	}
	return rep, nil
}

// chatEnv is what every server of the chat section shares.
type chatEnv struct {
	ixDir, ingestCorpus, bin, dir, secret string
	queries                               []Query
	fake                                  *fakeSlack
	next                                  int // request ids go on across servers
}

// startServer starts the server to measure and returns its base URL.
func (b *bench) startServer(ctx context.Context, env *chatEnv, s chatServer, logFile *os.File) (*exec.Cmd, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	var cmd *exec.Cmd
	if s.limit > 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, "", err
		}
		cmd = exec.CommandContext(ctx, exe, childCommand, "serve", "--index", env.ixDir, "--addr", fmt.Sprintf("127.0.0.1:%d", port),
			"--api", env.fake.url+"/api/", "--limit", strconv.Itoa(s.limit))
	} else {
		cfg := fmt.Sprintf(`data_dir: %q
index: %q
log:
  level: warn
http:
  addr: "127.0.0.1:%d"
slack:
  mode: http
  bot_token: ${BENCH_SLACK_BOT_TOKEN}
  signing_secret: ${BENCH_SLACK_SIGNING_SECRET}
  api_url: %q
`, filepath.Join(env.dir, "data"), env.ixDir, port, env.fake.url+"/api/")
		cfgPath := filepath.Join(env.dir, "paperbot.yaml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			return nil, "", err
		}
		cmd = exec.CommandContext(ctx, env.bin, "serve", "--config", cfgPath)
	}
	cmd.Env = append(os.Environ(), "BENCH_SLACK_BOT_TOKEN=xoxb-bench-not-a-token", "BENCH_SLACK_SIGNING_SECRET="+env.secret)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	return cmd, fmt.Sprintf("http://127.0.0.1:%d", port), nil
}

func (b *bench) chatRun(ctx context.Context, env *chatEnv, s chatServer) (chatServerReport, error) {
	sr := chatServerReport{Label: s.label, Limit: s.limit}
	logFile, err := os.Create(filepath.Join(env.dir, fmt.Sprintf("serve-%d.log", s.limit)))
	if err != nil {
		return sr, err
	}
	defer logFile.Close()
	b.logf("chat: starting %s", s.label)
	// Cold, as after a deploy or a reboot: the index is read from disk.
	if n, err := dropFromPageCache(env.ixDir); err != nil {
		b.logf("  could not drop %s from the page cache: %v", env.ixDir, err)
	} else {
		b.logf("  dropped %s of index files from the page cache", bytesStr(n))
	}
	started := time.Now()
	serve, base, err := b.startServer(ctx, env, s, logFile)
	if err != nil {
		return sr, err
	}
	serveDone := make(chan struct{})
	var serveErr error
	go func() { serveErr = serve.Wait(); close(serveDone) }()
	var stopOnce sync.Once
	stopServe := func() {
		stopOnce.Do(func() {
			serve.Process.Signal(syscall.SIGTERM) // the server this section started
			select {
			case <-serveDone:
			case <-time.After(30 * time.Second):
				serve.Process.Kill()
				<-serveDone
			}
		})
	}
	defer stopServe()
	if err := waitHealthy(ctx, base+"/healthz", serveDone, 5*time.Minute); err != nil {
		if errors.Is(err, errExited) {
			<-serveDone
			err = fmt.Errorf("%w: %v", err, serveErr)
		}
		return sr, fmt.Errorf("the server did not start (see %s): %w", logFile.Name(), err)
	}
	healthy := time.Since(started)
	g := &loadGen{
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			MaxIdleConns: maxInflight, MaxIdleConnsPerHost: maxInflight, IdleConnTimeout: time.Minute,
		}},
		endpoint: base + "/slack/commands", secret: env.secret, fake: env.fake, queries: env.queries, next: env.next,
		servePid: serve.Process.Pid,
	}
	defer func() { env.next = g.next }()
	// One command, sent as soon as the server is healthy: its reply ends
	// the cold start (the open loop counts from its due time).
	first := g.phase(ctx, "first answer", 1, time.Second)
	g.settle(ctx)
	sr.ColdStart = coldStart{HealthySeconds: healthy.Seconds(), FirstAnswerSeconds: healthy.Seconds() + first.Reply.Max/1000, RSS: procMemOf(serve.Process.Pid).RSS}
	if first.Replies == 0 {
		sr.ColdStart.FirstAnswerSeconds = 0
	}
	b.logf("chat: cold start: healthy after %.2f s, first answer after %.2f s, RSS %s", sr.ColdStart.HealthySeconds, sr.ColdStart.FirstAnswerSeconds, bytesStr(sr.ColdStart.RSS))
	rate, d := b.o.chat.rate, b.o.chat.duration
	b.logf("chat: warm-up, 3 s at %d/s", rate)
	g.phase(ctx, "warm-up", rate, 3*time.Second)
	g.settle(ctx)
	b.logf("chat: idle, %s at %d/s", d, rate)
	sr.Phases = append(sr.Phases, g.phase(ctx, "idle", rate, d))
	g.settle(ctx)

	ingestDir := filepath.Join(env.dir, "ingest-index")
	os.RemoveAll(ingestDir)
	ingest := exec.CommandContext(ctx, env.bin, "ingest", "--quiet", "--index", ingestDir, env.ingestCorpus)
	ingestLog, err := os.Create(filepath.Join(env.dir, "ingest.log"))
	if err != nil {
		return sr, err
	}
	defer ingestLog.Close()
	ingest.Stdout, ingest.Stderr = ingestLog, ingestLog
	ingest.Env = append(os.Environ(), "PAPERBOT_DATA_DIR="+filepath.Join(env.dir, "ingest-data"))
	if err := ingest.Start(); err != nil {
		return sr, err
	}
	ingestDone := make(chan struct{})
	go func() { ingest.Wait(); close(ingestDone) }()
	b.logf("chat: during an ingest (pid %d), %s at %d/s", ingest.Process.Pid, d, rate)
	time.Sleep(2 * time.Second) // let the ingest get going
	g.otherPid = ingest.Process.Pid
	busy := g.phase(ctx, "during ingest", rate, d)
	g.otherPid = 0
	sr.IngestBytes, _ = diskUsage(ingestDir)
	select {
	case <-ingestDone:
		busy.Note = "the ingest ended before the load did"
	default:
		sr.IngestRunning = true
		ingest.Process.Kill() // the ingest this section started; its index is scratch
		<-ingestDone
	}
	sr.Phases = append(sr.Phases, busy)
	os.RemoveAll(ingestDir)
	mem := procMemOf(serve.Process.Pid)
	sr.ServePeakRSS, sr.ServeRSS = mem.HWM, mem.RSS
	stopServe()
	return sr, nil
}

var errExited = errors.New("it exited")

// waitHealthy polls url until it answers 200, the process exits (exited is
// closed) or the timeout passes.
func waitHealthy(ctx context.Context, u string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("no 200 from %s within %s", u, timeout)
}

// procCPU is the CPU time (user + system) a process has used, in seconds
// (0 when pid is 0 or gone).
func procCPU(pid int) float64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count from after it.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// procMemOf reads another process's memory figures.
func procMemOf(pid int) procMem {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}
	}
	return parseProcStatus(string(b))
}
