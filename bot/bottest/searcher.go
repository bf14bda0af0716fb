package bottest

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// Searcher is a fake index (a bot.Searcher) over a list of papers, kept in
// the order given: put the most trending first, as a ByTrending query
// expects. A query answers the papers Match accepts (every paper when
// Match is nil), less the ones it excludes, up to its limit; Total counts
// them all. Lookup finds a paper by id (a fault.NotFound error when it is
// not there); Similar finds nothing. It records the queries it is asked.
// Safe for concurrent use.
type Searcher struct {
	// Match, when set, says whether a paper answers a query.
	Match func(q paper.Query, p paper.Paper) bool
	// Err, when set, is what Search returns.
	Err error

	mu      sync.Mutex
	papers  []paper.Paper
	queries []paper.Query
}

var _ bot.Searcher = (*Searcher)(nil)

// NewSearcher returns a Searcher over papers.
func NewSearcher(papers ...paper.Paper) *Searcher {
	return &Searcher{papers: papers}
}

// TitleWords is a Match: a paper answers when its title has every word of
// the query (any case).
func TitleWords(q paper.Query, p paper.Paper) bool {
	title := strings.ToLower(p.Title)
	return !slices.ContainsFunc(strings.Fields(strings.ToLower(q.Text)), func(w string) bool { return !strings.Contains(title, w) })
}

// Add appends papers (least trending last).
func (s *Searcher) Add(papers ...paper.Paper) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.papers = append(s.papers, papers...)
}

// Papers returns the papers, in order.
func (s *Searcher) Papers() []paper.Paper {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.papers)
}

// Queries returns the queries asked so far.
func (s *Searcher) Queries() []paper.Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.queries)
}

// Search answers q from the papers. The results are sorted as q asks.
func (s *Searcher) Search(_ context.Context, q paper.Query) (paper.Results, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, q)
	if s.Err != nil {
		return paper.Results{}, s.Err
	}
	res := paper.Results{Sort: q.Sort}
	for _, p := range s.papers {
		if slices.Contains(q.Exclude, p.ID) || (s.Match != nil && !s.Match(q, p)) {
			continue
		}
		res.Total++
		if q.Limit <= 0 || len(res.Hits) < q.Limit {
			res.Hits = append(res.Hits, paper.Hit{Paper: p})
		}
	}
	return res, nil
}

// Lookup returns the paper with id.
func (s *Searcher) Lookup(_ context.Context, id string) (paper.Paper, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.papers {
		if p.ID == id {
			return p, nil
		}
	}
	// As the index does: the paper once known by id (paper.Aliases).
	for _, p := range s.papers {
		if slices.Contains(p.Aliases, id) {
			return p, nil
		}
	}
	return paper.Paper{}, fault.New(fault.NotFound, "no paper %s", id)
}

// Similar finds nothing.
func (s *Searcher) Similar(context.Context, string, int) (paper.Results, error) {
	return paper.Results{}, nil
}
