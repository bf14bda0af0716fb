// Package index is paperbot's paper index: a Bleve index with an explicit
// mapping, batch ingest that merges records by canonical id, and search in
// the user query language (see query.go) with highlighting, typo tolerance
// and similar-paper lookups.
package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// versionKey is where the mapping version is kept (Bleve internal storage).
var versionKey = []byte(MappingVersionKey)

// ErrOldMapping is returned (wrapped) when an index was written by another
// mapping version and cannot or may not be rebuilt.
var ErrOldMapping = errors.New("index written by a different mapping version")

// Options tune Open.
type Options struct {
	Logger *slog.Logger
	// Now is the clock used for trending scores (default time.Now).
	Now func() time.Time
	// NoRebuild refuses an index written by another mapping version instead
	// of rebuilding it from the records it stores.
	NoRebuild bool
	// Bulk trades durability for speed while ingesting large files: batches
	// are not synced to disk one by one (a crash loses the ingest, never the
	// index's consistency). Close syncs everything.
	Bulk bool
	// LockTimeout is how long to wait for another process holding the index
	// (default 2s).
	LockTimeout time.Duration
	// OnRebuild, when set, is told the progress of a rebuild on open (an
	// index written by another mapping version): papers copied so far, of
	// total.
	OnRebuild func(done, total int)
	// DisableFastPath answers every query with Bleve's own searchers,
	// never with the fast evaluators of door.go (which give the same
	// answers, faster): a switch for when one is suspected of a fault.
	DisableFastPath bool
	// MappedBudget is the file-backed resident memory (the mapped index
	// pages searches touched) above which the index gives those pages
	// back to the kernel's page cache (advise.go): 0 for none
	// (BulkMappedBudget when Bulk), below 0 for none. A Writer holds to
	// it too: it looks after every batch.
	MappedBudget int64
	// ResidentBudget is the process's whole resident memory above which
	// the index gives its mapped pages back: 0 for DefaultResidentBudget
	// (none when Bulk: a bulk ingest holds to MappedBudget), below 0 for
	// none.
	ResidentBudget int64
}

// ErrNewerMapping is returned (wrapped) by Open for an index written by a
// newer paperbot: rebuilding it down would lose what the newer version
// indexes.
var ErrNewerMapping = errors.New("index written by a newer paperbot")

// Index is a paper index in a directory.
type Index struct {
	bi  bleve.Index
	dir string
	log *slog.Logger
	now func() time.Time

	analyzers
	rank rankParams

	// wmu serialises writers' assembly of batches, so that read-merge-write
	// of a record is atomic; freshClaimed is set once a writer treated the
	// empty index as fresh.
	wmu          sync.Mutex
	freshClaimed bool
	// writing marks the ids of batches being written in the background.
	writingMu sync.Mutex
	writing   map[string]chan struct{}

	// bounds holds the measured score bounds of free-word search (fast.go).
	bounds bounds
	// columns holds segments' sort values for listings (sorted.go).
	columns columnCache
	// lengths holds segments' summed field lengths (lengths.go).
	lengths lengthCache
	// advise marks segment mappings for random access (advise.go).
	advise advisor
	// vocab holds the titles' words for spelling corrections (vocab.go).
	vocab vocab
	// forms keeps the other forms found of query words (forms.go).
	forms formsCache
	// bg counts the goroutines above that Close waits for (background.go);
	// stopTrim ends a bulk ingest's looks at its mapped pages (advise.go).
	bg       background
	stopTrim chan struct{}
	// fastPath lets the fast evaluators answer (door.go).
	fastPath bool
	// answers counts the queries each evaluator answered.
	answers answerCounts
	// async is the first failure of Bleve's background writes.
	async *asyncErrors
	// closeOnce closes the index once (Bleve's Close panics the second
	// time), with closeErr what it returned.
	closeOnce sync.Once
	closeErr  error
}

// Open opens the index in dir, creating it if dir does not exist or is empty.
// An index written by another mapping version is rebuilt from its stored
// records (or refused when Options.NoRebuild is set).
func Open(dir string, opts Options) (_ *Index, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	exists, err := Exists(dir)
	if err != nil {
		return nil, err
	}
	// Registered before Bleve starts its background writers.
	async := watchAsync(dir, func(err error) { opts.Logger.Warn("index: background clean-up failed", "dir", dir, "err", err) })
	defer func() {
		if err != nil {
			async.stop()
		}
	}()
	var bi bleve.Index
	if !exists {
		bi, err = create(dir, opts)
		if err != nil {
			return nil, err
		}
	} else {
		if err := checkRoot(dir); err != nil {
			return nil, err
		}
		// The newest snapshot's segments must all be there and whole:
		// Bleve would fall back silently on an older snapshot, or panic.
		written, err := checkLatest(dir)
		if err != nil {
			return nil, err
		}
		bi, err = openRecovered(dir, func() (bleve.Index, error) { return bleve.OpenUsing(dir, runtimeConfig(opts)) })
		if err != nil {
			if errors.Is(err, ErrDamaged) {
				return nil, err
			}
			if strings.Contains(err.Error(), "timeout") {
				return nil, fmt.Errorf("index %s: %w (is `paperbot serve` running?): %w", dir, ErrInUse, err)
			}
			if strings.Contains(err.Error(), "error parsing mapping JSON") && !written {
				// A paperbot older than atomic creation was stopped while
				// creating it: there is nothing in it to keep.
				return nil, unfinished(dir)
			}
			return nil, fmt.Errorf("opening index %s: %w (%s)", dir, err, openAdvice(err))
		}
		v, err := bi.GetInternal(versionKey)
		if err != nil {
			bi.Close()
			return nil, fmt.Errorf("reading index version in %s: %w", dir, err)
		}
		if n, err := strconv.Atoi(string(v)); err == nil && n > MappingVersion {
			bi.Close()
			return nil, fmt.Errorf("%w: index %s has mapping version %d, this paperbot uses %d and would rebuild it down, losing what the newer version indexes. "+
				"Run the newer paperbot, or give this one an index of its own (--index DIR, or data_dir) and ingest your sources into it", ErrNewerMapping, dir, n, MappingVersion)
		}
		if slices.Contains(upgradedInPlace, string(v)) {
			if err := bi.SetInternal(versionKey, MappingVersionValue()); err != nil {
				bi.Close()
				return nil, fmt.Errorf("marking index %s mapping version %d: %w", dir, MappingVersion, err)
			}
			v = MappingVersionValue()
		}
		if string(v) != strconv.Itoa(MappingVersion) {
			bi, err = migrate(bi, dir, string(v), opts)
			if err != nil {
				return nil, err
			}
		}
	}
	ix := &Index{bi: bi, dir: dir, log: opts.Logger, now: opts.Now, rank: defaultRank, async: async, fastPath: !opts.DisableFastPath}
	ix.advise.dir = realDir(dir)
	ix.advise.every = trimEvery
	switch {
	case opts.MappedBudget == 0 && opts.Bulk:
		ix.advise.budget = BulkMappedBudget
	case opts.MappedBudget > 0:
		ix.advise.budget = uint64(opts.MappedBudget)
	}
	switch {
	case opts.ResidentBudget == 0 && !opts.Bulk:
		ix.advise.resident = DefaultResidentBudget
	case opts.ResidentBudget > 0:
		ix.advise.resident = uint64(opts.ResidentBudget)
	}
	if ix.analyzers, err = analyzersOf(bi.Mapping()); err == nil {
		err = ix.rec.loadDict(bi)
	}
	if err != nil {
		bi.Close()
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	// Not a reason to refuse the index: the papers are read as before,
	// and the next start tries again.
	var former int
	if err := recovered(dir, func() (err error) { former, err = ix.indexFormerAliases(); return err }); err != nil {
		opts.Logger.Warn("index: indexing the title ids restored from records written before mapping 12 failed; lookups by them miss their papers until they are written again", "dir", dir, "err", ix.damageOf(err))
	} else if former > 0 {
		opts.Logger.Info("index: title ids restored from records written before mapping 12 indexed (lookups by them find their papers)", "dir", dir, "papers", former)
	}
	if opts.Bulk {
		ix.trimWhileBulk()
	}
	return ix, nil
}

func runtimeConfig(opts Options) map[string]any {
	return map[string]any{
		"bolt_timeout": opts.LockTimeout.String(),
		"unsafe_batch": opts.Bulk,
		// Failed background writes are reported (async.go).
		"asyncErrorCallbackName": asyncCallbackName,
	}
}

// Exists reports whether dir holds an index, without opening or creating
// anything; an absent or empty directory is not one (Open would create
// one there), anything else is an error: a file, a directory of other
// files.
func Exists(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if st, serr := os.Stat(dir); serr == nil && !st.IsDir() {
		return false, fmt.Errorf("index %s is a file, not a directory: give the index a directory of its own (--index DIR, or data_dir)", dir)
	}
	if err != nil {
		return false, fmt.Errorf("index %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return false, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		return false, fmt.Errorf("%s is not empty and holds no paperbot index (no index_meta.json); choose another --index directory", dir)
	}
	return true, nil
}

// create makes a new, empty index in dir. It is built in a sibling
// directory, closed (so that its mapping and version are on disk) and
// renamed into place: a process stopped half-way leaves no index that
// looks complete but cannot be opened.
func create(dir string, opts Options) (bleve.Index, error) {
	im, err := NewMapping(MappingOptions{})
	if err != nil {
		return nil, fmt.Errorf("building the index mapping: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("creating index %s: %w", dir, err)
	}
	removeAbandoned(parent, filepath.Base(dir), opts.Logger)
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".creating-")
	if err != nil {
		return nil, fmt.Errorf("creating index %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp) // gone once renamed; removed if anything failed
	// Held while the index is built: another process that finds tmp knows
	// it is not abandoned (removeAbandoned).
	unlock, err := lockCreating(tmp)
	if err != nil {
		return nil, fmt.Errorf("creating index %s: %w", dir, err)
	}
	defer unlock()
	// Bleve wants to make the directory itself.
	if err := os.Remove(tmp); err != nil {
		return nil, fmt.Errorf("creating index %s: %w", dir, err)
	}
	// Never Bulk here: Bulk writes do not wait to be persisted, and the
	// mapping and version written now must be on disk when it closes.
	safe := opts
	safe.Bulk = false
	bi, err := bleve.NewUsing(tmp, im, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, runtimeConfig(safe))
	if err != nil {
		return nil, fmt.Errorf("creating index %s: %w", dir, err)
	}
	err = bi.SetInternal(versionKey, MappingVersionValue())
	if cerr := bi.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// dir is absent or an empty directory (os.Remove removes nothing
		// else), which os.Rename will not replace.
		if rerr := os.Remove(dir); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("creating index %s: %w", dir, err)
	}
	bi, err = bleve.OpenUsing(dir, runtimeConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("opening the new index %s: %w", dir, err)
	}
	return bi, nil
}

// migrate rebuilds an index written by another mapping version from the
// records it stores, or refuses with a message that says what to do.
func migrate(old bleve.Index, dir, version string, opts Options) (bleve.Index, error) {
	if version == "" {
		version = "unknown"
	}
	refuse := func(why string) (bleve.Index, error) {
		old.Close()
		return nil, fmt.Errorf("%w: index %s has mapping version %s, this paperbot uses %d; %s",
			ErrOldMapping, dir, version, MappingVersion, why)
	}
	if opts.NoRebuild {
		return refuse("rebuild it (run without --no-rebuild) or ingest into a new directory")
	}
	n, _ := old.DocCount()
	opts.Logger.Warn("index was written by another mapping version; rebuilding it from its stored records",
		"dir", dir, "from_version", version, "to_version", MappingVersion, "papers", n)
	tmp := dir + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return refuse("could not prepare " + tmp + ": " + err.Error())
	}
	bulk := opts
	bulk.Bulk = true
	nb, err := create(tmp, bulk)
	if err != nil {
		return refuse(err.Error())
	}
	fresh := &Index{bi: nb, dir: tmp, log: opts.Logger, now: opts.Now, async: watchAsync(tmp, nil)}
	defer fresh.async.stop()
	if fresh.analyzers, err = analyzersOf(nb.Mapping()); err != nil {
		nb.Close()
		return refuse(err.Error())
	}
	progress := func(int) {}
	if opts.OnRebuild != nil {
		total := int(n)
		opts.OnRebuild(0, total)
		progress = func(done int) { opts.OnRebuild(done, total) }
	}
	// The old index's records, read with its dictionary if it has one.
	oldRec, err := newRecords()
	if err == nil {
		err = oldRec.loadDict(old)
	}
	if err != nil {
		nb.Close()
		os.RemoveAll(tmp)
		return refuse(err.Error())
	}
	w := fresh.NewWriter(WriterOptions{FreshIndex: true, OnFlush: progress})
	copied, bad := 0, 0
	err = eachStored(old, func(raw string) error {
		p, err := oldRec.decode([]byte(raw))
		if err != nil || p.Normalize() != nil {
			bad++
			return nil
		}
		copied++
		// Open takes no context: a rebuild runs to its end.
		return w.Add(context.Background(), p)
	})
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = fresh.Settle(context.Background())
	}
	nb.Close()
	if err != nil {
		os.RemoveAll(tmp)
		return refuse("rebuilding failed (" + err.Error() + "); ingest your sources into a new directory")
	}
	if copied == 0 && n > 0 {
		os.RemoveAll(tmp)
		return refuse("it stores no records to rebuild from; ingest your sources into a new directory")
	}
	old.Close()
	backup := dir + ".old"
	os.RemoveAll(backup)
	if err := os.Rename(dir, backup); err != nil {
		return nil, fmt.Errorf("replacing %s with its rebuild: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("replacing %s with its rebuild (the old index is in %s): %w", dir, backup, err)
	}
	os.RemoveAll(backup)
	opts.Logger.Warn("index rebuilt", "dir", dir, "papers", copied, "unreadable", bad)
	return bleve.OpenUsing(dir, runtimeConfig(opts))
}

// eachStored calls fn with every stored record of an index, in id order.
func eachStored(bi bleve.Index, fn func(raw string) error) error {
	const page = 1000
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), page, 0, false)
		req.Fields = []string{fSource}
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SearchAfter = after
		}
		res, err := bi.Search(req)
		if err != nil {
			return err
		}
		for _, h := range res.Hits {
			raw, _ := h.Fields[fSource].(string)
			if err := fn(raw); err != nil {
				return err
			}
		}
		if len(res.Hits) < page {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// Note returns a value remembered with SetNote ("" when none). Notes live
// in the index, so they go when the index is rebuilt or replaced.
func (ix *Index) Note(key string) (string, error) {
	v, err := ix.bi.GetInternal([]byte(notePrefix + key))
	if err != nil {
		return "", fmt.Errorf("reading note %q from the index: %w", key, err)
	}
	return string(v), nil
}

// SetNote remembers a small value in the index under key.
func (ix *Index) SetNote(key, value string) error {
	if err := ix.bi.SetInternal([]byte(notePrefix+key), []byte(value)); err != nil {
		return fmt.Errorf("writing note %q to the index: %w", key, err)
	}
	return nil
}

// notePrefix keeps notes apart from the index's own internal keys.
const notePrefix = "paperbot.note."

// Close flushes and closes the index. Searches and writes after it fail
// with bleve.ErrorIndexClosed; closing it again does nothing.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		if ix.stopTrim != nil {
			close(ix.stopTrim)
		}
		ix.bg.close()
		ix.closeErr = ix.bi.Close()
		ix.async.stop()
	})
	return ix.closeErr
}

// realDir is dir as /proc/self/maps names files in it: absolute, links
// resolved.
func realDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// Dir is the index directory.
func (ix *Index) Dir() string { return ix.dir }

// Count is the number of papers in the index.
func (ix *Index) Count() (uint64, error) { return ix.bi.DocCount() }

// Lookup returns the paper with a canonical id (arXiv ids and URLs are
// normalised first), or the paper once known by it (a title id merged into
// its arXiv id: paper.Aliases), or a fault.NotFound error.
func (ix *Index) Lookup(ctx context.Context, id string) (paper.Paper, error) {
	return readGuarded(ix, func() (paper.Paper, error) { return ix.lookup(ctx, id) })
}

// lookup is Lookup.
func (ix *Index) lookup(ctx context.Context, id string) (paper.Paper, error) {
	id = paper.CanonicalID(id)
	p, ok, err := ix.getKnownAs(ctx, id)
	if err != nil {
		return paper.Paper{}, fault.Wrap(fault.Internal, err, "reading paper %s", id)
	}
	if !ok {
		return paper.Paper{}, fault.New(fault.NotFound, "paper %s is not in the index", id)
	}
	return p, nil
}

// getKnownAs is get, or else the paper that holds id as an alias: a
// trending page's paper looked up by the title id it had before its arXiv
// record came (a digest posted it, a teammate saved it, under that id).
func (ix *Index) getKnownAs(ctx context.Context, id string) (paper.Paper, bool, error) {
	p, ok, err := ix.get(id)
	if ok || err != nil || id == "" {
		return p, ok, err
	}
	return ix.aliasHolder(ctx, id)
}

func (ix *Index) get(id string) (paper.Paper, bool, error) {
	if id == "" {
		return paper.Paper{}, false, nil
	}
	doc, err := ix.bi.Document(id)
	if err != nil {
		return paper.Paper{}, false, err
	}
	if doc == nil {
		return paper.Paper{}, false, nil
	}
	p, err := ix.record(doc)
	if err != nil {
		return paper.Paper{}, false, fmt.Errorf("stored record of %s: %w", id, err)
	}
	return p, true, nil
}

// record decodes a document's stored record.
func (ix *Index) record(doc bindex.Document) (paper.Paper, error) {
	var raw []byte
	doc.VisitFields(func(f bindex.Field) {
		if f.Name() == fSource {
			raw = f.Value()
		}
	})
	return ix.rec.decode(raw)
}

// openAdvice says what to do about an error Bleve gave opening an index.
func openAdvice(err error) string {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		// Bleve opens root.bolt for writing: the directory (or its file
		// system) must be writable, for reading too.
		return "paperbot writes to its index directory even to search it: check its owner and permissions, and that its file system is not mounted read-only"
	}
	return "if it was written by an incompatible paperbot, move it away and ingest again"
}
