package sources

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/paperbot/paperbot/bot/paper"
)

// isControl reports the characters paper.Normalize refuses in text:
// control characters other than white space.
func isControl(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }

// controlNotes lists the text fields of p that hold control characters
// (title, abstract, authors, categories, ai_summary, ai_keywords), each
// with a message naming the characters; cleanControls removes them. Real
// records carry them (arXiv abstracts with U+007F where an accent was lost,
// CACM reports with U+0019), and the paper is worth keeping. Ids, URLs and
// the source name are not cleaned: a control character there means the
// value itself is damaged, and the record is rejected as before.
func controlNotes(p *paper.Paper) []fieldNote {
	var notes []fieldNote
	check := func(field string, vals ...string) {
		var found []rune
		for _, v := range vals {
			for _, r := range v {
				if isControl(r) && len(found) < 3 && !containsRune(found, r) {
					found = append(found, r)
				}
			}
		}
		if len(found) == 0 {
			return
		}
		names := make([]string, len(found))
		for i, r := range found {
			names[i] = fmt.Sprintf("%U", r)
		}
		notes = append(notes, fieldNote{field: field, msg: "removed control characters (" + strings.Join(names, ", ") + ")"})
	}
	check("title", p.Title)
	check("abstract", p.Abstract)
	check("authors", p.Authors...)
	check("categories", p.Categories...)
	check("ai_summary", p.AISummary)
	check("ai_keywords", p.Keywords...)
	return notes
}

// fieldNote is a change made to one field of a record.
type fieldNote struct {
	field, msg string
	kind       noteKind
}

// noteKind is what a fieldNote changed.
type noteKind int

const (
	// noteControl: control characters removed (Handler.Cleaned).
	noteControl noteKind = iota
	// noteRestored: an id stored as a number read as the arXiv id it was
	// (Handler.Restored).
	noteRestored
	// noteUTF8: invalid UTF-8 replaced with U+FFFD (Handler.Replaced).
	noteUTF8
	// noteAdjusted: a field dropped or converted, the paper kept
	// (Handler.Adjusted).
	noteAdjusted
)

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// cleanControls removes control characters from the fields controlNotes
// names.
func cleanControls(p *paper.Paper) {
	p.Title = stripControls(p.Title)
	p.Abstract = stripControls(p.Abstract)
	p.AISummary = stripControls(p.AISummary)
	for _, l := range [][]string{p.Authors, p.Categories, p.Keywords} {
		for i, s := range l {
			l[i] = stripControls(s)
		}
	}
}

func stripControls(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}
