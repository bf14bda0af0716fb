package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	slackadapter "github.com/paperbot/paperbot/adapters/slack"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/configs/secret"
	"github.com/paperbot/paperbot/index"
)

// TestSignSlack checks the signature against Slack's documented example
// (PLATFORM-RULES.md).
func TestSignSlack(t *testing.T) {
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	got := signSlack("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", []byte(body))
	if want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"; got != want {
		t.Errorf("signSlack = %s, want %s", got, want)
	}
}

func TestSlackEscape(t *testing.T) {
	if got := slackEscape(`a<b & "c">`); got != `a&lt;b &amp; "c"&gt;` {
		t.Errorf("slackEscape = %q", got)
	}
}

// TestFakeSlackRateLimit posts to the fake like the adapter does and
// checks it refuses a second message to a channel within the interval.
func TestFakeSlackRateLimit(t *testing.T) {
	f, err := startFakeSlack()
	if err != nil {
		t.Fatal(err)
	}
	defer f.srv.Close()
	f.enforce = time.Hour // every second message to a channel is too fast
	f.resetPosts(time.Now())
	post := func(ch string) int {
		resp, err := http.PostForm(f.url+"/api/chat.postMessage", url.Values{"channel": {ch}, "text": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Error("a 429 without Retry-After")
		}
		return resp.StatusCode
	}
	for _, tt := range []struct {
		ch   string
		want int
	}{{"C1", 200}, {"C2", 200}, {"C1", 429}, {"C2", 429}, {"C3", 200}} {
		if got := post(tt.ch); got != tt.want {
			t.Errorf("post to %s: status %d, want %d", tt.ch, got, tt.want)
		}
	}
	posts, limited := f.postStats()
	if len(posts) != 3 || len(posts["C1"]) != 1 || limited != 2 {
		t.Errorf("posts %v, limited %d; want one post in each of 3 channels and 2 refused", posts, limited)
	}
}

// tinyIndex ingests the tiny corpus into a paperbot index.
func tinyIndex(t *testing.T, dir string) int {
	t.Helper()
	corpus, papers := tinyCorpus(t)
	n, _, err := ingestPaperbot(context.Background(), corpus, dir, 0, 0, index.WriterOptions{})
	if err != nil || n != len(papers) {
		t.Fatalf("ingest: %d papers, %v", n, err)
	}
	return n
}

// TestLoadGenAgainstSlackAdapter sends signed slash commands through the
// real Slack adapter's HTTP route and core to a tiny index, and checks
// every command was acknowledged and answered through its response_url.
func TestLoadGenAgainstSlackAdapter(t *testing.T) {
	ixDir := filepath.Join(t.TempDir(), "index")
	tinyIndex(t, ixDir)
	ix, err := index.Open(ixDir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	b, err := bot.New(bot.Config{Searcher: ix})
	if err != nil {
		t.Fatal(err)
	}
	fake, err := startFakeSlack()
	if err != nil {
		t.Fatal(err)
	}
	defer fake.srv.Close()
	const signingSecret = "test-secret"
	a, err := slackadapter.New(slackadapter.Options{Mode: slackadapter.ModeHTTP, BotToken: secret.New("xoxb-test"),
		SigningSecret: secret.New(signingSecret), APIURL: fake.url + "/api/", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := limitConcurrency(2)(b)
	mux := http.NewServeMux()
	for p, rh := range a.HTTPRoutes(h) {
		mux.Handle(p, rh)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	defer func() { cancel(); <-done }()

	qs := []Query{{"words1", "transformers"}, {"id", "1706.03762"}, {"author", `author:"Kaiming He"`}, {"typo", "tranceptoin & co"}}
	g := &loadGen{client: srv.Client(), endpoint: srv.URL + slackadapter.PathCommands, secret: signingSecret, fake: fake, queries: qs, servePid: os.Getpid()}
	ph := g.phase(ctx, "test", 100, 200*time.Millisecond)
	if ph.Sent != 20 || ph.Acked != 20 || ph.Failed != 0 || ph.Dropped != 0 {
		t.Fatalf("phase = %+v: want 20 sent and acknowledged", ph)
	}
	if ph.Replies != 20 {
		t.Errorf("%d replies reached the response_url, want 20", ph.Replies)
	}
	if ph.Ack.N != 20 || ph.Ack.Max <= 0 || ph.ServeCPU < 0 {
		t.Errorf("ack latency %+v, serve CPU %v", ph.Ack, ph.ServeCPU)
	}
	// A request signed with another secret is refused.
	g.secret = "wrong"
	if err := g.send(ctx, 999, "transformers"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a badly signed command: %v, want a 401", err)
	}
}

// TestLimitConcurrency checks that at most n handler calls run at once.
func TestLimitConcurrency(t *testing.T) {
	const n = 3
	running, peak := make(chan int, 1), 0
	running <- 0
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	h := limitConcurrency(n)(bot.HandlerFunc(func(ctx context.Context, req *bot.Request, rw bot.Responder) error {
		r := <-running
		r++
		peak = max(peak, r)
		running <- r
		entered <- struct{}{}
		<-release
		r = <-running
		running <- r - 1
		return nil
	}))
	done := make(chan struct{})
	for range 10 {
		go func() {
			h.Handle(context.Background(), &bot.Request{}, nil)
			done <- struct{}{}
		}()
	}
	for range n {
		<-entered
	}
	select {
	case <-entered:
		t.Fatal("more than n handlers entered")
	default:
	}
	close(release)
	for range 10 {
		<-done
	}
	if peak != n {
		t.Errorf("peak concurrency %d, want %d", peak, n)
	}
}

// TestFanout runs the fan-out section on a tiny index with a short
// per-channel interval.
func TestFanout(t *testing.T) {
	work := t.TempDir()
	b := &bench{
		o:    options{work: work, corpora: []string{corpus250k}, fanout: fanoutOptions{channels: 4, papers: 2, interval: 100 * time.Millisecond}},
		logf: t.Logf, rep: &Report{},
	}
	dir := b.indexPath(corpus250k, enginePaperbot)
	n := tinyIndex(t, dir)
	if err := os.WriteFile(dir+".done", []byte("6"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := b.runFanout(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Error != "" {
		t.Fatalf("digest error: %s", rep.Error)
	}
	want := 4 * (1 + 2*2)
	if rep.Papers != n || rep.Expected != want || rep.Messages != want || rep.MessagesPerChannel != 5 || rep.Incomplete != 0 {
		t.Errorf("report %+v: want %d messages, 5 in each of 4 channels", rep, want)
	}
	if rep.Duplicates != 0 {
		t.Errorf("%d duplicate posts", rep.Duplicates)
	}
	if rep.BoundSeconds != 0.5 {
		t.Errorf("bound %v s, want 0.5 (5 messages at 100 ms)", rep.BoundSeconds)
	}
	if tc := rep.targets(); len(tc) != 1 || tc[0].Met == nil {
		t.Errorf("targets = %+v", tc)
	}
}

// TestFakeSlackHistory checks what the adapter's recovery after an
// unknown outcome reads: posted messages with their metadata, by channel
// and thread; and that a key posted twice counts as a duplicate.
func TestFakeSlackHistory(t *testing.T) {
	f, err := startFakeSlack()
	if err != nil {
		t.Fatal(err)
	}
	defer f.srv.Close()
	f.resetPosts(time.Now())
	post := func(v url.Values) {
		resp, err := http.PostForm(f.url+"/api/chat.postMessage", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	md := `{"event_type":"paperbot_post","event_payload":{"key":"k1"}}`
	post(url.Values{"channel": {"C1"}, "metadata": {md}})
	post(url.Values{"channel": {"C1"}, "thread_ts": {"1700000000.000001"}, "metadata": {`{"event_type":"paperbot_post","event_payload":{"key":"k2"}}`}})
	get := func(method string, v url.Values) string {
		resp, err := http.PostForm(f.url+"/api/"+method, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if h := get("conversations.history", url.Values{"channel": {"C1"}}); !strings.Contains(h, `"key":"k1"`) || strings.Contains(h, "k2") {
		t.Errorf("history = %s: want the top-level message only", h)
	}
	if h := get("conversations.replies", url.Values{"channel": {"C1"}, "ts": {"1700000000.000001"}}); !strings.Contains(h, "k2") {
		t.Errorf("replies = %s: want the thread reply", h)
	}
	if f.duplicates() != 0 {
		t.Errorf("duplicates before a repost: %d", f.duplicates())
	}
	post(url.Values{"channel": {"C2"}, "metadata": {md}})
	if f.duplicates() != 1 {
		t.Errorf("duplicates after a repost: %d, want 1", f.duplicates())
	}
}

// The cold start is a target of its own, met under 10 s to the first
// answer and missed when the first command went unanswered.
func TestColdStartTarget(t *testing.T) {
	for _, c := range []struct {
		cs   coldStart
		met  bool
		want string
	}{
		{coldStart{HealthySeconds: 0.8, FirstAnswerSeconds: 0.9, RSS: 47 << 20}, true, "first answer 0.9 s"},
		{coldStart{HealthySeconds: 4, FirstAnswerSeconds: 12.5}, false, "first answer 12.5 s"},
		{coldStart{HealthySeconds: 3}, false, "not answered"},
	} {
		r := chatReport{Corpus: "3m", Papers: 3_000_000, Servers: []chatServerReport{{Label: "paperbot serve", ColdStart: c.cs}}}
		ts := r.targets()
		if len(ts) != 1 || !strings.Contains(ts[0].Target, "cold start") {
			t.Fatalf("%+v: targets %+v, want the cold start alone", c.cs, ts)
		}
		if got := ts[0].Met != nil && *ts[0].Met; got != c.met || !strings.Contains(ts[0].Value, c.want) {
			t.Errorf("%+v: %+v, want met=%v and %q", c.cs, ts[0], c.met, c.want)
		}
	}
}
