package paper

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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
	s = cleanIDInput(s)
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

// cleanIDInput is s as ParseArxivID reads it.
func cleanIDInput(s string) string {
	// Full-width digits and letters (２２０５．１３７６０) as typed with an
	// East Asian input method are the ASCII ones.
	s = strings.TrimSpace(norm.NFKC.String(s))
	s = trimWrapping(s)
	if i := strings.IndexByte(s, '|'); i >= 0 {
		s = trimWrapping(s[:i]) // Slack's <url|label>
	}
	return s
}

// trimWrapping takes off what wraps an id or a link copied from a
// sentence: Slack's <...>, brackets, quotes, and punctuation after it
// ("(see https://arxiv.org/abs/2205.13760).").
func trimWrapping(s string) string {
	for {
		t := strings.TrimRight(s, `.,;!?)]}>"'”’»`)
		t = strings.TrimLeft(t, `([{<"'“‘«`)
		if t == s {
			return s
		}
		s = t
	}
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
	part, ok := urlIDPart(raw)
	if !ok {
		return "", false
	}
	return canonicalArxivID(part)
}

// urlIDPart returns the part of a link that names the paper (not yet
// checked to be an arXiv id), when the link is to a paper's page on
// arXiv, ar5iv, Hugging Face or alphaXiv, or an arXiv DOI at doi.org.
func urlIDPart(raw string) (string, bool) {
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
			return rest, true
		}
	case host == "huggingface.co" || host == "hf.co":
		if kind == "papers" {
			return parts[1], true
		}
	case host == "alphaxiv.org":
		switch kind {
		case "abs", "overview", "pdf":
			return rest, true
		}
	case host == "doi.org" || host == "dx.doi.org":
		// https://doi.org/10.48550/arXiv.2509.04664
		return doiIDPart(path)
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
	part, isDOI := doiIDPart(s)
	if !isDOI {
		return "", false, false
	}
	id, ok = canonicalArxivID(part)
	return id, ok, true
}

// doiIDPart returns what follows "10.48550/arXiv." in an arXiv DOI (not
// yet checked to be an arXiv id); isDOI is false when s is no arXiv DOI.
func doiIDPart(s string) (part string, isDOI bool) {
	if len(s) > 4 && strings.EqualFold(s[:4], "doi:") {
		s = strings.TrimSpace(s[4:])
	}
	const prefix = "10.48550/arxiv."
	if len(s) <= len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

// ErrNotArxivID is what CheckArxivID's error wraps for input that is not
// meant as an arXiv id at all: words, a title id (t-0123456789), another
// site's link, a link to an arXiv page that is no paper's.
var ErrNotArxivID = errors.New("not an arXiv id (like 2205.13760 or hep-th/9901001) or a link to a paper on arXiv, Hugging Face or alphaXiv")

// IDError is CheckArxivID's error for input written as an arXiv id, or as
// a link to a paper or an arXiv DOI, whose id is not a valid one
// ("2205.137600", "arXiv:2213.01234", "https://arxiv.org/abs/2205.1376").
type IDError struct {
	Input  string // as read (trimmed, without Slack's <...|label>)
	ID     string // the id in it that is wrong ("2205.137600")
	Reason string // what is wrong with it, a clause that starts lower-case
}

func (e *IDError) Error() string {
	return fmt.Sprintf("%s is not an arXiv id: %s", e.ID, e.Reason)
}

// CheckArxivID reads s as ParseArxivID does and, when that finds no arXiv
// paper, says why: an *IDError when s is written like an arXiv id (or a
// link to a paper, an arXiv DOI, "arXiv:...") that is not a valid one, or
// an error wrapping ErrNotArxivID when s is not meant as one. The error is
// nil exactly when ParseArxivID's ok is true, with the same id.
func CheckArxivID(s string) (string, error) {
	if id, ok := ParseArxivID(s); ok {
		return id, nil
	}
	in := cleanIDInput(s)
	notID := fmt.Errorf("%s: %w", in, ErrNotArxivID)
	if in == "" || len(in) > 300 {
		return "", notID
	}
	// What must name a paper: after "arXiv:", in a DOI, in a paper's link.
	part, meant := in, false
	switch {
	case len(in) >= 6 && strings.EqualFold(in[:6], "arxiv:"):
		part, meant = in[6:], true
	default:
		if p, isDOI := doiIDPart(in); isDOI {
			part, meant = p, true
		} else if looksLikeURL(in) {
			if part, meant = urlIDPart(in); !meant {
				return "", notID
			}
		}
	}
	reason, looks := idFault(part)
	switch {
	case looks:
	case !meant:
		return "", notID
	case part == "":
		return "", &IDError{Input: in, ID: in, Reason: "the id is missing (like 2205.13760 or hep-th/9901001)"}
	default:
		reason = "it is not written like one (2205.13760, 2205.13760v2 or hep-th/9901001)"
	}
	return "", &IDError{Input: in, ID: part, Reason: reason}
}

var (
	newLikeRe = regexp.MustCompile(`^(\d+)\.(\d+)(.*)$`)
	oldLikeRe = regexp.MustCompile(`^([A-Za-z]+(?:-[A-Za-z]+)?)(\.[A-Za-z-]*)?/(\d+)(.*)$`)
	versionRe = regexp.MustCompile(`^[vV]\d+$`)
)

// idFault says what is wrong with s, an arXiv id that canonicalArxivID
// refused; looks is false when s is not written like an arXiv id at all
// (digits, a dot and digits with at least 4 on one side; or an archive, a
// slash and digits).
func idFault(s string) (reason string, looks bool) {
	const forms = "arXiv ids are YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), with an optional version (v2)"
	if m := newLikeRe.FindStringSubmatch(s); m != nil && (len(m[1]) >= 4 || len(m[2]) >= 4) {
		yymm, num, rest := m[1], m[2], m[3]
		switch {
		case len(yymm) != 4:
			return fmt.Sprintf("it has %s before the dot, not 4 (the year and month: 2205 is May 2022); %s", digits(len(yymm)), forms), true
		case yymm[2:] < "01" || yymm[2:] > "12":
			return fmt.Sprintf("%s is no year and month (YYMM: 2205 is May 2022)", yymm), true
		case yymm < "0704":
			return "ids of this form begin in April 2007 (0704); older papers have ids like hep-th/9901001", true
		case len(num) != 4 && len(num) != 5:
			return fmt.Sprintf("it has %s after the dot; %s", digits(len(num)), forms), true
		case yymm >= "1501" && len(num) == 4:
			return "ids from January 2015 (1501) on have 5 digits after the dot, not 4", true
		case yymm < "1501" && len(num) == 5:
			return "ids before January 2015 (1501) have 4 digits after the dot, not 5", true
		case rest != "" && !versionRe.MatchString(rest):
			return fmt.Sprintf("only a version (v2) may follow the number, not %q", rest), true
		}
		return forms, true
	}
	if m := oldLikeRe.FindStringSubmatch(s); m != nil {
		archive, subject, num, rest := m[1], m[2], m[3], m[4]
		const old = "old-style ids are an archive, a slash and 7 digits, YYMMNNN (hep-th/9901001), with an optional version (v2)"
		switch {
		case archive != strings.ToLower(archive):
			return fmt.Sprintf("the archive is written in lower case (%s/...)", strings.ToLower(archive)), true
		case subject != "" && len(subject) != len(".GT"):
			return "a subject class after the archive has 2 letters (math.GT/0309136)", true
		case len(num) != 7:
			return fmt.Sprintf("it has %s after the slash; %s", digits(len(num)), old), true
		case num[2:4] < "01" || num[2:4] > "12":
			return fmt.Sprintf("%s is no year and month (YYMM: 9901 is January 1999)", num[:4]), true
		case rest != "" && !versionRe.MatchString(rest):
			return fmt.Sprintf("only a version (v2) may follow the number, not %q", rest), true
		}
		return old, true
	}
	return "", false
}

func digits(n int) string {
	if n == 1 {
		return "1 digit"
	}
	return fmt.Sprintf("%d digits", n)
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

// numberIDRe is a new-style arXiv id as a JSON number prints it: the
// leading zero of the year and the trailing zeros of the number dropped
// (0805.0510 as 805.051, 1909.05990 as 1909.0599).
var numberIDRe = regexp.MustCompile(`^(\d{3,4})\.(\d{1,5})$`)

// RestoreNumberID returns the arXiv id that a record's id was before it
// was stored as a number, as some metadata dumps did (1909.05990 became
// 1909.0599, 0805.0510 became 805.051): a new-style id has four digits
// after the point before 1501 and five from then on, and a number loses
// only zeros, at the start of the year and the end of the number, so the
// id is the one way of putting them back. ok is false for what is an id
// already, and for what no such loss explains.
func RestoreNumberID(s string) (id string, ok bool) {
	m := numberIDRe.FindStringSubmatch(s)
	if m == nil || IsArxivID(s) {
		return "", false
	}
	yymm, num := m[1], m[2]
	if len(yymm) == 3 {
		yymm = "0" + yymm
	}
	want := 4
	if yymm >= "1501" {
		want = 5
	}
	if len(num) > want {
		return "", false
	}
	id = yymm + "." + num + strings.Repeat("0", want-len(num))
	if !IsArxivID(id) {
		return "", false
	}
	return id, true
}

// NumberForm is the form a new-style arXiv id takes when a dump stores it
// as a number (1909.05990 as 1909.0599, 0805.0510 as 805.051), which an
// index written before RestoreNumberID may hold as the paper's id; "" when
// the number form is the id itself. It is never an arXiv id.
func NumberForm(id string) string {
	m := newIDRe.FindStringSubmatch(id)
	if m == nil || m[1]+m[2]+"."+m[3] != id {
		return "" // not a canonical new-style id (a version, say)
	}
	yymm := strings.TrimPrefix(m[1]+m[2], "0")
	num := strings.TrimRight(m[3], "0")
	if num == "" {
		num = "0"
	}
	if f := yymm + "." + num; f != id {
		return f
	}
	return ""
}

// SameWork reports whether a paper known by its title only (a TitleID, from
// a source without ids such as the trending-page format) and another with
// the same TitleID are one paper: their abstracts agree as far as both go
// (letters and digits only, case aside, the first 200; a source may cut an
// abstract short), or one of them has none. Two papers that share a title
// but not their abstracts are two papers.
func SameWork(a, b Paper) bool {
	if TitleID(a.Title) != TitleID(b.Title) {
		return false
	}
	x, y := textKey(a.Abstract, 200), textKey(b.Abstract, 200)
	n := min(len(x), len(y))
	return n == 0 || x[:n] == y[:n]
}

// textKey is s's first n letters and digits, lower-cased.
func textKey(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() >= n {
			break
		}
		if isAlnum(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
