package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/paperbot/paperbot/internal/boltfile"
)

// ErrDamaged is returned (wrapped, with what is wrong where) by Open and
// Check for an index whose files are missing, truncated or damaged.
var ErrDamaged = errors.New("the index is damaged")

// ErrInUse is wrapped by Open's error when another process (serve) holds
// the index.
var ErrInUse = errors.New("the index is in use by another process")

// damagedError lists what is wrong with an index.
type damagedError struct {
	dir      string
	problems []string
	// read is set for damage a search or a lookup ran into (readGuarded):
	// it saw one segment, so the message points at check, which reads
	// them all.
	read bool
}

func (e *damagedError) Error() string {
	check := ""
	if e.read {
		check = fmt.Sprintf(" (paperbot check --index %s reads every segment and lists the damaged ones)", e.dir)
	}
	return fmt.Sprintf("index %s is damaged: %s; some of its papers cannot be read%s. "+
		"Rebuild it: stop paperbot, move %s away and ingest your sources again (paperbot ingest FILE...; "+
		"the sources configured for serve refill it on their schedule)",
		e.dir, strings.Join(e.problems, "; "), check, e.dir)
}

func (e *damagedError) Is(target error) bool { return target == ErrDamaged }

// The end of a zap segment file (every version paperbot's Bleve reads,
// 11 to 17): ... version (4 bytes), CRC-32 (IEEE) of everything before it
// (4 bytes), big-endian. Version 17 puts before them, from the end: the
// chunk mode (4), the sections index offset (8), the stored index offset
// (8), the number of documents (8), the length of the writer id (4) and
// the writer id.
const (
	zapMinVersion  = 11
	zapMaxVersion  = 17
	zapFooterV17   = 4 + 4 + 4 + 4 + 8 + 8 + 8
	zapMaxWriterID = 1 << 10
)

// errMissing: a segment file is not there.
var errMissing = errors.New("it is missing")

// zapFooter is what checkFooter reads of a segment file's end.
type zapFooter struct {
	version uint32
	crc     uint32
	numDocs uint64 // version 17 only
}

// checkFooter reads the footer of the zap file at path and checks that it
// is whole and plausible: cheap (a few bytes), run on every segment of the
// latest snapshot before Bleve opens the index (it panics on some damaged
// footers, and on others falls back silently on an older snapshot).
func checkFooter(path string) (zapFooter, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return zapFooter{}, errMissing
	}
	if err != nil {
		return zapFooter{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return zapFooter{}, err
	}
	size := st.Size()
	if size < zapFooterV17 {
		return zapFooter{}, fmt.Errorf("it is truncated (%d bytes)", size)
	}
	tail := make([]byte, zapFooterV17)
	if _, err := f.ReadAt(tail, size-zapFooterV17); err != nil {
		return zapFooter{}, err
	}
	be := binary.BigEndian
	z := zapFooter{version: be.Uint32(tail[zapFooterV17-8:]), crc: be.Uint32(tail[zapFooterV17-4:])}
	if z.version < zapMinVersion || z.version > zapMaxVersion {
		return z, fmt.Errorf("its footer is damaged or cut off (version %d)", z.version)
	}
	if z.version == 17 {
		idLen := int64(be.Uint32(tail[0:]))
		z.numDocs = be.Uint64(tail[4:])
		stored, sections := be.Uint64(tail[12:]), be.Uint64(tail[20:])
		if idLen > zapMaxWriterID || idLen+zapFooterV17 > size || stored >= uint64(size) || sections >= uint64(size) {
			return z, errors.New("its footer is damaged (offsets past the end of the file)")
		}
	}
	return z, nil
}

// checkSegmentFile reads the whole zap file at path and checks its CRC-32
// against its footer's.
func checkSegmentFile(ctx context.Context, path string) (zapFooter, int64, error) {
	z, err := checkFooter(path)
	if err != nil {
		return z, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return z, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return z, 0, err
	}
	h := crc32.NewIEEE()
	n, err := io.Copy(h, io.LimitReader(&ctxReader{ctx, f}, st.Size()-4))
	if err != nil {
		return z, n, err
	}
	if got := h.Sum32(); got != z.crc {
		return z, n, fmt.Errorf("its checksum does not match (CRC-32 %08x, its footer says %08x)", got, z.crc)
	}
	return z, st.Size(), nil
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// latestSegments lists the segment files of the newest snapshot recorded
// in dir's store/root.bolt, read before Bleve opens it. found is false
// when none is recorded (an index never written), or when another process
// holds the file (Open reports that).
func latestSegments(dir string) (files []string, found bool, err error) {
	root := filepath.Join(storePath(dir), "root.bolt")
	if err := boltfile.Check(root); err != nil {
		if errors.Is(err, boltfile.ErrDamaged) {
			return nil, false, &damagedError{dir: dir, problems: []string{"store/root.bolt: " + err.Error()}}
		}
		return nil, false, err
	}
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil // never written (Open explains)
	}
	db, err := openRecovered(dir, func() (*bolt.DB, error) {
		return bolt.Open(root, 0o600, &bolt.Options{ReadOnly: true, Timeout: 50 * time.Millisecond})
	})
	if err != nil {
		if errors.Is(err, ErrDamaged) {
			return nil, false, err
		}
		return nil, false, nil // in use: Open says so
	}
	defer db.Close()
	err = recovered(dir, func() error {
		return db.View(func(tx *bolt.Tx) error {
			snaps := tx.Bucket([]byte{'s'})
			if snaps == nil {
				return nil
			}
			c := snaps.Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				snap := snaps.Bucket(k)
				if v != nil || snap == nil || snap.Bucket([]byte{'m'}) == nil {
					continue // not a snapshot (the trainer's bucket)
				}
				found = true
				return snap.ForEachBucket(func(k []byte) error {
					if p := snap.Bucket(k).Get([]byte{'p'}); p != nil {
						files = append(files, string(p))
					}
					return nil
				})
			}
			return nil
		})
	})
	return files, found, err
}

// checkRoot refuses an index without store/root.bolt, which lists its
// segments and holds its mapping, before Bleve opens it: Bleve would
// create an empty one, delete every segment file it does not list (all
// of them), and then fail on the missing mapping; and so would `paperbot
// check` and `search`, which must not write. With segment files beside
// it, the file was lost (damage); without, the index was never written.
func checkRoot(dir string) error {
	if _, err := os.Stat(filepath.Join(storePath(dir), "root.bolt")); !errors.Is(err, fs.ErrNotExist) {
		return nil // there (or unreadable: Open says so)
	}
	segs, _ := filepath.Glob(filepath.Join(storePath(dir), "*.zap"))
	if len(segs) == 0 {
		return unfinished(dir)
	}
	return &damagedError{dir: dir, problems: []string{fmt.Sprintf(
		"store/root.bolt is missing: it lists the segments, and the %d segment files beside it cannot be read without it", len(segs))}}
}

// unfinished is Open's error for an index whose creation was cut short.
func unfinished(dir string) error {
	return fmt.Errorf("index %s was left unfinished when it was being created (the process was stopped before it was written); delete the directory and ingest again", dir)
}

// checkLatest checks the footers of the newest snapshot's segments before
// Bleve opens dir. Bleve would fall back silently on an older snapshot
// (losing the papers written since) when one is missing or damaged, or
// panic on some damaged footers.
func checkLatest(dir string) (found bool, err error) {
	files, found, err := latestSegments(dir)
	if err != nil {
		return found, err
	}
	var problems []string
	for _, f := range files {
		if _, err := checkFooter(filepath.Join(storePath(dir), f)); err != nil {
			problems = append(problems, fmt.Sprintf("segment store/%s: %v", f, err))
		}
	}
	if problems != nil {
		return found, &damagedError{dir: dir, problems: problems}
	}
	return found, nil
}

// recovered runs fn, turning a panic (Bleve's and bbolt's on damaged
// files, or a fault reading a memory-mapped file) into ErrDamaged.
func recovered(dir string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &damagedError{dir: dir, problems: []string{fmt.Sprintf("reading it failed (%v)", r)}}
		}
	}()
	return fn()
}

// openRecovered is recovered for a function that opens something.
func openRecovered[T any](dir string, open func() (T, error)) (v T, err error) {
	err = recovered(dir, func() error {
		v, err = open()
		return err
	})
	return v, err
}

// readGuarded runs one of the reads the index answers callers with
// (Search, Similar, Lookup, Warm) as Open runs Bleve's: a panic reading a
// segment damaged inside (Open reads footers only) is the call's error,
// never the process's end, wherever it happens (a fast-path worker's is
// turned into an error by inSegment, one on the caller's goroutine here).
// Damage found either way is reported as Open reports it: the index
// directory, what was wrong, and what to do. serve's handlers recovered
// such a panic as an internal error with a stack trace in the log, and
// paperbot search, which has no handler around it, crashed.
//
// Some damage is no panic but an error zapx returns (zapDamage); it is
// reported the same way, where it said only "error loading roaring
// bitmap: ..." without the index or what to do.
func readGuarded[T any](ix *Index, read func() (T, error)) (T, error) {
	v, err := openRecovered(ix.dir, read)
	return v, ix.damageOf(err)
}

// zapDamage are the errors zapx (v17) returns when the bytes of a segment
// it reads are damaged inside: a posting list's bitmap, chunks,
// locations, doc values, a term dictionary (it formats the cause with %v,
// so they are told by their text). A posting list whose bitmap is
// damaged gives "error loading roaring bitmap: error in
// roaringArray.readFrom: did not find expected serialCookie in header".
var zapDamage = []string{
	"error loading roaring bitmap",
	"failed to get chunk size",
	"error loading chunk",
	"error optimized currChunkNext",
	"error reading frequency",
	"error reading norm",
	"error reading freqHasLocs",
	"error reading location",
	"error reading array position",
	"tried to load freq chunk",
	"error processing chunk",
	"vellum err",
	"vellum reader err",
	"loadFieldDocValueReader",
	"loadDvReaders",
	"corrupted chunk offset",
	"failed to read the chunk",
}

// damageOf is err as Open reports damage (ErrDamaged, naming the index,
// what was wrong and paperbot check) when it is damage a read ran into:
// a panic recovered as such, or one of zapDamage; else err itself.
func (ix *Index) damageOf(err error) error {
	if err == nil {
		return nil
	}
	if de := (*damagedError)(nil); errors.As(err, &de) {
		return &damagedError{dir: ix.dir, problems: de.problems, read: true}
	}
	msg := err.Error()
	for _, m := range zapDamage {
		if strings.Contains(msg, m) {
			return &damagedError{dir: ix.dir, problems: []string{fmt.Sprintf("reading a segment failed (%s)", msg)}, read: true}
		}
	}
	return err
}

// CheckResult is what Check found.
type CheckResult struct {
	Segments int   // segments checked
	Files    int   // of which files (the others are in memory)
	Bytes    int64 // bytes of segment files read
	Papers   uint64
	// Problems say what is wrong where; none for a sound index.
	Problems []string
}

// samplesPerSegment is how many stored records of each segment Check
// reads (the first, the last and some between).
const samplesPerSegment = 8

// Check verifies the index as it is now: the CRC-32 of every segment file
// against its footer, each segment's document count against its footer's,
// the papers counted against the index's count, and a sample of stored
// records of each segment (read and decoded). It reads every segment file
// once; a damaged index gives a result with Problems and an error wrapping
// ErrDamaged. It runs beside searches and writes.
func (ix *Index) Check(ctx context.Context) (res CheckResult, err error) {
	r, err := ix.reader()
	if err != nil {
		return res, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return res, fmt.Errorf("index %s: not a scorch index", ix.dir)
	}
	var live uint64
	for _, s := range snap.Segments() {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Segments++
		live += s.Count()
		name := fmt.Sprintf("in-memory segment %d", s.Id())
		if ps, ok := s.Segment().(segment.PersistedSegment); ok {
			res.Files++
			name = "segment store/" + filepath.Base(ps.Path())
			z, n, err := checkSegmentFile(ctx, ps.Path())
			res.Bytes += n
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			if errors.Is(err, errMissing) && ix.mergedAway(s.Id()) {
				// Merged into another segment since the check began, and
				// removed: the segment that holds its papers now is read
				// by the next check.
				continue
			}
			if err != nil {
				res.Problems = append(res.Problems, fmt.Sprintf("%s: %v", name, err))
				continue
			}
			if z.version == 17 && z.numDocs != s.Segment().Count() {
				res.Problems = append(res.Problems, fmt.Sprintf("%s: it holds %d documents, its footer says %d", name, s.Segment().Count(), z.numDocs))
				continue
			}
		}
		if err := recovered(ix.dir, func() error { return ix.sampleSegment(s) }); err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: %v", name, err))
		}
	}
	res.Papers = live
	if n, err := r.DocCount(); err != nil || n != live {
		res.Problems = append(res.Problems, fmt.Sprintf("the index counts %d papers, its segments hold %d (%v)", n, live, err))
	}
	if res.Problems != nil {
		return res, &damagedError{dir: ix.dir, problems: res.Problems}
	}
	return res, nil
}

// mergedAway reports whether the segment with id is no longer in the
// index (merged into another since a snapshot that holds it was taken).
func (ix *Index) mergedAway(id uint64) bool {
	r, err := ix.reader()
	if err != nil {
		return false
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return false
	}
	for _, s := range snap.Segments() {
		if s.Id() == id {
			return false
		}
	}
	return true
}

// sampleSegment reads and decodes some stored records of a segment.
func (ix *Index) sampleSegment(s *scorch.SegmentSnapshot) error {
	docs := s.DocNumbersLive()
	n := docs.GetCardinality()
	if n == 0 {
		return nil
	}
	step := max(n/(samplesPerSegment-1), 1)
	for i := uint64(0); i < n; i += step {
		local, err := docs.Select(uint32(i))
		if err != nil {
			return err
		}
		if err := ix.sampleDoc(s, local); err != nil {
			return err
		}
	}
	return ix.sampleDoc(s, docs.Maximum())
}

func (ix *Index) sampleDoc(s *scorch.SegmentSnapshot, local uint32) error {
	id, err := s.DocID(uint64(local))
	if err != nil {
		return fmt.Errorf("document %d: reading its id: %v", local, err)
	}
	raw, err := segmentRecord(s, local)
	if err != nil {
		return fmt.Errorf("document %d (%q): reading its record: %v", local, id, err)
	}
	p, err := ix.rec.decode(raw)
	if err != nil || p.ID != string(id) {
		return fmt.Errorf("document %d (%q): its stored record is unreadable", local, id)
	}
	return nil
}
