package index

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	bindex "github.com/blevesearch/bleve_index_api"
)

// correct proposes a corrected query when some of its free words appear
// nowhere in the index: each such word is replaced by the closest title
// word (by edit distance, ties to the more common word), or completed when
// it is the start of one. ok is false when nothing needed or could be fixed.
func (ix *Index) correct(ctx context.Context, pq *parsedQuery) (*parsedQuery, bool) {
	if len(pq.Words) == 0 {
		return nil, false
	}
	r, err := ix.reader()
	if err != nil {
		return nil, false
	}
	defer r.Close()
	words := make([]string, len(pq.Words))
	copy(words, pq.Words)
	fixed := false
	for i, w := range pq.Words {
		lw := strings.ToLower(strings.Trim(w, ".,;:!?()[]{}'"))
		if utf8.RuneCountInString(lw) < 4 || strings.IndexFunc(lw, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
			continue // short words, numbers and symbols are not spelling mistakes we can fix
		}
		if ix.known(ctx, r, lw) {
			continue
		}
		if s, ok := ix.suggest(r, lw); ok {
			words[i] = s
			fixed = true
		}
	}
	if !fixed {
		return nil, false
	}
	c := *pq
	c.Words = words
	c.Notes = nil
	c.unknownFixed = true
	return &c, true
}

// display renders a corrected query's words for "Did you mean".
func (q *parsedQuery) display() string {
	parts := append([]string(nil), q.Words...)
	for _, p := range q.Phrases {
		parts = append(parts, `"`+p+`"`)
	}
	return strings.Join(parts, " ")
}

// known reports whether the index has seen a word, as a stemmed term in
// titles and abstracts or as a title word.
func (ix *Index) known(ctx context.Context, r bindex.IndexReader, w string) bool {
	toks := ix.english.Analyze([]byte(w))
	if len(toks) == 0 {
		return true // a stop word
	}
	for _, t := range toks {
		if n, err := docFreq(ctx, r, fText, string(t.Term)); err != nil || n > 0 {
			return true
		}
	}
	n, err := docFreq(ctx, r, fTitleRaw, w)
	return err != nil || n > 0
}

// suggest finds the best replacement of an unknown word among title words.
func (ix *Index) suggest(r bindex.IndexReader, w string) (string, bool) {
	fz, ok := r.(bindex.IndexReaderFuzzy)
	if !ok {
		return "", false
	}
	maxDist := 1
	if utf8.RuneCountInString(w) >= 6 {
		maxDist = 2
	}
	best, bestDist, bestCount := "", maxDist+1, uint64(0)
	if d, err := fz.FieldDictFuzzy(fTitleRaw, w, maxDist, ""); err == nil {
		for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
			dist := osaDistance(w, e.Term)
			if dist < bestDist || dist == bestDist && e.Count > bestCount {
				best, bestDist, bestCount = e.Term, dist, e.Count
			}
		}
		d.Close()
	}
	if best != "" {
		return best, true
	}
	// A word being typed: complete it to the most common title word it starts.
	if d, err := r.FieldDictPrefix(fTitleRaw, []byte(w)); err == nil {
		for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
			if e.Count > bestCount {
				best, bestCount = e.Term, e.Count
			}
		}
		d.Close()
	}
	return best, best != ""
}

// osaDistance is the optimal-string-alignment edit distance: insertions,
// deletions, substitutions and transpositions of adjacent letters each cost
// one ("tranceptoin" is one edit from "tranception").
func osaDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	la, lb := len(ra), len(rb)
	d := make([][]int, la+1)
	for i := range d {
		d[i] = make([]int, lb+1)
		d[i][0] = i
	}
	for j := 0; j <= lb; j++ {
		d[0][j] = j
	}
	for i := 1; i <= la; i++ {
		for j := 1; j <= lb; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[la][lb]
}
