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
		if s, ok := ix.suggest(ctx, r, lw); ok {
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

// suggest finds the best replacement of an unknown word among title words:
// the fewest edits, then the most papers. Like most spelling correctors it
// trusts the first letter, which also keeps the search of a large
// dictionary fast.
func (ix *Index) suggest(ctx context.Context, r bindex.IndexReader, w string) (string, bool) {
	fz, ok := r.(bindex.IndexReaderFuzzy)
	if !ok {
		return "", false
	}
	maxDist := 1
	if utf8.RuneCountInString(w) >= 6 {
		maxDist = 2
	}
	_, size := utf8.DecodeRuneInString(w)
	var best []string
	bestDist := maxDist + 1
	if d, err := fz.FieldDictFuzzy(fTitleRaw, w, maxDist, w[:size]); err == nil {
		for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
			switch dist := osaDistance(w, e.Term); {
			case dist < bestDist:
				best, bestDist = []string{e.Term}, dist
			case dist == bestDist:
				best = append(best, e.Term)
			}
		}
		d.Close()
	}
	if len(best) == 0 {
		// A word being typed: complete it to the most common title word it
		// starts (the dictionary gives counts here).
		if d, err := r.FieldDictPrefix(fTitleRaw, []byte(w)); err == nil {
			var bestCount uint64
			for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
				if e.Count > bestCount {
					best, bestCount = []string{e.Term}, e.Count
				}
			}
			d.Close()
		}
		return firstOr(best)
	}
	// The fuzzy dictionary gives no counts: look them up for the closest.
	pick, pickCount := "", uint64(0)
	for _, t := range best {
		if n, err := docFreq(ctx, r, fTitleRaw, t); err == nil && (n > pickCount || n == pickCount && t < pick) {
			pick, pickCount = t, n
		}
	}
	return pick, pick != ""
}

func firstOr(ss []string) (string, bool) {
	if len(ss) == 0 {
		return "", false
	}
	return ss[0], true
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
