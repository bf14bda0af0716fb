package index

import (
	"context"
	"sync/atomic"

	"github.com/paperbot/paperbot/bot/paper"
)

// One door for the fast path. A parsed query says which shape it is
// (shape, from the features it holds); run asks fastPathFor for the
// evaluator of that shape and, when there is one and the index was not
// opened with Options.DisableFastPath, lets it answer. Everything else —
// every shape not on the allow-list below, and any query an evaluator
// declines — goes to Bleve's searchers. A query operator added to the
// language is a new feature: until a shape allows it, queries that use it
// go to Bleve, which builds its query from every feature (buildQuery).
// TestEveryQueryFieldIsAFeature fails when a field of parsedQuery is not
// a feature.

// queryShape is the kind of query an evaluator is chosen for.
type queryShape uint8

const (
	// shapeOther is every query no fast evaluator is for: Bleve's
	// searchers answer it.
	shapeOther queryShape = iota
	// shapeWords: free words (or weighted terms: feedback, similar
	// papers, acronyms) ranked by relevance, narrowed by nothing but
	// categories and authors (filters that do not score; a name of
	// several words is a phrase of the authors field).
	shapeWords
	// shapePhrase: one quoted phrase ranked by relevance, nothing else.
	shapePhrase
	// shapeListing: a listing sorted by date or trending score, without
	// words: one exact category (cs.CL) or one author, what is trending,
	// a date range alone, or every paper; categories and trending listings
	// may have a date range too, and any listing excluded categories and
	// authors.
	shapeListing
	// shapeNarrowed: words (or filters) with one or more quoted phrases,
	// ranked by relevance. The phrases' papers are found first
	// (phrasewords.go); Bleve's searchers then rank only those.
	shapeNarrowed
	numShapes
)

func (s queryShape) String() string {
	return [...]string{"bleve", "words", "phrase", "listing", "narrowed"}[s]
}

// feature is one part of a parsed query that an evaluator must honour.
type feature uint32

const (
	featWords          feature = 1 << iota // Words
	featPhrases                            // Phrases
	featExcludeWords                       // ExcludeWords
	featExcludePhrases                     // ExcludePhrases
	featExcludeAuthors                     // ExcludeAuthors
	featExcludeCats                        // ExcludeCats
	featAuthors                            // Authors
	featCats                               // Cats
	featDates                              // From, To
	featFilterWords                        // filterWords
	featTrendingOnly                       // trendingOnly
	featWeighted                           // weighted
	featAnyWords                           // anyWords
	featExpansion                          // expansion
	featNames                              // names
	featScaled                             // scaled
	featForms                              // forms
	// Features no evaluator reads: the order (decided before run and
	// passed in runArgs), ids (looked up before run when alone; beside
	// words, no evaluator searches them), the notes, how a correction was
	// made and the words titles are compared with (rerank, after run).
	featSort
	featIDs
	featNotes
	featUnknownFixed
	featTitleWords
)

// neutral are the features every shape allows: no evaluator reads them.
const neutral = featSort | featIDs | featNotes | featUnknownFixed | featTitleWords

// features lists what a parsed query holds.
func (q *parsedQuery) features() feature {
	var f feature
	set := func(b feature, on bool) {
		if on {
			f |= b
		}
	}
	set(featWords, len(q.Words) > 0)
	set(featPhrases, len(q.Phrases) > 0)
	set(featExcludeWords, len(q.ExcludeWords) > 0)
	set(featExcludePhrases, len(q.ExcludePhrases) > 0)
	set(featExcludeAuthors, len(q.ExcludeAuthors) > 0)
	set(featExcludeCats, len(q.ExcludeCats) > 0)
	set(featAuthors, len(q.Authors) > 0)
	set(featCats, len(q.Cats) > 0)
	set(featDates, !q.From.IsZero() || !q.To.IsZero())
	set(featFilterWords, len(q.filterWords) > 0)
	set(featTrendingOnly, q.trendingOnly)
	set(featWeighted, q.weighted != nil)
	set(featAnyWords, q.anyWords)
	set(featExpansion, len(q.expansion) > 0)
	set(featNames, len(q.names) > 0)
	set(featScaled, len(q.scaled) > 0)
	set(featForms, len(q.forms) > 0)
	set(featSort, q.Sort != paper.ByRelevance || q.SortSet)
	set(featIDs, len(q.IDs) > 0)
	set(featNotes, len(q.Notes) > 0)
	set(featUnknownFixed, q.unknownFixed)
	set(featTitleWords, len(q.titleWords) > 0)
	return f
}

// shape is the query's shape when run in the given order: the first of
// the allow-list whose features it holds no more than, and whose
// conditions it meets; shapeOther otherwise.
func (q *parsedQuery) shape(order paper.Sort) queryShape {
	f := q.features()
	only := func(allowed feature) bool { return f&^(neutral|allowed) == 0 }
	switch {
	case order == paper.ByRelevance && f&(featWords|featWeighted) != 0 &&
		// anyWords loosens a sorted listing's words; ranked by
		// relevance any word matches anyway.
		only(featWords|featWeighted|featExpansion|featNames|featScaled|featForms|featAnyWords|featCats|featAuthors):
		return shapeWords
	case order == paper.ByRelevance && len(q.Phrases) == 1 && only(featPhrases):
		return shapePhrase
	case order == paper.ByRelevance && len(q.Phrases) > 0:
		// Every other feature is Bleve's to honour: it runs the query.
		return shapeNarrowed
	case (order == paper.ByRecent || order == paper.ByTrending) && only(featCats|featAuthors|featDates|featTrendingOnly|featExcludeCats|featExcludeAuthors):
		switch {
		case len(q.Cats)+len(q.Authors) > 1:
		case len(q.Cats) == 1:
			return shapeListing
		case len(q.Authors) == 1:
			// Alone: a date range would add its clauses to the score.
			if f&featDates == 0 {
				return shapeListing
			}
		case q.trendingOnly:
			return shapeListing
		default:
			// Dates alone (since:2015), or nothing but an order
			// (sort:trending): every paper, or every paper of the range.
			return shapeListing
		}
	}
	return shapeOther
}

// runArgs are how a parsed query is run.
type runArgs struct {
	order         paper.Sort
	limit, offset int
	exclude       []string // paper ids left out
	// only, when not nil, are the ids of the papers the query may match
	// (a superset of its matches): Bleve's query gets a clause of boost 0
	// requiring them, which leaves every score as it was.
	only []string
	// fast lets a fast evaluator answer (Options.DisableFastPath unset;
	// tests compare the two ways).
	fast bool
}

// A fastPath answers the queries of one shape directly on the index's
// segments, with the papers, order, scores and total Bleve's searchers
// give. ok is false when it cannot answer this query (a segment format or
// a field it does not know): Bleve's searchers answer it then.
type fastPath interface {
	answer(ctx context.Context, pq *parsedQuery, a runArgs) (res paper.Results, ok bool, err error)
}

// fastPathFor is the evaluator of a shape; nil for shapeOther.
func (ix *Index) fastPathFor(s queryShape) fastPath {
	switch s {
	case shapeWords:
		return wordsPath{ix}
	case shapePhrase:
		return phrasePath{ix}
	case shapeListing:
		return listingPath{ix}
	case shapeNarrowed:
		return narrowedPath{ix}
	}
	return nil
}

// run executes a parsed query: through the door when it may, else on
// Bleve's searchers.
func (ix *Index) run(ctx context.Context, pq *parsedQuery, a runArgs) (paper.Results, error) {
	if a.fast {
		s := pq.shape(a.order)
		if fp := ix.fastPathFor(s); fp != nil {
			if res, ok, err := fp.answer(ctx, pq, a); ok {
				ix.answers.add(s)
				return res, err
			}
		}
	}
	ix.answers.add(shapeOther)
	return ix.runBleve(ctx, pq, a)
}

// answerCounts counts the queries each evaluator answered (shapeOther:
// Bleve's searchers), for tests and diagnostics.
type answerCounts [numShapes]atomic.Int64

func (c *answerCounts) add(s queryShape) { c[s].Add(1) }
