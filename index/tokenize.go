package index

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
)

// wordTokenizer splits text into words: runs of letters, digits and
// combining marks, joined across an apostrophe or underscore between
// letters ("don't"), an underscore between word characters ("omega_1") and
// across a point or comma between
// digits ("3.5", "1,000"); each CJK ideograph or kana is a word of its own.
// For the English text of papers it gives the same words as Unicode word
// segmentation (UAX #29) at a fraction of the cost: tokenizing was an
// eighth of all indexing time.
type wordTokenizer struct{}

var _ analysis.Tokenizer = wordTokenizer{}

func isWordChar(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// asciiWord marks the word characters among the first 128: letters and
// digits. Most of papers' text is ASCII; looked up first, those
// characters skip decoding and the Unicode tables (tokenizing was 7.5 % of
// a bulk ingest's CPU, issue 18).
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[c] = isWordChar(rune(c))
	}
	return t
}()

func isDigit(r rune) bool {
	return r >= '0' && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r)
}

func isIdeograph(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// Tokenize implements analysis.Tokenizer.
func (wordTokenizer) Tokenize(input []byte) analysis.TokenStream {
	est := len(input)/6 + 1
	out := make(analysis.TokenStream, 0, est)
	// The tokens are allocated together, a slab at a time, not one by one
	// (a text field's tokens live and die together): an eighth of an
	// ingest's allocations were single tokens.
	slab := make([]analysis.Token, 0, est)
	add := func(t analysis.Token) {
		if len(slab) == cap(slab) {
			slab = make([]analysis.Token, 0, est/2+8)
		}
		slab = append(slab, t)
		out = append(out, &slab[len(slab)-1])
	}
	pos := 1
	emit := func(start, end int, numeric bool) {
		typ := analysis.AlphaNumeric
		if numeric {
			typ = analysis.Numeric
		}
		add(analysis.Token{Term: input[start:end:end], Start: start, End: end, Position: pos, Type: typ})
		pos++
	}
	i := 0
	for i < len(input) {
		if c := input[i]; c < utf8.RuneSelf && !asciiWord[c] {
			i++ // the common case of a character between words
			continue
		}
		r, size := utf8.DecodeRune(input[i:])
		if !isWordChar(r) {
			i += size
			continue
		}
		if isIdeograph(r) {
			add(analysis.Token{Term: input[i : i+size : i+size], Start: i, End: i + size, Position: pos, Type: analysis.Ideographic})
			pos++
			i += size
			continue
		}
		start, numeric := i, true
		prev := rune(0)
		for i < len(input) {
			if c := input[i]; c < utf8.RuneSelf && asciiWord[c] {
				// the common case of a word's letter or digit
				numeric = numeric && c <= '9'
				prev = rune(c)
				i++
				continue
			}
			r, size = utf8.DecodeRune(input[i:])
			if isWordChar(r) && !isIdeograph(r) {
				numeric = numeric && isDigit(r)
				prev = r
				i += size
				continue
			}
			// A joiner counts only between two word characters of the right kind.
			if i+size < len(input) {
				next, _ := utf8.DecodeRune(input[i+size:])
				join := false
				switch r {
				case '\'', '’':
					join = !isDigit(prev) && isWordChar(next) && !isDigit(next)
				case '_':
					join = isWordChar(next)
				case '.', ',':
					join = isDigit(prev) && isDigit(next)
				}
				if join && !isIdeograph(next) {
					i += size
					continue
				}
			}
			break
		}
		emit(start, i, numeric)
	}
	return out
}

// withWordTokenizer returns a copy of a Bleve analyzer that splits words
// with wordTokenizer, keeping its token filters; an analyzer that stems
// English also writes American spellings just before stemming
// (spelling.go). The mapping names the registered parts only (Bleve's
// Unicode tokenizer, its filters), for tools that read it; these two are
// the index's own, applied by the index to papers and queries alike.
func withWordTokenizer(a analysis.Analyzer) analysis.Analyzer {
	da, ok := a.(*analysis.DefaultAnalyzer)
	if !ok {
		return a
	}
	c := *da
	c.Tokenizer = wordTokenizer{}
	c.TokenFilters = nil
	for _, f := range da.TokenFilters {
		if _, stems := f.(*porter.PorterStemmer); stems {
			f = stemFilter{american: americanFilter{}, stem: f, cache: newStemCache()}
		}
		c.TokenFilters = append(c.TokenFilters, f)
	}
	return &c
}
