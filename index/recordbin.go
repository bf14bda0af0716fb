package index

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/paperbot/paperbot/bot/paper"
)

// Since mapping version 11 a stored record is a paper's fields in a binary
// form of their own (before compression) instead of its JSON. Every ranked
// query reads the records of its rerankDepth (50) best papers, and
// encoding/json took about 14 µs a record to decode: 0.7 ms of a query's
// CPU, a tenth of a phrase query's at 1M. This form decodes in a
// fraction of that, and encodes faster on ingest too.
//
// The form: recordMagic, then every field of paper.Paper that JSON stores,
// in the order of recordFields: a string as a uvarint length and its bytes,
// a list as a uvarint count and its strings, a count as a zig-zag varint,
// the trending score as the uvarint of its float64 bits. A record that
// starts with '{' is JSON (written before mapping 11); decode reads both.
// TestRecordFieldsAll fails when paper.Paper gains a stored field this
// form does not carry.

// recordMagic starts a record in the binary form.
const recordMagic = 0xB1

// recordField is one stored field of a paper in the binary form.
type recordField struct {
	name string // the field's JSON name, for errors
	str  func(p *paper.Paper) *string
	list func(p *paper.Paper) *[]string
	num  func(p *paper.Paper) *int
}

// recordFields are the binary form's fields in their order. A field is
// only ever added at the end.
var recordFields = [...]recordField{
	{name: "id", str: func(p *paper.Paper) *string { return &p.ID }},
	{name: "title", str: func(p *paper.Paper) *string { return &p.Title }},
	{name: "abstract", str: func(p *paper.Paper) *string { return &p.Abstract }},
	{name: "authors", list: func(p *paper.Paper) *[]string { return &p.Authors }},
	{name: "categories", list: func(p *paper.Paper) *[]string { return &p.Categories }},
	{name: "published", str: func(p *paper.Paper) *string { return &p.Published }},
	{name: "updated", str: func(p *paper.Paper) *string { return &p.Updated }},
	{name: "url", str: func(p *paper.Paper) *string { return &p.URL }},
	{name: "pdf_url", str: func(p *paper.Paper) *string { return &p.PDFURL }},
	{name: "code_url", str: func(p *paper.Paper) *string { return &p.CodeURL }},
	{name: "project_url", str: func(p *paper.Paper) *string { return &p.ProjectURL }},
	{name: "source", str: func(p *paper.Paper) *string { return &p.Source }},
	{name: "upvotes", num: func(p *paper.Paper) *int { return &p.Upvotes }},
	{name: "stars", num: func(p *paper.Paper) *int { return &p.Stars }},
	{name: "comments", num: func(p *paper.Paper) *int { return &p.Comments }},
	{name: "replies", num: func(p *paper.Paper) *int { return &p.Replies }},
	{name: "people", num: func(p *paper.Paper) *int { return &p.People }},
	{name: "rank", num: func(p *paper.Paper) *int { return &p.Rank }},
	{name: "ai_summary", str: func(p *paper.Paper) *string { return &p.AISummary }},
	{name: "ai_keywords", list: func(p *paper.Paper) *[]string { return &p.Keywords }},
	{name: "trending"}, // a float64: encoded and decoded on its own
	// Since mapping 12 (twins.go): a record of mapping 11 ends before it.
	{name: "aliases", list: func(p *paper.Paper) *[]string { return &p.Aliases }},
}

// mapping11Fields is how many fields a record of mapping 11 has: one
// that ends there is read as one, without the fields added since.
const mapping11Fields = 21

// appendRecord appends the binary form of p to b.
func appendRecord(b []byte, p *paper.Paper) []byte {
	b = append(b, recordMagic)
	for _, f := range recordFields {
		switch {
		case f.str != nil:
			b = appendString(b, *f.str(p))
		case f.list != nil:
			l := *f.list(p)
			b = binary.AppendUvarint(b, uint64(len(l)))
			for _, s := range l {
				b = appendString(b, s)
			}
		case f.num != nil:
			b = binary.AppendVarint(b, int64(*f.num(p)))
		default:
			b = binary.AppendUvarint(b, math.Float64bits(p.Trending))
		}
	}
	return b
}

// recordSize is about the size of p's binary form (a capacity to start
// with).
func recordSize(p *paper.Paper) int {
	n := 64 + len(p.ID) + len(p.Title) + len(p.Abstract) + len(p.Published) + len(p.Updated) + len(p.URL) +
		len(p.PDFURL) + len(p.CodeURL) + len(p.ProjectURL) + len(p.Source) + len(p.AISummary)
	for _, l := range [][]string{p.Authors, p.Categories, p.Keywords} {
		for _, s := range l {
			n += 2 + len(s)
		}
	}
	return n
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeRecordBinary decodes a record in the binary form (starting with
// recordMagic) into p. Its strings share one allocation. older reports a
// record of mapping 11, which ends before the fields added since.
func decodeRecordBinary(raw []byte, p *paper.Paper) (older bool, err error) {
	if len(raw) == 0 || raw[0] != recordMagic {
		return false, fmt.Errorf("not a binary record")
	}
	b := raw[1:]
	s := string(b) // every string of the record is a slice of s
	i := 0
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(b[i:])
		if n <= 0 {
			return 0, false
		}
		i += n
		return v, true
	}
	str := func() (string, bool) {
		n, ok := uv()
		if !ok || n > uint64(len(s)-i) {
			return "", false
		}
		v := s[i : i+int(n)]
		i += int(n)
		return v, true
	}
	for n, f := range recordFields {
		if n == mapping11Fields && i == len(s) {
			return true, nil
		}
		ok := true
		switch {
		case f.str != nil:
			*f.str(p), ok = str()
		case f.list != nil:
			var n uint64
			// Each item takes a byte at least.
			if n, ok = uv(); ok && n > uint64(len(s)-i) {
				ok = false
			}
			var l []string
			if ok && n > 0 {
				l = make([]string, n)
				for j := range l {
					if l[j], ok = str(); !ok {
						break
					}
				}
			}
			*f.list(p) = l
		case f.num != nil:
			v, n := binary.Varint(b[i:])
			if ok = n > 0 && v >= math.MinInt && v <= math.MaxInt; ok {
				i += n
				*f.num(p) = int(v)
			}
		default:
			var bits uint64
			bits, ok = uv()
			p.Trending = math.Float64frombits(bits)
		}
		if !ok {
			return false, fmt.Errorf("field %s cut short or malformed at byte %d of %d", f.name, i+1, len(raw))
		}
	}
	if i != len(s) {
		return false, fmt.Errorf("%d bytes after the last field (%s)", len(s)-i, recordFields[len(recordFields)-1].name)
	}
	return false, nil
}
