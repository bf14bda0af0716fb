package paper

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
)

// arXiv identifiers, see https://info.arxiv.org/help/arxiv_identifier.html
//
//	new style (April 2007 on): YYMM.NNNN (to 2014) or YYMM.NNNNN (2015 on), optional vN
//	old style (to March 2007): archive[.SUBJ]/YYMMNNN, optional vN
var (
	newIDRe = regexp.MustCompile(`^(\d{2})(0[1-9]|1[0-2])\.(\d{4,5})(?:v\d+)?$`)
	oldIDRe = regexp.MustCompile(`^([a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2})?/(\d{2}(?:0[1-9]|1[0-2])\d{3})(?:v\d+)?$`)
)

// ParseArxivID returns the canonical (version-free) arXiv id in s, which may be
// a bare id ("2509.04664v2", "arXiv:hep-th/9901001"), or an arXiv abs/pdf/html,
// ar5iv, Hugging Face papers, alphaXiv or arXiv DOI URL. ok is false when s is
// not recognisably an arXiv paper.
func ParseArxivID(s string) (id string, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "<>") // Slack wraps links in <...>
	if i := strings.IndexByte(s, '|'); i >= 0 {
		s = s[:i] // Slack's <url|label>
	}
	if s == "" || len(s) > 300 {
		return "", false
	}
	if looksLikeURL(s) {
		return idFromURL(s)
	}
	return canonicalArxivID(s)
}

func canonicalArxivID(s string) (string, bool) {
	if len(s) > 6 && strings.EqualFold(s[:6], "arxiv:") {
		s = s[6:]
	}
	if m := newIDRe.FindStringSubmatch(s); m != nil {
		num := m[3]
		// YYMM.NNNNN only exists from 1501 on; 4-digit numbers before that.
		yymm := m[1] + m[2]
		if (yymm >= "1501") != (len(num) == 5) {
			return "", false
		}
		return yymm + "." + num, true
	}
	if m := oldIDRe.FindStringSubmatch(s); m != nil {
		return m[1] + "/" + m[2], true
	}
	return "", false
}

func looksLikeURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") ||
		strings.Contains(l, ".org/") || strings.Contains(l, ".co/")
}

func idFromURL(raw string) (string, bool) {
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	path := strings.Trim(u.Path, "/")
	parts := strings.Split(path, "/")
	if len(parts) < 2 {
		return "", false
	}
	rest := strings.Join(parts[1:], "/")
	switch {
	case host == "arxiv.org" || host == "export.arxiv.org" || host == "ar5iv.org" ||
		host == "ar5iv.labs.arxiv.org" || host == "browse.arxiv.org":
		switch parts[0] {
		case "abs", "pdf", "html", "format":
			rest = strings.TrimSuffix(rest, ".pdf")
			return canonicalArxivID(rest)
		}
	case host == "huggingface.co" || host == "hf.co":
		if parts[0] == "papers" {
			return canonicalArxivID(parts[1])
		}
	case host == "alphaxiv.org":
		switch parts[0] {
		case "abs", "overview", "pdf":
			return canonicalArxivID(strings.TrimSuffix(rest, ".pdf"))
		}
	case host == "doi.org" || host == "dx.doi.org":
		// 10.48550/arXiv.2509.04664
		if parts[0] == "10.48550" {
			r := parts[1]
			if len(r) > 6 && strings.EqualFold(r[:6], "arxiv.") {
				return canonicalArxivID(r[6:])
			}
		}
	}
	return "", false
}

// IsArxivID reports whether id is a canonical arXiv id.
func IsArxivID(id string) bool {
	c, ok := canonicalArxivID(id)
	return ok && c == id
}

// IsNewStyle reports whether a canonical arXiv id is of the YYMM.NNNNN form,
// the only form Hugging Face paper pages use.
func IsNewStyle(id string) bool { return newIDRe.MatchString(id) }

// TitleID derives a deterministic id for a record that has none, from its
// title: the same title (ignoring case, punctuation and spacing) always gives
// the same id, so re-ingesting the record updates it.
func TitleID(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !isAlnum(r)
	}) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return "t-" + hex.EncodeToString(sum[:5])
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x80 && r != 0xa0
}

// CanonicalID normalises a record id: arXiv ids and URLs lose their version
// and prefix; other ids are kept as given (trimmed).
func CanonicalID(s string) string {
	if id, ok := ParseArxivID(s); ok {
		return id
	}
	return strings.TrimSpace(s)
}
