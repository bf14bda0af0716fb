package sources

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Readable makes the text of arXiv metadata readable without losing
// anything. It first repairs two damages found in real records: UTF-8
// that was decoded as Latin-1 ("elementsâ\u0080\u0099" → "elements’") and a
// DEL character where a \" accent was lost ("Teichm\x7fuller" →
// "Teichmüller"); other control characters are dropped. Then the LaTeX:
// text accents become the letters they stand for (Schr\"odinger → Schrödinger, {\'E}cole → École,
// \v{S}ablica → Šablica, Ku\' s → Kuś, Mart\'{ı}nez → Martínez), font commands keep their text (\emph{word} →
// word), and \& \% \# \_ lose their backslash. Mathematics ($...$, \(...\)) is kept exactly as written, since
// $\alpha$-stable is as readable as any rendering a chat client could do.
// Invalid UTF-8 (which the parsers reject before calling it) becomes one
// U+FFFD per run of invalid bytes, as strings.ToValidUTF8 does, so the text
// grows by at most two bytes per byte.
func Readable(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, string(utf8.RuneError))
	}
	s = repair(s)
	if !strings.ContainsAny(s, `\{`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		i := mathStart(s)
		if i < 0 {
			b.WriteString(textAccents(s))
			break
		}
		b.WriteString(textAccents(s[:i]))
		s = s[i:]
		end := mathEnd(s)
		b.WriteString(s[:end])
		s = s[end:]
	}
	return b.String()
}

// mathStart is the index of the next $ or \( that is not escaped, or -1.
func mathStart(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && s[i+1] == '(' {
				return i
			}
			i++ // skip the escaped character (\$ is a dollar sign)
		case '$':
			return i
		}
	}
	return -1
}

// mathEnd is the length of the math span at the start of s (to the end of
// s when it is not closed).
func mathEnd(s string) int {
	open, close := "$", "$"
	switch {
	case strings.HasPrefix(s, "$$"):
		open, close = "$$", "$$"
	case strings.HasPrefix(s, `\(`):
		open, close = `\(`, `\)`
	}
	for i := len(open); i < len(s); i++ {
		if s[i] == '\\' {
			if strings.HasPrefix(s[i:], close) {
				return i + len(close)
			}
			i++
			continue
		}
		if strings.HasPrefix(s[i:], close) {
			return i + len(close)
		}
	}
	return len(s)
}

// accents maps an accent command's character to the precomposed letters
// it makes, as pairs (base, accented).
var accents = map[byte]string{
	'\'': "aácćeégǵiíkḱlĺmḿnńoópṕrŕsśuúwẃyýzźAÁCĆEÉGǴIÍKḰLĹMḾNŃOÓPṔRŔSŚUÚWẂYÝZŹ",
	'`':  "aàeèiìnǹoòuùwẁyỳAÀEÈIÌNǸOÒUÙWẀYỲ",
	'^':  "aâcĉeêgĝhĥiîjĵoôsŝuûwŵyŷzẑAÂCĈEÊGĜHĤIÎJĴOÔSŜUÛWŴYŶZẐ",
	'"':  "aäeëhḧiïoötẗuüwẅxẍyÿAÄEËHḦIÏOÖUÜWẄXẌYŸ",
	'~':  "aãeẽiĩnñoõuũvṽyỹAÃEẼIĨNÑOÕUŨVṼYỸ",
	'=':  "aāeēgḡiīoōuūyȳAĀEĒGḠIĪOŌUŪYȲ",
	'.':  "aȧbḃcċdḋeėfḟgġhḣmṁnṅoȯpṗrṙsṡtṫwẇxẋyẏzżAȦBḂCĊDḊEĖFḞGĠHḢIİMṀNṄOȮPṖRṘSṠTṪWẆXẊYẎZŻ",
	'c':  "cçdḑeȩgģhḩkķlļnņrŗsştţCÇDḐEȨGĢHḨKĶLĻNŅRŖSŞTŢ",
	'v':  "aǎcčdďeěgǧhȟiǐjǰkǩlľnňoǒrřsštťuǔzžAǍCČDĎEĚGǦHȞIǏKǨLĽNŇOǑRŘSŠTŤUǓZŽ",
	'H':  "oőuűOŐUŰ",
	'u':  "aăeĕgğiĭoŏuŭAĂEĔGĞIĬOŎUŬ",
	'k':  "aąeęiįoǫuųAĄEĘIĮOǪUŲ",
	'r':  "aåuůwẘyẙAÅUŮ",
}

// letters are the letter commands of LaTeX text mode.
var letters = map[string]string{
	"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ",
	"oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}

// accented returns base with accent, or "" when there is no such letter.
func accented(accent byte, base rune) string {
	pairs, ok := accents[accent]
	if !ok {
		return ""
	}
	for len(pairs) > 0 {
		b, n := utf8.DecodeRuneInString(pairs)
		a, m := utf8.DecodeRuneInString(pairs[n:])
		if b == base {
			return string(a)
		}
		pairs = pairs[n+m:]
	}
	return ""
}

// textAccents converts the accent and letter commands of a text-mode span.
func textAccents(s string) string {
	if !strings.ContainsAny(s, `\{`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		// {\'e} and {\ss}: a group holding one converted letter.
		if s[i] == '{' {
			if out, n := command(s[i+1:], lowerBefore(s[:i])); n > 0 && i+1+n < len(s) && s[i+1+n] == '}' {
				b.WriteString(out)
				i += n + 2
				continue
			}
		}
		if s[i] == '\\' {
			if inner, n := styled(s[i:]); n > 0 {
				b.WriteString(textAccents(inner))
				i += n
				continue
			}
			if out, n := command(s[i:], lowerBefore(s[:i])); n > 0 {
				b.WriteString(out)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// styles are the font commands whose argument is kept as plain text.
var styles = []string{`\emph{`, `\textit{`, `\textbf{`, `\texttt{`, `\textsc{`, `\textrm{`, `\textsf{`, `\textsl{`, `\underline{`}

// styled reads a font command at the start of s (\emph{word}) and returns
// its argument and the bytes used; n is 0 when there is none or its braces
// do not close.
func styled(s string) (string, int) {
	for _, st := range styles {
		if !strings.HasPrefix(s, st) {
			continue
		}
		depth := 1
		for i := len(st); i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '{':
				depth++
			case '}':
				depth--
				if depth == 0 {
					return s[len(st):i], i + 1
				}
			}
		}
		return "", 0
	}
	return "", 0
}

// lowerBefore reports whether s ends with a lower-case letter.
func lowerBefore(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLower(r)
}

// command converts the accent, letter or escape command at the start of s
// (which starts with a backslash) and returns the text and the bytes used;
// n is 0 when s does not start with a command it knows. lower says the
// text before s ends with a lower-case letter (see baseLetter).
func command(s string, lower bool) (string, int) {
	if len(s) < 2 || s[0] != '\\' {
		return "", 0
	}
	c := s[1]
	switch c {
	case '&', '%', '#', '_':
		return string(c), 2
	}
	if _, ok := accents[c]; ok {
		// \'e, \' e, \'{e}, \' { e }, \'{\i}, \'{ı}; letter accents need
		// a space or a group (\c c, \c{c}): \cite is another command.
		// Like TeX, spaces (a line break too) may come before the letter
		// or the group.
		pos := 2
		spaces := func() {
			for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r') {
				pos++
			}
		}
		if isASCIILetter(c) && (pos >= len(s) || s[pos] != ' ' && s[pos] != '{') {
			return "", 0
		}
		spaces()
		braced := pos < len(s) && s[pos] == '{'
		if braced {
			pos++
			spaces()
		}
		base, n := baseLetter(s[pos:], lower)
		if n == 0 {
			return "", 0
		}
		word := s[pos] == '\\' // \i, \j, \I
		pos += n
		// A control word ends at the space or empty group after it
		// (Garc\'\i a, Garc\'\i{}a).
		switch {
		case !word || braced:
		case strings.HasPrefix(s[pos:], "{}"):
			pos += 2
		case pos+1 < len(s) && s[pos] == ' ' && isLetterStart(s[pos+1:]):
			pos++
		}
		if braced {
			spaces()
			if pos >= len(s) || s[pos] != '}' {
				return "", 0
			}
			pos++
		}
		if out := accented(c, base); out != "" {
			return out, pos
		}
		return "", 0
	}
	// Letter commands end at a non-letter; "\ss{}" and "\o " swallow the
	// empty group or one space that ends them.
	j := 1
	for j < len(s) && isASCIILetter(s[j]) {
		j++
	}
	out, ok := letters[s[1:j]]
	if !ok {
		return "", 0
	}
	switch {
	case strings.HasPrefix(s[j:], "{}"):
		j += 2
	case strings.HasPrefix(s[j:], " ") && j+1 < len(s) && isLetterStart(s[j+1:]):
		j++
	}
	return out, j
}

// baseLetter reads the letter an accent applies to: an ASCII letter, or a
// dotless i or j (which LaTeX accents i and j with), as the command \i or
// \j or as the letter itself (ı, ȷ: arXiv's records have Mart\'{ı}nez).
// LaTeX has no \I; the records have it where \i was capitalised by
// mistake (Mar\'{\I}a): it is read as i, or as I when the letter before
// it (lower) is not a lower-case one (GARC\'{\I}A, \'{\I}\~nigo).
func baseLetter(s string, lower bool) (rune, int) {
	cmd := func(name string) bool {
		return strings.HasPrefix(s, name) && (len(s) == len(name) || !isASCIILetter(s[len(name)]))
	}
	switch {
	case cmd(`\i`):
		return 'i', 2
	case cmd(`\j`):
		return 'j', 2
	case cmd(`\I`):
		if lower {
			return 'i', 2
		}
		return 'I', 2
	case strings.HasPrefix(s, "ı"):
		return 'i', len("ı")
	case strings.HasPrefix(s, "ȷ"):
		return 'j', len("ȷ")
	case len(s) > 0 && isASCIILetter(s[0]):
		return rune(s[0]), 1
	}
	return 0, 0
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isLetterStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// repair undoes mojibake and removes control characters (see Readable).
func repair(s string) string {
	if !hasBadControl(s) {
		return s
	}
	// C1 controls (U+0080-U+009F) never occur in real text; next to other
	// Latin-1 letters they are UTF-8 bytes read as Latin-1.
	if strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 && r <= 0x9f }) {
		s = fixMojibake(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == 0x7f:
			// A lost \" before a letter: Teichm<DEL>uller.
			if i < len(s) {
				if out := accented('"', rune(s[i])); out != "" && s[i] < utf8.RuneSelf {
					b.WriteString(out)
					i++
				}
			}
		case isBadControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isBadControl reports control characters other than white space.
func isBadControl(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
}

// hasBadControl reports whether s holds a character isBadControl
// reports, with a byte scan as hasControl's (here vertical tab, form feed
// and U+0085 count).
func hasBadControl(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b < 0x20:
			if b != '\t' && b != '\n' && b != '\r' {
				return true
			}
		case b == 0x7f:
			return true
		case b == 0xc2:
			if i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
				return true
			}
		}
	}
	return false
}

// fixMojibake re-reads runs of Latin-1 characters (U+0080-U+00FF) as the
// UTF-8 bytes they were, where that gives valid UTF-8.
func fixMojibake(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var run []byte
	flush := func() {
		if len(run) == 0 {
			return
		}
		if utf8.Valid(run) {
			b.Write(run)
		} else {
			for _, c := range run {
				b.WriteRune(rune(c))
			}
		}
		run = run[:0]
	}
	for _, r := range s {
		if r >= 0x80 && r <= 0xff {
			run = append(run, byte(r))
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}
