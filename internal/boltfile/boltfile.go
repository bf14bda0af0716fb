// Package boltfile checks a bbolt database file before bbolt opens it:
// bbolt takes a 0-byte file for a new database, and panics on some
// truncated or damaged ones.
package boltfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
)

// ErrDamaged is wrapped by the errors of Check that say the file is
// damaged (rather than unreadable).
var ErrDamaged = errors.New("damaged")

// damagedError says what is wrong with a file.
type damagedError struct{ what string }

func (e *damagedError) Error() string        { return e.what }
func (e *damagedError) Is(target error) bool { return target == ErrDamaged }

func damaged(format string, args ...any) error {
	return &damagedError{fmt.Sprintf(format, args...)}
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

// Check validates the bbolt file at path: its headers (meta pages), and
// that the file is as long as they say. An absent file is fine (bbolt
// creates it). Errors that say the file is damaged wrap ErrDamaged and
// say what is wrong, without the file's name.
func Check(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	size := st.Size()
	if size == 0 {
		return damaged("it is empty (0 bytes), as a failed copy or a full disk leaves it")
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
		return damaged("it is not a bbolt database or both its headers are damaged (%d bytes)", size)
	case !ok0 || ok1 && m1.txid > m0.txid:
		m = m1
	}
	if m.pageSize < 512 || m.pageSize > 1<<20 || m.pageSize&(m.pageSize-1) != 0 {
		return damaged("its header gives an impossible page size %d", m.pageSize)
	}
	if want := int64(m.pgid) * int64(m.pageSize); size < want {
		return damaged("it is truncated: %d bytes, where its header says %d", size, want)
	}
	if m.root >= m.pgid || m.freelist >= m.pgid && m.freelist != boltNoFreelist {
		return damaged("its header points past the end of the data")
	}
	return nil
}
