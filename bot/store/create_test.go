package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/paperbot/paperbot/bot/store"
)

// assertNothingLeft fails unless dir is empty: a state file paperbot
// failed to create is not left behind, nor its temporary file.
func assertNothingLeft(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left behind after a failed create: %s", e.Name())
	}
}

// A write failure while creating the state file (a full disk at first
// start) leaves no file behind: before, it left a 0-byte state.db that
// every later start refused as damaged, with nothing to restore.
func TestOpenCreateWriteFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.db")
	// bbolt's writes fail on a file opened read-only, as on a full disk.
	restore := store.SetCreateOpenFile(func(name string, _ int, mode os.FileMode) (*os.File, error) {
		return os.OpenFile(name, os.O_RDONLY, mode)
	})
	_, err := store.Open(path, store.Options{NoSync: true})
	restore()
	if err == nil {
		t.Fatal("Open succeeded with writes failing")
	}
	if errors.Is(err, store.ErrDamaged) {
		t.Errorf("a failed create is reported as a damaged file: %v", err)
	}
	assertNothingLeft(t, dir)
	// The next start creates the file.
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatalf("the start after a failed create: %v", err)
	}
	db.Close()
}

// The same on a real full file system: a tmpfs too small for bbolt's
// first pages (needs root to mount; skipped otherwise).
func TestOpenCreateOnFullDiskLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=8k"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): TestOpenCreateWriteFailureLeavesNothing covers the case", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	path := filepath.Join(dir, "new.db")
	_, err := store.Open(path, store.Options{})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Open on a full disk: %v, want no space left on device", err)
	}
	assertNothingLeft(t, dir)
	_, err = store.Open(path, store.Options{})
	if errors.Is(err, store.ErrDamaged) {
		t.Fatalf("the next start refuses a file it never created: %v", err)
	}
}

// An existing 0-byte state file paperbot did not just create is still
// refused as damaged.
func TestOpenRefusesExistingEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, store.Options{NoSync: true}); !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("Open of an existing empty file: %v, want ErrDamaged", err)
	}
}
