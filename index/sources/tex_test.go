package sources_test

import (
	"slices"
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

// The forms of accents found in arXiv's author names (and possible in
// titles and abstracts): a space or a line break between the accent and
// its letter, braces or none, and the dotless i as \i, as \I (LaTeX has
// none: a capitalised \i) or as the letter ı itself.
func TestReadableAccentForms(t *testing.T) {
	cases := []struct{ in, want string }{
		// As found in the 250k sample of the arXiv snapshot.
		{`Servet Mart\'{ı}nez`, "Servet Martínez"},
		{`Marek Ku\' s`, "Marek Kuś"},
		{`Andr\' e C. R. Martins`, "André C. R. Martins"},
		{`Mar\'{\I}a Amelia Muschietti`, "María Amelia Muschietti"},
		{`Mihai S\^{ı}rbu`, "Mihai Sîrbu"},
		{`Lidia Angeleri H\" ugel`, "Lidia Angeleri Hügel"},
		// The accent command, optional spaces, optional braces.
		{`Mart\'ınez`, "Martínez"},
		{`Mart\' ınez`, "Martínez"},
		{`Mart\'{ ı }nez`, "Martínez"},
		{`Mart{\'ı}nez`, "Martínez"},
		{`Mart\' {\i}nez`, "Martínez"},
		{`Mart\'\i nez`, "Martínez"},
		{`Mart\' \i{}nez`, "Martínez"},
		{"Andr\\'\n  e", "André"},
		{"Andr\\'\te", "André"},
		{`na\"{\i}ve, na\"ıve, \v{\i}, \^{\j}, \^ȷ`, "naïve, naïve, ǐ, ĵ, ĵ"},
		{`Garc\'\i a, Garc\' \i\ a`, `García, Garcí\ a`},
		// \I is I where the letter before is not lower-case.
		{`GARC\'{\I}A and \'{\I}\~nigo, Mar{\'\I}a`, "GARCÍA and Íñigo, María"},
		{`\"{\I}`, "Ï"},
		// Text that merely holds a backslash is left as it is.
		{`C:\Users\ and a \ b`, `C:\Users\ and a \ b`},
		{`\I alone, \Im z, \'{\Iota}, \'{\in}`, `\I alone, \Im z, \'{\Iota}, \'{\in}`},
		{`\' 1, \'{ı, \'{}, \' `, `\' 1, \'{ı, \'{}, \' `},
		{`ı alone, {ı}, \ı`, `ı alone, {ı}, \ı`},
		{`$\'{ı}$ in mathematics`, `$\'{ı}$ in mathematics`},
	}
	for _, c := range cases {
		if got := sources.Readable(c.in); got != c.want {
			t.Errorf("Readable(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// An arXiv record's title, abstract and authors are all made readable,
// whichever of these forms they use.
func TestArxivRecordAccentForms(t *testing.T) {
	line := `{"id":"0704.0002","title":"Mart\\'{ı}nez and Ku\\' s on na\\\"{\\i}ve sets","abstract":"Following Andr\\' e and Mar\\'{\\I}a.",` +
		`"authors":"Servet Mart\\'{ı}nez, Marek Ku\\' s, Andr\\' e C. R. Martins and Mar\\'{\\I}a Amelia Muschietti",` +
		`"versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"}]}`
	ps, rej := parseAll(t, []byte(line), "snapshot.jsonl", sources.JSONL)
	if len(ps) != 1 || len(rej) != 0 {
		t.Fatalf("%d papers, rejected %v", len(ps), rej)
	}
	p := ps[0]
	if want := "Martínez and Kuś on naïve sets"; p.Title != want {
		t.Errorf("title %q, want %q", p.Title, want)
	}
	if want := "Following André and María."; p.Abstract != want {
		t.Errorf("abstract %q, want %q", p.Abstract, want)
	}
	if want := []string{"Servet Martínez", "Marek Kuś", "André C. R. Martins", "María Amelia Muschietti"}; !slices.Equal(p.Authors, want) {
		t.Errorf("authors %q, want %q", p.Authors, want)
	}
}
