package index

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	"github.com/blevesearch/vellum"
	lev "github.com/blevesearch/vellum/levenshtein"
)

// A misspelt word is looked up among the titles' words (title_raw) within
// two edits. Scorch answers such a lookup by running a Levenshtein
// automaton over every segment's dictionary in turn and merging what they
// yield: on 1M papers in 17 segments, 3-4 ms a lookup, and a misspelt word
// takes two (typo.go), two thirds of a corrected query's time. vocab keeps
// the words of every segment in one FST (67,000 words, 450 kB at 1M),
// built in the background from a snapshot when a lookup first wants it
// after the segments changed; until it is built, lookups go to scorch as
// before. Both yield the same words in the same (byte) order.
type vocab struct {
	mu       sync.Mutex
	segs     []uint64 // the segment ids of the snapshot fst was built from
	fst      *vellum.FST
	building bool
	// next is when another build may start: a build of ~0.4 s (1M papers)
	// is followed by a pause ten times as long, so that segments changing
	// under an ingest keep at most a tenth of a core busy.
	next time.Time
	// off keeps every lookup on scorch's dictionaries (tests).
	off bool
}

// vocabPauseFactor is how many times a build's duration passes before the
// next build may start.
const vocabPauseFactor = 10

// lev2 builds the automata of words within two edits, a transposition
// counting one (as scorch's fuzzy lookups do).
var lev2 = sync.OnceValues(func() (*lev.LevenshteinAutomatonBuilder, error) {
	return lev.NewLevenshteinAutomatonBuilder(2, true)
})

// titleWordsNear calls fn with every title word within two edits of term
// that starts with prefix, in byte order, and reports whether it could
// (false: use scorch's lookup). The vocabulary must be of snap's segments.
func (ix *Index) titleWordsNear(snap bindex.IndexReader, term, prefix string, fn func(word string)) bool {
	s, ok := snap.(*scorch.IndexSnapshot)
	if !ok {
		return false
	}
	fst := ix.vocabOf(s)
	if fst == nil {
		return false
	}
	lb, err := lev2()
	if err != nil {
		return false
	}
	dfa, err := lb.BuildDfa(term, 2)
	if err != nil {
		return false
	}
	var start, end []byte
	if prefix != "" {
		start, end = []byte(prefix), prefixEnd([]byte(prefix))
	}
	it, err := fst.Search(dfa, start, end)
	for err == nil {
		w, _ := it.Current()
		fn(string(w))
		err = it.Next()
	}
	return errors.Is(err, vellum.ErrIteratorDone)
}

// titleWordTest is a test of whether some title of r's papers holds a
// word as it is spelt: a lookup in the vocabulary when it is of r's
// segments, else in the index's dictionary (20 times slower).
func (ix *Index) titleWordTest(ctx context.Context, r bindex.IndexReader) func(w string) bool {
	if s, ok := r.(*scorch.IndexSnapshot); ok {
		if fst := ix.vocabOf(s); fst != nil {
			return func(w string) bool {
				ok, err := fst.Contains([]byte(w))
				return err == nil && ok
			}
		}
	}
	return func(w string) bool {
		n, err := docFreq(ctx, r, fTitleRaw, w)
		return err == nil && n > 0
	}
}

// prefixEnd is the least key after every key prefix starts (nil: none).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// vocabOf returns the vocabulary of snap's segments, or nil when there is
// none yet; it then starts a build unless one is under way or paused.
func (ix *Index) vocabOf(snap *scorch.IndexSnapshot) *vellum.FST {
	if fst, build := ix.claimVocab(segmentIDs(snap), false); !build {
		return fst
	}
	go ix.gatherVocab()
	return nil
}

// warmVocab gathers the titles' words of snap's segments now, unless they
// are gathered or being gathered (Warm).
func (ix *Index) warmVocab(snap *scorch.IndexSnapshot) {
	if _, build := ix.claimVocab(segmentIDs(snap), true); build {
		ix.gatherVocab()
	}
}

// claimVocab returns the vocabulary when it is of the segments ids, or
// reports that the caller is to build it (and must call gatherVocab):
// when none is being built and, unless now, the pause after the last
// build is over.
func (ix *Index) claimVocab(ids []uint64, now bool) (fst *vellum.FST, build bool) {
	v := &ix.vocab
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case v.off:
		return nil, false
	case v.fst != nil && slices.Equal(v.segs, ids):
		return v.fst, false
	case v.building || !now && time.Now().Before(v.next) || !ix.bg.start():
		return nil, false
	}
	v.building = true
	return nil, true
}

// gatherVocab builds the vocabulary claimed by claimVocab and keeps it.
func (ix *Index) gatherVocab() {
	v := &ix.vocab
	defer ix.bg.done()
	start := time.Now()
	fst, segs, err := ix.buildVocab()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.building = false
	v.next = time.Now().Add(vocabPauseFactor * time.Since(start))
	if err != nil {
		ix.log.Warn("cannot gather the titles' words for spelling corrections; they are looked up in each segment", "err", err)
		return
	}
	v.fst, v.segs = fst, segs
}

// buildVocab gathers the title words of the index's current snapshot into
// an FST.
//
// It runs on a goroutine of its own (vocabOf): a panic reading a segment
// damaged inside (which Open does not read) is its error, not the
// process's end.
func (ix *Index) buildVocab() (fst *vellum.FST, segs []uint64, err error) {
	err = recovered(ix.dir, func() error {
		fst, segs, err = ix.gatherTitleWords()
		return err
	})
	return fst, segs, err
}

// gatherTitleWords is buildVocab's work.
func (ix *Index) gatherTitleWords() (*vellum.FST, []uint64, error) {
	snap, err := ix.rawSnapshot()
	if err != nil {
		return nil, nil, err
	}
	defer snap.Close()
	d, err := snap.FieldDict(fTitleRaw)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, nil, err
	}
	for {
		e, err := d.Next()
		if err != nil {
			return nil, nil, err
		}
		if e == nil {
			break
		}
		if err := b.Insert([]byte(e.Term), 0); err != nil {
			return nil, nil, err
		}
	}
	if err := b.Close(); err != nil {
		return nil, nil, err
	}
	fst, err := vellum.Load(buf.Bytes())
	if err != nil {
		return nil, nil, err
	}
	return fst, segmentIDs(snap), nil
}

// segmentIDs are the ids of snap's segments, in its order.
func segmentIDs(snap *scorch.IndexSnapshot) []uint64 {
	segs := snap.Segments()
	ids := make([]uint64, len(segs))
	for i, s := range segs {
		ids[i] = s.Id()
	}
	return ids
}
