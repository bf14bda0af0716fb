package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// served is a `paperbot serve` running in the test.
type served struct {
	addr, metrics  string
	stdout, stderr *cliOutput
	cancel         context.CancelFunc
	done           chan error
}

// startServe runs `paperbot serve` with the configuration body (its
// data_dir in a temporary directory) and stdin, until the test ends or
// stop is called. It returns once the HTTP server listens.
func startServe(t *testing.T, body string, stdin io.Reader) *served {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+filepath.Join(dir, "data")+"\n"+body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	s := &served{stdout: newCLIOutput(), stderr: newCLIOutput(), cancel: cancel, done: make(chan error, 1)}
	ready, metrics := make(chan string, 1), make(chan string, 1)
	e := &env{getenv: cliEnv(nil), stdin: stdin, stdout: s.stdout, stderr: s.stderr,
		onReady: func(addr string) { ready <- addr }, onMetrics: func(addr string) { metrics <- addr }}
	go func() { s.done <- runServe(ctx, e, []string{"--config", cfg}) }()
	select {
	case s.addr = <-ready:
	case err := <-s.done:
		cancel()
		t.Fatalf("serve ended before it was ready: %v\n%s", err, s.stderr.String())
	}
	select {
	case s.metrics = <-metrics:
	default:
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *served) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// blockingStdin is a console input that has no line and never ends
// (until the test does).
func blockingStdin(t *testing.T) io.Reader {
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	return r
}

// rawStatus sends a GET with one header of n bytes over a raw connection
// and returns the status line.
func rawStatus(t *testing.T, addr string, n int) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: %s\r\n\r\n", strings.Repeat("a", n))
	}()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the answer to a %d-byte header: %v", n, err)
	}
	return strings.TrimSpace(line)
}

// Headers are bounded at 64 KiB (Go's default is 1 MB): a request whose
// headers are larger is refused with 431 before it is read any further;
// one of 32 KiB is served.
func TestServeBoundsHeaders(t *testing.T) {
	s := startServe(t, "http: {addr: 127.0.0.1:0}\n", blockingStdin(t))
	if got := rawStatus(t, s.addr, 32<<10); got != "HTTP/1.1 200 OK" {
		t.Errorf("32 KiB of headers: %q, want 200", got)
	}
	if got := rawStatus(t, s.addr, 80<<10); !strings.HasPrefix(got, "HTTP/1.1 431 ") {
		t.Errorf("80 KiB of headers: %q, want 431", got)
	}
}

// With metrics.addr, /metrics is served there and no longer on the
// public listener (which still serves /healthz); without it, /metrics is
// on http.addr as before.
func TestServeMetricsAddr(t *testing.T) {
	s := startServe(t, "http: {addr: 127.0.0.1:0}\nmetrics: {addr: 127.0.0.1:0}\n", blockingStdin(t))
	if s.metrics == "" || s.metrics == s.addr {
		t.Fatalf("metrics listener %q (http %q)", s.metrics, s.addr)
	}
	if code, _, _ := cliGet(t, "http://"+s.addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on http.addr: %d, want 404", code)
	}
	if code, _, _ := cliGet(t, "http://"+s.addr+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz on http.addr: %d", code)
	}
	code, _, text := cliGet(t, "http://"+s.metrics+"/metrics")
	if code != http.StatusOK || !strings.Contains(text, "paperbot_index_papers 194") {
		t.Errorf("/metrics on metrics.addr: %d\n%.300s", code, text)
	}
	if code, _, _ := cliGet(t, "http://"+s.metrics+"/healthz"); code != http.StatusNotFound {
		t.Errorf("/healthz on metrics.addr: %d, want 404", code)
	}
	s.stop(t)
	if _, err := http.Get("http://" + s.metrics + "/metrics"); err == nil {
		t.Error("metrics still served after shutdown")
	}
	if !strings.Contains(s.stderr.String(), "serving metrics") {
		t.Errorf("no \"serving metrics\" in the log:\n%s", s.stderr.String())
	}

	plain := startServe(t, "http: {addr: 127.0.0.1:0}\n", blockingStdin(t))
	if code, _, _ := cliGet(t, "http://"+plain.addr+"/metrics"); code != http.StatusOK {
		t.Errorf("/metrics on http.addr without metrics.addr: %d", code)
	}
}

// A metrics address that cannot be listened on stops serve with an error
// naming metrics.addr, and leaves nothing running.
func TestServeMetricsAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "paperbot.yaml")
	body := "data_dir: " + filepath.Join(dir, "data") + "\nhttp: {addr: 127.0.0.1:0}\nmetrics: {addr: \"" + ln.Addr().String() + "\"}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cliRun(t, nil, "", "serve", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, "metrics.addr") || !strings.Contains(stderr, "address already in use") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// `paperbot serve` without a platform chats on stdin; when the input ends
// (a pipe closed, /quit), serve stops by itself, cleanly, after answering
// what it read, and its HTTP server with it.
func TestServeConsoleStopsAtEndOfInput(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+filepath.Join(dir, "data")+"\nhttp: {addr: 127.0.0.1:0}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, input := range []string{"/papers tranception\n", "/papers tranception\n/quit\n/papers never read\n"} {
		stdout, stderr := newCLIOutput(), newCLIOutput()
		var addr string
		e := &env{getenv: cliEnv(nil), stdin: strings.NewReader(input), stdout: stdout, stderr: stderr,
			onReady: func(a string) { addr = a }}
		done := make(chan error, 1)
		go func() { done <- runServe(t.Context(), e, []string{"--config", cfg}) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%q: serve: %v", input, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%q: serve still running a minute after its input ended:\n%s", input, stderr.String())
		}
		if !strings.Contains(stdout.String(), "id: 2205.13760") {
			t.Errorf("%q: the command was not answered:\n%s", input, stdout.String())
		}
		if !strings.Contains(stderr.String(), `msg="shut down" reason="the console's input ended"`) {
			t.Errorf("%q: no shutdown logged:\n%s", input, stderr.String())
		}
		if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
			t.Errorf("%q: still serving http after serve returned", input)
		}
	}
}

// serve says where its data lives, as absolute paths, and where that came
// from: a Docker user sees at once whether the state is on the volume.
func TestServeLogsWhereItsDataLives(t *testing.T) {
	s := startServe(t, "http: {addr: 127.0.0.1:0}\n", blockingStdin(t))
	var line string
	for l := range strings.Lines(s.stderr.String()) {
		if strings.Contains(l, "msg=data ") {
			line = l
		}
	}
	_, dir, _ := strings.Cut(line, " dir=")
	dir, _, _ = strings.Cut(dir, " ")
	if line == "" || !filepath.IsAbs(dir) || !strings.Contains(line, `from="the configuration file"`) ||
		!strings.Contains(line, "state="+filepath.Join(dir, "state.db")) || !strings.Contains(line, "index="+filepath.Join(dir, "index")) {
		t.Errorf("data log line %q", line)
	}
}
