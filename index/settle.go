package index

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// settlePoll is how often Settle looks at scorch's epochs.
const settlePoll = 25 * time.Millisecond

// Settle waits until scorch has persisted the index's newest snapshot and
// its merger has planned no merge of it: the segments are those the merge
// policy leaves, and opening the index again starts no merge. A bulk
// ingest calls it after its writer's Close, so that the merges its last
// batches called for are part of the ingest (as Lucene's IndexWriter waits
// for its merges when it closes), not work the next `serve` does while it
// answers: the 1M arXiv corpus left 16 segments of 2,000 papers, which the
// first open merged while the bench's query pass ran. It returns ctx's
// error when ctx ends first; the index is consistent either way, and a
// later open finishes the merges.
func (ix *Index) Settle(ctx context.Context) error {
	s, err := ix.scorchIndex()
	if err != nil {
		return err
	}
	st, ok := s.Stats().(*scorch.Stats)
	if !ok {
		return errNotScorch
	}
	tick := time.NewTicker(settlePoll)
	defer tick.Stop()
	for !settled(st) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// settled is Bleve's index_bgthreads_active stat, negated, without the
// rest of StatsMap (a walk of every segment's field statistics).
func settled(st *scorch.Stats) bool {
	root := atomic.LoadUint64(&st.CurRootEpoch)
	return atomic.LoadUint64(&st.LastMergedEpoch) == root && atomic.LoadUint64(&st.LastPersistedEpoch) == root
}

// scorchIndex is the scorch index under Bleve's.
func (ix *Index) scorchIndex() (*scorch.Scorch, error) {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return nil, err
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil, errNotScorch
	}
	return s, nil
}
