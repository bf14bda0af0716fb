package paper

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docTables are the documents whose trending-score examples must hold.
// docs/sources.md must exist; the README carries a copy when the lead has
// put one there.
var docTables = []struct {
	path     string
	required bool
}{
	{"../../docs/sources.md", true},
	{"../../README.md", false},
}

const exampleMarker = "<!-- trending-examples now="

// exampleRow is one row of a worked-examples table.
type exampleRow struct {
	line   int
	cells  map[string]string
	paper  Paper
	points float64
	age    float64
	decay  string
	score  string
}

// readExamples finds the worked-examples tables in a Markdown file: a
// marker comment with the time they are scored at, then a table.
func readExamples(t *testing.T, path string) (tables [][]exampleRow, nows []time.Time) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var (
		header []string
		rows   []exampleRow
		inTab  bool
		n      int
	)
	flush := func() {
		if inTab {
			tables = append(tables, rows)
		}
		rows, header, inTab = nil, nil, false
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, exampleMarker); ok {
			flush()
			now, err := time.Parse(time.RFC3339, strings.TrimSpace(strings.TrimSuffix(rest, "-->")))
			if err != nil {
				t.Fatalf("%s:%d: bad marker: %v", path, n, err)
			}
			nows = append(nows, now)
			inTab = true
			continue
		}
		if !inTab {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if header != nil {
				flush()
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case header == nil:
			header = cells
		case strings.HasPrefix(cells[0], "---"):
		default:
			if len(cells) != len(header) {
				t.Fatalf("%s:%d: %d cells, header has %d", path, n, len(cells), len(header))
			}
			m := map[string]string{}
			for i, h := range header {
				m[h] = cells[i]
			}
			rows = append(rows, parseRow(t, path, n, m))
		}
	}
	flush()
	return tables, nows
}

// optional reads a count column that older tables do not have (0 then).
func optional(m map[string]string, col string) float64 {
	v, err := strconv.ParseFloat(m[col], 64)
	if err != nil {
		return 0
	}
	return v
}

func parseRow(t *testing.T, path string, line int, m map[string]string) exampleRow {
	t.Helper()
	num := func(col string) float64 {
		v, ok := m[col]
		if !ok {
			t.Fatalf("%s:%d: no column %q", path, line, col)
		}
		if v == "–" || v == "-" || v == "" {
			return 0
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil {
			t.Fatalf("%s:%d: %s %q: %v", path, line, col, v, err)
		}
		return f
	}
	r := exampleRow{line: line, cells: m}
	r.paper = Paper{
		Published: m["Published"],
		Upvotes:   int(num("Upvotes")),
		Stars:     int(num("Stars")),
		Replies:   int(num("Replies")),
		People:    int(optional(m, "People")),
		Rank:      int(num("Rank")),
	}
	r.points = num("Points")
	r.age = num("Age (days)")
	r.decay = m["Decay"]
	r.score = m["Trending"]
	return r
}

// The worked examples of the documentation reproduce exactly: every
// column recomputed from the inputs, to the digits shown, and the rows in
// the order their scores give.
func TestTrendingDocExamples(t *testing.T) {
	for _, d := range docTables {
		tables, nows := readExamples(t, d.path)
		if len(tables) == 0 {
			if d.required {
				t.Errorf("%s: no worked-examples table (%s...)", d.path, exampleMarker)
			}
			continue
		}
		for ti, rows := range tables {
			now := nows[ti]
			if len(rows) < 5 {
				t.Errorf("%s: table %d has %d rows", d.path, ti, len(rows))
			}
			prev := math.Inf(1)
			for _, r := range rows {
				where := fmt.Sprintf("%s:%d (%s)", d.path, r.line, r.cells["Paper"])
				tr := ExplainTrending(r.paper, now)
				if tr.Points != r.points {
					t.Errorf("%s: points %v, documented %v", where, tr.Points, r.points)
				}
				if days := tr.Age.Hours() / 24; days != r.age {
					t.Errorf("%s: age %v days, documented %v", where, days, r.age)
				}
				if !sameDecimal(tr.Decay, r.decay) {
					t.Errorf("%s: decay %v, documented %s", where, tr.Decay, r.decay)
				}
				if got := strconv.FormatFloat(tr.Score, 'f', 2, 64); got != r.score {
					t.Errorf("%s: trending %s, documented %s", where, got, r.score)
				}
				if got := TrendingScore(r.paper, now); got != tr.Score {
					t.Errorf("%s: TrendingScore %v != ExplainTrending %v", where, got, tr.Score)
				}
				if tr.Score > prev {
					t.Errorf("%s: rows are not in score order", where)
				}
				prev = tr.Score
			}
		}
	}
}

// sameDecimal reports whether v rounds to the documented decimal s (as
// many digits as s shows).
func sameDecimal(v float64, s string) bool {
	digits := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		digits = len(s) - i - 1
	}
	return strconv.FormatFloat(v, 'f', digits, 64) == s
}

func TestTrendingScoreProperties(t *testing.T) {
	now := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	base := Paper{Published: "2025-03-11", Upvotes: 40}
	score := func(p Paper) float64 { return TrendingScore(p, now) }

	cases := []struct {
		name       string
		lower, hig Paper
	}{
		{"more upvotes", base, with(base, func(p *Paper) { p.Upvotes = 41 })},
		{"stars add", base, with(base, func(p *Paper) { p.Stars = 1 })},
		{"a team reply adds", base, with(base, func(p *Paper) { p.Replies = 1 })},
		{"a teammate's reaction adds", base, with(base, func(p *Paper) { p.People = 1 })},
		{"a reply is worth more than a reaction", with(base, func(p *Paper) { p.People = 1 }), with(base, func(p *Paper) { p.Replies = 1 })},
		{"younger", base, with(base, func(p *Paper) { p.Published = "2025-03-12" })},
		{"rank 1 beats rank 2", Paper{Rank: 2}, Paper{Rank: 1}},
		{"a listing beats no signal", Paper{Published: "2025-03-14"}, Paper{Rank: 194}},
	}
	for _, c := range cases {
		if !(score(c.hig) > score(c.lower)) {
			t.Errorf("%s: %v is not above %v", c.name, score(c.hig), score(c.lower))
		}
	}
	// Halving every three days, exactly.
	if got := score(with(base, func(p *Paper) { p.Published = "2025-03-08" })); got != score(base)/2 {
		t.Errorf("three days older: %v, want half of %v", got, score(base))
	}
	// No date, or a date in the future: no decay.
	if got := score(Paper{Upvotes: 7}); got != 7 {
		t.Errorf("undated: %v", got)
	}
	if got := score(Paper{Upvotes: 7, Published: "2025-04-01"}); got != 7 {
		t.Errorf("future: %v", got)
	}
	// A trending listing alone keeps its order: 10/rank.
	for r := 1; r <= 194; r++ {
		if got := score(Paper{Rank: r, Published: "2020-01-01"}); got != 10/float64(r) {
			t.Fatalf("rank %d: %v", r, got)
		}
	}
	// Negative counts (never valid) do not produce NaN or negative points.
	if got := score(Paper{Stars: -4, Upvotes: -1}); math.IsNaN(got) || got != 0 {
		t.Errorf("negative counts: %v", got)
	}
}

func with(p Paper, f func(*Paper)) Paper {
	f(&p)
	return p
}

func TestMergeKeepsBestFields(t *testing.T) {
	hf := Paper{ID: "2502.01234", Title: "T", Abstract: "Full abstract text.", Authors: []string{"A", "B"},
		Published: "2025-02-03", CodeURL: "https://github.com/x/y", Upvotes: 120, Stars: 400, Comments: 4,
		AISummary: "s", Keywords: []string{"k"}, Source: "huggingface"}
	ax := Paper{ID: "2502.01234", Title: "T", Abstract: "Full abstract text.", Authors: []string{"A", "B", "C"},
		Categories: []string{"cs.LG"}, Published: "2025-02-04", Updated: "2025-02-10", Upvotes: 0, Source: "arxiv"}
	listing := Paper{ID: "2502.01234", Title: "T", Abstract: "Full abstract te…", Authors: []string{"A"}, Rank: 2, Source: "trending"}
	team := Paper{ID: "2502.01234", Title: "T", Replies: 3}

	m := Merge(Merge(Merge(Merge(hf, ax), listing), team), Paper{ID: "2502.01234", Title: "T", Replies: 1, Upvotes: 90})
	want := Paper{ID: "2502.01234", Title: "T", Abstract: "Full abstract text.", Authors: []string{"A", "B", "C"},
		Categories: []string{"cs.LG"}, Published: "2025-02-03", Updated: "2025-02-10", CodeURL: "https://github.com/x/y",
		Source: "huggingface,arxiv,trending", Upvotes: 120, Stars: 400, Comments: 4, Replies: 3, Rank: 2,
		AISummary: "s", Keywords: []string{"k"}}
	if fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("merged\n got %+v\nwant %+v", m, want)
	}
	// A different author list (not a subset) is newer information and wins.
	if got := Merge(ax, Paper{Authors: []string{"D"}}).Authors; len(got) != 1 || got[0] != "D" {
		t.Errorf("authors %v", got)
	}
	// A longer abstract that is not an extension replaces the old one.
	if got := Merge(Paper{Abstract: "Short."}, Paper{Abstract: "Short. And more."}).Abstract; got != "Short. And more." {
		t.Errorf("abstract %q", got)
	}
}
