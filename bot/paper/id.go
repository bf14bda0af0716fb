package paper

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// arXiv identifiers, see https://info.arxiv.org/help/arxiv_identifier.html
//
//	new style (April 2007 on): YYMM.NNNN (to 2014) or YYMM.NNNNN (2015 on), optional vN
//	old style (to March 2007): archive[.SUBJ]/YYMMNNN, optional vN
var (
	newIDRe = regexp.MustCompile(`^(\d{2})(0[1-9]|1[0-2])\.(\d{4,5})(?:[vV]\d+)?$`)
	oldIDRe = regexp.MustCompile(`^([a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2})?/(\d{2}(?:0[1-9]|1[0-2])\d{3})(?:[vV]\d+)?$`)
	// categoryRe is an arXiv category: an archive (hep-th) or an archive
	// and a subject class (cs.LG, math.AG).
	categoryRe = regexp.MustCompile(`^[a-z-]+(\.[A-Za-z-]+)?$`)
)

// ParseArxivID returns the canonical (version-free) arXiv id in s, which may be
// a bare id ("2509.04664v2", "2509.04664V2", "arXiv:hep-th/9901001"), an arXiv abs/pdf/html,
// ar5iv, Hugging Face papers or alphaXiv URL, or an arXiv DOI (bare, with
// "doi:" or as a doi.org URL). ok is false when s is not recognisably an
// arXiv paper.
func ParseArxivID(s string) (id string, ok bool) {
	// Full-width digits and letters (２２０５．１３７６０) as typed with an
	// East Asian input method are the ASCII ones.
	s = strings.TrimSpace(norm.NFKC.String(s))
	s = strings.Trim(s, "<>") // Slack wraps links in <...>
	if i := strings.IndexByte(s, '|'); i >= 0 {
		s = s[:i] // Slack's <url|label>
	}
	if s == "" || len(s) > 300 {
		return "", false
	}
	if id, ok, isDOI := idFromDOI(s); isDOI {
		return id, ok
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
		// New-style ids began in April 2007 (0704).
		yymm := m[1] + m[2]
		if yymm < "0704" || (yymm >= "1501") != (len(num) == 5) {
			return "", false
		}
		return yymm + "." + num, true
	}
	if m := oldIDRe.FindStringSubmatch(s); m != nil {
		return m[1] + "/" + m[2], true
	}
	return "", false
}

// LooksLikeURL reports whether s is written like a link (a scheme, or a
// host with a path), whether or not it names a paper.
func LooksLikeURL(s string) bool { return looksLikeURL(s) }

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
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	// Host names are case-insensitive, and may end in the root's dot
	// (ARXIV.ORG, Arxiv.org, arxiv.org.); so, as typed, is the page's
	// kind (ABS, .PDF): the id is what names the paper.
	host := strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), "www.")
	path := strings.Trim(u.Path, "/")
	parts := strings.Split(path, "/")
	if len(parts) < 2 {
		return "", false
	}
	kind := strings.ToLower(parts[0])
	rest := trimPDF(strings.Join(parts[1:], "/"))
	switch {
	case host == "arxiv.org" || host == "export.arxiv.org" || host == "ar5iv.org" ||
		host == "ar5iv.labs.arxiv.org" || host == "browse.arxiv.org":
		switch kind {
		case "abs", "pdf", "html", "format":
			return canonicalArxivID(rest)
		}
	case host == "huggingface.co" || host == "hf.co":
		if kind == "papers" {
			return canonicalArxivID(parts[1])
		}
	case host == "alphaxiv.org":
		switch kind {
		case "abs", "overview", "pdf":
			return canonicalArxivID(rest)
		}
	case host == "doi.org" || host == "dx.doi.org":
		// https://doi.org/10.48550/arXiv.2509.04664
		if id, ok, isDOI := idFromDOI(path); isDOI {
			return id, ok
		}
	}
	return "", false
}

// trimPDF removes a ".pdf" ending, in any case.
func trimPDF(s string) string {
	if len(s) > 4 && strings.EqualFold(s[len(s)-4:], ".pdf") {
		return s[:len(s)-4]
	}
	return s
}

// idFromDOI reads arXiv's DOIs, "10.48550/arXiv.2509.04664" or
// "10.48550/arXiv.hep-th/9901001", with an optional "doi:" prefix. isDOI is
// false when s is not an arXiv DOI at all.
func idFromDOI(s string) (id string, ok, isDOI bool) {
	if len(s) > 4 && strings.EqualFold(s[:4], "doi:") {
		s = strings.TrimSpace(s[4:])
	}
	const prefix = "10.48550/arxiv."
	if len(s) <= len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false, false
	}
	id, ok = canonicalArxivID(s[len(prefix):])
	return id, ok, true
}

// IsArxivID reports whether id is a canonical arXiv id.
func IsArxivID(id string) bool {
	c, ok := canonicalArxivID(id)
	return ok && c == id
}

// IsCategory reports whether s is written like an arXiv category (cs.LG,
// hep-th, math.AG). ACM and MSC classes (I.2.6, 68T05), which the arXiv
// API lists among a paper's categories, are not.
func IsCategory(s string) bool { return categoryRe.MatchString(s) }

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

// IsTitleID reports whether s is an id made by TitleID ("t-" and ten
// lower-case hex digits).
func IsTitleID(s string) bool {
	if len(s) != 12 || !strings.HasPrefix(s, "t-") {
		return false
	}
	for _, c := range s[2:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isAlnum reports whether r belongs to a word of a title: letters, digits
// and combining marks of any script. Punctuation and symbols of any script
// (typographic quotes, dashes, ellipses) separate words, like ASCII ones.
func isAlnum(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// CanonicalID normalises a record id: arXiv ids and URLs lose their version
// and prefix; other ids are kept as given (trimmed).
func CanonicalID(s string) string {
	if id, ok := ParseArxivID(s); ok {
		return id
	}
	return strings.TrimSpace(s)
}
