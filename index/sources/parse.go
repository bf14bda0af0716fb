// Package sources reads papers from files and services: the canonical JSON
// Lines format (which also accepts the arXiv metadata snapshot's fields), the
// trending-page text format, and the fetchers of online sources.
package sources

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot/paper"
)

// Format is a file format of paper records.
type Format int

// Formats.
const (
	// Auto detects the format from the file name and its first bytes.
	Auto Format = iota
	// JSONL is JSON Lines: one record per line, canonical fields or the arXiv
	// metadata snapshot's.
	JSONL
	// Trending is the trending-page text format: the page's header
	// (recognised by its text), then a title line and an abstract line per
	// paper, in trending order; blank lines are ignored (parseTrending).
	Trending
)

// ParseFormat reads a --format flag value.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return Auto, nil
	case "jsonl", "json", "ndjson":
		return JSONL, nil
	case "trending", "text", "txt":
		return Trending, nil
	}
	return Auto, fmt.Errorf("unknown format %q (want auto, jsonl or trending)", s)
}

func (f Format) String() string {
	switch f {
	case JSONL:
		return "jsonl"
	case Trending:
		return "trending"
	}
	return "auto"
}

// RecordError says which record of which file was rejected and why.
type RecordError struct {
	File  string
	Line  int
	Field string // "" when the whole line is wrong
	Msg   string
	// More are the record's other bad fields, when it has several.
	More []*paper.FieldError
}

func (e *RecordError) Error() string {
	msg := e.Msg
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	for _, fe := range e.More {
		msg += "; " + fe.Error()
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
}

// fieldsError is the RecordError of a record with bad fields (at least one).
func fieldsError(file string, line int, fes paper.FieldErrors) *RecordError {
	return &RecordError{File: file, Line: line, Field: fes[0].Field, Msg: fes[0].Msg, More: fes[1:]}
}

// addFieldErrors adds to fes the bad fields err names (a *paper.FieldError
// or paper.FieldErrors, as Normalize returns) that fes does not name yet;
// ok is false when err names no field.
func addFieldErrors(fes paper.FieldErrors, err error) (_ paper.FieldErrors, ok bool) {
	var more paper.FieldErrors
	var one *paper.FieldError
	switch {
	case errors.As(err, &more):
	case errors.As(err, &one):
		more = paper.FieldErrors{one}
	default:
		return fes, false
	}
	for _, fe := range more {
		if !slices.ContainsFunc(fes, func(x *paper.FieldError) bool { return x.Field == fe.Field }) {
			fes = append(fes, fe)
		}
	}
	return fes, true
}

// MaxLine is the longest line accepted (a record with a 20 kB abstract and
// many authors fits easily).
const MaxLine = 1 << 20

// Handler receives what a parser reads: every good record (normalised) and
// every rejected line. An error returned by Paper stops the parse.
type Handler struct {
	Paper  func(p paper.Paper) error
	Reject func(e *RecordError)
	// Cleaned, when set, is told of each field of a kept record from
	// which control characters were removed (Msg names them).
	Cleaned func(e *RecordError)
	// Restored, when set, is told of each kept record whose id was an
	// arXiv id that lost its zeros as a number (1909.0599, read as
	// 1909.05990: paper.RestoreNumberID; Msg says both).
	Restored func(e *RecordError)
	// Replaced, when set, is told of each field of a kept record whose
	// invalid UTF-8 was replaced with U+FFFD (Msg says where the first
	// run of bad bytes starts).
	Replaced func(e *RecordError)
	// Adjusted, when set, is told of each field of a kept record that
	// was dropped or converted (a Hugging Face API record's upvotes "12"
	// read as 12, its bad link dropped: Msg says which), as the API
	// reader keeps such papers.
	Adjusted func(e *RecordError)
	// Format, when set, is told the format the input is read as and how
	// it was chosen ("its .txt name", "its content"; "" when the caller
	// named the format).
	Format func(f Format, how string)
}

// Parse reads records from r (named name in errors) and hands them to h. Bad
// lines are rejected one by one; only a read error or an error from
// h.Paper stops it. Input compressed with gzip, xz or zstd is decompressed,
// whatever its name; other binary input is refused (an error wrapping
// ErrBinary) before anything is read from it, and so is a JSON document
// (ErrJSONDocument) unless f is Trending, and text of another format
// (ErrOtherFormat: CSV, XML, HTML...) when f is Auto.
func Parse(ctx context.Context, r io.Reader, name string, f Format, h Handler) error {
	// Errors name the file as given (bad.jsonl.xz); the format is told by
	// the name without the compression's suffix (bad.jsonl).
	br, inner, done, err := decompress(bufio.NewReaderSize(r, 256<<10), name)
	if err != nil {
		return err
	}
	defer done()
	br, head := startText(br)
	if f != Trending {
		if err := checkDocument(head, name, inner); err != nil {
			return err
		}
	}
	how := ""
	if f == Auto {
		if f, how = detect(head, inner); f == Trending {
			if err := checkOtherFormat(head, inner); err != nil {
				return err
			}
		}
	}
	if h.Format != nil {
		h.Format(f, how)
	}
	switch f {
	case Trending:
		return parseTrending(ctx, br, name, h)
	default:
		return parseJSONL(ctx, br, name, h)
	}
}

// detectWindow is how much of an input is looked at to choose its format
// (Parse and Check look at the same bytes, so they agree).
const detectWindow = 64 << 10

// startText skips a UTF-8 byte order mark (Windows tools write one; it is
// not content) and returns the reader to read the text from, with its
// first bytes (peekHead). The lines of a file that end in a carriage
// return alone (classic Mac OS: a carriage return in its first bytes, no
// newline) are read as lines: each carriage return is a newline.
func startText(br *bufio.Reader) (*bufio.Reader, []byte) {
	if b, _ := br.Peek(len(bom)); string(b) == bom {
		br.Discard(len(bom))
	}
	if raw, _ := br.Peek(min(detectWindow, br.Size())); bytes.IndexByte(raw, '\r') >= 0 && bytes.IndexByte(raw, '\n') < 0 {
		br = bufio.NewReaderSize(crLines{br}, br.Size())
	}
	return br, peekHead(br)
}

// crLines reads the carriage returns of r as newlines.
type crLines struct{ r io.Reader }

func (c crLines) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// peekHead returns the first bytes of br (up to detectWindow) without
// reading them.
func peekHead(br *bufio.Reader) []byte {
	n := min(detectWindow, br.Size())
	head, _ := br.Peek(n)
	if len(head) < n && len(head) > 0 && head[len(head)-1] != '\n' {
		// The whole input: its last line ends here, newline or not.
		head = append(bytes.Clone(head), '\n')
	}
	return head
}

// detect chooses the format of an input whose first bytes are head, and
// says how. Content that is clearly JSON Lines (its first non-blank line
// is a complete JSON object, which no title is) is JSON Lines whatever the
// name; otherwise the name decides (.jsonl, .json, .ndjson; .txt), and
// without a known one, a first non-blank byte "{" means JSON Lines.
func detect(head []byte, name string) (Format, string) {
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".jsonl", ".json", ".ndjson":
		return JSONL, "its " + ext + " name"
	}
	if line, ok := firstLine(head); ok && line[0] == '{' && json.Valid(line) {
		return JSONL, "its content"
	}
	if ext == ".txt" {
		return Trending, "its " + ext + " name"
	}
	if b := bytes.TrimLeftFunc(head, unicode.IsSpace); len(b) > 0 && b[0] == '{' {
		return JSONL, "its content"
	}
	return Trending, "its content"
}

// firstLine returns the first non-blank line of head, trimmed; ok is false
// when there is none or head ends before the line does.
func firstLine(head []byte) (line []byte, ok bool) {
	for len(head) > 0 {
		l, rest, found := bytes.Cut(head, []byte("\n"))
		if t := bytes.TrimSpace(l); len(t) > 0 {
			return t, found
		}
		if !found {
			break
		}
		head = rest
	}
	return nil, false
}

// ErrJSONDocument is returned (wrapped, with how to convert it) for input
// that is one JSON document (an array, or an object spread over lines)
// rather than JSON Lines: read line by line, every line of it would be
// rejected.
var ErrJSONDocument = errors.New("a JSON document, not JSON Lines (one paper object per line)")

// checkDocument refuses input whose first bytes (head) are a JSON
// document: its first non-blank byte opens an array or an object that
// does not end on its first line (or an array alone on the line). It is
// careful not to refuse text that merely starts with a bracket (a
// trending title "[Re] ..." or "{RL} ..."): the first line must be valid
// JSON as far as it goes, and a damaged first record of JSON Lines (an
// object cut short, the next line a complete object) is left to be
// rejected on its own.
func checkDocument(head []byte, name, inner string) error {
	b := bytes.TrimLeftFunc(head, unicode.IsSpace)
	if len(b) == 0 || b[0] != '[' && b[0] != '{' {
		return nil
	}
	lineEnd := bytes.IndexByte(b, '\n')
	if lineEnd < 0 {
		lineEnd = len(b)
	}
	// next is where the second non-blank line starts (-1: there is none).
	next := -1
	if lineEnd < len(b) {
		if i := bytes.IndexFunc(b[lineEnd+1:], func(r rune) bool { return !unicode.IsSpace(r) }); i >= 0 {
			next = lineEnd + 1 + i
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	err := dec.Decode(&v)
	var se *json.SyntaxError
	switch {
	case err == nil:
		end := int(dec.InputOffset())
		if end <= lineEnd {
			// The value is on the first line: a document when it is an
			// array alone on it (an object is a JSON Lines record; text
			// after the value is no JSON at all).
			if b[0] != '[' || len(bytes.TrimSpace(b[end:lineEnd])) > 0 {
				return nil
			}
		}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		// The input (or the window) ends inside the value: a document
		// when the value goes on past its first line (or is an array);
		// a record cut short on the only line is JSON Lines' to reject.
		if next < 0 && b[0] != '[' {
			return nil
		}
	case errors.As(err, &se) && next >= 0 && int(se.Offset)-1 > next:
		// Valid JSON into the second line, then an error: a document
		// with a mistake in it, unless the first line is a damaged
		// record of JSON Lines, whose next line is a complete object.
		if second, ok := firstLine(b[lineEnd:]); b[0] == '{' && ok && second[0] == '{' && json.Valid(second) {
			return nil
		}
	default:
		return nil
	}
	return documentError(b, name, inner)
}

// documentError says that the input is a JSON document and how to make
// JSON Lines of it with jq.
func documentError(b []byte, name, inner string) error {
	what, filter := "an array", ".[]"
	if b[0] == '{' {
		what, filter = "an object spread over several lines", "."
		if key := arrayKey(b); key != "" {
			filter = jqPath(key) + "[]"
		}
	}
	var how string
	if name == "" || name == "stdin" || name == "-" {
		how = fmt.Sprintf("jq -c '%s' FILE.json > FILE.jsonl", filter)
	} else {
		out := strings.TrimSuffix(inner, filepath.Ext(inner)) + ".jsonl"
		if strings.EqualFold(out, inner) {
			out = strings.TrimSuffix(inner, filepath.Ext(inner)) + "-lines.jsonl"
		}
		how = fmt.Sprintf("jq -c '%s' %s > %s", filter, shellQuote(inner), shellQuote(out))
		if inner != name {
			how = "decompress it, then " + how
		}
	}
	note := ""
	if filter == "." {
		note = " (for one paper; give the path of the array when the papers are in one)"
	}
	return fmt.Errorf("%w: it is %s; convert it with %s%s and ingest that", ErrJSONDocument, what, how, note)
}

// arrayKey is the first key of the JSON object b whose value is an array
// (of the papers, presumably), as far as b goes; "" when there is none.
func arrayKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return ""
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			// The window ends inside it: judge by its first byte.
			rest := bytes.TrimLeftFunc(b[dec.InputOffset():], func(r rune) bool { return unicode.IsSpace(r) || r == ':' })
			if len(rest) > 0 && rest[0] == '[' {
				return key
			}
			return ""
		}
		if v[0] == '[' {
			return key
		}
	}
	return ""
}

// jqPath is jq's path of a top-level key: .papers, or .["a key"].
func jqPath(key string) string {
	ident := key != ""
	for i, r := range key {
		if !(r == '_' || r < utf8.RuneSelf && unicode.IsLetter(r) || i > 0 && r < utf8.RuneSelf && unicode.IsDigit(r)) {
			ident = false
		}
	}
	if ident {
		return "." + key
	}
	q, _ := json.Marshal(key)
	return ".[" + strings.ReplaceAll(string(q), "'", `'\''`) + "]"
}

// shellQuote quotes a file name for a shell command line when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune("._-/+,=:@%", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// lines yields the lines of br without their line endings and byte order
// marks, with 1-based numbers. A line longer than MaxLine is reported through tooLong and
// skipped. An error from fn or tooLong stops it.
func lines(ctx context.Context, br *bufio.Reader, fn func(n int, line []byte) error, tooLong func(n int) error) error {
	var long []byte
	n := 0
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if long == nil {
				long = make([]byte, 0, 2*len(chunk))
			}
			if len(long) <= MaxLine {
				long = append(long, chunk...)
			}
			continue
		}
		if len(chunk) > 0 || long != nil {
			n++
			line := chunk
			if long != nil {
				line = append(long, chunk...)
				long = nil
			}
			if n%1024 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
			}
			// A byte order mark opens a file a Windows tool wrote;
			// files joined with cat carry one on a later line too.
			line = bytes.TrimPrefix(bytes.TrimRight(line, "\r\n"), []byte(bom))
			var ferr error
			if len(line) > MaxLine {
				ferr = tooLong(n)
			} else {
				ferr = fn(n, line)
			}
			if ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// hfEnvelopeLine reports whether a line is a record of Hugging Face's
// daily papers API: its paper is an object under "paper" (a key no other
// record has; in a string the quotes would be escaped).
func hfEnvelopeLine(line []byte) bool {
	if !bytes.Contains(line, []byte(`"paper"`)) {
		return false
	}
	var env struct {
		Paper json.RawMessage `json:"paper"`
	}
	if json.Unmarshal(line, &env) != nil {
		return false
	}
	v := bytes.TrimSpace(env.Paper)
	return len(v) > 0 && v[0] == '{'
}

// record is the union of the canonical format and the arXiv metadata
// snapshot. Fields whose type differs between the two are decoded by hand.
type record struct {
	ID         recordID        `json:"id"`
	Title      string          `json:"title"`
	Abstract   string          `json:"abstract"`
	Summary    string          `json:"summary"`
	Authors    json.RawMessage `json:"authors"`
	Categories json.RawMessage `json:"categories"`
	Published  string          `json:"published"`
	Updated    string          `json:"updated"`
	URL        string          `json:"url"`
	PDFURL     string          `json:"pdf_url"`
	CodeURL    string          `json:"code_url"`
	ProjectURL string          `json:"project_url"`
	Source     string          `json:"source"`
	Upvotes    *int            `json:"upvotes"`
	Stars      *int            `json:"stars"`
	// Comments is a count in the canonical format and a free-text note
	// ("37 pages, 15 figures") in the arXiv snapshot.
	Comments  json.RawMessage `json:"comments"`
	Rank      *int            `json:"rank"`
	AISummary string          `json:"ai_summary"`
	Keywords  []string        `json:"ai_keywords"`
	// arXiv metadata snapshot
	UpdateDate string `json:"update_date"`
	Versions   []struct {
		Version string `json:"version"`
		Created string `json:"created"`
	} `json:"versions"`
}

func parseJSONL(ctx context.Context, br *bufio.Reader, name string, h Handler) error {
	reject := func(n int, field, msg string) {
		if h.Reject != nil {
			h.Reject(&RecordError{File: name, Line: n, Field: field, Msg: msg})
		}
	}
	return lines(ctx, br, func(n int, line []byte) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		var fixes []fieldNote
		var fes paper.FieldErrors
		if !utf8.Valid(line) {
			var err error
			if line, fixes, fes, err = repairUTF8(line); err != nil {
				reject(n, "", err.Error())
				return nil
			}
		}
		p, notes, err := decodeRecord(line)
		if err != nil {
			var more paper.FieldErrors
			if !errors.As(err, &more) {
				reject(n, "", err.Error())
				return nil
			}
			fes, _ = addFieldErrors(fes, more)
		}
		notes = append(fixes, notes...)
		if err := p.Normalize(); err != nil {
			var ok bool
			if fes, ok = addFieldErrors(fes, err); !ok {
				reject(n, "", err.Error())
				return nil
			}
		}
		if len(fes) > 0 {
			if h.Reject != nil {
				h.Reject(fieldsError(name, n, fes))
			}
			return nil
		}
		h.cleaned(name, n, notes)
		return h.Paper(p)
	}, func(n int) error {
		reject(n, "", fmt.Sprintf("line longer than %d bytes", MaxLine))
		return nil
	})
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// cleaned reports the notes of a kept record.
func (h Handler) cleaned(name string, n int, notes []fieldNote) {
	for _, c := range notes {
		tell := map[noteKind]func(*RecordError){noteControl: h.Cleaned, noteRestored: h.Restored, noteUTF8: h.Replaced, noteAdjusted: h.Adjusted}[c.kind]
		if tell != nil {
			tell(&RecordError{File: name, Line: n, Field: c.field, Msg: c.msg})
		}
	}
}

// decodeRecord decodes one JSON line, with control characters removed from
// its text fields (notes says which). A line that is no JSON object is an
// error of its own; bad fields are paper.FieldErrors naming each of them
// (the paper holds the good ones).
func decodeRecord(line []byte) (paper.Paper, []fieldNote, error) {
	var r record
	var errs paper.FieldErrors
	bad := func(field, msg string) {
		if !slices.ContainsFunc(errs, func(e *paper.FieldError) bool { return e.Field == field }) {
			errs = append(errs, &paper.FieldError{Field: field, Msg: msg})
		}
	}
	if string(bytes.TrimSpace(line)) == "null" {
		// encoding/json reads null as an empty record: say what it is.
		return paper.Paper{}, nil, errors.New("a paper record is a JSON object, this line is JSON null")
	}
	if hfEnvelopeLine(line) {
		// A record of Hugging Face's daily papers API (a saved answer,
		// one record a line: jq -c '.[]'), read as the API's are: a
		// field the API reader drops or converts keeps the paper, and is
		// told (Handler.Adjusted).
		p, warns, err := readHFRecord(line, "")
		var notes []fieldNote
		for _, w := range warns {
			notes = append(notes, fieldNote{field: w.Field, msg: w.Msg, kind: noteAdjusted})
		}
		return p, notes, err
	}
	if err := json.Unmarshal(line, &r); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field == "":
			// The line itself is not an object (an array, a string...).
			what := "a JSON " + te.Value
			if te.Value == "bool" {
				what = "JSON true or false"
			}
			return paper.Paper{}, nil, fmt.Errorf("a paper record is a JSON object, this line is %s", what)
		case errors.As(err, &te):
			// encoding/json tells of the first field of the wrong type
			// only (it decodes the others): look at each.
			errs = typeFaults(line)
			if len(errs) == 0 {
				bad(te.Field, typeMsg(te))
			}
		case errors.As(err, &se):
			return paper.Paper{}, nil, fmt.Errorf("not valid JSON (at byte %d: %v)", se.Offset, err)
		default:
			return paper.Paper{}, nil, fmt.Errorf("not a JSON object: %v", err)
		}
	}
	if r.ID.wrong != "" {
		// First, as the record's first field.
		errs = slices.Insert(errs, 0, &paper.FieldError{Field: "id", Msg: "want a string, got JSON " + r.ID.wrong})
	}
	p := paper.Paper{
		ID: r.ID.s, Title: r.Title, Abstract: r.Abstract,
		Published: r.Published, Updated: r.Updated,
		URL: r.URL, PDFURL: r.PDFURL, CodeURL: r.CodeURL, ProjectURL: r.ProjectURL,
		Source: r.Source, AISummary: r.AISummary, Keywords: r.Keywords,
	}
	if p.Abstract == "" {
		p.Abstract = r.Summary
	}
	for _, c := range []struct {
		dst *int
		src *int
	}{{&p.Upvotes, r.Upvotes}, {&p.Stars, r.Stars}, {&p.Rank, r.Rank}} {
		if c.src != nil {
			*c.dst = *c.src
		}
	}
	if c := bytes.TrimSpace(r.Comments); len(c) > 0 && c[0] != '"' && string(c) != "null" {
		if err := json.Unmarshal(c, &p.Comments); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && strings.HasPrefix(te.Value, "number") {
				bad("comments", typeMsg(te))
			} else {
				bad("comments", "want a count (or the snapshot's text note)")
			}
		}
	}
	snapshot := len(r.Versions) > 0
	var err error
	split := splitAuthors
	if snapshot {
		split = splitSnapshotAuthors
	}
	if p.Authors, err = stringList(r.Authors, split); err != nil {
		bad("authors", err.Error())
	}
	if p.Categories, err = stringList(r.Categories, strings.Fields); err != nil {
		bad("categories", err.Error())
	}
	// arXiv snapshot: first version's date is the publication date.
	if p.Published == "" && snapshot {
		first := 0
		for i, v := range r.Versions {
			if v.Version == "v1" {
				first = i
			}
		}
		d, err := snapshotDate(r.Versions[first].Created)
		if err != nil {
			bad(fmt.Sprintf("versions[%d].created", first), err.Error())
		}
		p.Published = d
	}
	if p.Updated == "" && r.UpdateDate != "" {
		// Checked here, so that a bad one is named as the file names it.
		if d, err := paper.ParseDate(r.UpdateDate); err != nil {
			bad("update_date", err.Error())
		} else {
			p.Updated = d
		}
	}
	if p.Source == "" && snapshot {
		p.Source = SourceArxiv
	}
	notes := controlNotes(&p)
	if id, ok := paper.RestoreNumberID(strings.TrimSpace(p.ID)); ok {
		notes = append(notes, fieldNote{field: "id", kind: noteRestored,
			msg: fmt.Sprintf("%s read as %s (an arXiv id stored as a number loses zeros)", strings.TrimSpace(p.ID), id)})
		p.ID = id
	} else if r.ID.number && !paper.IsArxivID(p.ID) {
		bad("id", fmt.Sprintf("want a string, got the number %s (no arXiv id that lost its zeros as a number)", truncateNumber(p.ID)))
		p.ID = ""
	}
	// Records from arXiv carry its LaTeX: make accents readable (this
	// repairs a DEL where a \" was lost, so it comes before the cleaning).
	if snapshot || p.Source == SourceArxiv {
		p.Title = Readable(p.Title)
		p.Abstract = Readable(p.Abstract)
		for i, a := range p.Authors {
			p.Authors[i] = Readable(a)
		}
	}
	cleanControls(&p)
	if len(errs) > 0 {
		return p, notes, errs
	}
	return p, notes, nil
}

// recordID is a record's id: a JSON string, or a JSON number, as some
// metadata dumps stored new-style arXiv ids (1909.05990 as 1909.0599):
// the number's text as written, for paper.RestoreNumberID.
// Any other JSON value is noted in wrong (its kind), not returned as an
// error: encoding/json stops at an Unmarshaler's error, and the record's
// other fields are wanted for the message.
type recordID struct {
	s      string
	number bool
	wrong  string
}

func (id *recordID) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		return nil
	case b[0] == '"':
		return json.Unmarshal(b, &id.s)
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		id.s, id.number = string(b), true
		return nil
	}
	id.wrong = map[byte]string{'t': "bool", 'f': "bool", '[': "array", '{': "object"}[b[0]]
	return nil
}

// truncateNumber shortens a long number for a message.
func truncateNumber(s string) string {
	if len(s) > 40 {
		return s[:20] + "…" + s[len(s)-10:]
	}
	return s
}

// typeFaults names every field of a JSON object whose value has the wrong
// type for a record (keys matched as encoding/json matches them, case
// aside), in the record's order.
func typeFaults(line []byte) paper.FieldErrors {
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil {
		return nil
	}
	var out paper.FieldErrors
	rt := reflect.TypeFor[record]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		for key, raw := range obj {
			if !strings.EqualFold(key, name) {
				continue
			}
			var te *json.UnmarshalTypeError
			if err := json.Unmarshal(raw, reflect.New(f.Type).Interface()); errors.As(err, &te) {
				field := name
				if te.Field != "" {
					field += "." + te.Field
				}
				out = append(out, &paper.FieldError{Field: field, Msg: typeMsg(te)})
			}
			break
		}
	}
	return out
}

// snapshotDate reads versions[].created: RFC 1123 with a one- or two-digit
// day ("Mon, 2 Apr 2007 19:18:42 GMT"), or any date paper.ParseDate reads.
func snapshotDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return paper.ParseDate(t.UTC().Format(time.RFC3339))
		}
	}
	return paper.ParseDate(s)
}

// splitSnapshotAuthors splits the snapshot's author string, dropping the
// affiliations it may carry in parentheses:
// "A. One (1), B. Two (2) ((1) MIT, (2) Caltech)".
func splitSnapshotAuthors(s string) []string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return splitAuthors(b.String())
}

// stringList decodes a JSON array of strings, or a single string split by
// split (the arXiv snapshot's "authors" and "categories" are strings).
func stringList(raw json.RawMessage, split func(string) []string) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return split(s), nil
	case '[':
		var ss []string
		if err := json.Unmarshal(raw, &ss); err == nil {
			return ss, nil
		}
		// Hugging Face style: [{"name": "..."}]
		var objs []struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &objs); err != nil {
			return nil, errors.New("want a list of strings")
		}
		out := make([]string, 0, len(objs))
		for _, o := range objs {
			out = append(out, o.Name)
		}
		return out, nil
	}
	return nil, errors.New("want a list of strings or a string")
}

// splitAuthors splits an arXiv author string: "A. One, B. Two and C. Three".
// A name suffix after a comma belongs to the name before it: "Sandra Lee,
// Jr. and Bob" is "Sandra Lee Jr." and "Bob".
func splitAuthors(s string) []string {
	s = strings.Join(strings.Fields(s), " ")
	var out []string
	for i, part := range strings.Split(s, ",") {
		for j, name := range strings.Split(part, " and ") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
			case i > 0 && j == 0 && len(out) > 0 && isNameSuffix(name):
				out[len(out)-1] += " " + name
			default:
				out = append(out, name)
			}
		}
	}
	return out
}

// isNameSuffix reports a generational suffix written after a comma
// ("Lee, Jr."): Jr and Sr (with or without the period, in any case) and
// the numerals II to IV.
func isNameSuffix(s string) bool {
	switch strings.ToLower(strings.TrimSuffix(s, ".")) {
	case "jr", "sr":
		return true
	}
	switch s {
	case "II", "III", "IV":
		return true
	}
	return false
}

// parseTrending reads the trending-page text format: the page's header,
// then pairs of lines (title, abstract) in trending order.
//
//   - Blank lines are ignored wherever they are: between two pairs, and
//     between a title and its abstract too, so that a stray one never
//     shifts the pairs after it.
//   - The header is recognised by what it is, not counted: before the first
//     title, lines that start with the page's "Get trending papers" banner;
//     and, when one of the first three other lines is the first title with
//     the page's "Subscribe" button glued to it ("SubscribeMapping LLM..."),
//     every line before that one. Without either, there is no header: the
//     first line is the first title.
//   - The button's label is removed from the first title.
//   - A title with no abstract after it (at the end of the file) is
//     rejected, at the title's line; so are lines longer than MaxLine,
//     which still count as the title or abstract they stand for, keeping
//     the pairs after them in step. Invalid UTF-8 is replaced with U+FFFD
//     (Handler.Replaced, at its line) and the paper kept.
func parseTrending(ctx context.Context, br *bufio.Reader, name string, h Handler) error {
	reject := func(n int, field, msg string) {
		if h.Reject != nil {
			h.Reject(&RecordError{File: name, Line: n, Field: field, Msg: msg})
		}
	}
	type lineNote struct {
		n    int
		note fieldNote
	}
	var (
		inPair    bool   // a title line was read; the next non-blank line is its abstract
		badPair   bool   // the pair is already rejected
		title     string // the pair's title
		titleLine int
		rank      int // trending position of the pair
		// replaced notes the pair's lines whose invalid UTF-8 was
		// replaced, each at its own line.
		replaced []lineNote
	)
	// valid returns line as a string, each run of invalid UTF-8 replaced
	// with U+FFFD (noted for field at line n).
	valid := func(n int, field string, line []byte) string {
		if utf8.Valid(line) {
			return string(line)
		}
		replaced = append(replaced, lineNote{n, replacedNote(field, invalidAt(line))})
		return string(bytes.ToValidUTF8(line, []byte(string(utf8.RuneError))))
	}
	emit := func(abstract string) error {
		p := paper.Paper{Title: title, Abstract: abstract, Rank: rank, Source: "trending"}
		notes := controlNotes(&p)
		cleanControls(&p)
		if err := p.Normalize(); err != nil {
			if fes, ok := addFieldErrors(nil, err); ok {
				if h.Reject != nil {
					h.Reject(fieldsError(name, titleLine, fes))
				}
			} else {
				reject(titleLine, "", err.Error())
			}
			return nil
		}
		for _, r := range replaced {
			h.cleaned(name, r.n, []fieldNote{r.note})
		}
		h.cleaned(name, titleLine, notes)
		return h.Paper(p)
	}
	// pair reads one non-blank line (long: one longer than MaxLine) as the
	// next title or abstract.
	pair := func(n int, line []byte, long bool) error {
		tooLong := func() { reject(n, "", fmt.Sprintf("line longer than %d bytes", MaxLine)) }
		if !inPair {
			inPair, badPair, titleLine, replaced = true, false, n, nil
			rank++
			if long {
				// Keep the pairing: the next line is this title's abstract.
				tooLong()
				badPair = true
				return nil
			}
			title = valid(n, "title", line)
			if rank == 1 {
				title = stripButton(title)
			}
			return nil
		}
		inPair = false
		switch {
		case long:
			tooLong()
			return nil
		case badPair:
			return nil
		}
		return emit(valid(n, "abstract", line))
	}

	// Until the first title, lines that may be the header are held back.
	type held struct {
		n    int
		line []byte
	}
	var (
		started bool   // the first title was read: no more header
		pending []held // lines that are no banner, before a possible button line
	)
	// start ends the header: the held lines are pairs (when no button line
	// came) or the header (when one did: drop them).
	start := func(keepPending bool) error {
		started = true
		if keepPending {
			for _, l := range pending {
				if err := pair(l.n, l.line, false); err != nil {
					return err
				}
			}
		}
		pending = nil
		return nil
	}
	err := lines(ctx, br, func(n int, line []byte) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		if !started {
			switch {
			case len(pending) == 0 && isBanner(line):
				return nil // the page's header
			case stripButton(string(line)) != string(line):
				// The first title, with the button: what came before
				// is the header.
				if err := start(false); err != nil {
					return err
				}
			default:
				pending = append(pending, held{n, bytes.Clone(line)})
				if len(pending) == 3 {
					return start(true)
				}
				return nil
			}
		}
		return pair(n, line, false)
	}, func(n int) error {
		// An over-long line is no header: it and the lines before it
		// are pairs.
		if !started {
			if err := start(true); err != nil {
				return err
			}
		}
		return pair(n, nil, true)
	})
	if err == nil && !started {
		err = start(true)
	}
	if err != nil {
		return err
	}
	if inPair && !badPair {
		reject(titleLine, "abstract", "missing: the file ends after this title (each title line is followed by its abstract line)")
	}
	return nil
}

// banner is how the trending page's header lines start ("Get trending
// papers in your email inbox once a day!").
const banner = "get trending papers"

func isBanner(line []byte) bool {
	return len(line) >= len(banner) && strings.EqualFold(string(line[:len(banner)]), banner)
}

// stripButton removes the "Subscribe" button label glued to the first title.
func stripButton(s string) string {
	const label = "Subscribe"
	if rest, ok := strings.CutPrefix(s, label); ok && rest != "" {
		if r, _ := utf8.DecodeRuneInString(rest); unicode.IsUpper(r) || unicode.IsDigit(r) {
			return rest
		}
	}
	return s
}

// typeMsg says why a JSON value does not fit a field: the kind of value
// wanted, and for a count given a number that is not one, why (a
// fraction, or too large for a count).
func typeMsg(te *json.UnmarshalTypeError) string {
	num, isNum := strings.CutPrefix(te.Value, "number ")
	switch te.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
	default:
		isNum = false
	}
	if !isNum {
		return fmt.Sprintf("want %s, got JSON %s", jsonKind(te.Type), te.Value)
	}
	shown := num
	if len(shown) > 40 {
		shown = shown[:20] + "…" + shown[len(shown)-10:] + fmt.Sprintf(" (%d digits)", len(strings.TrimLeft(num, "-")))
	}
	f, err := strconv.ParseFloat(num, 64)
	switch {
	case err == nil && f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63:
		// 1e3: a whole number, but encoding/json reads counts in digits only.
		return fmt.Sprintf("want a whole number written in digits, got %s", shown)
	case (err == nil || errors.Is(err, strconv.ErrRange)) && (math.IsInf(f, 0) || f == math.Trunc(f)):
		if strings.HasPrefix(num, "-") {
			return fmt.Sprintf("%s is too small (want a whole number, at least 0)", shown)
		}
		return fmt.Sprintf("%s is too large (want a whole number, at most %d)", shown, int64(math.MaxInt64))
	}
	return fmt.Sprintf("want a whole number, got %s", shown)
}

// jsonKind names a Go type as the JSON value it is read from, so that a
// message never shows a Go type name.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}
