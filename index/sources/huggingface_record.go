package sources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot/paper"
)

// hfEnvelope is one element of the daily_papers array. Its fields, and its
// paper's, are kept as the JSON they hold and read one by one (hfFields),
// so that a value of the wrong type costs that field, not the paper.
type hfEnvelope struct {
	Paper       json.RawMessage `json:"paper"`
	PublishedAt json.RawMessage `json:"publishedAt"`
	Title       json.RawMessage `json:"title"`
	NumComments json.RawMessage `json:"numComments"`
}

type hfPaper struct {
	ID          json.RawMessage `json:"id"`
	Title       json.RawMessage `json:"title"`
	Summary     json.RawMessage `json:"summary"`
	Authors     json.RawMessage `json:"authors"`
	PublishedAt json.RawMessage `json:"publishedAt"`
	Upvotes     json.RawMessage `json:"upvotes"`
	GithubRepo  json.RawMessage `json:"githubRepo"`
	GithubStars json.RawMessage `json:"githubStars"`
	ProjectPage json.RawMessage `json:"projectPage"`
	AISummary   json.RawMessage `json:"ai_summary"`
	AIKeywords  json.RawMessage `json:"ai_keywords"`
}

// hfNames are the Hugging Face names of the record's fields, by the
// names paper.Normalize gives them, so that messages say what the API
// sent.
var hfNames = map[string]string{
	"id": "paper.id", "title": "paper.title", "abstract": "paper.summary",
	"authors": "paper.authors", "published": "paper.publishedAt",
	"upvotes": "paper.upvotes", "stars": "paper.githubStars", "comments": "numComments",
	"code_url": "paper.githubRepo", "project_url": "paper.projectPage",
	"ai_summary": "paper.ai_summary", "ai_keywords": "paper.ai_keywords",
}

func hfName(field string) string {
	if n, ok := hfNames[field]; ok {
		return n
	}
	return field
}

// hfRecordID is the id of a record as far as it can be read, for messages:
// its string, or the number written in its place ("" for none).
func hfRecordID(raw json.RawMessage) string {
	var env struct {
		Paper struct {
			ID json.RawMessage `json:"id"`
		} `json:"paper"`
	}
	if json.Unmarshal(raw, &env) != nil {
		return ""
	}
	var id string
	switch valueKind(env.Paper.ID) {
	case "string":
		json.Unmarshal(env.Paper.ID, &id)
	case "number":
		id = truncateNumber(string(bytes.TrimSpace(env.Paper.ID)))
	}
	return snippet([]byte(id))
}

// readHFRecord reads one element of a daily_papers array. A record whose
// required fields (paper, paper.id, paper.title) are missing or of the
// wrong type is an error naming them; optional fields that cannot be used
// are dropped, or converted when that is unambiguous, and named in warns.
func readHFRecord(raw json.RawMessage, date string) (p paper.Paper, warns paper.FieldErrors, err error) {
	if absent(raw) {
		return p, nil, errors.New("JSON null, not a paper record")
	}
	var env hfEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return p, nil, fmt.Errorf("a record is a JSON object, this one is JSON %s", te.Value)
		}
		return p, nil, jsonErr(err)
	}
	if absent(env.Paper) {
		return p, nil, errors.New(`no "paper" object`)
	}
	var hp hfPaper
	if err := json.Unmarshal(env.Paper, &hp); err != nil {
		return p, nil, &paper.FieldError{Field: "paper", Msg: "want an object, got JSON " + valueKind(env.Paper)}
	}
	var f hfFields
	p.ID = f.str("paper.id", hp.ID, true)
	p.Title = f.str("paper.title", hp.Title, true)
	if len(f.bad) > 0 {
		return p, nil, f.bad
	}
	if strings.TrimSpace(p.ID) == "" {
		return p, nil, errors.New("paper without an id")
	}
	if title := f.str("title", env.Title, false); p.Title == "" {
		p.Title = title
	}
	p.Source = SourceHuggingFace
	p.Abstract = f.str("paper.summary", hp.Summary, false)
	p.Authors = f.list("paper.authors", hp.Authors, splitAuthors, true)
	p.Keywords = f.list("paper.ai_keywords", hp.AIKeywords, func(s string) []string { return []string{s} }, false)
	p.Published = f.date(date, hfValue{"paper.publishedAt", hp.PublishedAt}, hfValue{"publishedAt", env.PublishedAt})
	p.Upvotes = f.count("paper.upvotes", hp.Upvotes)
	p.Stars = f.count("paper.githubStars", hp.GithubStars)
	p.Comments = f.count("numComments", env.NumComments)
	if repo := f.str("paper.githubRepo", hp.GithubRepo, false); repo != "" {
		if p.CodeURL = repoURL(repo); p.CodeURL == "" {
			f.warn("paper.githubRepo", fmt.Sprintf("%q is neither a link nor owner/repo (dropped)", snippet([]byte(repo))))
		}
	}
	if page := f.str("paper.projectPage", hp.ProjectPage, false); page != "" {
		if p.ProjectURL = webURL(page); p.ProjectURL == "" {
			f.warn("paper.projectPage", fmt.Sprintf("%q is not an http(s) link (dropped)", snippet([]byte(page))))
		}
	}
	p.AISummary = f.str("paper.ai_summary", hp.AISummary, false)
	// Named before Readable, which drops them (as parseJSONL does).
	for _, n := range controlNotes(&p) {
		f.warn(hfName(n.field), n.msg)
	}
	// Hugging Face copies arXiv's text, LaTeX and all.
	p.Title, p.Abstract, p.AISummary = Readable(p.Title), Readable(p.Abstract), Readable(p.AISummary)
	for i, a := range p.Authors {
		p.Authors[i] = Readable(a)
	}
	cleanControls(&p)
	if p, err = normalizeHF(p, &f); err != nil {
		return p, nil, err
	}
	return p, f.warns, nil
}

// normalizeHF normalises p; a field paper.Normalize refuses is dropped
// (with a warning in f) when the paper can do without it, and the paper
// is normalised again without it.
func normalizeHF(p paper.Paper, f *hfFields) (paper.Paper, error) {
	pre := p
	pre.Authors, pre.Keywords = slices.Clone(p.Authors), slices.Clone(p.Keywords)
	err := p.Normalize()
	if err == nil {
		return p, nil
	}
	fes, ok := addFieldErrors(nil, err)
	if !ok {
		return p, err
	}
	var bad paper.FieldErrors
	for _, fe := range fes {
		if dropOptional(&pre, fe.Field) {
			f.warn(hfName(fe.Field), fe.Msg+" (dropped)")
		} else {
			bad = append(bad, &paper.FieldError{Field: hfName(fe.Field), Msg: fe.Msg})
		}
	}
	if len(bad) > 0 {
		return p, bad
	}
	p = pre
	return p, p.Normalize()
}

// dropOptional clears the field of p that paper.Normalize names, when a
// Hugging Face paper can do without it.
func dropOptional(p *paper.Paper, field string) bool {
	switch field {
	case "abstract":
		p.Abstract = ""
	case "authors":
		p.Authors = nil
	case "upvotes":
		p.Upvotes = 0
	case "stars":
		p.Stars = 0
	case "comments":
		p.Comments = 0
	case "code_url":
		p.CodeURL = ""
	case "project_url":
		p.ProjectURL = ""
	case "ai_summary":
		p.AISummary = ""
	case "ai_keywords":
		p.Keywords = nil
	default:
		return false
	}
	return true
}

// hfFields reads the fields of one record, noting what it cannot use.
type hfFields struct {
	bad   paper.FieldErrors // required fields that are wrong: the record is skipped
	warns paper.FieldErrors // optional fields dropped or converted: the record is kept
}

func (f *hfFields) warn(field, msg string) {
	f.warns = append(f.warns, &paper.FieldError{Field: field, Msg: msg})
}

// hfValue is one field of a record as the JSON it holds.
type hfValue struct {
	field string
	raw   json.RawMessage
}

// absent reports a field that is missing or null.
func absent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// valueKind names the kind of a JSON value as encoding/json's messages
// do: string, number, bool, array, object ("" for none).
func valueKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '"':
		return "string"
	case c == '-' || c >= '0' && c <= '9':
		return "number"
	case c == 't' || c == 'f':
		return "bool"
	case c == '[':
		return "array"
	case c == '{':
		return "object"
	}
	return ""
}

// hfText are the fields whose invalid UTF-8 is replaced with U+FFFD (with
// a warning): text worth more so than lost. In another field (the id, a
// link, a date) it means the value is damaged.
var hfText = map[string]bool{
	"title": true, "paper.title": true, "paper.summary": true, "paper.authors": true,
	"paper.ai_summary": true, "paper.ai_keywords": true,
}

// utf8 checks a field's JSON for invalid UTF-8 (which encoding/json would
// replace without a word). In a text field each run of bad bytes is
// replaced with U+FFFD, with a warning; another field is dropped with a
// warning, or, required, makes the record bad (ok false).
func (f *hfFields) utf8(field string, raw json.RawMessage, required bool) (_ json.RawMessage, ok bool) {
	if utf8.Valid(raw) {
		return raw, true
	}
	msg := "invalid UTF-8"
	switch {
	case hfText[field]:
		f.warn(field, msg+" replaced with U+FFFD")
		return bytes.ToValidUTF8(raw, []byte(string(utf8.RuneError))), true
	case required:
		f.bad = append(f.bad, &paper.FieldError{Field: field, Msg: msg})
	default:
		f.warn(field, msg+" (dropped)")
	}
	return nil, false
}

// str reads a string field ("" when absent). A value of another type is
// dropped with a warning, or, for a required field, makes the record bad.
func (f *hfFields) str(field string, raw json.RawMessage, required bool) string {
	var s string
	raw, ok := f.utf8(field, raw, required)
	if !ok || absent(raw) || json.Unmarshal(raw, &s) == nil {
		return s
	}
	msg := "want a string, got JSON " + valueKind(raw)
	if required {
		f.bad = append(f.bad, &paper.FieldError{Field: field, Msg: msg})
	} else {
		f.warn(field, msg+" (dropped)")
	}
	return ""
}

// count reads a count (0 when absent): a whole number, or a string of
// digits, read as its number with a warning. Anything else is dropped with
// a warning.
func (f *hfFields) count(field string, raw json.RawMessage) int {
	var n int
	if absent(raw) {
		return 0
	}
	err := json.Unmarshal(raw, &n)
	if err == nil {
		return n
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
			f.warn(field, fmt.Sprintf("want a whole number, got the string %q (read as %d)", s, n))
			return n
		}
	}
	msg := "want a whole number, got JSON " + valueKind(raw)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		msg = typeMsg(te)
	}
	f.warn(field, msg+" (dropped)")
	return 0
}

// list reads a list of strings (nil when absent): an array of strings, or
// of objects with a "name" (authors). A single string is read with one,
// with a warning; so is an array of names where objects are expected
// (objects). Anything else is dropped with a warning.
func (f *hfFields) list(field string, raw json.RawMessage, one func(string) []string, objects bool) []string {
	raw, ok := f.utf8(field, raw, false)
	if !ok || absent(raw) {
		return nil
	}
	l, err := stringList(raw, one)
	if err != nil {
		got := "JSON " + valueKind(raw)
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			for i, it := range items {
				if k := valueKind(it); k != "string" && k != "object" {
					got = fmt.Sprintf("an array whose item %d is JSON %s", i+1, k)
					break
				}
			}
		}
		f.warn(field, err.Error()+", got "+got+" (dropped)")
		return nil
	}
	var names []string
	switch {
	case valueKind(raw) == "string":
		f.warn(field, fmt.Sprintf("want an array, got a string (read as %q)", l))
	case objects && json.Unmarshal(raw, &names) == nil && len(names) > 0:
		f.warn(field, "want an array of objects with a name, got an array of strings (read as the names)")
	}
	return l
}

// date returns the first of the values that is a date, or else the list's
// day; a value that is no date is named in a warning.
func (f *hfFields) date(day string, vals ...hfValue) string {
	for _, v := range vals {
		s := f.str(v.field, v.raw, false)
		if strings.TrimSpace(s) == "" {
			continue
		}
		if d, err := paper.ParseDate(s); err == nil {
			return d
		}
		f.warn(v.field, fmt.Sprintf("%q is not a date (dropped)", snippet([]byte(s))))
	}
	d, _ := paper.ParseDate(day)
	return d
}
