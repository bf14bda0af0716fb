package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// didYouMean suggests the names a mistyped word was probably meant to be:
// those at most two edits away (a swapped pair of letters is two), or that
// start with it, the rule cobra and git follow. It returns `did you mean
// "search"?`, `did you mean one of "check", "chat"?` (nearst first), or ""
// when nothing is near.
func didYouMean(typed string, names []string) string {
	typed = strings.ToLower(typed)
	type candidate struct {
		name string
		dist int
	}
	var near []candidate
	for _, n := range names {
		d := levenshtein.ComputeDistance(typed, n)
		if d <= 2 || (typed != "" && strings.HasPrefix(n, typed)) {
			near = append(near, candidate{n, d})
		}
	}
	if len(near) == 0 {
		return ""
	}
	// Closest first, in the commands' order among equals.
	slices.SortStableFunc(near, func(a, b candidate) int { return cmp.Compare(a.dist, b.dist) })
	if len(near) == 1 {
		return fmt.Sprintf("did you mean %q?", near[0].name)
	}
	quoted := make([]string, len(near))
	for i, c := range near {
		quoted[i] = fmt.Sprintf("%q", c.name)
	}
	return "did you mean one of " + strings.Join(quoted, ", ") + "?"
}
