// Package didyoumean is the one rule paperbot uses to suggest the name a
// mistyped word was meant to be: the command line's commands, the chat's
// subcommands, the configuration's keys.
package didyoumean

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
)

// MaxEdits is how far a typo may be from the name: at most two edits (a
// swapped pair of letters is two).
const MaxEdits = 2

// minLen is the shortest word and name compared: two edits turn any word
// of two letters into any other.
const minLen = 3

// Near returns the names typed is probably a typo of, closest first (in
// names' order among equals): those at most MaxEdits edits away, or, when
// prefixes is set, that start with it (the rule cobra and git follow).
// Case is ignored.
func Near(typed string, names []string, prefixes bool) []string {
	typed = strings.ToLower(typed)
	type candidate struct {
		name string
		dist int
	}
	var near []candidate
	for _, n := range names {
		ln := strings.ToLower(n)
		d := levenshtein.ComputeDistance(typed, ln)
		short := utf8.RuneCountInString(typed) < minLen || utf8.RuneCountInString(ln) < minLen
		if (d <= MaxEdits && !short) || (prefixes && typed != "" && strings.HasPrefix(ln, typed)) {
			near = append(near, candidate{n, d})
		}
	}
	slices.SortStableFunc(near, func(a, b candidate) int { return cmp.Compare(a.dist, b.dist) })
	out := make([]string, len(near))
	for i, c := range near {
		out[i] = c.name
	}
	return out
}

// Phrase says near as `did you mean "search"?` or `did you mean one of
// "check", "chat"?`, or "" when near is empty.
func Phrase(near []string) string {
	switch len(near) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("did you mean %q?", near[0])
	}
	quoted := make([]string, len(near))
	for i, n := range near {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return "did you mean one of " + strings.Join(quoted, ", ") + "?"
}
