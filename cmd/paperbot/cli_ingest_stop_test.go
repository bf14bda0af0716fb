package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/internal/tmpfs"
)

// --batch out of range is a usage error (issue 13: --batch 2000000000 was
// killed by the kernel at 24 GB; 0 and negative values were accepted).
func TestIngestBatchRange(t *testing.T) {
	dir := t.TempDir()
	good := cliWrite(t, dir, "good.jsonl", `{"title":"One"}`+"\n")
	for _, b := range []string{"0", "-5", "20001", "2000000000"} {
		stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", filepath.Join(dir, "ix"), "--batch", b, good)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "paperbot ingest: --batch "+b+" is out of range: give 1 to 20000 papers per batch") {
			t.Errorf("--batch %s: exit %d, stdout %q, stderr %q", b, code, stdout, stderr)
		}
	}
	cliNotExist(t, filepath.Join(dir, "ix"), "ingest with a bad --batch")
	for _, b := range []string{"1", "20000"} {
		if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", filepath.Join(dir, "ix"), "--batch", b, good); code != 0 {
			t.Errorf("--batch %s: exit %d, %s", b, code, stderr)
		}
	}
}

// --parts below 1 is a usage error; 1 and more than there are cores are
// accepted (at most one part a core is used).
func TestIngestPartsRange(t *testing.T) {
	dir := t.TempDir()
	good := cliWrite(t, dir, "good.jsonl", `{"title":"One"}`+"\n"+`{"title":"Two"}`+"\n")
	for _, p := range []string{"0", "-2"} {
		stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", filepath.Join(dir, "ix"), "--parts", p, good)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "paperbot ingest: --parts "+p+" is out of range: give 1 or more") {
			t.Errorf("--parts %s: exit %d, stdout %q, stderr %q", p, code, stdout, stderr)
		}
	}
	cliNotExist(t, filepath.Join(dir, "ix"), "ingest with a bad --parts")
	for _, p := range []string{"1", "64"} {
		ix := filepath.Join(dir, "ix"+p)
		if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, "--parts", p, good); code != 0 {
			t.Errorf("--parts %s: exit %d, %s", p, code, stderr)
		}
	}
}

// endlessPapers is stdin that never ends: a JSON line per paper, with
// random abstracts of about size bytes. After cancelAfter lines it calls
// cancel (as a SIGINT would), once.
type endlessPapers struct {
	r           *rand.Rand
	n, size     int
	cancelAfter int
	cancel      func()
	buf         bytes.Buffer
	// ids, when above 0, is how many papers there are: line n holds
	// paper n mod ids again.
	ids int
}

func (e *endlessPapers) Read(p []byte) (int, error) {
	for e.buf.Len() < len(p) {
		var abs strings.Builder
		for abs.Len() < e.size {
			fmt.Fprintf(&abs, "w%x ", e.r.Uint32())
		}
		id := e.n
		if e.ids > 0 {
			id %= e.ids
		}
		fmt.Fprintf(&e.buf, `{"id":"2401.%05d","title":"Paper %d","abstract":%q}`+"\n", id, id, abs.String())
		e.n++
		if e.n == e.cancelAfter && e.cancel != nil {
			e.cancel()
		}
	}
	return e.buf.Read(p)
}

var summaryRE = regexp.MustCompile(`^(\d+) indexed, 0 rejected \((interrupted|stopped early)\)\n$`)

// summaryCount is the number of papers an interrupted or stopped ingest
// reports as indexed.
func summaryCount(t *testing.T, stdout, how string) int {
	t.Helper()
	m := summaryRE.FindStringSubmatch(stdout)
	if m == nil || m[2] != how {
		t.Fatalf("summary %q, want N indexed, 0 rejected (%s)", stdout, how)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// A SIGINT during an ingest writes what was read and says how many papers
// were indexed (issue 13: it said only "context canceled").
func TestIngestInterrupted(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "ix")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	in := &endlessPapers{r: rand.New(rand.NewPCG(1, 1)), size: 100, cancelAfter: 3000, cancel: cancel}
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"ingest", "--index", ix, "--batch", "200", "-"}, cliEnv(nil), in, &out, &errOut)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	n := summaryCount(t, out.String(), "interrupted")
	// Every paper read before the interrupt was noticed is written (the
	// parser reads ahead of the reader's count, so it may be fewer than
	// 3000).
	if n < 1 || n > in.n {
		t.Errorf("%d indexed; %d lines were made, the interrupt came after 3000", n, in.n)
	}
	if want := fmt.Sprintf("paperbot: interrupted: %d papers were indexed, the rest was not read", n); !strings.HasPrefix(errOut.String(), want) {
		t.Errorf("stderr %q, want it to start %q", errOut.String(), want)
	}
	if got := cliCount(t, ix); int(got) != n {
		t.Errorf("%d papers in the index, the summary says %d", got, n)
	}
}

// An interrupted ingest of papers read again in later batches counts
// papers, not records: the summary says what the index holds (it counted
// each batch's papers, a paper once per batch that held it).
func TestIngestInterruptedCountsPapers(t *testing.T) {
	ix := filepath.Join(t.TempDir(), "ix")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	in := &endlessPapers{r: rand.New(rand.NewPCG(1, 1)), size: 100, cancelAfter: 3000, cancel: cancel, ids: 300}
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"ingest", "--index", ix, "--batch", "200", "-"}, cliEnv(nil), in, &out, &errOut)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	n := summaryCount(t, out.String(), "interrupted")
	if got := cliCount(t, ix); int(got) != n || n != 300 {
		t.Errorf("%d papers in the index, the summary says %d; want 300", got, n)
	}
}

// A full disk stops an ingest at once with exit 1, "no space left on
// device" and the number of papers indexed, and leaves an index that opens
// (issue 13: it hung for ever, burning a core). On a real full disk: a
// small tmpfs.
func TestIngestFullDisk(t *testing.T) {
	mnt := tmpfs.Mount(t, "6m")
	ix := filepath.Join(mnt, "ix")
	var b strings.Builder
	in := &endlessPapers{r: rand.New(rand.NewPCG(2, 2)), size: 1500}
	buf := make([]byte, 20<<20)
	n, _ := in.Read(buf)
	b.Write(buf[:n])
	file := filepath.Join(t.TempDir(), "big.jsonl")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, "--batch", "200", file)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	indexed := summaryCount(t, stdout, "stopped early")
	got := cliCount(t, ix)
	if int(got) != indexed {
		t.Errorf("%d papers in the index opened again; the summary says %d were indexed", got, indexed)
	}
	for _, want := range []string{
		"paperbot: writing the index to disk: no space left on device",
		fmt.Sprintf("the index is consistent and holds %d papers (0 before this ingest); free some space and ingest again", got),
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Errorf("a stack trace:\n%s", stderr)
	}
}

// An ingest bounds its heap by a soft memory limit that grows with the
// batch size (issue 13: 1.19 GiB resident for the 250k sample); a limit
// the user set is kept; the process's own limit is restored afterwards.
func TestIngestMemoryLimit(t *testing.T) {
	// The default batch's limit is the one measured: 250k papers under
	// 512 MiB resident (330 MiB of heap, the rest mapped index files).
	if got := ingestMemoryLimit(2000, math.MaxInt64); got < 300<<20 || got > 340<<20 {
		t.Errorf("limit for --batch 2000: %d MiB", got>>20)
	}
	if got := ingestMemoryLimit(20000, math.MaxInt64); got <= ingestMemoryLimit(2000, math.MaxInt64) {
		t.Errorf("limit for --batch 20000: %d MiB, not above the default's", got>>20)
	}
	if got := ingestMemoryLimit(2000, 1<<30); got != 1<<30 {
		t.Errorf("GOMEMLIMIT=1GiB: limit %d", got)
	}
	before := debug.SetMemoryLimit(-1)
	dir := t.TempDir()
	good := cliWrite(t, dir, "good.jsonl", `{"title":"One"}`+"\n")
	if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", filepath.Join(dir, "ix"), good); code != 0 {
		t.Fatal(stderr)
	}
	if after := debug.SetMemoryLimit(-1); after != before {
		t.Errorf("memory limit %d after an ingest, %d before", after, before)
	}
}
