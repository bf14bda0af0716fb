// Package paper holds the paper record shared by every part of paperbot: the
// canonical JSON Lines format, identifier normalisation, validation, merging
// and the search result types the index returns to the bot core.
//
// It imports only the standard library so that both the core (bot) and the
// index can depend on it.
package paper

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Paper is one research paper in the canonical record format. Only Title is
// required. The JSON names are the documented JSON Lines format; unknown
// fields in input are ignored.
type Paper struct {
	ID string `json:"id,omitempty"`
	// Aliases are the other ids the paper has been known by: the index
	// merged a copy of it under each into this record (the title id of a
	// copy from a source without ids, see SameWork; an id a dump stored as
	// a number, see NumberForm). What was recorded under one of them (a
	// digest's post, a discussion thread) is this paper's. IDs lists them
	// after ID.
	Aliases    []string `json:"aliases,omitempty"`
	Title      string   `json:"title"`
	Abstract   string   `json:"abstract,omitempty"`
	Authors    []string `json:"authors,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// Published and Updated are dates, YYYY-MM-DD.
	Published string `json:"published,omitempty"`
	Updated   string `json:"updated,omitempty"`
	URL       string `json:"url,omitempty"`
	PDFURL    string `json:"pdf_url,omitempty"`
	CodeURL   string `json:"code_url,omitempty"`
	// ProjectURL is a project page (Hugging Face "projectPage").
	ProjectURL string `json:"project_url,omitempty"`
	// Source names where the record came from (arxiv, huggingface, trending, ...).
	// Merged records list every source, comma-separated.
	Source   string `json:"source,omitempty"`
	Upvotes  int    `json:"upvotes,omitempty"`
	Stars    int    `json:"stars,omitempty"`
	Comments int    `json:"comments,omitempty"`
	// Replies is the team's own engagement: replies in the paper's
	// discussion threads in the team's channels (from the bot's store, set
	// by the refresh). It feeds the trending score.
	Replies int `json:"replies,omitempty"`
	// People is the team's other engagement: how many people reacted to
	// the paper's digest posts (or inside their threads) or saved it, in
	// every team together (from the bot's store, set by the refresh). It
	// feeds the trending score. It can go down (a reaction taken back).
	People int `json:"people,omitempty"`
	// PeopleSet marks a record whose People is current (the refresh
	// counted it): Merge then takes it even when it went down. Other
	// records (a source's) leave the stored count alone. Not stored.
	PeopleSet bool `json:"-"`
	// Rank is the position on a trending listing (1 = top) when the record
	// came from one; 0 when unknown.
	Rank int `json:"rank,omitempty"`
	// AISummary and Keywords come from Hugging Face when present.
	AISummary string   `json:"ai_summary,omitempty"`
	Keywords  []string `json:"ai_keywords,omitempty"`
	// Trending is the trending score (see the README); computed, not read.
	Trending float64 `json:"trending,omitempty"`
}

// DateLayout is the layout of Published and Updated.
const DateLayout = "2006-01-02"

// FieldError says which field of a record is wrong and why.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// FieldErrors say what is wrong with each of several fields of a record.
// errors.As finds the first as a *FieldError.
type FieldErrors []*FieldError

func (e FieldErrors) Error() string {
	var b strings.Builder
	for i, fe := range e {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

func (e FieldErrors) Unwrap() []error {
	errs := make([]error, len(e))
	for i, fe := range e {
		errs[i] = fe
	}
	return errs
}

// Maximum sizes accepted for a record's text, generous for real papers and
// small enough that one hostile line cannot bloat the index.
const (
	MaxTitle    = 1000
	MaxAbstract = 20000 // also ai_summary
	MaxAuthors  = 2000
	// MaxListItems bounds categories and ai_keywords.
	MaxListItems = 500
	// MaxItem bounds one author, category or keyword, and source.
	MaxItem = 1000
	// MaxURL bounds url, pdf_url, code_url and project_url.
	MaxURL = 2048
)

// Normalize cleans a record in place: folds whitespace (abstracts are often
// hard-wrapped), canonicalises the id (or derives one from the title), trims
// and de-duplicates list fields and fills the arXiv links. It then validates
// the record: a bad field gives a *FieldError naming it, several give
// FieldErrors (each field once, in the order above).
func (p *Paper) Normalize() error {
	var errs FieldErrors
	bad := func(field, msg string) {
		if !slices.ContainsFunc(errs, func(e *FieldError) bool { return e.Field == field }) {
			errs = append(errs, &FieldError{field, msg})
		}
	}
	for _, f := range []struct {
		name string
		s    *string
	}{{"title", &p.Title}, {"abstract", &p.Abstract}, {"ai_summary", &p.AISummary}} {
		if err := checkText(*f.s); err != nil {
			bad(f.name, err.Error())
		}
		*f.s = FoldSpace(composed(*f.s))
	}
	if p.Title == "" {
		bad("title", "missing or empty (title is required)")
	}
	if len(p.Title) > MaxTitle {
		bad("title", fmt.Sprintf("too long (%d bytes, at most %d)", len(p.Title), MaxTitle))
	}
	if len(p.Abstract) > MaxAbstract {
		bad("abstract", fmt.Sprintf("too long (%d bytes, at most %d)", len(p.Abstract), MaxAbstract))
	}
	if err := checkText(p.ID); err != nil {
		bad("id", err.Error())
	}
	if strings.TrimSpace(p.ID) == "" {
		p.ID = TitleID(p.Title)
	} else {
		p.ID = CanonicalID(p.ID)
		if strings.ContainsFunc(p.ID, unicode.IsSpace) || len(p.ID) > 200 {
			bad("id", fmt.Sprintf("%q is not an id (no spaces, at most 200 bytes)", truncate(p.ID, 40)))
		}
	}
	if err := p.cleanAliases(); err != nil {
		bad(err.Field, err.Msg)
	}
	if len(p.AISummary) > MaxAbstract {
		bad("ai_summary", fmt.Sprintf("too long (%d bytes, at most %d)", len(p.AISummary), MaxAbstract))
	}
	for _, f := range []struct {
		name string
		list *[]string
		max  int
	}{{"authors", &p.Authors, MaxAuthors}, {"categories", &p.Categories, MaxListItems}, {"ai_keywords", &p.Keywords, MaxListItems}} {
		l, err := cleanList(f.name, *f.list)
		if err != nil {
			bad(err.Field, err.Msg)
			continue
		}
		if len(l) > f.max {
			bad(f.name, fmt.Sprintf("too many (%d, at most %d)", len(l), f.max))
		}
		*f.list = l
	}
	for _, f := range []struct {
		name string
		s    *string
	}{{"published", &p.Published}, {"updated", &p.Updated}} {
		d, err := ParseDate(*f.s)
		if err != nil {
			bad(f.name, err.Error())
		}
		*f.s = d
	}
	for _, f := range []struct {
		name string
		s    *string
	}{{"url", &p.URL}, {"pdf_url", &p.PDFURL}, {"code_url", &p.CodeURL}, {"project_url", &p.ProjectURL}} {
		*f.s = strings.TrimSpace(*f.s)
		if err := checkURL(*f.s); err != nil {
			bad(f.name, err.Error())
		}
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"upvotes", p.Upvotes}, {"stars", p.Stars}, {"comments", p.Comments}, {"replies", p.Replies}, {"people", p.People}, {"rank", p.Rank}} {
		if f.n < 0 {
			bad(f.name, fmt.Sprintf("must not be negative (got %d)", f.n))
		}
	}
	if IsArxivID(p.ID) {
		if p.URL == "" {
			p.URL = AbsURL(p.ID)
		}
		if p.PDFURL == "" {
			p.PDFURL = "https://arxiv.org/pdf/" + p.ID
		}
	}
	if err := checkText(p.Source); err != nil {
		bad("source", err.Error())
	}
	p.Source = strings.TrimSpace(p.Source)
	if len(p.Source) > MaxItem {
		bad("source", fmt.Sprintf("too long (%d bytes, at most %d)", len(p.Source), MaxItem))
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errs
}

// checkURL accepts "" and absolute http(s) URLs of one line.
func checkURL(s string) error {
	if s == "" {
		return nil
	}
	if err := checkText(s); err != nil {
		return err
	}
	if len(s) > MaxURL {
		return fmt.Errorf("too long (%d bytes, at most %d)", len(s), MaxURL)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.ContainsFunc(s, unicode.IsSpace) {
		return fmt.Errorf("%q is not an http(s) URL", truncate(s, 60))
	}
	return nil
}

// RFC 1123 with a one- or two-digit day: the arXiv snapshot writes
// "Mon, 2 Apr 2007 19:18:42 GMT", which time.RFC1123 ("02") refuses.
const (
	rfc1123  = "Mon, 2 Jan 2006 15:04:05 MST"
	rfc1123Z = "Mon, 2 Jan 2006 15:04:05 -0700"
)

// ParseDate accepts YYYY-MM-DD, RFC 3339 timestamps and RFC 1123 dates (the
// arXiv snapshot's versions[].created) and returns YYYY-MM-DD; "" stays "".
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	for _, layout := range []string{DateLayout, time.RFC3339, time.RFC3339Nano, rfc1123, rfc1123Z, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1900 || t.Year() > 2200 {
				return "", fmt.Errorf("date %q is out of range", s)
			}
			return t.Format(DateLayout), nil
		}
	}
	return "", fmt.Errorf("%q is not a date (want YYYY-MM-DD)", truncate(s, 40))
}

func checkText(s string) error {
	// Most text is ASCII: checked a byte at a time (a bulk import reads
	// millions of abstracts), the rest rune by rune.
	for i := 0; i < len(s); i++ {
		if b := s[i]; b >= utf8.RuneSelf || (b < 0x20 || b == 0x7f) && !asciiSpace(b) {
			return checkRunes(s) // (which reports bad UTF-8 before a control character)
		}
	}
	return nil
}

// asciiSpace reports whether b is one of the ASCII bytes unicode.IsSpace
// takes for space.
func asciiSpace(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

func checkRunes(s string) error {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
			i += size
		}
	}
	for i, r := range s {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return fmt.Errorf("control character %U at byte %d", r, i)
		}
	}
	return nil
}

func cleanList(field string, in []string) ([]string, *FieldError) {
	out := in[:0:0]
	for _, s := range in {
		if err := checkText(s); err != nil {
			return nil, &FieldError{field, err.Error()}
		}
		s = FoldSpace(composed(s))
		if len(s) > MaxItem {
			return nil, &FieldError{field, fmt.Sprintf("%q is too long (%d bytes, at most %d)", truncate(s, 40), len(s), MaxItem)}
		}
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// composed is s in Unicode normalization form C: an accented letter
// written as a letter and a combining mark ("o\u0308", as macOS and
// PDFs write them) is the one letter ("ö"), as search reads it.
func composed(s string) string {
	if asciiOnly(s) {
		return s
	}
	if strings.ContainsFunc(s, Invisible) {
		s = strings.Map(func(r rune) rune {
			if Invisible(r) {
				return -1
			}
			return r
		}, s)
	}
	return norm.NFC.String(s)
}

// Invisible reports whether r is a character that text copied from a web
// page or a PDF carries inside words without showing it: a zero-width
// space, a soft hyphen, a word joiner, a byte order mark, U+180E. A title
// or query holding one is not the word it shows ("diff\u00adusion" is two
// words to the analyser), so papers and queries drop them. The joiners
// that scripts spell with (U+200C, U+200D) are not among them.
func Invisible(r rune) bool {
	switch r {
	case 0x200B, 0x00AD, 0x2060, 0xFEFF, 0x180E:
		return true
	}
	return false
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FoldSpace trims s and folds every run of white space to one space.
func FoldSpace(s string) string {
	if asciiFolded(s) {
		return s
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) &&
		!strings.Contains(s, "  ") && strings.TrimSpace(s) == s {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// asciiFolded reports whether s is ASCII with single spaces between words
// and none around them: FoldSpace leaves it as it is. (false: not known.)
func asciiFolded(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= utf8.RuneSelf:
			return false
		case b == ' ':
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case asciiSpace(b):
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// AbsURL is the arXiv abstract page of an arXiv id.
func AbsURL(id string) string { return "https://arxiv.org/abs/" + id }

// Link is a labelled URL.
type Link struct {
	Label string
	URL   string
}

// Links returns the outside pages for a paper in a stable order: abstract,
// PDF, code, project page, Hugging Face paper page, alphaXiv.
func (p *Paper) Links() []Link {
	var ls []Link
	add := func(label, u string) {
		if u != "" {
			ls = append(ls, Link{label, u})
		}
	}
	add("Abstract", p.URL)
	add("PDF", p.PDFURL)
	add("Code", p.CodeURL)
	add("Project", p.ProjectURL)
	if IsArxivID(p.ID) {
		if IsNewStyle(p.ID) {
			add("Hugging Face", "https://huggingface.co/papers/"+p.ID)
		}
		add("alphaXiv", "https://www.alphaxiv.org/abs/"+p.ID)
	}
	return ls
}

// Year returns the publication year, or 0.
func (p *Paper) Year() int {
	if len(p.Published) < 4 {
		return 0
	}
	y := 0
	for _, c := range p.Published[:4] {
		y = y*10 + int(c-'0')
	}
	return y
}

// Merge combines two records of the same paper (old already stored, new just
// read), keeping the best of each: new non-empty text wins (except a
// truncated abstract or a shortened author list, which never replaces the
// full one), lists and sources are united, counters keep their maximum (a
// smaller count from a lagging source must not erase a larger one), dates
// keep the earliest publication and the latest update. The aliases of both
// are kept.
func Merge(old, new Paper) Paper {
	m := old
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	m.Aliases = nil
	for _, id := range union(old.Aliases, new.Aliases) {
		m.AddAlias(id)
	}
	str(&m.Title, new.Title)
	if len(new.Abstract) > 0 && !truncationOf(new.Abstract, old.Abstract) {
		m.Abstract = new.Abstract
	}
	if len(new.Authors) > 0 && !subsetOf(new.Authors, old.Authors) {
		m.Authors = new.Authors
	}
	m.Categories = union(old.Categories, new.Categories)
	m.Keywords = union(old.Keywords, new.Keywords)
	if new.Published != "" && (m.Published == "" || new.Published < m.Published) {
		m.Published = new.Published
	}
	if new.Updated > m.Updated {
		m.Updated = new.Updated
	}
	str(&m.URL, new.URL)
	str(&m.PDFURL, new.PDFURL)
	str(&m.CodeURL, new.CodeURL)
	str(&m.ProjectURL, new.ProjectURL)
	str(&m.AISummary, new.AISummary)
	m.Source = strings.Join(union(splitSources(old.Source), splitSources(new.Source)), ",")
	m.Upvotes = max(old.Upvotes, new.Upvotes)
	m.Stars = max(old.Stars, new.Stars)
	m.Comments = max(old.Comments, new.Comments)
	m.Replies = max(old.Replies, new.Replies)
	m.People, m.PeopleSet = old.People, old.PeopleSet
	if new.PeopleSet {
		m.People, m.PeopleSet = new.People, true
	}
	if new.Rank > 0 {
		m.Rank = new.Rank
	}
	return m
}

// IDs lists every id the paper is known by: ID, then its Aliases.
func (p Paper) IDs() []string {
	return append([]string{p.ID}, p.Aliases...)
}

// AddAlias records id as another id of the paper (nothing when it is the
// paper's own or already recorded).
func (p *Paper) AddAlias(id string) {
	if id != "" && id != p.ID && !slices.Contains(p.Aliases, id) {
		p.Aliases = append(p.Aliases, id)
	}
}

// maxAliases bounds a record's aliases: a paper is merged from a handful
// of copies under other ids, not hundreds.
const maxAliases = 100

// cleanAliases canonicalises the aliases as ids are (Normalize), drops
// empty ones, repeats and the paper's own id, and checks what is left.
func (p *Paper) cleanAliases() *FieldError {
	in := p.Aliases
	p.Aliases = nil
	for _, a := range in {
		if err := checkText(a); err != nil {
			return &FieldError{"aliases", err.Error()}
		}
		a = CanonicalID(a)
		if strings.ContainsFunc(a, unicode.IsSpace) || len(a) > 200 {
			return &FieldError{"aliases", fmt.Sprintf("%q is not an id (no spaces, at most 200 bytes)", truncate(a, 40))}
		}
		p.AddAlias(a)
	}
	if len(p.Aliases) > maxAliases {
		return &FieldError{"aliases", fmt.Sprintf("too many (%d, at most %d)", len(p.Aliases), maxAliases)}
	}
	return nil
}

// truncationOf reports whether s is a cut-off copy of a longer full text
// (listing pages cut abstracts mid-word, sometimes adding an ellipsis).
func truncationOf(s, full string) bool {
	s = strings.TrimRight(strings.TrimSuffix(strings.TrimSuffix(s, "…"), "..."), " ")
	return len(s) < len(full) && strings.HasPrefix(full, s)
}

// subsetOf reports whether the shorter list names only people of the
// longer one (a source that lists the first authors only).
func subsetOf(short, full []string) bool {
	if len(short) >= len(full) {
		return false
	}
	for _, a := range short {
		if !slices.Contains(full, a) {
			return false
		}
	}
	return true
}

func splitSources(s string) []string {
	var out []string
	for _, src := range strings.Split(s, ",") {
		if src = strings.TrimSpace(src); src != "" {
			out = append(out, src)
		}
	}
	return out
}

func union(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
