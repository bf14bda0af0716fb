package sources_test

import (
	"testing"
	"unicode/utf8"

	"github.com/paperbot/paperbot/index/sources"
)

func TestReadable(t *testing.T) {
	cases := []struct{ in, want string }{
		{`Schr\"odinger bridges`, "Schrödinger bridges"},
		{`{\'E}cole Normale Sup{\'e}rieure`, "École Normale Supérieure"},
		{`C. Bal\'azs and J. Garc\'{\i}a`, "C. Balázs and J. García"},
		{`Fran\c{c}ois, \v{S}ablica, Erd\H{o}s, Ko\c c`, "François, Šablica, Erdős, Koç"},
		{`Stra\ss e, \o{}stergaard, \AA ngstr\"om, {\l}ukasz`, "Straße, østergaard, Ångström, łukasz"},
		{`Attention \& Memory: 50\% fewer \#params`, "Attention & Memory: 50% fewer #params"},
		{`\emph{Transformers} are \textbf{graph} networks`, "Transformers are graph networks"},
		// Mathematics is kept as written, accents and all.
		{`$\hat{x}$ and $\"o$ stay; so does $$\alpha_{\'e}$$`, `$\hat{x}$ and $\"o$ stay; so does $$\alpha_{\'e}$$`},
		{`The \(\mathcal{O}(n)\) bound for G\"odel`, `The \(\mathcal{O}(n)\) bound for Gödel`},
		{`costs \$5 for M\"uller`, `costs \$5 for Müller`},
		// Other commands are left alone.
		{`\cite{x} and \cfoo and \'1`, `\cite{x} and \cfoo and \'1`},
		{`unbalanced \emph{oops`, `unbalanced \emph{oops`},
		{"plain title", "plain title"},
		{`$unclosed \"o`, `$unclosed \"o`},
		// Damage found in real arXiv records.
		{"the orbit map to Teichm\x7fuller space", "the orbit map to Teichmüller space"},
		{"Cenap \x7fÖzel", "Cenap Özel"},
		{"a solution in C\u00e2\u0088\u009e space", "a solution in C∞ space"},
		{"the chemical elements\u00e2\u0080\u0099 origins\u00e2\u0080\u0094including", "the chemical elements’ origins—including"},
		{"caf\u00e9 \u0085 and a bell\x07", "café  and a bell"},
		// Invalid UTF-8: one U+FFFD per run of invalid bytes (found by
		// FuzzReadable, which saw 12 bytes grow to 33, one U+FFFD each).
		{"\xba\xe8\x04\xfa\xe4\x84\xd8\xd6\xe1\xe1\xe1\x8b", "\ufffd\ufffd"},
		{"Schr\xff\xfe\\\"odinger \xc3", "Schr\ufffdödinger \ufffd"},
	}
	for _, c := range cases {
		if got := sources.Readable(c.in); got != c.want {
			t.Errorf("Readable(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func FuzzReadable(f *testing.F) {
	for _, s := range []string{`Schr\"odinger`, `{\'E}`, `$x$ \v{S}`, `\emph{a}`, `\'{\i}`, `\c`, `{\`, `\\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := sources.Readable(s)
		if len(out) > 2*len(s)+8 {
			t.Errorf("Readable(%q) grew to %d bytes", s, len(out))
		}
		if !utf8.ValidString(out) {
			t.Errorf("Readable(%q) = %q, not valid UTF-8", s, out)
		}
	})
}
