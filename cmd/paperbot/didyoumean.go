package main

import "github.com/paperbot/paperbot/internal/didyoumean"

// didYouMean suggests the names a mistyped word was probably meant to be
// (internal/didyoumean's rule, prefixes included): `did you mean
// "search"?`, `did you mean one of "check", "chat"?` (nearest first), or
// "" when nothing is near.
func didYouMean(typed string, names []string) string {
	return didyoumean.Phrase(didyoumean.Near(typed, names, true))
}
