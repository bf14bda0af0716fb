package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// srcAPIEntry is an arXiv API answer for one paper (version 2).
const srcAPIEntry = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/2401.12345v2</id>
    <updated>2024-03-02T17:45:10Z</updated>
    <published>2024-01-22T18:59:59Z</published>
    <title>Length Generalisation of
  Sparse Parities in G\"odel's Setting</title>
    <summary>  Transformers trained on sparse parities
generalise to longer inputs.
</summary>
    <author><name>Marta Kowalska</name></author>
    <author><name>Bj\"orn Ekstr\"om</name></author>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>`

// srcFeed is a listing feed with one new paper and one replacement.
const srcFeed = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://www.w3.org/2005/Atom">
  <id>http://rss.arxiv.org/atom/cs.RO</id>
  <updated>2025-02-05T05:00:00+00:00</updated>
  <entry>
    <id>oai:arXiv.org:2502.01234v1</id>
    <title>$\pi_0$: A Vision-Language-Action Flow Model for General Robot Control</title>
    <summary>arXiv:2502.01234v1 Announce Type: new
Abstract: Robot learning holds tremendous promise.</summary>
    <category term="cs.RO"/>
    <category term="cs.LG"/>
    <published>2025-02-05T00:00:00-05:00</published>
    <arxiv:announce_type>new</arxiv:announce_type>
    <dc:creator>Kevin Black, Noah Brown and Danny Driess</dc:creator>
  </entry>
  <entry>
    <id>oai:arXiv.org:2401.00001v3</id>
    <title>Replaced</title>
    <summary>arXiv:2401.00001v3 Announce Type: replace
Abstract: Old.</summary>
    <category term="cs.RO"/>
    <published>2025-02-05T00:00:00-05:00</published>
    <arxiv:announce_type>replace</arxiv:announce_type>
    <dc:creator>X</dc:creator>
  </entry>
</feed>`

// srcDaily is a Hugging Face daily list with the same paper as srcFeed.
const srcDaily = `[{"paper":{"id":"2502.01234","authors":[{"name":"Kevin Black"}],"publishedAt":"2025-02-03T18:59:51.000Z",
"title":"$\\pi_0$: A Vision-Language-Action Flow Model for General Robot Control","summary":"Robot learning holds\ntremendous promise.",
"upvotes":120,"githubRepo":"https://github.com/Physical-Intelligence/openpi","githubStars":400},"numComments":4},
{"paper":{"id":"2502.07777","authors":[{"name":"Ana Lima"}],"publishedAt":"2025-02-04T10:00:00.000Z","title":"Another Paper","summary":"Text.","upvotes":12},"numComments":0}]`

// srcDetails is the arXiv API's record of the second daily paper.
const srcDetails = `<feed xmlns="http://www.w3.org/2005/Atom"><entry>
  <id>http://arxiv.org/abs/2502.07777v1</id><published>2025-02-04T10:00:00Z</published><updated>2025-02-04T10:00:00Z</updated>
  <title>Another Paper</title><summary>Text.</summary>
  <author><name>Ana Lima</name></author><author><name>Li Wei</name></author>
  <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.CL"/><category term="cs.CL"/>
</entry></feed>`

// srcServer is a fake Hugging Face and arXiv, recording requests (with
// the time of clock, when set).
type srcServer struct {
	*httptest.Server
	clock func() time.Time
	mu    sync.Mutex
	reqs  []*http.Request
	at    []time.Time
}

func newSrcServer(t *testing.T) *srcServer {
	s := &srcServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		if s.clock != nil {
			s.at = append(s.at, s.clock())
		}
		s.mu.Unlock()
		switch {
		case r.URL.Path == "/api/query" && r.URL.Query().Get("id_list") == "2401.12345":
			io.WriteString(w, srcAPIEntry)
		case r.URL.Path == "/api/query" && strings.Contains(r.URL.Query().Get("id_list"), "2502.07777"):
			io.WriteString(w, srcDetails)
		case r.URL.Path == "/api/query":
			io.WriteString(w, `<feed xmlns="http://www.w3.org/2005/Atom"></feed>`)
		case strings.HasPrefix(r.URL.Path, "/atom/"):
			io.WriteString(w, srcFeed)
		case r.URL.Path == "/api/daily_papers":
			io.WriteString(w, srcDaily)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *srcServer) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

func writeSourcesConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf("data_dir: %s\n%s", filepath.Join(dir, "data"), body)
	path := filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// `/papers show ID` of a paper that is not indexed asks the arXiv API,
// indexes the paper and answers; asking again is answered from the index.
// (One arXiv request per run: a second would wait the real 3 seconds.)
func TestShowFetchesUnindexedPaper(t *testing.T) {
	srv := newSrcServer(t)
	cfg := writeSourcesConfig(t, fmt.Sprintf(`sources:
  user_agent: "paperbot-test (mailto:team@example.org)"
  arxiv:
    api_url: %s/api/query
`, srv.URL))
	chat := func(in string) string {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"chat", "--config", cfg}, func(string) string { return "" },
			strings.NewReader(in), &out, &errOut)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		return out.String()
	}
	text := chat("/papers show https://arxiv.org/abs/2401.12345v1\n/papers show 2401.12345\n")
	// A later run finds it in the index; an unknown paper is asked for.
	text += chat("/papers show 2401.12345\n/papers show 2402.99999\n")
	if n := strings.Count(text, "Length Generalisation of Sparse Parities in Gödel's Setting"); n < 3 {
		t.Errorf("the fetched paper was shown %d times, want 3:\n%s", n, text)
	}
	if !strings.Contains(text, "Björn Ekström") {
		t.Errorf("authors not readable:\n%s", text)
	}
	if !strings.Contains(text, "2402.99999") {
		t.Errorf("no answer for the unknown paper:\n%s", text)
	}
	reqs := srv.requests()
	// One request for the first show, none for the next two (indexed
	// now), one for the unknown paper.
	if len(reqs) != 2 {
		t.Fatalf("%d requests to arXiv, want 2", len(reqs))
	}
	if ua := reqs[0].Header.Get("User-Agent"); ua != "paperbot-test (mailto:team@example.org)" {
		t.Errorf("User-Agent %q", ua)
	}
	if q := reqs[0].URL.Query().Get("id_list"); q != "2401.12345" {
		t.Errorf("asked for %q", q)
	}
}

// Without arxiv: configured, show never reaches the network.
func TestShowWithoutSourcesStaysOffline(t *testing.T) {
	cfg := writeSourcesConfig(t, "")
	var out, errOut bytes.Buffer
	run(context.Background(), []string{"chat", "--config", cfg}, func(string) string { return "" },
		strings.NewReader("/papers show 2401.12345\n"), &out, &errOut)
	if !strings.Contains(out.String(), "not in the index") {
		t.Errorf("answer:\n%s", out.String())
	}
}

// fakeDiscussions is the digest store as the score sees it.
type fakeDiscussions map[string]int

func (f fakeDiscussions) AllDiscussionsOf(ctx context.Context, ids ...string) (map[string][]bot.Discussion, error) {
	out := map[string][]bot.Discussion{}
	for _, id := range ids {
		if n, ok := f[id]; ok {
			out[id] = []bot.Discussion{{PaperID: id, Platform: "slack", Replies: n - 1}, {PaperID: id, Platform: "discord", Replies: 1}}
		}
	}
	return out, nil
}

// The jobs that serve runs, on a fake clock over a real index: Hugging Face
// and the arXiv feed write through the index (merging the paper both list),
// and re-scoring keeps stored trending scores current and folds in the
// team's replies.
func TestSourceJobsWriteTheIndex(t *testing.T) {
	srv := newSrcServer(t)
	cfg, err := configs.Parse([]byte(fmt.Sprintf(`sources:
  huggingface:
    base_url: %[1]s
    days: 1
  arxiv:
    categories: [cs.RO]
    feed_url: %[1]s/atom
    api_url: %[1]s/api/query
`, srv.URL)), "t.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// Wednesday 5 February 2025, 12:00 UTC, for one day.
	start := time.Date(2025, 2, 5, 12, 0, 0, 0, time.UTC)
	clock := sourcestest.NewClock(start, start.Add(24*time.Hour))
	srv.clock = clock.Now
	ix, err := index.Open(t.TempDir(), index.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var logs bytes.Buffer
	s, err := newSources(sourceDeps{
		cfg: &cfg.Src, index: ix, clock: clock,
		discussions: fakeDiscussions{"2502.01234": 3},
		log:         slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.fetcher.(*sources.ArxivAPI); !ok {
		t.Errorf("fetcher %T, want the arXiv API", s.fetcher)
	}
	var names []string
	for _, j := range s.jobs {
		names = append(names, j.Name)
	}
	if strings.Join(names, ",") != "huggingface,arxiv,rescore" {
		t.Fatalf("jobs %v", names)
	}
	r := &sources.Refresher{Jobs: s.jobs, Clock: clock, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if n, _ := ix.Count(); n != 2 {
		t.Errorf("%d papers, want 2 (the replacement is skipped, the shared paper merged)", n)
	}
	p, err := ix.Lookup(ctx, "2502.01234")
	if err != nil {
		t.Fatal(err)
	}
	if p.Upvotes != 120 || p.Stars != 400 || len(p.Categories) != 2 || len(p.Authors) != 3 || p.Source != "huggingface,arxiv" {
		t.Errorf("merged paper %+v", p)
	}
	if p.Replies != 3 {
		t.Errorf("replies %d, want 3 from the team's threads", p.Replies)
	}
	// The stored score is the formula's at the time of the last re-score
	// (the clock has run a day since the first write).
	if want := paper.TrendingScore(p, clock.Now()); p.Trending < want*0.99 || p.Trending > want*1.01 {
		t.Errorf("stored trending %v, the formula gives %v now", p.Trending, want)
	}
	if !strings.Contains(logs.String(), "job=rescore") {
		t.Errorf("re-scoring did not run:\n%s", logs.String())
	}
	// Hugging Face's papers were completed from the arXiv API, once.
	other, err := ix.Lookup(ctx, "2502.07777")
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Categories) != 1 || other.Categories[0] != "cs.CL" || len(other.Authors) != 2 {
		t.Errorf("Hugging Face paper not completed from arXiv: %+v", other)
	}
	var arxivAt []time.Time
	details := 0
	srv.mu.Lock()
	for i, r := range srv.reqs {
		if r.URL.Path == "/api/query" {
			details++
		}
		if r.URL.Path == "/api/query" || strings.HasPrefix(r.URL.Path, "/atom/") {
			arxivAt = append(arxivAt, srv.at[i])
		}
	}
	srv.mu.Unlock()
	if details != 1 {
		t.Errorf("%d arXiv API requests for details, want 1 (the next runs find the papers complete)", details)
	}
	// Feeds and API share one pacer: 3 s apart.
	for i := 1; i < len(arxivAt); i++ {
		if d := arxivAt[i].Sub(arxivAt[i-1]); d < 3*time.Second {
			t.Errorf("arXiv requests %s apart", d)
		}
	}
}

// The bulk import of the shared 250,000-paper arXiv sample, streamed
// through `xz -dc` into `paperbot ingest -`, indexes every record. The
// default run imports the first 2,000 lines (seconds); set
// PAPERBOT_BULK=1 for all of them (minutes). Skips without the dataset or
// xz.
func TestBulkImport(t *testing.T) {
	path := sourcestest.ArxivSample(t)
	xz, err := exec.LookPath("xz")
	if err != nil {
		t.Skip("xz not installed")
	}
	limit := 2000
	if os.Getenv("PAPERBOT_BULK") != "" {
		limit = 0
	} else if testing.Short() {
		t.Skip("-short")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, xz, "-dc", path)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	lines := &lineCounter{r: pipe, limit: limit}
	dir := filepath.Join(t.TempDir(), "index")
	var out, errOut bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"ingest", "--index", dir, "--quiet", "-"}, func(string) string { return "" }, lines, &out, &errOut)
	took := time.Since(start)
	cancel()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := fmt.Sprintf("%d indexed, 0 rejected", lines.n)
	if !strings.Contains(out.String(), want) {
		t.Errorf("ingest said %q, want %q", strings.TrimSpace(out.String()), want)
	}
	ix, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	count, _ := ix.Count()
	ix.Close()
	if int(count) != lines.n || lines.n == 0 {
		t.Errorf("%d papers in the index, %d lines read", count, lines.n)
	}
	size := "?"
	if b, err := exec.Command("du", "-sh", dir).Output(); err == nil {
		size = strings.Fields(string(b))[0]
	}
	t.Logf("bulk import: %d records in %s (%.0f records/s), index %s", lines.n, took.Round(time.Millisecond),
		float64(lines.n)/took.Seconds(), size)
}

// lineCounter passes r through, counting lines, and ends after limit
// lines when limit > 0.
type lineCounter struct {
	r     io.Reader
	limit int
	n     int
	done  bool
}

func (l *lineCounter) Read(p []byte) (int, error) {
	if l.done {
		return 0, io.EOF
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.n++
			if l.limit > 0 && l.n == l.limit {
				l.done = true
				return i + 1, nil
			}
		}
	}
	if errors.Is(err, io.EOF) && n > 0 && p[n-1] != '\n' {
		l.n++ // a last line without a newline
	}
	return n, err
}

// signalWriter collects a log and closes seen once it contains want.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.seen != nil && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// `paperbot serve` runs the refresh: the Hugging Face job reads the daily
// list at start-up and writes through the index; serve stops cleanly.
func TestServeRunsRefresh(t *testing.T) {
	cfg := hfServeConfig(t, "")
	serveUntilLogged(t, cfg, "msg=refreshed job=huggingface source=huggingface papers=2")
	ix := openConfiguredIndex(t, cfg)
	p, err := ix.Lookup(context.Background(), "2502.01234")
	if err != nil || p.Upvotes != 120 {
		t.Errorf("paper from the refresh: %+v, %v", p, err)
	}
}

// hfServeConfig writes a configuration for serve on a free port, with the
// Hugging Face source on a fake (newSrcServer) and the sections in extra.
func hfServeConfig(t *testing.T, extra string) string {
	srv := newSrcServer(t)
	return writeSourcesConfig(t, fmt.Sprintf(`http:
  addr: 127.0.0.1:0
sources:
  huggingface:
    base_url: %s
    days: 1
`, srv.URL)+extra)
}

// serveUntilLogged runs serve on cfg until its log says want, stops it, and
// returns the log.
func serveUntilLogged(t *testing.T, cfg, want string) string {
	t.Helper()
	logs := &signalWriter{want: want, seen: make(chan struct{})}
	seen := logs.seen // Write sets the field to nil under its lock
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := &env{getenv: func(string) string { return "" }, stdin: blockingStdin(t), stdout: io.Discard, stderr: logs}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, e, []string{"--config", cfg}) }()
	select {
	case <-seen:
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("no %q within 60s:\n%s", want, logs.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	return logs.String()
}

// openConfiguredIndex opens the index cfg names, closed with the test.
func openConfiguredIndex(t *testing.T, cfg string) *index.Index {
	t.Helper()
	c, err := configs.Load(cfg, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(c.Index, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}
