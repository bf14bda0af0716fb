package index

import (
	"context"
	"slices"
	"strings"
	"unicode"
)

// Greek letters typed as letters ("β-decay", "ψ(2S)", "ΛCDM") are searched
// as papers write them. arXiv's titles and abstracts spell a Greek letter
// in LaTeX ($\beta$-decay, $\Lambda$CDM), which the index holds as the
// letter's name ("beta", "lambda"): typed as a letter, it matched nothing.
// The script ℓ of "ℓ1 regularization" is the letter l, as Unicode's
// compatibility mapping says. A letter the index holds as typed (a source
// that writes Greek in Unicode) is searched as typed.

// greekNames are the LaTeX names of the Greek letters (both forms of
// epsilon, theta and phi, and final sigma, name one letter each).
var greekNames = map[rune]string{
	'α': "alpha", 'β': "beta", 'γ': "gamma", 'δ': "delta", 'ε': "epsilon", 'ϵ': "epsilon",
	'ζ': "zeta", 'η': "eta", 'θ': "theta", 'ϑ': "theta", 'ι': "iota", 'κ': "kappa",
	'λ': "lambda", 'μ': "mu", 'µ': "mu", 'ν': "nu", 'ξ': "xi", 'π': "pi", 'ρ': "rho",
	'σ': "sigma", 'ς': "sigma", 'τ': "tau", 'υ': "upsilon", 'φ': "phi", 'ϕ': "phi",
	'χ': "chi", 'ψ': "psi", 'ω': "omega",
	'Γ': "Gamma", 'Δ': "Delta", 'Θ': "Theta", 'Λ': "Lambda", 'Ξ': "Xi", 'Π': "Pi",
	'Σ': "Sigma", 'Υ': "Upsilon", 'Φ': "Phi", 'Ψ': "Psi", 'Ω': "Omega",
	'ℓ': "l",
}

// latexSpelling writes a word's Greek letters as their names, each a word
// of its own beside other letters ("ΛCDM" as "Lambda CDM", as $\Lambda$CDM
// is read), and ℓ as l ("ℓ1" as "l1"); ok is false when the word has none.
func latexSpelling(w string) (out string, ok bool) {
	if !hasGreek(w) {
		return w, false
	}
	var b strings.Builder
	prevWord, afterName := false, false
	for _, r := range w {
		if name, g := greekNames[r]; g && r != 'ℓ' {
			if prevWord {
				b.WriteByte(' ')
			}
			b.WriteString(name)
			prevWord, afterName = true, true
			continue
		} else if g {
			r = 'l'
		}
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		if word && afterName {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prevWord, afterName = word, false
	}
	return b.String(), true
}

// hasGreek reports whether s holds a letter of greekNames.
func hasGreek(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { _, g := greekNames[r]; return g })
}

// spellGreek rewrites the query's words and phrases that hold Greek
// letters the index does not hold as typed.
func (ix *Index) spellGreek(ctx context.Context, pq *parsedQuery) {
	if !slices.ContainsFunc(pq.Words, hasGreek) && !slices.ContainsFunc(pq.Phrases, hasGreek) {
		return
	}
	r, err := ix.reader()
	if err != nil {
		return
	}
	defer r.Close()
	held := func(w string) bool {
		for _, t := range ix.english.Analyze([]byte(w)) {
			if !hasGreek(string(t.Term)) {
				continue
			}
			if n, err := docFreq(ctx, r, fText, string(t.Term)); err != nil || n > 0 {
				return true
			}
		}
		return false
	}
	var words []string
	for _, w := range pq.Words {
		if s, ok := latexSpelling(w); ok && !held(w) {
			words = append(words, strings.Fields(s)...)
			continue
		}
		words = append(words, w)
	}
	pq.Words = words
	for i, ph := range pq.Phrases {
		if s, ok := latexSpelling(ph); ok && !held(ph) {
			pq.Phrases[i] = s
		}
	}
}
