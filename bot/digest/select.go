package digest

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
)

// selectionSize is how many of a topic's trending papers one shared
// selection keeps; a channel that has been sent more of them than this
// falls back to its own search.
const selectionSize = 200

// selectionTTL is how long a shared selection is reused: the channels due
// in one pass share it, the next pass (a minute later at the earliest)
// sees fresh scores.
const selectionTTL = time.Minute

// selections shares the trending search of a topic among the channels
// that plan at the same time: a thousand channels on one topic cost one
// search, not a thousand, and at most a few searches run at once.
type selections struct {
	turns chan struct{}

	mu      sync.Mutex
	byTopic map[string]*selection
}

type selection struct {
	done     chan struct{}
	at       time.Time
	hits     []paper.Hit
	complete bool // every matching paper is in hits
	err      error
}

func newSelections() *selections {
	return &selections{turns: make(chan struct{}, runtime.GOMAXPROCS(0)), byTopic: map[string]*selection{}}
}

// search runs q with a bounded number of searches at once.
func (s *selections) search(ctx context.Context, searcher bot.Searcher, q paper.Query) (paper.Results, error) {
	select {
	case s.turns <- struct{}{}:
	case <-ctx.Done():
		return paper.Results{}, ctx.Err()
	}
	defer func() { <-s.turns }()
	return searcher.Search(ctx, q)
}

// trending returns the top `window` papers by trending score on topic that
// are not in sent, exactly as a search with Exclude would, sharing one
// search per topic among concurrent callers.
func (s *selections) trending(ctx context.Context, searcher bot.Searcher, topic string, sent []string, window int, now time.Time) (paper.Results, error) {
	s.mu.Lock()
	sel, ok := s.byTopic[topic]
	if !ok || now.Sub(sel.at) > selectionTTL || now.Before(sel.at) {
		sel = &selection{done: make(chan struct{}), at: now}
		s.byTopic[topic] = sel
		s.mu.Unlock()
		res, err := s.search(ctx, searcher, paper.Query{Text: topic, Sort: paper.ByTrending, Limit: selectionSize, Strict: true})
		sel.hits, sel.err = res.Hits, err
		sel.complete = err == nil && len(res.Hits) < selectionSize
		if err == nil && res.Fuzzy {
			sel.hits, sel.complete = nil, true // a corrected spelling does not match the topic
		}
		close(sel.done)
		if err != nil {
			s.mu.Lock()
			if s.byTopic[topic] == sel {
				delete(s.byTopic, topic)
			}
			s.mu.Unlock()
		}
	} else {
		s.mu.Unlock()
		select {
		case <-sel.done:
		case <-ctx.Done():
			return paper.Results{}, ctx.Err()
		}
	}
	if sel.err == nil {
		skip := newSentSet(sent)
		var res paper.Results
		for _, h := range sel.hits {
			if !skip.has(h.Paper) && len(res.Hits) < window {
				res.Hits = append(res.Hits, h)
			}
		}
		if len(res.Hits) == window || sel.complete {
			return res, nil
		}
	}
	// Not enough left in the shared selection (or it failed): this
	// channel's own search. The index excludes a paper whose alias is in
	// sent too (the id it was posted under before a merge).
	return s.search(ctx, searcher, paper.Query{Text: topic, Sort: paper.ByTrending, Exclude: sent, Limit: window, Strict: true})
}

// sentSet is the papers that may have been posted to a channel (the
// ledger's Sent), by id.
type sentSet map[string]bool

func newSentSet(sent []string) sentSet {
	s := make(sentSet, len(sent))
	for _, id := range sent {
		s[id] = true
	}
	return s
}

// has reports whether p may have been posted under any of its ids: a
// trending page's paper posted under its title id and since merged into
// its arXiv id (paper.Aliases) was posted.
func (s sentSet) has(p paper.Paper) bool {
	return slices.ContainsFunc(p.IDs(), func(id string) bool { return s[id] })
}
