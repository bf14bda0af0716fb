package index

import (
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
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
