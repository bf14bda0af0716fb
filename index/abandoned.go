package index

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A new index is built in a sibling directory, .NAME.creating-RANDOM, and
// renamed into place (create). A process killed meanwhile (the first start
// of serve, stopped by its supervisor) leaves the directory behind. The
// process building one holds an exclusive lock on its lock file,
// .NAME.creating-RANDOM.lock, for as long as it builds: a directory whose
// lock can be taken is abandoned. Directories left by a paperbot older
// than the lock files have none: they are abandoned when Bleve's own lock
// on their root.bolt can be taken, or, when they have none (killed before
// Bleve wrote anything), when they are older than abandonedAge.

// abandonedAge is how old a creating directory without any lock must be
// to be taken for abandoned (creating one takes well under a second).
const abandonedAge = 10 * time.Minute

// lockFile is the lock file of a creating directory.
func lockFile(tmp string) string { return tmp + ".lock" }

// lockCreating creates and locks tmp's lock file; unlock releases and
// removes it.
func lockCreating(tmp string) (unlock func(), err error) {
	f, err := os.OpenFile(lockFile(tmp), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if !tryLock(f) {
		f.Close()
		return nil, os.ErrExist
	}
	return func() {
		os.Remove(f.Name())
		f.Close() // releases the lock
	}, nil
}

// removeAbandoned removes the creating directories of the index NAME in
// parent that no live process is building.
func removeAbandoned(parent, name string, log *slog.Logger) {
	prefix := "." + name + ".creating-"
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		tmp := filepath.Join(parent, e.Name())
		release, abandoned := claimAbandoned(tmp, e)
		if !abandoned {
			continue
		}
		err := os.RemoveAll(tmp)
		os.Remove(lockFile(tmp))
		release()
		if log != nil {
			if err != nil {
				log.Warn("could not remove an index left unfinished by a stopped process", "dir", tmp, "err", err)
			} else {
				log.Info("removed an index left unfinished by a stopped process", "dir", tmp)
			}
		}
	}
}

// lockCandidates are the files whose lock tells whether tmp is being
// built: its lock file, else Bleve's root.bolt (none where flock is not
// available).
func lockCandidates(tmp string) []string {
	if !canLock {
		return nil
	}
	return []string{lockFile(tmp), filepath.Join(tmp, "store", "root.bolt")}
}

// claimAbandoned reports whether no process is building tmp, holding its
// lock (released by release) while it is removed.
func claimAbandoned(tmp string, e os.DirEntry) (release func(), abandoned bool) {
	nothing := func() {}
	for _, lock := range lockCandidates(tmp) {
		f, err := os.OpenFile(lock, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if !tryLock(f) {
			f.Close()
			return nothing, false // a live process holds it
		}
		return func() { f.Close() }, true
	}
	// No lock at all: old enough to be sure?
	info, err := e.Info()
	return nothing, err == nil && time.Since(info.ModTime()) > abandonedAge
}
