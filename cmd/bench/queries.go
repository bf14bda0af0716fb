package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"github.com/paperbot/paperbot/bot/paper"
)

// Query classes of the mix, in the order the report lists them.
var queryClasses = []string{
	"words1",  // one topic word
	"words2",  // two words
	"words3",  // three words
	"words45", // four or five words
	"phrase",  // a "quoted phrase", sometimes with a word beside it
	"author",  // author:Name, author:"First Last", with or without a topic
	"cat",     // cat:xx.YY alone (newest first) or with a topic
	"id",      // an arXiv id or URL
	"typo",    // words with one misspelt (one edit away)
	"title",   // a full title, pasted
}

// queriesPerClass is how many queries the generator draws per class.
const queriesPerClass = 40

// querySeed fixes the generated mix.
const querySeed = 7

// Query is one query of the mix.
type Query struct {
	Class string
	Text  string // in paperbot's user query language
}

// readQueries reads a query mix: "class<TAB>query" lines, # comments.
func readQueries(r io.Reader, name string) ([]Query, error) {
	var out []Query
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		class, text, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("%s:%d: want class<TAB>query", name, n)
		}
		if !slices.Contains(queryClasses, class) {
			return nil, fmt.Errorf("%s:%d: unknown query class %q (want one of %s)", name, n, class, strings.Join(queryClasses, ", "))
		}
		out = append(out, Query{Class: class, Text: text})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no queries", name)
	}
	return out, nil
}

func loadQueries(path string) ([]Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readQueries(f, path)
}

func writeQueries(w io.Writer, qs []Query, source string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# The query mix of cmd/bench: class<TAB>query in paperbot's query language.\n")
	fmt.Fprintf(bw, "# Drawn deterministically (seed %d) from %s by `go run . gen-queries` in cmd/bench;\n", querySeed, source)
	fmt.Fprintf(bw, "# regenerate rather than edit, so that runs stay comparable.\n")
	for _, q := range qs {
		fmt.Fprintf(bw, "%s\t%s\n", q.Class, q.Text)
	}
	return bw.Flush()
}

// reservedFirstWords are /papers subcommand names and aliases: a query
// starting with one of them would run that subcommand instead of a search.
var reservedFirstWords = map[string]bool{
	"search": true, "find": true, "s": true, "show": true, "paper": true, "get": true,
	"similar": true, "like": true, "related": true, "trending": true, "hot": true, "top": true,
	"help": true, "subscribe": true, "unsubscribe": true, "subscriptions": true, "digest": true,
}

// mixGen draws a query mix from a corpus.
type mixGen struct {
	rng    *rand.Rand
	papers []paper.Paper
	stop   analysis.TokenMap
	vocab  map[string]int // lower-cased title words and their counts
}

func newMixGen(papers []paper.Paper) (*mixGen, error) {
	stop := analysis.NewTokenMap()
	if err := stop.LoadBytes(en.EnglishStopWords); err != nil {
		return nil, err
	}
	g := &mixGen{rng: rand.New(rand.NewPCG(querySeed, 0)), papers: papers, stop: stop, vocab: map[string]int{}}
	for i := range papers {
		for _, w := range plainWords(papers[i].Title) {
			g.vocab[w]++
		}
	}
	return g, nil
}

// plainWords are the lower-cased words of a text made of letters only
// (LaTeX, numbers and symbols left out).
func plainWords(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",.;:!?()[]{}\"'", r) }) {
		if strings.IndexFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) >= 0 {
			continue
		}
		f = strings.Trim(strings.ToLower(f), "-")
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// clean reports whether a title is free of LaTeX markup.
func clean(s string) bool { return !strings.ContainsAny(s, "$\\{}^_") }

func (g *mixGen) pick() *paper.Paper { return &g.papers[g.rng.IntN(len(g.papers))] }

// content are the title words worth searching for: not stop words, at least
// three letters.
func (g *mixGen) content(title string) []string {
	var out []string
	for _, w := range plainWords(title) {
		if !g.stop[w] && utf8.RuneCountInString(w) >= 3 {
			out = append(out, w)
		}
	}
	return out
}

// run draws n consecutive content words of a clean title.
func (g *mixGen) run(n int) string {
	for range maxTries {
		p := g.pick()
		if !clean(p.Title) {
			continue
		}
		ws := g.content(p.Title)
		if len(ws) < n {
			continue
		}
		i := g.rng.IntN(len(ws) - n + 1)
		q := strings.Join(ws[i:i+n], " ")
		if !reservedFirstWords[ws[i]] {
			return q
		}
	}
	return ""
}

// phrase draws two or three consecutive words of a clean title, stop words
// inside kept ("quantum hall effect", "theory of games").
func (g *mixGen) phrase() string {
	for range maxTries {
		p := g.pick()
		if !clean(p.Title) {
			continue
		}
		ws := plainWords(p.Title)
		n := 2 + g.rng.IntN(2)
		if len(ws) < n {
			continue
		}
		i := g.rng.IntN(len(ws) - n + 1)
		run := ws[i : i+n]
		if g.stop[run[0]] || g.stop[run[n-1]] || len(run[0]) < 3 || len(run[n-1]) < 3 {
			continue
		}
		return `"` + strings.Join(run, " ") + `"`
	}
	return ""
}

func (g *mixGen) author(i int) string {
	for range maxTries {
		p := g.pick()
		if len(p.Authors) == 0 {
			continue
		}
		name := p.Authors[g.rng.IntN(len(p.Authors))]
		parts := strings.Fields(name)
		if len(parts) < 2 || strings.ContainsAny(name, `"\:`) {
			continue
		}
		last := parts[len(parts)-1]
		if utf8.RuneCountInString(last) < 3 || strings.IndexFunc(last, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) >= 0 {
			continue
		}
		switch i % 4 {
		case 0:
			return "author:" + last
		case 1:
			return `author:"` + parts[0] + " " + last + `"`
		case 2:
			ws := g.content(p.Title)
			if len(ws) == 0 || !clean(p.Title) {
				continue
			}
			return "author:" + last + " " + ws[g.rng.IntN(len(ws))]
		default:
			return `author:"` + name + `"`
		}
	}
	return ""
}

func (g *mixGen) cat(i int) string {
	for range maxTries {
		p := g.pick()
		if len(p.Categories) == 0 || !clean(p.Title) {
			continue
		}
		c := p.Categories[0]
		switch i % 3 {
		case 0:
			return "cat:" + c
		case 1:
			ws := g.content(p.Title)
			if len(ws) == 0 {
				continue
			}
			return "cat:" + c + " " + ws[g.rng.IntN(len(ws))]
		default:
			ws := g.content(p.Title)
			if len(ws) < 2 {
				continue
			}
			return strings.Join(ws[:2], " ") + " cat:" + c
		}
	}
	return ""
}

// id draws the id of a paper in one of the forms users paste. Only ids that
// read back as themselves are drawn (the sample has old ids that lost their
// leading zero, like 704.0002; those are not arXiv ids anyone types).
func (g *mixGen) id(i int) string {
	p := g.pick()
	for tries := 0; ; tries++ {
		if id, ok := paper.ParseArxivID(p.ID); ok && id == p.ID {
			break
		}
		if tries == maxTries {
			return ""
		}
		p = g.pick()
	}
	switch i % 4 {
	case 0, 1:
		return p.ID
	case 2:
		return "arXiv:" + p.ID
	default:
		return "https://arxiv.org/abs/" + p.ID + "v" + fmt.Sprint(1+g.rng.IntN(3))
	}
}

// typo misspells one word (six letters or more) of a run of one to three
// title words with one edit, so that the result is no title word.
func (g *mixGen) typo() string {
	for range maxTries {
		n := 1 + g.rng.IntN(3)
		ws := strings.Fields(g.run(n))
		var long []int
		for i, w := range ws {
			if utf8.RuneCountInString(w) >= 6 && !strings.Contains(w, "-") {
				long = append(long, i)
			}
		}
		if len(long) == 0 {
			continue
		}
		i := long[g.rng.IntN(len(long))]
		t := g.edit(ws[i])
		if g.vocab[t] > 0 || t == ws[i] {
			continue
		}
		ws[i] = t
		return strings.Join(ws, " ")
	}
	return ""
}

// edit applies one random edit: a transposition, deletion, substitution or
// insertion, away from the first letter.
func (g *mixGen) edit(w string) string {
	r := []rune(w)
	i := 1 + g.rng.IntN(len(r)-2)
	letter := rune('a' + g.rng.IntN(26))
	switch g.rng.IntN(4) {
	case 0:
		r[i], r[i+1] = r[i+1], r[i]
	case 1:
		r = slices.Delete(r, i, i+1)
	case 2:
		r[i] = letter
	default:
		r = slices.Insert(r, i, letter)
	}
	return string(r)
}

func (g *mixGen) title() string {
	for range maxTries {
		p := g.pick()
		n := len(strings.Fields(p.Title))
		if n < 3 || n > 25 || strings.Contains(p.Title, `"`) {
			continue
		}
		if w := strings.ToLower(strings.Fields(p.Title)[0]); reservedFirstWords[w] {
			continue
		}
		// A pasted title: sometimes as written, sometimes lower-cased.
		if g.rng.IntN(3) == 0 {
			return strings.ToLower(p.Title)
		}
		return p.Title
	}
	return ""
}

// maxTries bounds every draw, so that a corpus without enough material
// gives a shorter mix instead of an endless loop.
const maxTries = 10000

// generate draws queriesPerClass queries of every class, without repeats
// (fewer when the corpus has too little material for a class).
func (g *mixGen) generate() []Query {
	var out []Query
	for _, class := range queryClasses {
		seen := map[string]bool{}
		for i := 0; len(seen) < queriesPerClass && i < 100*queriesPerClass; i++ {
			var q string
			switch class {
			case "words1":
				q = g.run(1)
			case "words2":
				q = g.run(2)
			case "words3":
				q = g.run(3)
			case "words45":
				q = g.run(4 + g.rng.IntN(2))
			case "phrase":
				q = g.phrase()
				if i%3 == 2 {
					if w := g.run(1); w != "" && q != "" {
						q = w + " " + q
					}
				}
			case "author":
				q = g.author(i)
			case "cat":
				q = g.cat(i)
			case "id":
				q = g.id(i)
			case "typo":
				q = g.typo()
			case "title":
				q = g.title()
			}
			if q == "" || seen[q] || strings.ContainsAny(q, "\t\n") {
				continue
			}
			seen[q] = true
			out = append(out, Query{Class: class, Text: q})
		}
	}
	return out
}
