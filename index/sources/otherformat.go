package sources

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrOtherFormat is returned (wrapped, with what the input is and what to
// do) for text in a format paperbot does not read: CSV, XML, HTML,
// BibTeX... Read as trending-page text (what any other text is read as),
// every line pair of it would become a paper: a CSV file's header its
// title, its first row the abstract.
var ErrOtherFormat = errors.New("not JSON Lines or trending-page text")

// otherFormats are the names of formats paperbot does not read, by their
// usual file name suffix.
var otherFormats = map[string]string{
	".csv": "CSV", ".tsv": "tab-separated values", ".xml": "XML", ".atom": "an Atom feed",
	".rss": "an RSS feed", ".html": "HTML", ".htm": "HTML", ".bib": "BibTeX", ".ris": "RIS",
	".yaml": "YAML", ".yml": "YAML", ".toml": "TOML",
}

// otherFormat names the format of input that would be read as
// trending-page text but is something else, by its first bytes (head) or,
// when they say nothing, its name; "" when it may be trending-page text.
// how says which.
func otherFormat(head []byte, name string) (what, how string) {
	line, _ := firstLine(head)
	lower := strings.ToLower(string(line[:min(len(line), 64)]))
	switch {
	case strings.HasPrefix(lower, "<feed") || strings.HasPrefix(lower, "<?xml") && bytes.Contains(head, []byte("<feed")):
		return "an Atom feed (an arXiv API answer?)", "its content"
	case strings.HasPrefix(lower, "<rss"):
		return "an RSS feed", "its content"
	case strings.HasPrefix(lower, "<!doctype html") || strings.HasPrefix(lower, "<html"):
		return "HTML", "its content"
	case strings.HasPrefix(lower, "<?xml"):
		return "XML", "its content"
	case bibEntry(lower):
		return "BibTeX", "its content"
	}
	ext := strings.ToLower(filepath.Ext(name))
	if what := otherFormats[ext]; what != "" {
		return what, "its " + ext + " name"
	}
	return "", ""
}

// bibEntry reports whether a line opens a BibTeX entry (@article{key,).
func bibEntry(line string) bool {
	kind, rest, ok := strings.Cut(line, "{")
	kind = strings.TrimSpace(kind)
	return ok && rest != "" && len(kind) > 1 && kind[0] == '@' && !strings.ContainsFunc(kind[1:], func(r rune) bool { return r < 'a' || r > 'z' })
}

// checkOtherFormat refuses input that Auto would read as trending-page
// text but is another format (otherFormat). name is the file's name
// without a compression suffix (callers name the file in the error).
func checkOtherFormat(head []byte, name string) error {
	what, how := otherFormat(head, name)
	if what == "" {
		return nil
	}
	anyway := "give --format trending"
	if how != "its content" {
		anyway += " (or name it .txt)"
	}
	return fmt.Errorf("%s (%s), %w: paperbot reads JSON Lines (one paper object per line, like {\"id\": \"2401.00001\", \"title\": \"...\", \"abstract\": \"...\"}), the arXiv metadata snapshot and the trending-page text. Nothing was read from it. Convert it to JSON Lines, or, if it is trending-page text after all, %s", what, how, ErrOtherFormat, anyway)
}
