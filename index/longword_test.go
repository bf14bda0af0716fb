package index_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
)

// A word far longer than any word of a language (a paste of letters
// without spaces, 1,999 of them: the query's limit is 2,000 bytes) is no
// misspelling to correct. Looking for its close spellings built
// Levenshtein automata for it: one such query allocated about 600 MiB and
// raised the resident memory from 20 to 380 MiB, so a few sent at once
// could exhaust a server's memory. It is searched as typed (no paper has
// it, which the answer says) at the cost of an ordinary word.
func TestVeryLongWordIsNotSpellChecked(t *testing.T) {
	ix := sampleIndex(t)
	long := strings.Repeat("qzxv", 500)[:1999]
	q := "tranception " + long
	ctx := context.Background()
	if _, err := ix.Search(ctx, paper.Query{Text: q, Limit: 5}); err != nil { // warm
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := ix.Search(ctx, paper.Query{Text: q, Limit: 5})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if mib := float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20); mib > 64 {
		t.Errorf("the query allocated %.0f MiB, want at most 64 (an ordinary query allocates a few)", mib)
	}
	if len(res.Hits) == 0 || res.Hits[0].Paper.ID != "2205.13760" {
		t.Errorf("hits %v, want Tranception first", res.Hits)
	}
	if !strings.Contains(strings.Join(res.Notes, " "), "No paper has") {
		t.Errorf("notes %q do not say that no paper has the long word", res.Notes)
	}
	// A long word that is a real one is still corrected.
	res, err = ix.Search(ctx, paper.Query{Text: "tranceptoin", Limit: 5})
	if err != nil || res.DidYouMean != "tranception" {
		t.Errorf("tranceptoin: did you mean %q, %v", res.DidYouMean, err)
	}
}
