package index_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/index"
)

// buildIndex writes n wordy papers in batches of 100 and returns the
// index's segment files, newest last.
func buildIndex(t *testing.T, dir string, n int) []string {
	t.Helper()
	ix := openT(t, dir, index.Options{})
	r := rand.New(rand.NewPCG(3, 4))
	w := ix.NewWriter(index.WriterOptions{BatchSize: 100})
	for i := range n {
		p := wordyPaper(r, i)
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := w.Add(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	slices.Sort(segs)
	if len(segs) == 0 {
		t.Fatal("no segment files")
	}
	return segs
}

// A sound index checks out: every segment read, the papers counted.
func TestCheckSoundIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	buildIndex(t, dir, 300)
	ix := openT(t, dir, index.Options{})
	defer ix.Close()
	res, err := ix.Check(context.Background())
	if err != nil || res.Papers != 300 || res.Files == 0 || res.Bytes == 0 || len(res.Problems) != 0 {
		t.Errorf("Check: %+v, %v", res, err)
	}
}

// A missing, truncated or damaged segment is refused by Open as damaged,
// naming the segment and the remedy, never a panic (zapx panicked in
// loadConfig on a damaged footer) and never "left unfinished when it was
// being created"; bit flips inside a segment open (nothing tells before
// reading it all) and Check finds them by the segment's checksum (issue
// 13 items 4 and 5).
func TestDamagedSegments(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	segs := buildIndex(t, src, 300)
	seg := filepath.Base(segs[len(segs)-1])
	edit := func(f func(b []byte) []byte) func(string) {
		return func(path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f(b), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name    string
		damage  func(path string)
		atOpen  string // "" when Open succeeds and Check must find it
		atCheck string
	}{
		{"deleted", func(p string) { os.Remove(p) }, "it is missing", ""},
		{"truncated", edit(func(b []byte) []byte { return b[:len(b)/2] }), "its footer is damaged or cut off", ""},
		{"empty", edit(func(b []byte) []byte { return nil }), "it is truncated (0 bytes)", ""},
		{"footer", edit(func(b []byte) []byte {
			for i := 1; i <= 20; i++ {
				b[len(b)-i] ^= 0x5a
			}
			return b
		}), "its footer is damaged", ""},
		// The writer id's length, huge: zapx's loadConfig panicked with
		// slice bounds out of range.
		{"writer id length", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[len(b)-40:], 0xfffffff0)
			return b
		}), "its footer is damaged (offsets past the end of the file)", ""},
		{"20 bit flips", edit(func(b []byte) []byte {
			for range 20 {
				i := r.IntN(len(b) - 64)
				b[i] ^= 1 << r.IntN(8)
			}
			return b
		}), "", "its checksum does not match"},
	} {
		dir := filepath.Join(base, strings.ReplaceAll(c.name, " ", "-"))
		if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
		c.damage(filepath.Join(dir, "store", seg))
		ix, err := open(dir, index.Options{})
		if c.atOpen != "" {
			if err == nil {
				ix.Close()
				t.Errorf("%s: opened", c.name)
				continue
			}
			msg := err.Error()
			if !errors.Is(err, index.ErrDamaged) || !strings.Contains(msg, "index "+dir+" is damaged: segment store/"+seg+": "+c.atOpen) ||
				!strings.Contains(msg, "move "+dir+" away and ingest your sources again") || strings.Contains(msg, "unfinished") {
				t.Errorf("%s: %v\nwant ErrDamaged naming the segment, %q and the remedy", c.name, err, c.atOpen)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		res, err := ix.Check(context.Background())
		ix.Close()
		if !errors.Is(err, index.ErrDamaged) || len(res.Problems) == 0 || !strings.Contains(res.Problems[0], "segment store/"+seg+": "+c.atCheck) {
			t.Errorf("%s: Check: %+v, %v; want %q", c.name, res, err, c.atCheck)
		}
	}
}
