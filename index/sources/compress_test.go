package sources_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
)

const twoPapers = `{"id":"2401.00001","title":"One"}` + "\n" + `{"id":"2401.00002","title":"Two"}` + "\n"

func compressWith(t *testing.T, format string, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch format {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "xz":
		w, err = xz.NewWriter(&buf)
	case "zstd":
		w, err = zstd.NewWriter(&buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, text); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Compressed input is read by its content, whatever its name (issue 13:
// `ingest FILE.jsonl.xz` indexed the xz bytes as text); the format is still
// told by the name without the compression's suffix.
func TestParseCompressedByContent(t *testing.T) {
	trending := pageHeader + "A trending title\nIts abstract.\n"
	for _, c := range []struct {
		format, name, text string
		want               int
	}{
		{"xz", "papers.jsonl.xz", twoPapers, 2},
		{"xz", "papers.jsonl", twoPapers, 2},
		{"xz", "stdin", twoPapers, 2},
		{"zstd", "papers.jsonl.zst", twoPapers, 2},
		{"zstd", "download", twoPapers, 2},
		{"gzip", "papers.xz", twoPapers, 2},
		{"xz", "page.txt.xz", trending, 1},
		{"zstd", "page.txt.zstd", trending, 1},
	} {
		ps, rej := parseAll(t, compressWith(t, c.format, c.text), c.name, sources.Auto)
		if len(ps) != c.want || len(rej) != 0 {
			t.Errorf("%s as %s: %d papers, rejected %v; want %d", c.format, c.name, len(ps), rej, c.want)
		}
	}
}

// Other binary input is refused whole with a clear error, before any
// record; text with a few bad bytes is still read line by line.
func TestParseRefusesBinary(t *testing.T) {
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0, 0x3e, 0, 1, 0xc8, 0x9f, 0x40}, 200)...)
	utf16 := []byte("\xff\xfe{\x00\"\x00t\x00i\x00t\x00l\x00e\x00\"\x00:\x00\"\x00x\x00\"\x00}\x00\n\x00")
	bz := append([]byte("BZh91AY&SY"), bytes.Repeat([]byte{0x8a, 0x17}, 50)...)
	xzOfBinary := compressWith(t, "xz", string(elf))
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"a.out", elf, "binary data, not JSON Lines or trending-page text (605 of its first 1408 bytes are not text; it starts 7f 45 4c 46 02 01 01 00)"},
		{"papers.jsonl", utf16, "binary data, not JSON Lines"},
		{"papers.jsonl.bz2", bz, "binary data compressed with bzip2, which paperbot does not read: decompress it first"},
		{"papers.jsonl.xz", xzOfBinary, "xz-compressed binary data, not JSON Lines"},
	} {
		var n int
		err := sources.Parse(context.Background(), bytes.NewReader(c.in), c.name, sources.Auto, sources.Handler{
			Paper:  func(paper.Paper) error { n++; return nil },
			Reject: func(*sources.RecordError) { n++ },
		})
		if !errors.Is(err, sources.ErrBinary) || !strings.HasPrefix(err.Error(), c.want) || n != 0 {
			t.Errorf("%s: %d records, error %v; want ErrBinary starting %q", c.name, n, err, c.want)
		}
		if serr := sources.Sniff(bytes.NewReader(c.in)); !errors.Is(serr, sources.ErrBinary) {
			t.Errorf("Sniff(%s) = %v", c.name, serr)
		}
	}
	// A text file with a damaged line: that line is rejected, the rest read.
	ps, rej := parseAll(t, []byte(twoPapers+"{\"title\":\"bad \xff\xfe\x00 bytes\"}\n"), "in.jsonl", sources.Auto)
	if len(ps) != 2 || len(rej) != 1 {
		t.Errorf("damaged line: %d papers, rejected %v", len(ps), rej)
	}
	if err := sources.Sniff(strings.NewReader(twoPapers)); err != nil {
		t.Errorf("Sniff(text) = %v", err)
	}
}

// A compressed file cut short says so, naming the compression, instead of
// "unexpected EOF".
func TestTruncatedCompressedInput(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for i := range 200 {
		fmt.Fprintf(zw, "{\"id\":\"2401.%05d\",\"title\":\"Paper %d about something\",\"abstract\":\"Words words words %d.\"}\n", i, i, i)
	}
	zw.Close()
	cut := buf.Bytes()[:buf.Len()/2]
	err := sources.Parse(context.Background(), bytes.NewReader(cut), "t.jsonl.gz", sources.JSONL, sources.Handler{
		Paper: func(paper.Paper) error { return nil },
	})
	if err == nil || !strings.Contains(err.Error(), "the gzip-compressed data ends early (is the file truncated?)") {
		t.Errorf("cut gzip: %v, want it to say the compressed data ends early", err)
	}
}

// A rejected line of a compressed file is reported with the file's name as
// given (bad.jsonl.xz:2), not the name without the compression's suffix,
// which names no file the user has; the format is still told by that name.
func TestCompressedRejectNamesTheFileGiven(t *testing.T) {
	text := `{"id":"2401.00001","title":"One"}` + "\n" + `{"title":5}` + "\n" +
		`{"title":"` + strings.Repeat("x", sources.MaxLine) + `"}` + "\n" + `{"id":"2401.00002","title":"Two"}` + "\n"
	for _, c := range []struct{ format, name string }{
		{"xz", "bad.jsonl.xz"},
		{"gzip", "bad.jsonl.gz"},
		{"gzip", "BAD.JSONL.GZ"},
		{"zstd", "bad.jsonl.zst"},
		{"xz", "bad.jsonl"},
	} {
		ps, rej := parseAll(t, compressWith(t, c.format, text), c.name, sources.Auto)
		var got []string
		for _, e := range rej {
			got = append(got, e.Error())
		}
		want := []string{
			c.name + ":2: title: want a string, got JSON number",
			c.name + ":3: line longer than 1048576 bytes",
		}
		if len(ps) != 2 || !slices.Equal(got, want) {
			t.Errorf("%s as %s: %d papers, rejections\n%q\nwant 2 papers and\n%q", c.format, c.name, len(ps), got, want)
		}
	}
}

// A cut xz file says it is truncated wherever the cut is: in the stream
// header (it said "reading it as xz: unexpected EOF"), between the header
// and the first block or in the index or footer (it said nothing: the xz
// reader took the cut for the end), in the data (where the reader drops
// what it decoded before the cut, which the message says, with how to get
// it back). A complete file, with stream padding or not, reads clean.
func TestTruncatedXZ(t *testing.T) {
	var text strings.Builder
	for i := range 30 {
		fmt.Fprintf(&text, "{\"id\":\"2401.%05d\",\"title\":\"Paper %d about glaciers\",\"abstract\":\"Sea ice %d.\"}\n", i, i, i*7919)
	}
	full := compressWith(t, "xz", text.String())
	const ends = "the xz-compressed data ends early (is the file truncated?)"
	const lost = "; the text decoded just before the damage (up to 8 MiB, all of a small file) may not have been read: xz -dc t.jsonl.xz recovers it"
	for _, c := range []struct {
		what   string
		in     []byte
		papers int // -1: any
		want   string
	}{
		{"cut in the stream header", full[:8], 0, ends + ": unexpected EOF"},
		{"cut after the stream header", full[:12], 0, ends + ": unexpected EOF"},
		{"cut in the block header", full[:14], 0, ends + ": unexpected EOF"},
		{"cut in the data", full[:len(full)/2], -1, ends + lost + ": unexpected EOF"},
		{"cut in the footer", full[:len(full)-6], 30, ends + ": unexpected EOF"},
		{"complete", full, 30, ""},
		{"complete, padded", append(bytes.Clone(full), 0, 0, 0, 0), 30, ""},
	} {
		n := 0
		err := sources.Parse(context.Background(), bytes.NewReader(c.in), "t.jsonl.xz", sources.Auto, sources.Handler{
			Paper: func(paper.Paper) error { n++; return nil },
		})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want || c.papers >= 0 && n != c.papers || c.want != "" && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %d papers, error %q; want %d papers, error %q", c.what, n, got, c.papers, c.want)
		}
	}
}
