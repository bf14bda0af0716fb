package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is returned (wrapped, with what is wrong) by Open when the
// state file is empty, truncated or damaged: it is refused rather than
// taken as a new, empty state (which would forget the subscriptions and
// the ledger, and post papers again).
var ErrDamaged = errors.New("the state file is damaged")

// remedy says what to do about a damaged state file.
func remedy(path string) string {
	return fmt.Sprintf("stop paperbot and restore %s from a backup (`paperbot backup FILE` writes one); "+
		"or, to start over with no subscriptions and no digest history (papers already posted will be posted again), move it away", path)
}

// damaged is the error for a damaged state file at path.
func damaged(path, what string) error {
	return fmt.Errorf("state %s: %w: %s; %s", path, ErrDamaged, what, remedy(path))
}

// bbolt's file format (version 2): a 16-byte page header, then in pages 0
// and 1 the meta: magic, version, page size, flags (4 bytes each), the
// root bucket (page id, sequence), the freelist's page id, the high-water
// page id, the transaction id, and an FNV-64a checksum of what precedes it.
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	boltPageHeader  = 16
	boltMetaSize    = 64
	boltChecksumEnd = 56 // the checksum covers the meta's first 56 bytes
	boltNoFreelist  = ^uint64(0)
)

// boltMeta is what checkFile reads of a meta page.
type boltMeta struct {
	pageSize             uint32
	root, freelist, pgid uint64
	txid                 uint64
}

// readMeta decodes the meta at page offset off of f; ok is false when it
// is not a valid meta (wrong magic, version or checksum).
func readMeta(f io.ReaderAt, off int64) (boltMeta, bool) {
	b := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := f.ReadAt(b, off); err != nil {
		return boltMeta{}, false
	}
	m := b[boltPageHeader:]
	le := binary.NativeEndian
	h := fnv.New64a()
	h.Write(m[:boltChecksumEnd])
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion || le.Uint64(m[boltChecksumEnd:]) != h.Sum64() {
		return boltMeta{}, false
	}
	return boltMeta{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		pgid:     le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}, true
}

// checkFile validates the state file at path before bbolt opens it: bbolt
// takes a 0-byte file for a new database, and panics on some truncated
// ones (reading a freelist page past the end of the file). An absent file
// is fine: it is a new state.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("state %s: not a regular file", path)
	}
	size := st.Size()
	if size == 0 {
		return damaged(path, "it is empty (0 bytes), as a failed copy or a full disk leaves it")
	}
	m0, ok0 := readMeta(f, 0)
	var m1 boltMeta
	ok1 := false
	if ok0 {
		m1, ok1 = readMeta(f, int64(m0.pageSize))
	} else {
		// The first meta is damaged: look for the second at the usual
		// page sizes.
		for _, ps := range []int64{4096, 8192, 16384, 65536} {
			if m1, ok1 = readMeta(f, ps); ok1 && int64(m1.pageSize) == ps {
				break
			}
			ok1 = false
		}
	}
	m := m0
	switch {
	case !ok0 && !ok1:
		return damaged(path, fmt.Sprintf("it is not a bbolt database or both its headers are damaged (%d bytes)", size))
	case !ok0 || ok1 && m1.txid > m0.txid:
		m = m1
	}
	if m.pageSize < 512 || m.pageSize > 1<<20 || m.pageSize&(m.pageSize-1) != 0 {
		return damaged(path, fmt.Sprintf("its header gives an impossible page size %d", m.pageSize))
	}
	if want := int64(m.pgid) * int64(m.pageSize); size < want {
		return damaged(path, fmt.Sprintf("it is truncated: %d bytes, where its header says %d", size, want))
	}
	if m.root >= m.pgid || m.freelist >= m.pgid && m.freelist != boltNoFreelist {
		return damaged(path, "its header points past the end of the data")
	}
	return nil
}

// openBolt opens the file with bbolt and runs init in a transaction,
// turning a panic of bbolt's on a damaged file (its "assertion failed" and
// "invalid page" panics, or a fault reading its memory map) into an
// ErrDamaged error.
func openBolt(path string, opts *bolt.Options, update bool, init func(tx *bolt.Tx) error) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				db.Close()
			}
			db, err = nil, damaged(path, fmt.Sprint(r))
		}
	}()
	db, err = bolt.Open(path, 0o600, opts)
	if err != nil {
		return nil, err
	}
	if update {
		err = db.Update(init)
	} else {
		err = db.View(init)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
