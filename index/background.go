package index

import (
	"errors"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// background counts the index's goroutines that outlive the call that
// starts them (a release of mapped pages, a build of the titles' words),
// so that Close can wait for them; none starts once it is closed.
type background struct {
	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
}

// start reports whether a goroutine may start, and counts it (it calls
// done when it ends).
func (b *background) start() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.running.Add(1)
	return true
}

func (b *background) done() { b.running.Done() }

// close waits for the goroutines under way and lets no other start.
func (b *background) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.running.Wait()
}

// rawSnapshot is the index's current scorch snapshot as Bleve gives it,
// without what ix.reader does on the way (advice, the mapped pages'
// budget): for the index's own goroutines. The caller closes it.
func (ix *Index) rawSnapshot() (*scorch.IndexSnapshot, error) {
	r, err := currentReader(ix.bi)
	if err != nil {
		return nil, err
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		r.Close()
		return nil, errNotScorch
	}
	return snap, nil
}

var errNotScorch = errors.New("not a scorch index")
