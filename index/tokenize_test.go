package index

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"

	"github.com/paperbot/paperbot/configs/sample"
)

func words(ts []string) string { return strings.Join(ts, "|") }

func TestWordTokenizer(t *testing.T) {
	tests := map[string]string{
		"Tranception: protein fitness prediction": "Tranception|protein|fitness|prediction",
		"inference-time retrieval (2022)":         "inference|time|retrieval|2022",
		"don't stop; it's O'Neil's":               "don't|stop|it's|O'Neil's",
		"3.5 billion, 1,000 GPUs, v1.2":           "3.5|billion|1,000|GPUs|v1.2",
		"end. Next":                               "end|Next",
		"snake_case x86-64 GPT-4o":                "snake_case|x86|64|GPT|4o",
		"Schrödinger naïve café":                  "Schrödinger|naïve|café",
		"$\\hbar$ L_{omega_1}":                    "hbar|L|omega_1",
		"大規模言語モデル":                                "大|規|模|言|語|モ|デ|ル",
		"'quoted' ... --":                         "quoted",
	}
	for in, want := range tests {
		var got []string
		for i, tok := range (wordTokenizer{}).Tokenize([]byte(in)) {
			got = append(got, string(tok.Term))
			if tok.Position != i+1 || in[tok.Start:tok.End] != string(tok.Term) {
				t.Errorf("%q: token %d %+v", in, i, tok)
			}
		}
		if words(got) != want {
			t.Errorf("%q:\n got  %s\n want %s", in, words(got), want)
		}
	}
}

// On English prose the words are those of Unicode word segmentation.
func TestWordTokenizerMatchesUnicodeOnProse(t *testing.T) {
	text := "The ability to accurately model the fitness landscape of protein sequences is critical to a wide range of applications, from quantifying the effects of human variants on disease likelihood, to predicting immune-escape mutations in viruses and designing novel biotherapeutic proteins. We introduce Tranception, a novel transformer architecture leveraging autoregressive predictions and retrieval of homologous sequences at inference to achieve state-of-the-art fitness prediction performance."
	var a, b []string
	for _, tok := range (wordTokenizer{}).Tokenize([]byte(text)) {
		a = append(a, string(tok.Term))
	}
	for _, tok := range unicode.NewUnicodeTokenizer().Tokenize([]byte(text)) {
		b = append(b, string(tok.Term))
	}
	if words(a) != words(b) {
		t.Errorf("differs:\n %s\n %s", words(a), words(b))
	}
}

func BenchmarkTokenizers(b *testing.B) {
	text := []byte(strings.Repeat("We introduce Tranception, a novel transformer architecture leveraging autoregressive predictions and retrieval of homologous sequences at inference. ", 8))
	b.Run("word", func(b *testing.B) {
		for b.Loop() {
			(wordTokenizer{}).Tokenize(text)
		}
	})
	b.Run("unicode", func(b *testing.B) {
		for b.Loop() {
			unicode.NewUnicodeTokenizer().Tokenize(text)
		}
	})
}

// The ASCII fast paths give the tokens every character decoded gave: on
// the sample's papers, on text mixing ASCII with accents, joiners, CJK,
// C1 controls and invalid bytes, and on random bytes.
func TestWordTokenizerAsDecodingEveryCharacter(t *testing.T) {
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range papers {
		texts = append(texts, p.Title, p.Abstract, strings.Join(p.Authors, ", "))
	}
	texts = append(texts, "don't O'Neil’s x86_64 3.5 1,000 v1.2 a.b 1.a Schrödinger naïve 大規模 e\u0301 \xc2\x85 \xff\xfe ab\x80cd 'q' _x x_ 9'9 a'9")
	pieces := []string{"a", "Z", "9", "'", "’", ".", ",", "_", " ", "-", "é", "\u0301", "大", "ア", "\xff", "\x80", "٣", "$", "\n"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50_000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for range 20_000 {
		b := make([]byte, rng.IntN(16))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		got, want := (wordTokenizer{}).Tokenize([]byte(s)), referenceTokenize([]byte(s))
		if len(got) != len(want) {
			t.Fatalf("%q: %d tokens, want %d", s, len(got), len(want))
		}
		for i := range got {
			if g, w := got[i], want[i]; string(g.Term) != string(w.Term) || g.Start != w.Start || g.End != w.End || g.Position != w.Position || g.Type != w.Type {
				t.Fatalf("%q: token %d %+v, want %+v", s, i, *g, *w)
			}
		}
	}
}

// referenceTokenize is wordTokenizer.Tokenize as it was before its ASCII
// fast paths, decoding every character.
func referenceTokenize(input []byte) analysis.TokenStream {
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
