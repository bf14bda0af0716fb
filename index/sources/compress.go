package sources

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// ErrBinary is returned (wrapped, with what was found) for input that is
// neither text nor a compression format paperbot reads.
var ErrBinary = errors.New("binary data")

// compression is a format recognised by its first bytes (its magic).
type compression struct {
	name   string
	magic  string
	suffix []string // file name endings it is usually given
	// open decompresses; nil for formats that are recognised only to be
	// refused by name.
	open func(r io.Reader) (io.ReadCloser, error)
	// footer, when set, is how a complete stream of the format ends (its
	// last bytes, before any padding of NUL bytes): a decompressor that
	// does not notice every cut (xz's) is checked with it.
	footer string
	// lost says what a cut costs with this format's decompressor, and
	// how to get it back, when that is worth saying.
	lost string
}

var compressions = []compression{
	{"gzip", "\x1f\x8b", []string{".gz", ".gzip"}, func(r io.Reader) (io.ReadCloser, error) {
		return gzip.NewReader(r)
	}, "", ""},
	// The xz decoder keeps what it decoded in its dictionary (8 MiB or
	// more) until it is full, and drops it on an error: a cut file loses
	// up to that much before the cut, all of a small one. The xz
	// command writes it out.
	{"xz", "\xfd7zXZ\x00", []string{".xz"}, func(r io.Reader) (io.ReadCloser, error) {
		zr, err := xz.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(zr), nil
	}, "YZ", "the text decoded just before the damage (up to 8 MiB, all of a small file) may not have been read: xz -dc FILE recovers it"},
	{"zstd", "\x28\xb5\x2f\xfd", []string{".zst", ".zstd"}, func(r io.Reader) (io.ReadCloser, error) {
		// One decoding goroutine: the parse is the bottleneck, and a
		// decoder per file must not multiply goroutines.
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}, "", ""},
	{"bzip2", "BZh", []string{".bz2"}, nil, "", ""},
	{"zip", "PK\x03\x04", []string{".zip"}, nil, "", ""},
	{"7-zip", "7z\xbc\xaf\x27\x1c", []string{".7z"}, nil, "", ""},
}

// binarySample is how much of an input is looked at to tell text from
// binary data.
const binarySample = 8 << 10

// decompress recognises compressed input by its first bytes, whatever its
// name, and returns a reader of the decompressed text (and the name with
// the compression's suffix removed, so that the format can still be told
// by it). Input that is binary but not in a format paperbot reads is
// refused with an error wrapping ErrBinary. close releases the
// decompressor.
func decompress(br *bufio.Reader, name string) (_ *bufio.Reader, _ string, close func(), err error) {
	close = func() {}
	head, _ := br.Peek(8)
	for _, c := range compressions {
		if !bytes.HasPrefix(head, []byte(c.magic)) {
			continue
		}
		if c.open == nil {
			return nil, name, close, fmt.Errorf("%w compressed with %s, which paperbot does not read: decompress it first (or compress it with gzip, xz or zstd)", ErrBinary, c.name)
		}
		tr := &truncated{kind: c.name, lost: c.lost}
		if name != "" && name != "stdin" {
			tr.lost = strings.ReplaceAll(tr.lost, "FILE", shellQuote(name))
		}
		in := io.Reader(br)
		if c.footer != "" {
			tr.tail = &tailReader{r: br}
			tr.footer = c.footer
			in = tr.tail
		}
		zr, err := c.open(in)
		if err != nil {
			return nil, name, close, tr.wrapLost(fmt.Errorf("reading it as %s: %w", c.name, err), false)
		}
		tr.r = zr
		for _, s := range c.suffix {
			if trimmed, ok := strings.CutSuffix(strings.ToLower(name), s); ok {
				name = name[:len(trimmed)]
				break
			}
		}
		dr := bufio.NewReaderSize(tr, br.Size())
		if err := checkText(dr, c.name+"-compressed "); err != nil {
			zr.Close()
			return nil, name, close, err
		}
		return dr, name, func() { zr.Close() }, nil
	}
	if err := checkText(br, ""); err != nil {
		return nil, name, close, err
	}
	return br, name, close, nil
}

// Sniff reads the first bytes of r and returns the error Parse would
// return for them: binary data (wrapping ErrBinary) or a damaged
// compressed stream. Callers check files with it before they change
// anything.
func Sniff(r io.Reader) error {
	return Check(r, "", Trending)
}

// Check reads the first bytes of r (named name) and returns the error
// Parse would return for them read as f: binary data (wrapping ErrBinary),
// a damaged compressed stream, or, unless f is Trending, a JSON document
// (wrapping ErrJSONDocument) or, when f is Auto, text of another format
// (wrapping ErrOtherFormat). Callers check files with it before they
// change anything.
func Check(r io.Reader, name string, f Format) error {
	br, inner, done, err := decompress(bufio.NewReaderSize(r, detectWindow), name)
	defer done()
	if err != nil || f == Trending {
		return err
	}
	_, head := startText(br)
	if err := checkDocument(head, name, inner); err != nil {
		return err
	}
	if f == Auto {
		if detected, _ := detect(head, inner); detected == Trending {
			return checkOtherFormat(head, inner)
		}
	}
	return nil
}

// checkText refuses input whose first bytes are mostly not text: NUL and
// other control characters than white space, or invalid UTF-8. A few such
// bytes are the parsers' business (they reject the lines that hold them);
// binary data (an executable, an image, an archive, UTF-16 text) is
// refused whole, before anything is read as a record.
func checkText(br *bufio.Reader, prefix string) error {
	// A read error (a truncated compressed stream) is the parser's to
	// report, after the records before it: judge what could be read.
	sample, _ := br.Peek(binarySample)
	if len(sample) == 0 {
		return nil
	}
	bad := 0
	for i := 0; i < len(sample); {
		c := sample[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b || c == 0x7f {
				bad++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(sample[i:])
		if r == utf8.RuneError && n <= 1 {
			// A rune cut by the end of the sample is not bad.
			if len(sample)-i >= utf8.UTFMax || utf8.FullRune(sample[i:]) {
				bad++
			}
			n = 1
		}
		i += n
	}
	// Text with a damaged line has a few bad bytes; binary data has many
	// (random bytes: about two in three).
	if bad*10 >= len(sample)*3 {
		first := sample[:min(len(sample), 8)]
		return fmt.Errorf("%s%w, not JSON Lines or trending-page text (%d of its first %d bytes are not text; it starts % x): paperbot reads text, plain or compressed with gzip, xz or zstd", prefix, ErrBinary, bad, len(sample), first)
	}
	return nil
}

// truncated names the usual cause of a decompressor's unexpected end, and
// checks that a stream that ends ends with its footer.
type truncated struct {
	r      io.Reader
	kind   string
	lost   string
	footer string
	tail   *tailReader // the compressed input, when footer is set
}

func (t *truncated) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF && t.tail != nil && string(t.tail.last[:]) != t.footer {
		// The xz reader takes a cut between two parts of the stream
		// for its end (after delivering all it decoded).
		return n, t.wrapLost(io.ErrUnexpectedEOF, false)
	}
	return n, t.wrap(err)
}

// wrap says that an unexpected end of the compressed data is one, and
// what it may have cost.
func (t *truncated) wrap(err error) error { return t.wrapLost(err, true) }

func (t *truncated) wrapLost(err error, mayLose bool) error {
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	lost := ""
	if t.lost != "" && mayLose {
		lost = "; " + t.lost
	}
	return fmt.Errorf("the %s-compressed data ends early (is the file truncated?)%s: %w", t.kind, lost, io.ErrUnexpectedEOF)
}

// tailReader remembers the last two bytes read from r before any run of
// NUL bytes at the end (xz's stream padding).
type tailReader struct {
	r     io.Reader
	last  [2]byte
	zeros bool // NUL bytes were read after last
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	b := bytes.TrimRight(p[:n], "\x00")
	switch {
	case len(b) >= 2:
		t.last = [2]byte{b[len(b)-2], b[len(b)-1]}
	case len(b) == 1:
		prev := t.last[1]
		if t.zeros {
			prev = 0
		}
		t.last = [2]byte{prev, b[0]}
	}
	if len(b) > 0 {
		t.zeros = false
	}
	if len(b) < n {
		t.zeros = true
	}
	return n, err
}
