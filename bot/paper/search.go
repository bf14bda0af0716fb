package paper

import "time"

// Sort orders search results.
type Sort int

const (
	// ByRelevance ranks by the query's relevance score (the default).
	ByRelevance Sort = iota
	// ByRecent puts the most recently published papers first.
	ByRecent
	// ByTrending puts the papers with the highest trending score first.
	ByTrending
)

func (s Sort) String() string {
	switch s {
	case ByRecent:
		return "recent"
	case ByTrending:
		return "trending"
	default:
		return "relevance"
	}
}

// ParseSort parses "relevance", "recent" / "new" / "date", "trending" / "hot".
func ParseSort(s string) (Sort, bool) {
	switch s {
	case "relevance", "rel", "best":
		return ByRelevance, true
	case "recent", "new", "newest", "date":
		return ByRecent, true
	case "trending", "hot", "top":
		return ByTrending, true
	}
	return ByRelevance, false
}

// Query is a search request in the user query language (see the README):
// free words, "phrases", -exclusions, author:, cat:, year:, since:, sort:,
// and arXiv ids or URLs.
type Query struct {
	Text  string
	Limit int
	// Offset skips that many hits (for paging).
	Offset int
	// Sort overrides the sort chosen in Text when not ByRelevance.
	Sort Sort
	// Filter is an extra query in the same language, ANDed with Text
	// (a digest subscription's topic, for instance). Optional.
	Filter string
	// Exclude lists ids that must not be returned.
	Exclude []string
	// Strict leaves a query that matches nothing empty: it is not relaxed
	// to its closest papers (those with some of its words, a phrase's
	// words apart). A digest's topic, a trending listing that wants every
	// word, posts only papers on it.
	Strict bool
}

// Span is a piece of highlighted text: Match marks the words that matched.
type Span struct {
	Text  string
	Match bool
}

// PlainText joins spans into plain text.
func PlainText(spans []Span) string {
	n := 0
	for _, s := range spans {
		n += len(s.Text)
	}
	b := make([]byte, 0, n)
	for _, s := range spans {
		b = append(b, s.Text...)
	}
	return string(b)
}

// Hit is one search result.
type Hit struct {
	Paper Paper
	Score float64
	// Title is the title with matched words marked.
	Title []Span
	// Snippet is the best passage of the abstract with matched words marked;
	// it starts or ends with "…" when cut.
	Snippet []Span
}

// Results is the answer to a Query.
type Results struct {
	Hits []Hit
	// Total is the number of matching papers (not only those returned).
	Total uint64
	// DidYouMean is a corrected query when the words typed look misspelt.
	DidYouMean string
	// Fuzzy is set when the hits come from typo-tolerant matching because the
	// exact words found little.
	Fuzzy bool
	// Exact is set when the query was an id or URL looked up directly.
	Exact bool
	// Sort is the order the hits are in.
	Sort Sort
	// Notes are remarks about how the query was read ("ignored empty author:").
	Notes []string
	Took  time.Duration
}
