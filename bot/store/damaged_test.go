package store_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/store"
)

// writeState writes a state file with n subscriptions and returns its
// bytes.
func writeState(t *testing.T, path string, n int) []byte {
	t.Helper()
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		sub := digest.Subscription{Platform: "slack", Team: "T1", Channel: fmt.Sprint("C", i), Time: "09:00", Zone: "UTC", Top: 5, Since: time.Unix(0, 0).UTC()}
		if err := db.PutSubscription(t.Context(), sub); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A 0-byte, truncated or damaged state file is refused with an error that
// names the file and the remedy, never taken as a new empty state (issue
// 13: a 0-byte state.db forgot every subscription) and never a panic
// (bbolt panicked on truncated files: "invalid freelist page").
func TestOpenRefusesDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	full := writeState(t, filepath.Join(dir, "good.db"), 300)
	if len(full) < 64<<10 {
		t.Fatalf("state file of %d bytes: too small for the cases", len(full))
	}
	flipped := func(off int) []byte {
		b := append([]byte(nil), full...)
		b[off] ^= 0xff
		return b
	}
	// The freelist page of the newer header, with its page type damaged:
	// the header is valid, bbolt panics reading it.
	meta := func(page int) (txid, freelist uint64) {
		m := full[page*4096+16:]
		return binary.NativeEndian.Uint64(m[48:]), binary.NativeEndian.Uint64(m[32:])
	}
	tx0, fl0 := meta(0)
	tx1, fl1 := meta(1)
	fl := fl0
	if tx1 > tx0 {
		fl = fl1
	}
	badFreelist := flipped(int(fl)*4096 + 8)
	bothMetas := flipped(16 + 8) // first meta's page size
	bothMetas[4096+16+8] ^= 0xff // second meta's
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "it is empty (0 bytes)"},
		{"100 bytes", full[:100], "it is truncated: 100 bytes, where its header says"},
		{"one page", full[:4096], "it is truncated: 4096 bytes"},
		{"50 bytes", full[:50], "both its headers are damaged (50 bytes)"},
		{"two pages", full[:8192], "it is truncated: 8192 bytes, where its header says"},
		{"three pages", full[:3*4096], "it is truncated"},
		{"five pages", full[:5*4096], "it is truncated"},
		{"half", full[:len(full)/2], "it is truncated"},
		{"both headers", bothMetas, "both its headers are damaged"},
		{"freelist page", badFreelist, "invalid freelist page"},
		{"not bbolt", []byte(strings.Repeat("not a database\n", 1000)), "not a bbolt database"},
	} {
		path := filepath.Join(dir, c.name+".db")
		if err := os.WriteFile(path, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(path, store.Options{})
		if err == nil {
			db.Close()
			t.Errorf("%s: opened", c.name)
			continue
		}
		msg := err.Error()
		if !errors.Is(err, store.ErrDamaged) || !strings.Contains(msg, path) || !strings.Contains(msg, c.want) ||
			!strings.Contains(msg, "restore "+path+" from a backup") {
			t.Errorf("%s: %v\nwant ErrDamaged naming the file, %q and the remedy", c.name, err, c.want)
		}
		// The file is left as it was, for the operator to look at.
		if b, _ := os.ReadFile(path); len(b) != len(c.data) {
			t.Errorf("%s: the file was changed to %d bytes", c.name, len(b))
		}
	}
	// One damaged header: bbolt falls back on the other (at most one
	// transaction older), and the state is there.
	path := filepath.Join(dir, "one-header.db")
	os.WriteFile(path, flipped(16+8), 0o600)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("one damaged header: %v", err)
	}
	defer db.Close()
	if subs, err := db.Subscriptions(t.Context()); err != nil || len(subs) < 299 {
		t.Errorf("one damaged header: %d subscriptions, %v", len(subs), err)
	}
}
