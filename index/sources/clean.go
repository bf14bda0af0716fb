package sources

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/paperbot/paperbot/bot/paper"
)

// isControl reports the characters paper.Normalize refuses in text:
// control characters other than white space.
func isControl(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }

// hasControl reports whether s holds a character isControl reports, at
// the cost of a byte scan: the control characters (Unicode's Cc) are
// U+0000-U+001F and U+007F (one byte each) and U+0080-U+009F (0xC2 and a
// second byte 0x80-0x9F), less the white space among them (tab, line
// feed, vertical tab, form feed, carriage return; U+0085, next line).
// Decoding every character of every record to ask unicode was 4 % of a
// bulk ingest's CPU (issue 18). Invalid bytes are no character: not
// control characters either, as when ranging over s.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b < 0x20:
			if b < '\t' || b > '\r' {
				return true
			}
		case b == 0x7f:
			return true
		case b == 0xc2:
			if i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f && s[i+1] != 0x85 {
				return true
			}
		}
	}
	return false
}

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
		if !slices.ContainsFunc(vals, hasControl) {
			return
		}
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
	if !hasControl(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}
