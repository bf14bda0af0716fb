package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
)

const (
	e2eBotToken = "xoxb-e2e-replicas-bot-token"
	e2eSecret   = "e2e-replicas-signing-secret-0123456789"
)

// e2eProc is one `paperbot serve` process.
type e2eProc struct {
	name string
	cmd  *exec.Cmd
	addr string
	log  string // its stderr, in a file
	done chan struct{}
}

func (p *e2eProc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// startE2EReplicas starts one `bin serve` per name at once, each as
// startE2EProc does, and returns them by process id; the test stops if
// one did not start.
func startE2EReplicas(t *testing.T, bin, dir, config string, env []string, names ...string) map[int]*e2eProc {
	t.Helper()
	procs := map[int]*e2eProc{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			p := startE2EProc(t, bin, name, dir, config, env)
			mu.Lock()
			procs[p.cmd.Process.Pid] = p
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return procs
}

// startE2EProc starts `bin serve` on a data directory of its own and
// waits until its HTTP server listens.
func startE2EProc(t *testing.T, bin, name, dir, config string, env []string) *e2eProc {
	t.Helper()
	data := filepath.Join(dir, name)
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(data, "paperbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(strings.ReplaceAll(config, "DATA_DIR", filepath.Join(data, "data"))), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &e2eProc{name: name, log: filepath.Join(data, "serve.log"), done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--config", cfgPath)
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			logFile.Write(append(sc.Bytes(), '\n'))
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "serving http" {
				select {
				case addr <- rec.Addr:
				default:
				}
			}
		}
		io.Copy(logFile, stderr)
		logFile.Close()
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.alive() {
			p.cmd.Process.Kill()
		}
		<-p.done
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("replica %s (pid %d), the last of its log:\n%s", name, p.cmd.Process.Pid, strings.Join(lines[max(0, len(lines)-25):], "\n"))
		}
	})
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatalf("replica %s exited before serving (log %s)", name, p.log)
	case <-time.After(90 * time.Second):
		t.Fatalf("replica %s not serving within 90s (log %s)", name, p.log)
	}
	return p
}

// buildPaperbot builds paperbot into a new temporary directory; it
// returns the directory and the binary's path.
func buildPaperbot(t *testing.T) (dir, bin string) {
	t.Helper()
	dir = t.TempDir()
	bin = filepath.Join(dir, "paperbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}

// leaseHolder is the pid holding a lease unexpired (0 when none does).
func leaseHolder(t *testing.T, conn *pgx.Conn, name string) int {
	t.Helper()
	var holder string
	err := conn.QueryRow(t.Context(), "SELECT holder FROM leases WHERE name = $1 AND expires_at > clock_timestamp()", name).Scan(&holder)
	if err == pgx.ErrNoRows {
		return 0
	}
	if err != nil {
		t.Fatalf("reading lease %s: %v", name, err)
	}
	parts := strings.Split(holder, "/") // host/pid/random
	pid, _ := strconv.Atoi(parts[len(parts)-2])
	return pid
}

// until polls cond every 20ms until it holds, failing after d.
func until(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		tm := time.NewTimer(20 * time.Millisecond)
		<-tm.C
	}
}

// Three `paperbot serve` processes on one database and one fake Slack: 200
// channels' digests due at once. The digest's lease holder is SIGKILLed
// mid-digest, and the refresh's lease holder SIGKILLed while its fetch is
// held by the fixture. Every channel's papers are posted and threaded
// exactly once, the ledger says done for every channel, the refresh
// resumes on a survivor, and a paper it fetched after the kills is found
// by a search on the survivor and on a replica started afterwards (its
// index built from the table).
func TestReplicasEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("three serve processes and a 200-channel digest: not in -short")
	}
	dbURL := pgtest.URL(t)
	began := time.Now()
	dir, bin := buildPaperbot(t)
	built := time.Now()
	ctx := t.Context()

	const channels, top = 200, 2
	db, err := pgstore.Open(ctx, dbURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	today := time.Now().UTC().Format(paper.DateLayout)
	var seeded []paper.Paper
	for i := range 5 {
		seeded = append(seeded, paper.Paper{ID: fmt.Sprintf("2605.%05d", i+1), Title: fmt.Sprintf("Replicated digest paper number %d", i+1),
			Abstract: "About replicas.", Authors: []string{"Ada"}, Published: today, Upvotes: 500 - i})
	}
	if err := db.UpsertPapers(ctx, seeded); err != nil {
		t.Fatal(err)
	}
	zone, at := dueNowZone(time.Now())
	for i := range channels {
		if err := db.PutSubscription(ctx, digest.Subscription{Platform: "slack", Team: "T1", Channel: fmt.Sprintf("C%03d", i), ChannelName: fmt.Sprintf("ch-%03d", i),
			Time: at, Zone: zone, Top: top, Source: digest.SourceChat, Since: time.Now().Add(-48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	slack := newE2ESlack(t)
	const newTitle = "Zebrafish fin regeneration atlas"
	hf := newHFFixture(t, []map[string]any{{
		"paper":       map[string]any{"id": "2605.09999", "title": newTitle, "summary": "Fins regrow.", "authors": []map[string]string{{"name": "Bea"}}, "publishedAt": time.Now().UTC().Format(time.RFC3339), "upvotes": 3},
		"publishedAt": time.Now().UTC().Format(time.RFC3339), "title": newTitle,
	}})
	config := fmt.Sprintf(`data_dir: DATA_DIR
state: ${PAPERBOT_STATE_URL}
log:
  format: json
http:
  addr: 127.0.0.1:0
slack:
  mode: http
  bot_token: ${SLACK_BOT_TOKEN}
  signing_secret: ${SLACK_SIGNING_SECRET}
  api_url: %s/api/
digest:
  grace: 1h
  default_top: %d
replicas:
  lease_ttl: 2s
  follow_poll: 1s
sources:
  request_timeout: 5m
  huggingface:
    base_url: %s
    every: 1h
    days: 1
    arxiv_details: false
  rescore:
    disabled: true
`, slack.srv.URL, top, hf.srv.URL)
	env := []string{"PAPERBOT_STATE_URL=" + dbURL, "SLACK_BOT_TOKEN=" + e2eBotToken, "SLACK_SIGNING_SECRET=" + e2eSecret}
	procs := startE2EReplicas(t, bin, dir, config, env, "A", "B", "C")
	started := time.Now()

	// Mid-digest: some posts made, most not.
	until(t, 60*time.Second, "the digest's first 100 posts", func() bool { return len(slack.messages()) >= 100 })
	digestPid := leaseHolder(t, conn, "digest")
	victim1 := procs[digestPid]
	if victim1 == nil {
		t.Fatalf("the digest lease is held by pid %d, not one of the replicas", digestPid)
	}
	refreshPid := leaseHolder(t, conn, "refresh")
	watch, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(context.Background())
	victim1.cmd.Process.Kill()
	kill1 := time.Now()
	<-victim1.done
	postsAtKill1 := len(slack.messages())
	// How long the digest lease takes to change hands (polled beside).
	digestTaken := make(chan time.Time, 1)
	go func() {
		for time.Since(kill1) < time.Minute && ctx.Err() == nil {
			var holder string
			err := watch.QueryRow(ctx, "SELECT holder FROM leases WHERE name = 'digest' AND expires_at > clock_timestamp()").Scan(&holder)
			if err == nil && !strings.Contains(holder, "/"+strconv.Itoa(digestPid)+"/") {
				digestTaken <- time.Now()
				return
			}
			tm := time.NewTimer(20 * time.Millisecond)
			<-tm.C
		}
		close(digestTaken)
	}()

	// During the refresh: the holder's fetch is held by the fixture.
	var victim2 *e2eProc
	until(t, 30*time.Second, "a live replica's refresh fetch held at the fixture", func() bool {
		pid := leaseHolder(t, conn, "refresh")
		p := procs[pid]
		if p == nil || !p.alive() {
			return false
		}
		waiting, arrived, _ := hf.state(kill1)
		if waiting >= 1 && (pid == refreshPid || arrived >= 1) {
			victim2 = p
			return true
		}
		return false
	})
	victim2.cmd.Process.Kill()
	kill2 := time.Now()
	<-victim2.done
	close(hf.release)
	var survivor *e2eProc
	for _, p := range procs {
		if p.alive() {
			survivor = p
		}
	}
	t.Logf("killed %s (digest) after %d posts, then %s (refresh); %s survives", victim1.name, postsAtKill1, victim2.name, survivor.name)

	// The digest ends: done for every channel, nothing open.
	var done, open int
	until(t, 90*time.Second, "every channel's day done", func() bool {
		if err := conn.QueryRow(ctx, "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'open') FROM digest_days").Scan(&done, &open); err != nil {
			t.Fatal(err)
		}
		return done == channels && open == 0
	})
	digestDone := time.Now()
	// The refresh resumed on the survivor: it fetched and wrote the paper.
	until(t, 60*time.Second, "the refresh resumed after the kill", func() bool {
		_, arrived, answered := hf.state(kill2)
		var n int
		conn.QueryRow(ctx, "SELECT count(*) FROM papers WHERE id = '2605.09999'").Scan(&n)
		return arrived >= 1 && answered >= 1 && n == 1
	})
	if pid := leaseHolder(t, conn, "refresh"); procs[pid] != survivor {
		t.Errorf("the refresh lease is held by pid %d, want the survivor %s (pid %d)", pid, survivor.name, survivor.cmd.Process.Pid)
	}

	// A replica started after the refresh resumed builds its index from the table.
	late := startE2EProc(t, bin, "D", dir, config, env)

	// Searches on the survivor and the late replica find the new paper.
	for i, p := range []*e2eProc{survivor, late} {
		id := 0
		until(t, 30*time.Second, "a search on "+p.name+" finding the paper fetched after the kill", func() bool {
			id++
			rid := fmt.Sprintf("%s-%d-%d", p.name, i, id)
			e2eCommand(t, p.addr, slack.srv.URL+"/respond/"+rid, "zebrafish regeneration")
			for range 100 { // the answer comes after the acknowledgement
				if as := slack.answersTo(rid); len(as) > 0 {
					return strings.Contains(as[0], newTitle)
				}
				tm := time.NewTimer(20 * time.Millisecond)
				<-tm.C
			}
			return false
		})
	}

	// At the fake: every channel got its header and top papers, each
	// threaded, each exactly once.
	msgs := slack.messages()
	keys := map[string]int{}
	type chanCount struct{ top, replies int }
	per := map[string]*chanCount{}
	papersIn := map[string]map[string]int{}
	parents := map[string]int{} // channel/ts of a paper post → replies
	for _, m := range msgs {
		keys[m.key]++
		c := per[m.channel]
		if c == nil {
			c = &chanCount{}
			per[m.channel] = c
			papersIn[m.channel] = map[string]int{}
		}
		if m.thread != "" {
			c.replies++
			parents[m.channel+"/"+m.thread]++
			continue
		}
		c.top++
		// A paper's post names one paper; the header names them all.
		var named []string
		for _, p := range seeded {
			if strings.Contains(m.text, p.Title) {
				named = append(named, p.ID)
			}
		}
		if len(named) == 1 {
			papersIn[m.channel][named[0]]++
			if _, ok := parents[m.channel+"/"+m.ts]; !ok {
				parents[m.channel+"/"+m.ts] = 0
			}
		}
	}
	if want := channels * (1 + 2*top); len(msgs) != want {
		t.Errorf("%d messages at the fake, want %d (each channel's header, %d papers, %d threads)", len(msgs), want, top, top)
	}
	for k, n := range keys {
		if n != 1 {
			t.Errorf("post key %s made %d times", k, n)
		}
	}
	for i := range channels {
		ch := fmt.Sprintf("C%03d", i)
		c := per[ch]
		if c == nil || c.top != 1+top || c.replies != top || len(papersIn[ch]) != top {
			t.Errorf("channel %s: %+v, papers %v; want %d top-level posts (header and %d papers), %d thread replies", ch, c, papersIn[ch], 1+top, top, top)
			continue
		}
		for id, n := range papersIn[ch] {
			if n != 1 {
				t.Errorf("channel %s: paper %s posted %d times", ch, id, n)
			}
		}
	}
	for k, n := range parents {
		if n != 1 {
			t.Errorf("paper post %s has %d thread replies, want 1", k, n)
		}
	}
	var firstAfter2 time.Time
	taken1, ok := <-digestTaken
	if !ok {
		t.Error("the digest lease never changed hands after its holder was killed")
	}
	hf.mu.Lock()
	for _, a := range hf.arrivals {
		if a.After(kill2) && firstAfter2.IsZero() {
			firstAfter2 = a
		}
	}
	hf.mu.Unlock()
	t.Logf("build %v; 3 replicas serving %v after; digest lease taken over %v after the kill; refresh takeover (kill → next fetch) %v; digest done %v after start; whole test %v",
		built.Sub(began).Round(time.Millisecond), started.Sub(built).Round(time.Millisecond), taken1.Sub(kill1).Round(time.Millisecond),
		firstAfter2.Sub(kill2).Round(time.Millisecond), digestDone.Sub(started).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// e2eCommand sends a signed /papers command to a replica and checks the
// acknowledgement; the answer goes to responseURL.
func e2eCommand(t *testing.T, addr, responseURL, text string) {
	t.Helper()
	form := url.Values{"team_id": {"T1"}, "channel_id": {"C000"}, "channel_name": {"ch-000"}, "user_id": {"U1"}, "user_name": {"ada"},
		"command": {"/papers"}, "text": {text}, "response_url": {responseURL}, "trigger_id": {"1.2.3"}, "api_app_id": {"A1"}}.Encode()
	ts, sig := slackSign(e2eSecret, time.Now().Unix(), form)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/commands", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST /slack/commands on %s: %v", addr, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /slack/commands on %s: %s", addr, resp.Status)
	}
}
