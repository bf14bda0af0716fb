package main

import (
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
	env := cliDataEnv(t)
	if _, stderr, code := cliRun(t, env, ""); code != 0 {
		t.Fatalf("indexing the sample: exit %d\n%s", code, stderr)
	}
	ix := filepath.Join(env["PAPERBOT_DATA_DIR"], "index")
	segs, _ := filepath.Glob(filepath.Join(ix, "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment files")
	}
	for _, s := range segs {
		damageDictionaries(t, s)
	}
	says := func(what, stderr string) {
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
	for _, args := range [][]string{
		{"search", "protein fitness"},
		{"search", "--json", "tranceptoin"}, // a correction reads the dictionaries on the caller's goroutine
		{"search", "2205.13760"},
	} {
		stdout, stderr, code := cliRun(t, env, "", args...)
		if code != 1 || stdout != "" {
			t.Errorf("paperbot %q: exit %d, stdout %q; want 1 and nothing", args, code, stdout)
		}
		says(strings.Join(args, " "), stderr)
	}

	// The console: the command fails, the log says why.
	stdout, stderr, code := cliRun(t, env, "/papers protein fitness\n/papers tranceptoin\n")
	if code != 0 || strings.Count(stdout, "Sorry, something went wrong on my side") != 2 {
		t.Errorf("console: exit %d\nstdout: %s", code, stdout)
	}
	says("console", stderr)
}
