package sources_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// sources.files are ingested once when serve starts.
func TestFilesJob(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "curated.jsonl")
	os.WriteFile(file, []byte(`{"id":"2502.00010","title":"Curated"}`+"\n"+`{"title":""}`+"\n"), 0o600)
	ix, err := index.Open(filepath.Join(dir, "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var logs bytes.Buffer
	job := (&sources.FilesJob{Files: []string{file, filepath.Join(dir, "missing.jsonl")}, Sink: ix, Log: slog.New(slog.NewTextHandler(&logs, nil))}).Job()
	n, err := job.Run(context.Background())
	if n != 1 || err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("wrote %d, err %v", n, err)
	}
	if _, err := ix.Lookup(context.Background(), "2502.00010"); err != nil {
		t.Error(err)
	}
	if !strings.Contains(logs.String(), "curated.jsonl:2: title") {
		t.Errorf("reject not logged:\n%s", logs.String())
	}
	if job.Next != nil || !job.AtStart {
		t.Error("the files job should run once, at start")
	}
}

// A configured file ingested cleanly is not read again on the next start
// while it is unchanged; a changed one is; one with rejected lines is read
// (and its rejects logged) every time.
func TestFilesJobSkipsUnchangedFiles(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.jsonl"), filepath.Join(dir, "bad.jsonl")
	os.WriteFile(good, []byte(`{"id":"2502.00010","title":"Curated"}`+"\n"), 0o600)
	os.WriteFile(bad, []byte(`{"id":"2502.00011","title":"Kept"}`+"\n"+`{"title":""}`+"\n"), 0o600)
	ix, err := index.Open(filepath.Join(dir, "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	job := (&sources.FilesJob{Files: []string{good, bad}, Sink: ix, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Job()
	for i, want := range []int{2, 1} {
		if n, err := job.Run(ctx); n != want || err != nil {
			t.Fatalf("start %d: wrote %d, err %v; want %d", i+1, n, err, want)
		}
	}
	// Changed (a second record, so a new size and modification time).
	os.WriteFile(good, []byte(`{"id":"2502.00010","title":"Curated"}`+"\n"+`{"id":"2502.00012","title":"Added"}`+"\n"), 0o600)
	if n, err := job.Run(ctx); n != 3 || err != nil {
		t.Fatalf("after the change: wrote %d, err %v; want 3", n, err)
	}
	if _, err := ix.Lookup(ctx, "2502.00012"); err != nil {
		t.Error(err)
	}
}

// A configured file cut short (a copy interrupted) keeps every paper read
// before the cut: the last batch was dropped with the error before. The
// cut is the job's error; the file is read again on the next start.
func TestFilesJobKeepsPapersBeforeACut(t *testing.T) {
	_, sink, _, run := runFilesJob(t, "jsonl/cut-short.jsonl.gz", "curated.jsonl.gz")
	n, err := run()
	if err == nil || !strings.Contains(err.Error(), "ends early (is the file truncated?)") {
		t.Errorf("err %v, want the cut", err)
	}
	if n != 23 || len(sink.ids) != 23 {
		t.Errorf("wrote %d (%d in the sink), want the 23 papers before the cut", n, len(sink.ids))
	}
}

// What was changed in the kept records of a configured file (control
// characters removed, invalid UTF-8 replaced, ids restored) is logged,
// with the first change; it was said nowhere.
func TestFilesJobLogsRepairs(t *testing.T) {
	file, _, logs, run := runFilesJob(t, "jsonl/invalid-utf8.jsonl", "curated.jsonl")
	if n, err := run(); n != 4 || err != nil {
		t.Fatalf("wrote %d, err %v", n, err)
	}
	want := `msg="records kept with fields repaired" source=files file=` + file +
		` cleaned_of_control_characters=0 invalid_utf8_replaced=3 ids_restored=0 dropped_or_converted=0 first="` + file +
		`:1: title: invalid UTF-8 (at byte 31 of the line) replaced with U+FFFD"`
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log:\n%s\nlacks\n%s", logs.String(), want)
	}
}

// runFilesJob copies a fixture to a file named name in a temporary
// directory and returns a run of the files job on it, with its sink and
// log.
func runFilesJob(t *testing.T, fixtureName, name string) (file string, sink *recordingSink, logs *bytes.Buffer, run func() (int, error)) {
	t.Helper()
	file = filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, fixture(t, fixtureName), 0o600); err != nil {
		t.Fatal(err)
	}
	sink = &recordingSink{clock: sourcestest.NewClock(t0, time.Time{})}
	logs = new(bytes.Buffer)
	job := (&sources.FilesJob{Files: []string{file}, Sink: sink, Log: slog.New(slog.NewTextHandler(logs, nil))}).Job()
	return file, sink, logs, func() (int, error) { return job.Run(context.Background()) }
}
