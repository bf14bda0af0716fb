package sources

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"unicode/utf8"
)

// atomRepairs says where invalid UTF-8 was replaced in an Atom document:
// encoding/xml refuses a whole feed for one bad byte, which would lose
// every good entry of it (and of every read of it that day).
type atomRepairs struct {
	entries map[int]int // entry index → line of its first replacement
	outside int         // line of the first replacement outside any entry (0: none)
}

// repairAtom returns body with each run of invalid UTF-8 replaced with
// U+FFFD, and where that was done.
func repairAtom(body []byte) ([]byte, atomRepairs) {
	var rep atomRepairs
	if utf8.Valid(body) {
		return body, rep
	}
	fixed := make([]byte, 0, len(body)+16)
	var at, lines []int // where each replacement is in fixed, and its line
	line := 1
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRune(body[i:])
		if r != utf8.RuneError || size > 1 {
			if r == '\n' {
				line++
			}
			fixed = append(fixed, body[i:i+size]...)
			i += size
			continue
		}
		at, lines = append(at, len(fixed)), append(lines, line)
		fixed = utf8.AppendRune(fixed, utf8.RuneError)
		for i < len(body) {
			if r, size := utf8.DecodeRune(body[i:]); r != utf8.RuneError || size > 1 {
				break
			}
			i++
		}
	}
	spans := entrySpans(fixed)
	rep.entries = map[int]int{}
	for k, off := range at {
		i := 0
		for i < len(spans) && spans[i][1] <= off {
			i++
		}
		switch {
		case i < len(spans) && spans[i][0] <= off:
			if _, ok := rep.entries[i]; !ok {
				rep.entries[i] = lines[k]
			}
		case rep.outside == 0:
			rep.outside = lines[k]
		}
	}
	return fixed, rep
}

// entrySpans returns where each Atom entry of body starts and ends (byte
// offsets), in order.
func entrySpans(body []byte) [][2]int {
	var spans [][2]int
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		start := int(d.InputOffset())
		tok, err := d.Token()
		if err != nil {
			return spans
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == atomNS && se.Name.Local == "entry" {
			if d.Skip() != nil {
				return spans
			}
			spans = append(spans, [2]int{start, int(d.InputOffset())})
		}
	}
}

// atomNS is the Atom namespace.
const atomNS = "http://www.w3.org/2005/Atom"

// warnings says which kept entries (by index) had invalid UTF-8 replaced,
// and whether the feed had some outside its entries.
func (rep atomRepairs) warnings(f *atomFeed, kept []int) []error {
	var out []error
	if rep.outside > 0 {
		out = append(out, fmt.Errorf("invalid UTF-8 on line %d, outside the entries, replaced with U+FFFD", rep.outside))
	}
	for _, i := range kept {
		if line, ok := rep.entries[i]; ok {
			out = append(out, f.Entries[i].entryError(i, fmt.Errorf("invalid UTF-8 on line %d replaced with U+FFFD (the entry is kept)", line)))
		}
	}
	return out
}
