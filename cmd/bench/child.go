package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// childCommand is the hidden subcommand under which the benchmark re-runs
// itself, so that each engine's work happens in its own process and its
// peak resident memory (rusage maxrss) is its own.
const childCommand = "__child"

// usage is what the kernel accounted to a finished child process. Peak
// memory is not taken from here: on Linux a child's rusage maxrss starts
// from the RSS of the process it was forked from (exec keeps the old
// high-water mark), so children report their own VmHWM instead.
type usage struct {
	MaxRSSBytes int64   `json:"rusage_max_rss_bytes"`
	UserSeconds float64 `json:"user_cpu_seconds"`
	SysSeconds  float64 `json:"sys_cpu_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	// Load1 is the host's 1-minute load average when the child ended: on
	// a shared machine, what else was running.
	Load1 float64 `json:"loadavg_1m"`
}

// CPUSeconds is user plus system time.
func (u usage) CPUSeconds() float64 { return u.UserSeconds + u.SysSeconds }

// runChild re-executes this binary as `__child kind args...`, decodes the
// JSON it prints on stdout into out, and returns its resource usage. The
// child's stderr is passed through, prefixed with its kind.
func runChild(ctx context.Context, kind string, args []string, out any) (usage, error) {
	exe, err := os.Executable()
	if err != nil {
		return usage{}, err
	}
	return runProcess(exec.CommandContext(ctx, exe, append([]string{childCommand, kind}, args...)...), kind, out)
}

// runProcess runs a child process that prints its result as JSON on stdout
// (this binary as a child, or another engine's program, like the Lucene
// one), decodes that into out and returns its resource usage. The child's
// stderr is passed through, prefixed with kind.
func runProcess(cmd *exec.Cmd, kind string, out any) (usage, error) {
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			fmt.Fprintf(os.Stderr, "  [%s] %s\n", kind, sc.Text())
		}
		io.Copy(io.Discard, pr)
	}()
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	pw.Close()
	<-done
	var u usage
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		u = usage{
			MaxRSSBytes: ru.Maxrss * 1024, // kilobytes on Linux
			UserSeconds: time.Duration(ru.Utime.Nano()).Seconds(),
			SysSeconds:  time.Duration(ru.Stime.Nano()).Seconds(),
			WallSeconds: wall.Seconds(),
			Load1:       loadAvg(),
		}
	}
	if err != nil {
		return u, fmt.Errorf("%s %s: %w", kind, strings.Join(cmd.Args[1:], " "), err)
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return u, fmt.Errorf("%s: reading its result: %w (output %q)", kind, err, truncate(stdout.String(), 200))
	}
	return u, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// writeResult prints a child's result for its parent.
func writeResult(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

// procStatus reads memory figures of this process from /proc/self/status,
// in bytes: VmRSS, RssAnon, RssFile, VmHWM.
type procMem struct {
	RSS     int64 `json:"rss_bytes"`
	RSSAnon int64 `json:"rss_anon_bytes"`
	RSSFile int64 `json:"rss_file_bytes"`
	HWM     int64 `json:"hwm_bytes"`
}

func readProcMem() procMem {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return procMem{}
	}
	return parseProcStatus(string(b))
}

// parseProcStatus reads the memory lines of a /proc/PID/status file.
func parseProcStatus(status string) procMem {
	var m procMem
	for _, line := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) < 1 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		n *= 1024 // kB
		switch k {
		case "VmRSS":
			m.RSS = n
		case "RssAnon":
			m.RSSAnon = n
		case "RssFile":
			m.RSSFile = n
		case "VmHWM":
			m.HWM = n
		}
	}
	return m
}

// diskUsage is the space a file or directory tree takes on disk (allocated
// blocks, like du).
func diskUsage(path string) (int64, error) {
	var total int64
	err := filepath.Walk(path, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += fi.Size()
		}
		return nil
	})
	return total, err
}

// countFiles counts the files under dir whose names end in suffix.
func countFiles(dir, suffix string) int {
	n := 0
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, suffix) {
			n++
		}
		return nil
	})
	return n
}
