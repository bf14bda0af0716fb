package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliGet fetches a URL of the test's own server.
func cliGet(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// `paperbot serve` with no platform configured runs the console, serves
// /healthz and Prometheus /metrics on the configured address, logs JSON
// when asked to, and shuts down cleanly when its context ends.
func TestServeWithoutPlatform(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "paperbot.yaml")
	body := "data_dir: " + filepath.Join(dir, "data") + "\nhttp:\n  addr: 127.0.0.1:0\nlog:\n  format: json\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout, stderr := newCLIOutput(), newCLIOutput()
	ready := make(chan string, 1)
	e := &env{
		getenv: cliEnv(nil),
		// Two commands: the console handles them one after the other, so
		// when the second has answered the first has been counted.
		// (The input stays open: serve in console mode stops when it ends.)
		stdin:   io.MultiReader(strings.NewReader("/papers tranception\n/papers help\n"), blockingStdin(t)),
		stdout:  stdout,
		stderr:  stderr,
		onReady: func(addr string) { ready <- addr },
	}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, e, []string{"--config", cfg}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve ended before it was ready: %v\n%s", err, stderr.String())
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") || addr == "127.0.0.1:0" {
		t.Fatalf("serving on %q", addr)
	}
	base := "http://" + addr

	code, _, text := cliGet(t, base+"/healthz")
	if code != http.StatusOK || text != "ok\n" {
		t.Errorf("/healthz: %d %q", code, text)
	}

	stdout.waitFor(t, ctx, "/papers — research papers in chat", done)
	if !strings.Contains(stdout.String(), "id: 2205.13760") {
		t.Errorf("console output:\n%s", stdout.String())
	}
	code, hdr, text := cliGet(t, base+"/metrics")
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Errorf("/metrics: %d %q", code, hdr.Get("Content-Type"))
	}
	// (The help command is counted once its reply is out: it may not be
	// yet. The search before it is.)
	want := map[string]bool{
		`paperbot_commands_total{command="search",outcome="ok",platform="console"} 1`: false,
		`paperbot_index_papers 194`: false,
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if _, ok := want[sc.Text()]; ok {
			want[sc.Text()] = true
		}
	}
	for line, seen := range want {
		if !seen {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	if !strings.Contains(text, "# TYPE paperbot_command_duration_seconds histogram") {
		t.Error("/metrics lacks the command duration histogram")
	}
	if code, _, _ := cliGet(t, base+"/nothing-here"); code != http.StatusNotFound {
		t.Errorf("unknown path: %d", code)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
	// Structured JSON logs, one object per line, with the address and the
	// shutdown.
	var msgs []string
	for line := range strings.Lines(stderr.String()) {
		if strings.HasPrefix(line, "paperbot: indexing the sample corpus") {
			continue
		}
		var rec struct {
			Msg   string `json:"msg"`
			Level string `json:"level"`
			Addr  string `json:"addr"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		msgs = append(msgs, rec.Msg)
		if rec.Msg == "serving http" && rec.Addr != addr {
			t.Errorf("logged address %q, serving on %q", rec.Addr, addr)
		}
	}
	for _, m := range []string{"serving http", "adapter running", "shut down"} {
		if !strings.Contains(strings.Join(msgs, "\n"), m) {
			t.Errorf("no %q in the logs: %q", m, msgs)
		}
	}
}

// An address already in use is an error naming http.addr, not a serve
// without its health checks.
func TestServeAddressInUse(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan string, 1)
	e := &env{getenv: cliEnv(nil), stdin: blockingStdin(t), stdout: io.Discard, stderr: io.Discard,
		onReady: func(addr string) { ready <- addr }}
	cfg := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+filepath.Join(dir, "a")+"\nhttp: {addr: 127.0.0.1:0}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, e, []string{"--config", cfg}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	}
	other := filepath.Join(dir, "b.yaml")
	if err := os.WriteFile(other, []byte("data_dir: "+filepath.Join(dir, "b")+"\nhttp: {addr: \""+addr+"\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cliRun(t, nil, "", "serve", "--config", other)
	if code != 1 || !strings.Contains(stderr, "http.addr") {
		t.Errorf("second serve on %s: exit %d, %s", addr, code, stderr)
	}
	// The port is taken before the index and the state are opened: the
	// second serve touched nothing.
	if _, err := os.Stat(filepath.Join(dir, "b")); !os.IsNotExist(err) {
		t.Errorf("the second serve created its data directory (%v)", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
