package sources_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
)

// parseNotes parses a fixture and returns what each handler was told, as
// the messages say it.
func parseNotes(t *testing.T, name string) (ps []paper.Paper, rejected, replaced []string) {
	t.Helper()
	err := sources.Parse(context.Background(), bytes.NewReader(fixture(t, name)), name, sources.Auto, sources.Handler{
		Paper:    func(p paper.Paper) error { ps = append(ps, p); return nil },
		Reject:   func(e *sources.RecordError) { rejected = append(rejected, e.Error()) },
		Replaced: func(e *sources.RecordError) { replaced = append(replaced, e.Error()) },
		Cleaned:  func(e *sources.RecordError) { t.Errorf("cleaned %v", e) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return ps, rejected, replaced
}

// A JSON Lines record with invalid UTF-8 in a text field is kept, each run
// of bad bytes replaced with U+FFFD, and the field and line are named; in
// the id (or another field that is no text) it is rejected naming the
// field; in a key it is rejected naming the key; in a field the record
// does not read it costs nothing.
func TestJSONLInvalidUTF8(t *testing.T) {
	name := "jsonl/invalid-utf8.jsonl"
	ps, rejected, replaced := parseNotes(t, name)
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if want := []string{"2401.00101", "2401.00102", "2401.00105", "2401.00107"}; !slices.Equal(ids, want) {
		t.Fatalf("kept %v, want %v (rejected %q)", ids, want, rejected)
	}
	if ps[0].Title != "Caf\uFFFD society of graphs" {
		t.Errorf("title %q", ps[0].Title)
	}
	if ps[1].Abstract != "Latin-1 bytes \uFFFDt\uFFFD in the abstract" || ps[1].Authors[0] != "Bj\uFFFDrn Berg" {
		t.Errorf("second record %+v", ps[1])
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"replaced", replaced, []string{
			name + ":1: title: invalid UTF-8 (at byte 31 of the line) replaced with U+FFFD",
			name + ":2: abstract: invalid UTF-8 (at byte 66 of the line) replaced with U+FFFD",
			name + ":2: authors: invalid UTF-8 (at byte 101 of the line) replaced with U+FFFD",
		}},
		{"rejected", rejected, []string{
			name + ":3: id: invalid UTF-8 at byte 13 of the line",
			name + ":4: invalid UTF-8 at byte 23, in the key \"tit\uFFFDle\"",
			name + ":6: upvotes: want a whole number, got JSON string",
		}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.what, c.got, c.want)
		}
	}
}

// The arXiv bulk metadata (Kaggle) alike: a Latin-1 byte in an abstract
// keeps the paper; one in update_date rejects the record naming that
// field.
func TestSnapshotInvalidUTF8(t *testing.T) {
	name := "arxiv/snapshot-invalid-utf8.jsonl"
	ps, rejected, replaced := parseNotes(t, name)
	if len(ps) != 1 || ps[0].ID != "0704.0002" || !bytes.Contains([]byte(ps[0].Abstract), []byte("graphs \uFFFD la Lee")) {
		t.Fatalf("kept %+v", ps)
	}
	if want := []string{name + ":1: abstract: invalid UTF-8 (at byte 499 of the line) replaced with U+FFFD"}; !slices.Equal(replaced, want) {
		t.Errorf("replaced %q, want %q", replaced, want)
	}
	if want := []string{name + ":2: update_date: invalid UTF-8 at byte 483 of the line"}; !slices.Equal(rejected, want) {
		t.Errorf("rejected %q, want line 2's update_date", rejected)
	}
}

// Files exported on Windows and joined with cat: CRLF line ends, and a
// byte order mark at the start of each part, not only of the file (the
// later one was rejected as "invalid character 'ï'").
func TestJoinedWindowsExports(t *testing.T) {
	for name, want := range map[string][]string{
		"jsonl/joined-windows-exports.jsonl": {"From the first export", "Also the first", "From the second export, joined with cat", "Also the second"},
		"joined-windows-exports.txt":         {"A First Title", "A Second Title, After a Joined File's Mark"},
	} {
		wantTitles(t, name, want)
	}
}

// A file whose lines end in a carriage return alone (classic Mac OS) is
// read line by line; it was one line, rejected whole (JSON Lines: "invalid
// character '{' after top-level value"; trending: a title without its
// abstract).
func TestClassicMacLineEnds(t *testing.T) {
	for name, want := range map[string][]string{
		"jsonl/classic-mac.jsonl": {"Saved on a classic Mac", "Its lines end in a carriage return alone", "A blank line before this one"},
		"classic-mac.txt":         {"A Title From a Classic Mac", "A Second Title"},
	} {
		wantTitles(t, name, want)
	}
}

// wantTitles parses a fixture and checks that it gives papers with the
// titles want, in order, and rejects nothing.
func wantTitles(t *testing.T, name string, want []string) {
	t.Helper()
	ps, rej := parseAll(t, fixture(t, name), name, sources.Auto)
	var titles []string
	for _, p := range ps {
		titles = append(titles, p.Title)
	}
	if !slices.Equal(titles, want) || len(rej) != 0 {
		t.Errorf("%s: titles %q, rejected %v; want %q", name, titles, rej, want)
	}
}

// The trending format alike: a title or abstract line with invalid UTF-8
// keeps its paper (the pair was rejected), each line named.
func TestTrendingInvalidUTF8(t *testing.T) {
	name := "trending-invalid-utf8.txt"
	ps, rejected, replaced := parseNotes(t, name)
	if len(ps) != 2 || ps[0].Title != "Caf\uFFFD Networks at Scale" || ps[1].Abstract != "An abstract with Latin-1 \uFFFDt\uFFFD bytes." || len(rejected) != 0 {
		t.Fatalf("papers %+v, rejected %q", ps, rejected)
	}
	want := []string{
		name + ":3: title: invalid UTF-8 (at byte 3 of the line) replaced with U+FFFD",
		name + ":4: abstract: invalid UTF-8 (at byte 12 of the line) replaced with U+FFFD",
		name + ":6: abstract: invalid UTF-8 (at byte 25 of the line) replaced with U+FFFD",
	}
	if !slices.Equal(replaced, want) {
		t.Errorf("replaced:\n got %q\nwant %q", replaced, want)
	}
}
