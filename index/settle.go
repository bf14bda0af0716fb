package index

import (
	"context"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// settlePoll is how often Settle looks at the index's segments.
const settlePoll = 25 * time.Millisecond

// Settle waits until every segment of the index is on disk and scorch's
// merge policy calls for no merge of them: the segments are those the
// policy leaves, and opening the index again starts no merge. A bulk
// ingest calls it after its writer's Close, so that the merges its last
// batches called for are part of the ingest (as Lucene's IndexWriter waits
// for its merges when it closes), not work the next `serve` does while it
// answers: the 1M arXiv corpus left 16 segments of 2,000 papers, which the
// first open merged while the bench's query pass ran. It returns the
// index's background write error when one fails (a full disk), and ctx's
// error when ctx ends first; the index is consistent either way, and a
// later open finishes the merges.
func (ix *Index) Settle(ctx context.Context) error {
	tick := time.NewTicker(settlePoll)
	defer tick.Stop()
	for {
		if err := ix.async.Err(); err != nil {
			return err
		}
		done, err := ix.settled()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// settled reports whether the current snapshot's segments are all
// persisted and call for no merge under scorch's default policy (the one
// runtimeConfig leaves it): a merge under way leaves the segments it
// merges in the snapshot until it is done.
func (ix *Index) settled() (bool, error) {
	snap, err := ix.rawSnapshot()
	if err != nil {
		return false, err
	}
	defer snap.Close()
	segs := make([]mergeplan.Segment, 0, len(snap.Segments()))
	for _, s := range snap.Segments() {
		if _, onDisk := s.Segment().(segment.PersistedSegment); !onDisk {
			return false, nil
		}
		segs = append(segs, s)
	}
	plan, err := mergeplan.Plan(segs, &mergeplan.DefaultMergePlanOptions)
	if err != nil {
		return false, err
	}
	return plan == nil || len(plan.Tasks) == 0, nil
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
