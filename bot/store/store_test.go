package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/bot/store/storetest"
)

// The behaviour every backend shares is in the conformance suite; the
// tests here are bbolt's own (the file, its lock, its schema version).
func TestConformance(t *testing.T) {
	storetest.Run(t, backend())
}

// backend is this store under the suite.
func backend() storetest.Backend {
	return storetest.Backend{
		New: func(t testing.TB) func(t testing.TB) storetest.Store {
			path := filepath.Join(t.TempDir(), "state.db")
			return func(t testing.TB) storetest.Store { return open(t, path) }
		},
		Fence: func(s storetest.Store, l bot.Lease) storetest.Store { return s.(*store.DB).Fenced(l) },
	}
}

// Open makes the file's parent directories.
func TestOpenMakesDirectories(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "state.db")
	db := open(t, path)
	if err := db.PutSubscription(t.Context(), digest.Subscription{Platform: "slack", Channel: "C1", Time: "09:00", Zone: "UTC", Top: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func open(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenLockedAndReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	if err := db.PutSubscription(t.Context(), digest.Subscription{Platform: "slack", Channel: "C1", Time: "09:00", Zone: "UTC", Top: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(path, store.Options{ReadOnly: true, LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("read-only open while held: %v, want ErrLocked", err)
	}
	db.Close()
	ro, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, ok, err := ro.Subscription(t.Context(), "slack", "C1"); !ok || err != nil {
		t.Fatalf("read-only read: %v %v", ok, err)
	}
	if err := ro.PutSubscription(t.Context(), digest.Subscription{Platform: "slack", Channel: "C2"}); err == nil {
		t.Fatal("a read-only store accepted a write")
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("version"), []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = store.Open(path, store.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer paperbot") {
		t.Fatalf("open of a newer schema: %v", err)
	}
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, []byte("this is not a bbolt file, just some text that is long enough"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, store.Options{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("open of a text file: %v", err)
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, backend())
}
