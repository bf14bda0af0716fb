package index

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// asyncCallbackName is the name under which paperbot's async error
// callback is registered with scorch; runtimeConfig names it in every
// index's configuration.
const asyncCallbackName = "paperbot"

// Bleve's scorch writes segments to disk and merges them on goroutines of
// its own. When that fails (a full disk), it retries for ever and reports
// the failure only to a callback that the index's configuration names
// and that scorch looks up in scorch.RegistryAsyncErrorCallbacks, a
// package-level map "to be treated as read-only after init()". Bleve
// forces this registry on us: the callback is registered here, in init,
// before any index can be opened, and routes each report by the index's
// path to the Index open there (asyncRoutes, the package-level state that
// the registry makes necessary).
func init() {
	scorch.RegistryAsyncErrorCallbacks[asyncCallbackName] = routeAsyncError
}

// asyncRoutes maps a scorch store path (the index directory's "store") to
// the *asyncErrors of the Index open there.
var asyncRoutes sync.Map

// routeAsyncError delivers one of scorch's background errors to the index
// it concerns.
func routeAsyncError(err error, path string) {
	if v, ok := asyncRoutes.Load(filepath.Clean(path)); ok {
		v.(*asyncErrors).report(err)
	}
}

// asyncErrors holds the first failure of an index's background writes.
type asyncErrors struct {
	path   string // the scorch store path it is registered under
	once   sync.Once
	failed chan struct{} // closed on the first failure
	err    error
	// onOther is told of background errors that do not stop writes (a
	// failed clean-up of old files).
	onOther func(err error)
}

// watchAsync registers the background errors of the index in dir.
func watchAsync(dir string, onOther func(error)) *asyncErrors {
	a := &asyncErrors{path: storePath(dir), failed: make(chan struct{}), onOther: onOther}
	asyncRoutes.Store(a.path, a)
	return a
}

// storePath is where scorch keeps an index's files, as scorch names it.
func storePath(dir string) string { return filepath.Clean(filepath.Join(dir, "store")) }

// stop unregisters it (the index is closed).
func (a *asyncErrors) stop() {
	if a != nil {
		asyncRoutes.CompareAndDelete(a.path, a)
	}
}

// done is closed on the first failure (nil, never ready, for an index
// without a watch).
func (a *asyncErrors) done() <-chan struct{} {
	if a == nil {
		return nil
	}
	return a.failed
}

// report records a background error: a failed persist or merge, or a
// panic, stops the index's writers; a failed clean-up is only logged.
func (a *asyncErrors) report(err error) {
	var se *scorch.ScorchError
	if errors.As(err, &se) && se.ErrType == scorch.ErrCleanup {
		if a.onOther != nil {
			a.onOther(err)
		}
		return
	}
	a.once.Do(func() {
		a.err = newWriteError(err)
		close(a.failed)
	})
}

// Err is the first failure of the background writes, or nil.
func (a *asyncErrors) Err() error {
	if a == nil {
		return nil
	}
	select {
	case <-a.failed:
		return a.err
	default:
		return nil
	}
}

// writeError is a failure to write the index to disk, reported by
// scorch's background writers (as text: they keep no error value).
type writeError struct {
	msg   string
	cause error // syscall.ENOSPC when the disk is full
}

func newWriteError(err error) error {
	msg := err.Error()
	var se *scorch.ScorchError
	if errors.As(err, &se) {
		msg = se.ErrMsg
	}
	e := &writeError{msg: msg}
	if strings.Contains(msg, syscall.ENOSPC.Error()) {
		e.cause = syscall.ENOSPC
	}
	return e
}

func (e *writeError) Error() string {
	if e.cause == syscall.ENOSPC {
		return fmt.Sprintf("writing the index to disk: %s (%s)", syscall.ENOSPC, e.msg)
	}
	return "writing the index to disk: " + e.msg
}

func (e *writeError) Unwrap() error { return e.cause }

// ErrWrite is matched (errors.Is) by every failure of the index's
// background writes.
var ErrWrite = errors.New("writing the index to disk failed")

// Is makes errors.Is(err, ErrWrite) true.
func (e *writeError) Is(target error) bool { return target == ErrWrite }
