package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// damageDictionaries points every term dictionary of the zap (v17)
// segment file at path past the end of the file, as bytes damaged inside
// a segment do: its footer stays whole (Open reads only footers), and
// zapx panics with "slice bounds out of range" when a query reads one.
func damageDictionaries(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	uvarint := func(pos uint64) (uint64, uint64) {
		v, n := binary.Uvarint(b[pos:])
		if n <= 0 {
			t.Fatalf("%s: no varint at %d", path, pos)
		}
		return v, uint64(n)
	}
	// The footer, from the end: CRC-32 (4), version (4), chunk mode (4),
	// the sections index offset (8), ...
	if v := binary.BigEndian.Uint32(b[len(b)-8:]); v != 17 {
		t.Fatalf("%s: zap version %d, the test reads 17", path, v)
	}
	pos := binary.BigEndian.Uint64(b[len(b)-20:])
	fields, n := uvarint(pos)
	pos += n
	damaged := 0
	for f := range fields {
		at := binary.BigEndian.Uint64(b[pos+8*f:])
		if at == 0 {
			continue
		}
		nameLen, n := uvarint(at)
		at += n + nameLen
		_, n = uvarint(at) // options
		at += n
		sections, n := uvarint(at)
		at += n
		for range sections {
			kind, addr := binary.BigEndian.Uint16(b[at:]), binary.BigEndian.Uint64(b[at+2:])
			at += 10
			if kind != 0 || addr == 0 { // 0: the inverted text index
				continue
			}
			// Its doc values' start and end, then the dictionary's
			// offset, rewritten as the largest varint of its length.
			_, n1 := uvarint(addr)
			_, n2 := uvarint(addr + n1)
			p := addr + n1 + n2
			_, n := uvarint(p)
			if 1<<(7*n) <= uint64(len(b)) {
				t.Fatalf("%s: a dictionary offset of %d bytes cannot point past %d bytes", path, n, len(b))
			}
			for i := range n - 1 {
				b[p+i] = 0xff
			}
			b[p+n-1] = 0x7f
			damaged++
		}
	}
	if damaged == 0 {
		t.Fatalf("%s: no term dictionary found", path)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A segment damaged inside (its footer whole: the index opens) made
// zapx panic on a query's own goroutine: paperbot search crashed with a
// stack trace (exit 2), and the console answered "something went wrong"
// with the stack trace in its log. Both now say that the index is
// damaged, where, and what to do; search exits 1.
func TestDamagedSegmentIsAnErrorNotACrash(t *testing.T) {
	env, ix := damagedSample(t, damageDictionaries)
	says := func(what, stderr string) { t.Helper(); saysDamaged(t, ix, what, stderr) }
	searchDamaged(t, env, ix, "", []string{"search", "protein fitness"},
		[]string{"search", "--json", "tranceptoin"}, // a correction reads the dictionaries on the caller's goroutine
		[]string{"search", "2205.13760"})

	// The console: the command fails, the log says why.
	stdout, stderr, code := cliRun(t, env, "/papers protein fitness\n/papers tranceptoin\n")
	if code != 0 || strings.Count(stdout, "Sorry, something went wrong on my side") != 2 {
		t.Errorf("console: exit %d\nstdout: %s", code, stdout)
	}
	says("console", stderr)
}

// saysDamaged checks that stderr says the index at ix is damaged, points at
// paperbot check and says what to do, without a stack trace.
func saysDamaged(t *testing.T, ix, what, stderr string) {
	t.Helper()
	for _, want := range []string{"index " + ix + " is damaged: ", "paperbot check --index " + ix, "move " + ix + " away and ingest your sources again"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("%s: stderr does not say %q:\n%s", what, want, stderr)
		}
	}
	for _, trace := range []string{"goroutine ", "panic:", "stack="} {
		if strings.Contains(stderr, trace) {
			t.Errorf("%s: a stack trace (%q):\n%s", what, trace, stderr)
		}
	}
}

// damageBitmaps changes the header of every posting-list bitmap of the zap
// segment file at path (roaring's cookie 12346, bytes 3a 30 00 00, as
// 3a 31 00 00), as flipped bits inside a segment do: its footer stays
// whole, and zapx returns "error loading roaring bitmap: ... did not find
// expected serialCookie in header" for any query that reads one (an
// error, not a panic).
func damageBitmaps(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cookie := []byte{0x3a, 0x30, 0, 0}
	if bytes.Count(b, cookie) < 100 {
		t.Fatalf("%s: %d roaring bitmaps, want 100 or more", path, bytes.Count(b, cookie))
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(b, cookie, []byte{0x3a, 0x31, 0, 0}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Damage zapx reports as an error, not a panic (a posting list's bitmap),
// said "paperbot: searching: error loading roaring bitmap: ..." without
// the index or what to do, and ingest blamed the disk ("free some
// space"): it is reported as the panics are.
func TestDamagedBitmapSaysWhatToDo(t *testing.T) {
	env, ix := damagedSample(t, damageBitmaps)
	searchDamaged(t, env, ix, "error loading roaring bitmap", []string{"search", "protein fitness"}, []string{"search", "2205.13760"})
	in := filepath.Join(t.TempDir(), "one.jsonl")
	if err := os.WriteFile(in, []byte(`{"id":"2205.13760","title":"Tranception"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cliRun(t, env, "", "ingest", "--index", ix, in)
	if code != 1 || stdout != "0 indexed, 0 rejected (stopped early)\n" || strings.Contains(stderr, "free some space") {
		t.Errorf("ingest: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	saysDamaged(t, ix, "ingest", stderr)

	stdout, stderr, code = cliRun(t, env, "/papers protein fitness\n")
	if code != 0 || !strings.Contains(stdout, "Sorry, something went wrong on my side") {
		t.Errorf("console: exit %d\nstdout: %s", code, stdout)
	}
	saysDamaged(t, ix, "console", stderr)
}

// damagedSample indexes the sample corpus in a data directory of its own
// and damages each of its segment files.
func damagedSample(t *testing.T, damage func(*testing.T, string)) (env map[string]string, ix string) {
	t.Helper()
	env = cliDataEnv(t)
	if _, stderr, code := cliRun(t, env, ""); code != 0 {
		t.Fatalf("indexing the sample: exit %d\n%s", code, stderr)
	}
	ix = filepath.Join(env["PAPERBOT_DATA_DIR"], "index")
	segs, _ := filepath.Glob(filepath.Join(ix, "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment files")
	}
	for _, s := range segs {
		damage(t, s)
	}
	return env, ix
}

// searchDamaged runs each command on the damaged index at ix: exit 1,
// nothing on stdout, stderr saying so (and cause, when not "").
func searchDamaged(t *testing.T, env map[string]string, ix, cause string, commands ...[]string) {
	t.Helper()
	for _, args := range commands {
		stdout, stderr, code := cliRun(t, env, "", args...)
		if code != 1 || stdout != "" {
			t.Errorf("paperbot %q: exit %d, stdout %q; want 1 and nothing", args, code, stdout)
		}
		saysDamaged(t, ix, strings.Join(args, " "), stderr)
		if !strings.Contains(stderr, cause) {
			t.Errorf("paperbot %q: stderr does not say %q:\n%s", args, cause, stderr)
		}
	}
}
