package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	p := c.Servers[0].phase("during ingest")
	if p == nil {
		return nil
	}
	scope := ""
	if !c.Servers[0].IngestRunning {
		scope = " (the ingest finished before the load did)"
	}
	rateOK := p.AcksPerSec >= 0.98*float64(p.Rate) && p.Failed == 0 && p.Dropped == 0
	return []targetCheck{
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
	}
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
			if busy.Note != "" {
				p(" Note: %s.", busy.Note)
			}
			p("\n\n")
		}
	}
}

// fakeSlack is a loopback Slack: auth.test for the adapter's start-up
// check, chat.postMessage (one message per second per channel when enforce
// is set: a faster one gets a 429 with Retry-After, as Slack answers),
// chat.getPermalink, any other Web API method answered ok, and
// response_url endpoints that note when each reply arrives.
type fakeSlack struct {
	srv *http.Server
	url string
	// enforce is the per-channel interval (0: no rate limit).
	enforce time.Duration

	mu      sync.Mutex
	replies map[int]time.Time
	// start, posts (per channel, offsets from start), last accepted post
	// per channel, 429s answered, ts counter.
	start   time.Time
	posts   map[string][]time.Duration
	last    map[string]time.Time
	limited int
	ts      int
	// msgs are the accepted messages per channel (history for the
	// adapter's check after an unknown outcome); keys counts each
	// message's idempotency key, to find duplicates.
	msgs map[string][]fakeMsg
	keys map[string]int
}

type fakeMsg struct {
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	Type     string          `json:"type"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// rateTolerance forgives the jitter between the adapter's pacer and the
// fake's clock on loopback.
const rateTolerance = 20 * time.Millisecond

func startFakeSlack() (*fakeSlack, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &fakeSlack{url: "http://" + ln.Addr().String(), replies: map[int]time.Time{}, posts: map[string][]time.Duration{}, last: map[string]time.Time{},
		msgs: map[string][]fakeMsg{}, keys: map[string]int{}}
	mux := http.NewServeMux()
	jsonOK := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
	mux.HandleFunc("POST /api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		jsonOK(w, `{"ok":true,"url":"https://bench.slack.com/","team":"bench","user":"paperbot","team_id":"TBENCH","user_id":"UBOT","bot_id":"BBOT"}`)
	})
	mux.HandleFunc("POST /api/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		ch := r.FormValue("channel")
		f.mu.Lock()
		if last, ok := f.last[ch]; ok && f.enforce > 0 && now.Sub(last) < f.enforce-rateTolerance {
			f.limited++
			f.mu.Unlock()
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
			return
		}
		f.last[ch] = now
		f.posts[ch] = append(f.posts[ch], now.Sub(f.start))
		f.ts++
		ts := fmt.Sprintf("1700000000.%06d", f.ts)
		m := fakeMsg{TS: ts, ThreadTS: r.FormValue("thread_ts"), Type: "message"}
		if md := r.FormValue("metadata"); md != "" && json.Valid([]byte(md)) {
			m.Metadata = json.RawMessage(md)
			var k struct {
				Payload map[string]any `json:"event_payload"`
			}
			json.Unmarshal(m.Metadata, &k)
			if key := fmt.Sprint(k.Payload["key"]); k.Payload != nil {
				f.keys[key]++
			}
		}
		f.msgs[ch] = append(f.msgs[ch], m)
		f.mu.Unlock()
		jsonOK(w, fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q}`, ch, ts))
	})
	mux.HandleFunc("/api/chat.getPermalink", func(w http.ResponseWriter, r *http.Request) {
		ch, ts := r.FormValue("channel"), r.FormValue("message_ts")
		jsonOK(w, fmt.Sprintf(`{"ok":true,"channel":%q,"permalink":"https://bench.slack.com/archives/%s/p%s"}`, ch, ch, strings.ReplaceAll(ts, ".", "")))
	})
	// History for the adapter's check after an unknown outcome.
	history := func(w http.ResponseWriter, r *http.Request, thread string) {
		f.mu.Lock()
		var out []fakeMsg
		for _, m := range f.msgs[r.FormValue("channel")] {
			if (thread == "" && m.ThreadTS == "") || (thread != "" && (m.ThreadTS == thread || m.TS == thread)) {
				out = append(out, m)
			}
		}
		f.mu.Unlock()
		b, _ := json.Marshal(map[string]any{"ok": true, "messages": out, "has_more": false})
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
	mux.HandleFunc("/api/conversations.history", func(w http.ResponseWriter, r *http.Request) { history(w, r, "") })
	mux.HandleFunc("/api/conversations.replies", func(w http.ResponseWriter, r *http.Request) { history(w, r, r.FormValue("ts")) })
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		jsonOK(w, `{"ok":true}`)
	})
	mux.HandleFunc("POST /respond/{id}", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		io.Copy(io.Discard, r.Body)
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		if _, seen := f.replies[id]; !seen {
			f.replies[id] = now
		}
		f.mu.Unlock()
		io.WriteString(w, "ok")
	})
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go f.srv.Serve(ln)
	return f, nil
}

// resetPosts forgets the posts so far and times new ones from start.
func (f *fakeSlack) resetPosts(start time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.start = start
	f.posts = map[string][]time.Duration{}
	f.last = map[string]time.Time{}
	f.limited = 0
	f.msgs = map[string][]fakeMsg{}
	f.keys = map[string]int{}
}

// duplicates counts messages posted again under a key already posted.
func (f *fakeSlack) duplicates() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.keys {
		n += c - 1
	}
	return n
}

func (f *fakeSlack) replyAt(id int) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.replies[id]
	return t, ok
}

func (f *fakeSlack) replyCount(ids []int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, id := range ids {
		if _, ok := f.replies[id]; ok {
			n++
		}
	}
	return n
}

// postStats returns the accepted posts per channel and the 429s answered.
func (f *fakeSlack) postStats() (map[string][]time.Duration, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]time.Duration, len(f.posts))
	for ch, ts := range f.posts {
		out[ch] = slices.Clone(ts)
	}
	return out, f.limited
}

// signSlack signs a request body like Slack does (v0 HMAC-SHA256).
func signSlack(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// slackEscape escapes text the way Slack sends it in a slash command.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// loadGen sends signed slash commands.
type loadGen struct {
	client   *http.Client
	endpoint string
	secret   string
	fake     *fakeSlack
	queries  []Query
	next     int // request id
	// servePid and otherPid are the processes whose CPU time a phase
	// reports (otherPid: the concurrent ingest, 0 when none).
	servePid, otherPid int
}

// settle waits until the server has answered what it was sent, at most
// a minute, so that one phase's backlog does not spill into the next.
func (g *loadGen) settle(ctx context.Context) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		g.fake.mu.Lock()
		n := len(g.fake.replies)
		g.fake.mu.Unlock()
		if n >= g.next {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// phase sends rate commands per second for d, open loop, then waits up to
// 30 s for the replies.
func (g *loadGen) phase(ctx context.Context, name string, rate int, d time.Duration) chatPhase {
	res := chatPhase{Name: name, Rate: rate, Seconds: d.Seconds()}
	serveCPU0, otherCPU0, genCPU0 := procCPU(g.servePid), procCPU(g.otherPid), procCPU(os.Getpid())
	n := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	sem := make(chan struct{}, maxInflight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acks []time.Duration
	sched := make(map[int]time.Time, n)
	var ids []int
	start := time.Now().Add(50 * time.Millisecond)
	var maxLag time.Duration
	for i := 0; i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		maxLag = max(maxLag, time.Since(at))
		select {
		case sem <- struct{}{}:
		default:
			res.Dropped++
			continue
		}
		id := g.next
		g.next++
		q := g.queries[id%len(g.queries)]
		sched[id] = at
		ids = append(ids, id)
		res.Sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := g.send(ctx, id, q.Text)
			took := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				if res.FirstError == "" {
					res.FirstError = err.Error()
				}
				return
			}
			acks = append(acks, took)
			if took >= slackRequestLimit {
				res.Over3s++
			}
		}()
	}
	wg.Wait()
	sent := time.Since(start)
	res.Acked = len(acks)
	res.AcksPerSec = float64(res.Acked) / sent.Seconds()
	res.Ack = summarize(acks)
	res.MaxSendLagMs = float64(maxLag) / float64(time.Millisecond)
	res.ServeCPU = procCPU(g.servePid) - serveCPU0
	if g.otherPid != 0 {
		res.IngestCPU = procCPU(g.otherPid) - otherCPU0
	}
	res.GenCPU = procCPU(os.Getpid()) - genCPU0
	res.ReplyWait = replyWait.Seconds()
	deadline := time.Now().Add(replyWait)
	for g.fake.replyCount(ids) < res.Acked && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
	}
	var replies []time.Duration
	for _, id := range ids {
		if t, ok := g.fake.replyAt(id); ok {
			replies = append(replies, t.Sub(sched[id]))
		}
	}
	res.Replies = len(replies)
	res.Reply = summarize(replies)
	res.Load1 = loadAvg()
	return res
}

func (g *loadGen) send(ctx context.Context, id int, text string) error {
	form := url.Values{
		"team_id":      {"TBENCH"},
		"team_domain":  {"bench"},
		"channel_id":   {"CBENCH" + strconv.Itoa(id%50)},
		"channel_name": {"bench"},
		"user_id":      {"UBENCH" + strconv.Itoa(id%200)},
		"user_name":    {"bench"},
		"command":      {"/papers"},
		"text":         {slackEscape(text)},
		"api_app_id":   {"ABENCH"},
		"response_url": {g.fake.url + "/respond/" + strconv.Itoa(id)},
		"trigger_id":   {strconv.Itoa(id) + ".1.bench"},
	}
	body := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", signSlack(g.secret, ts, body))
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
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
	for _, c := range []string{corpus1M, corpus250k} {
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
	g := &loadGen{
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			MaxIdleConns: maxInflight, MaxIdleConnsPerHost: maxInflight, IdleConnTimeout: time.Minute,
		}},
		endpoint: base + "/slack/commands", secret: env.secret, fake: env.fake, queries: env.queries, next: env.next,
		servePid: serve.Process.Pid,
	}
	defer func() { env.next = g.next }()
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
