package index

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
)

// Forms of one word. Papers write a compound three ways — "non-linear",
// "non linear", "nonlinear"; "wave function", "wavefunction";
// "self-organized", "selforganized" — and the analysis reads a hyphen as
// a space, which leaves two forms: two words, or one. The index keeps them
// apart (joining them in the mapping lowered Cranfield's scores); a query
// in one form also searches the other where the index's papers use it, as
// an alternative weighted below the form typed (formWeight):
//
//   - two words typed side by side ("wave function", "self-organized") are
//     also searched as their joined word when papers hold it;
//   - a word typed joined ("nonlinear", "selforganized") is also searched
//     as the two words papers write side by side, when at least one in
//     rareRatio of the papers using it does: a compound written apart,
//     not two words met by chance ("net work" is not a form of network,
//     nor "trans former" of transformer).
//
// Ranked by relevance only: a sorted listing requires every word it
// searches, and an alternative is no requirement.

// formWeight is how much an alternative form counts: in a paper that
// holds it, its words score this share of what the words typed score in a
// paper holding them as often (a rare form, whose words' idf is high,
// does not outrank the form typed).
const formWeight = 0.5

// otherForms are the alternative forms of a query's words the index's
// papers use, as analysed terms to search beside them.
func (ix *Index) otherForms(ctx context.Context, words []string) []termInfo {
	toks := ix.plain.Analyze([]byte(strings.Join(words, " ")))
	if len(toks) == 0 {
		return nil
	}
	r, err := ix.reader()
	if err != nil {
		return nil
	}
	defer r.Close()
	fr := &formReader{ix: ix, ctx: ctx, r: r}
	if s, ok := r.(*scorch.IndexSnapshot); ok {
		fr.segs = segmentIDs(s)
	}
	var out []termInfo
	for i, t := range toks {
		w := string(t.Term)
		if i > 0 && toks[i-1].Position == t.Position-1 {
			out = withForms(out, fr.cached(string(toks[i-1].Term)+" "+w))
		}
		out = withForms(out, fr.cached(w))
	}
	return out
}

// A formReader finds the other forms of words in one snapshot of the
// index.
type formReader struct {
	ix   *Index
	ctx  context.Context
	r    bindex.IndexReader
	segs []uint64 // the snapshot's segments (nil: not kept)
	// isTitleWord and rare, once a word needs them.
	isTitleWord func(string) bool
	rare        uint64
}

// cached are the other forms of a word or of two ("a b"): those found
// in the same segments before, else found now.
func (fr *formReader) cached(key string) []termInfo {
	if f, ok := fr.ix.forms.get(fr.segs, key); ok {
		return f
	}
	var f []termInfo
	if a, b, ok := strings.Cut(key, " "); ok {
		if fr.ix.joinedForm(fr.ctx, fr.r, a, b) {
			f = fr.weighed(key, a+b, 1)
		}
	} else {
		if fr.isTitleWord == nil {
			fr.isTitleWord, fr.rare = fr.ix.titleWordTest(fr.ctx, fr.r), fr.ix.rareDF(fr.r)
		}
		if a, b, share := fr.ix.apartForm(fr.ctx, fr.r, fr.isTitleWord, key, fr.rare); a != "" {
			f = fr.weighed(key, a+" "+b, share)
		}
	}
	fr.ix.forms.put(fr.segs, key, f)
	return f
}

// weighed is form's terms, to be searched beside typed, weighted by share
// of formWeight.
func (fr *formReader) weighed(typed, form string, share float64) []termInfo {
	ix := fr.ix
	alt := ix.english.Analyze([]byte(form))
	w := formWeight * share * min(1, ix.idfSquares(fr.ctx, fr.r, ix.english.Analyze([]byte(typed)))/ix.idfSquares(fr.ctx, fr.r, alt))
	var out []termInfo
	for _, t := range alt {
		out = append(out, termInfo{term: string(t.Term), pos: -1, weight: w})
	}
	return out
}

// formsCache keeps the other forms found of words and pairs of words in
// the index's current segments; maxCachedForms at most.
type formsCache struct {
	mu   sync.Mutex
	segs []uint64
	m    map[string][]termInfo
}

const maxCachedForms = 20_000

func (c *formsCache) get(segs []uint64, key string) ([]termInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if segs == nil || !slices.Equal(c.segs, segs) {
		return nil, false
	}
	f, ok := c.m[key]
	return f, ok
}

func (c *formsCache) put(segs []uint64, key string, f []termInfo) {
	if segs == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || !slices.Equal(c.segs, segs) || len(c.m) >= maxCachedForms {
		c.segs, c.m = segs, map[string][]termInfo{}
	}
	c.m[key] = f
}

// idfSquares is the sum of the terms' squared idf (as BM25 weighs a term
// in titles and abstracts: Bleve's term weight is boost·idf²).
func (ix *Index) idfSquares(ctx context.Context, r bindex.IndexReader, terms analysis.TokenStream) float64 {
	n, err := r.DocCount()
	if err != nil {
		return 1
	}
	var sum float64
	for _, t := range terms {
		df, err := docFreq(ctx, r, fText, string(t.Term))
		if err != nil {
			return 1
		}
		idf := math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
		sum += idf * idf
	}
	return sum
}

// minFormPart is the fewest letters a word that is part of a compound may
// have: "non" of nonlinear (and not "x" of x-ray: a letter is no word).
const minFormPart = 3

// formPart reports whether w may be a part of a compound: letters alone,
// at least minFormPart of them.
func formPart(w string) bool {
	return utf8.RuneCountInString(w) >= minFormPart && allLetters(w)
}

// allLetters reports whether w is letters alone.
func allLetters(w string) bool {
	return strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) < 0
}

// joinedForm reports whether papers write a and b as one word (neither
// a stop word).
func (ix *Index) joinedForm(ctx context.Context, r bindex.IndexReader, a, b string) bool {
	if !formPart(a) || !formPart(b) || len(ix.english.Analyze([]byte(a))) == 0 || len(ix.english.Analyze([]byte(b))) == 0 {
		return false
	}
	toks := ix.english.Analyze([]byte(a + b))
	if len(toks) != 1 {
		return false
	}
	n, err := docFreq(ctx, r, fText, string(toks[0].Term))
	return err == nil && n > 0
}

// apartForm is w written as two words side by side, the split most
// papers write, when more than rare papers write it so, and at least one
// in rareRatio of those that hold w ("" when none). Searched as two words,
// it matches every paper that holds both, side by side or not ("data"
// and "base" are in many papers that never write "data base"): share is
// the part of those papers that write them side by side, the others
// reckoned as if the two words met by chance.
func (ix *Index) apartForm(ctx context.Context, r bindex.IndexReader, isTitleWord func(string) bool, w string, rare uint64) (a, b string, share float64) {
	rs := []rune(w)
	if len(rs) < 2*minFormPart || !allLetters(w) {
		return "", "", 0
	}
	df := uint64(0)
	best, chance := rare, 0.0
	for i := minFormPart; i <= len(rs)-minFormPart; i++ {
		x, y := string(rs[:i]), string(rs[i:])
		if !isTitleWord(x) || !isTitleWord(y) {
			continue
		}
		if df == 0 {
			df, _ = ix.frequency(ctx, r, w)
		}
		// Side by side in no more papers than hold the rarer of them.
		fx, _ := ix.frequency(ctx, r, x)
		fy, _ := ix.frequency(ctx, r, y)
		if rareRatio*min(fx, fy) < df || min(fx, fy) <= best {
			continue
		}
		if n := ix.sideBySide(ctx, x, y); n > best && rareRatio*n >= df {
			a, b, best = x, y, n
			if docs, err := r.DocCount(); err == nil && docs > 0 {
				chance = float64(fx) * float64(fy) / float64(docs)
			}
		}
	}
	if a == "" {
		return "", "", 0
	}
	return a, b, float64(best) / (float64(best) + chance)
}

// sideBySide is how many papers write a and b side by side in their
// titles and abstracts (0 when either is a stop word: that is one word).
func (ix *Index) sideBySide(ctx context.Context, a, b string) uint64 {
	ph := a + " " + b
	if len(ix.english.Analyze([]byte(ph))) != 2 {
		return 0
	}
	res, err := ix.run(ctx, &parsedQuery{Phrases: []string{ph}}, runArgs{order: paper.ByRelevance, limit: 1, fast: ix.fastPath})
	if err != nil {
		return 0
	}
	return res.Total
}

// withForms is terms and the forms that are not among them.
func withForms(terms, forms []termInfo) []termInfo {
	for _, f := range forms {
		if !slices.ContainsFunc(terms, func(t termInfo) bool { return t.term == f.term }) {
			terms = append(terms[:len(terms):len(terms)], f)
		}
	}
	return terms
}
