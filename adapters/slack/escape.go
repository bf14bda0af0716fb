package slack

import (
	"strings"
	"unicode/utf8"
)

// How much of Slack's markup a text from outside is kept from. Slack has
// no escape for the formatting characters: a zero-width space on each side
// of one (zw) keeps it from opening or closing bold (*), italics (_),
// strikethrough (~) or code (`), while it still shows, and copies, as
// itself.
type escMode int

const (
	// escEntities escapes only &, < and >: for plain_text, URLs and
	// code spans, where nothing else has a meaning.
	escEntities escMode = iota
	// escProse is for the core's own sentences (notices, errors, intros,
	// footers) with the user's words in them: *, _ and ~ never format,
	// and a pair of backticks stays the code span the core wrote
	// ("try `/papers help`").
	escProse
	// escData is for paper data (titles, abstracts, authors, link
	// labels): no formatting character formats, backticks included.
	escData
)

const zw = "\u200b"

// escape makes paper data safe in mrkdwn (escData). Everything from outside
// goes through escape or escapeProse: a title "<!channel>" prints literally
// and pings no one, and a title "*_Attention_* is ~all~ you `need`"
// prints as written.
func escape(s string) string { return escapeMode(s, escData) }

// escapeProse makes a sentence of the core's safe in mrkdwn (escProse).
func escapeProse(s string) string { return escapeMode(s, escProse) }

func escapeMode(s string, mode escMode) string {
	if !strings.ContainsAny(s, "&<>*_~`") {
		return s
	}
	if mode == escProse && strings.Contains(s, "`") && strings.Count(s, "`")%2 == 0 {
		// Paired backticks are the core's code spans: kept, with only
		// the entities escaped inside.
		var b strings.Builder
		for i, part := range strings.Split(s, "`") {
			if i > 0 {
				b.WriteByte('`')
			}
			if i%2 == 1 {
				b.WriteString(escapeMode(part, escEntities))
			} else {
				b.WriteString(escapeMode(part, escData))
			}
		}
		return b.String()
	}
	if mode == escProse {
		mode = escData // an unpaired backtick is not code
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		b.WriteString(escapeRune(r, mode))
	}
	return b.String()
}

func escapeRune(r rune, mode escMode) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '*', '_', '~', '`':
		if mode != escEntities {
			return zw + string(r) + zw
		}
	}
	return string(r)
}

// escapeTrunc escapes paper data and cuts it so the escaped text has at
// most n characters (ending in "…" when cut), never inside an entity or
// an escaped formatting character.
func escapeTrunc(s string, n int) string { return escapeTruncMode(s, n, escData) }

func escapeTruncMode(s string, n int, mode escMode) string {
	e := escapeMode(s, mode)
	if runes(e) <= n {
		return e
	}
	return strings.TrimRight(cutEscaped(e, n-1), " ") + "…"
}

// truncRunesEsc cuts already escaped text to n characters without
// splitting an entity or an escaped formatting character.
func truncRunesEsc(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	return cutEscaped(s, n-1) + "…"
}

// cutEscaped returns at most the first n characters of escaped text,
// fewer when the cut would split an entity ("&amp;") or a formatting
// character from its zero-width spaces.
func cutEscaped(s string, n int) string {
	used := 0
	for i := 0; i < len(s); {
		size := escapedUnit(s[i:])
		c := runes(s[i : i+size])
		if used+c > n {
			return s[:i]
		}
		used += c
		i += size
	}
	return s
}

// escapedUnit is the length in bytes of the unit escaped text starts
// with: an entity, a formatting character between zero-width spaces, or
// one character.
func escapedUnit(s string) int {
	if rest, ok := strings.CutPrefix(s, zw); ok && len(rest) > len(zw) && strings.IndexByte("*_~`", rest[0]) >= 0 && strings.HasPrefix(rest[1:], zw) {
		return 2*len(zw) + 1
	}
	if s[0] == '&' {
		if j := strings.IndexByte(s, ';'); j > 0 && j <= 4 {
			return j + 1
		}
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}

// truncRunes cuts raw text to n characters.
func truncRunes(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// link formats <url|label>: the URL is escaped and may not contain "|";
// the label is escaped.
func link(u, label string) string {
	u = strings.ReplaceAll(escapeMode(u, escEntities), "|", "%7C")
	return "<" + u + "|" + escape(label) + ">"
}

// safeURL accepts http and https URLs without spaces or control characters.
func safeURL(u string) bool {
	if !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) || len(u) > 2000 {
		return false
	}
	return !strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// splitText cuts text into pieces of at most n characters, at line or word
// boundaries where possible, never inside an entity.
func splitText(s string, n int) []string {
	r := []rune(s)
	var out []string
	for len(r) > n {
		cut := n
		for i := n; i > n/2; i-- {
			if r[i] == '\n' || r[i] == ' ' {
				cut = i
				break
			}
		}
		// Do not cut a formatting character from its zero-width spaces.
		if z := []rune(zw)[0]; cut >= 2 && cut+1 <= len(r) {
			switch {
			case r[cut-1] == z && cut+1 < len(r) && strings.ContainsRune("*_~`", r[cut]) && r[cut+1] == z:
				cut--
			case strings.ContainsRune("*_~`", r[cut-1]) && r[cut-2] == z && cut < len(r) && r[cut] == z:
				cut -= 2
			}
		}
		// Do not cut "&amp;" in two.
		for i := cut - 1; i >= 0 && i >= cut-5; i-- {
			if r[i] == ';' {
				break
			}
			if r[i] == '&' {
				if i > 0 {
					cut = i
				}
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " \n"))
		r = r[cut:]
		for len(r) > 0 && (r[0] == ' ' || r[0] == '\n') {
			r = r[1:]
		}
	}
	if len(r) > 0 || len(out) == 0 {
		out = append(out, string(r))
	}
	return out
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func joinNonEmpty(sep string, ss ...string) string {
	var keep []string
	for _, s := range ss {
		if s != "" {
			keep = append(keep, s)
		}
	}
	return strings.Join(keep, sep)
}

// validID reports whether s looks like a Slack user id (safe inside <@…>).
func validID(s string) bool {
	if len(s) < 2 || len(s) > 21 || !strings.ContainsRune("UWB", rune(s[0])) {
		return false
	}
	for _, r := range s[1:] {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
