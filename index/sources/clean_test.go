package sources

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// hasControl and hasBadControl find what ranging over the string and
// asking unicode finds: for every character, alone and between others,
// for every one- and two-byte string (invalid UTF-8 among them) and for
// random bytes.
func TestHasControlAsUnicode(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := hasControl(s), strings.ContainsFunc(s, isControl); got != want {
			t.Fatalf("hasControl(%q) = %v, want %v", s, got, want)
		}
		if got, want := hasBadControl(s), strings.ContainsFunc(s, isBadControl); got != want {
			t.Fatalf("hasBadControl(%q) = %v, want %v", s, got, want)
		}
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		c := string(r)
		check(c)
		check("ab" + c + "cd")
	}
	for a := range 256 {
		check(string([]byte{byte(a)}))
		for b := range 256 {
			check(string([]byte{byte(a), byte(b)}))
			check(string([]byte{'x', byte(a), byte(b), 'y'}))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		check(string(b))
	}
	if !hasControl("abstract with a \x7f lost accent") || hasControl("tab\tnew line\r\n and U+0085 \u0085") || !hasBadControl("U+0085 \u0085") {
		t.Error("the examples disagree")
	}
}
