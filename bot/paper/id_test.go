package paper

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseArxivID(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" when the input is not an arXiv paper
	}{
		// Old style (to March 2007): archive[.SUBJ]/YYMMNNN.
		{"hep-th/9901001", "hep-th/9901001"},
		{"hep-th/9901001v3", "hep-th/9901001"},
		{"math.GT/0309136", "math/0309136"},
		{"math.GT/0309136v2", "math/0309136"},
		{"cs.AI/0101001", "cs/0101001"},
		{"cond-mat/0001001", "cond-mat/0001001"},
		{"quant-ph/0201082", "quant-ph/0201082"},
		{"arXiv:hep-th/9901001", "hep-th/9901001"},
		{"hep-th/9913001", ""}, // month 13
		{"hep-th/9900001", ""}, // month 00
		{"hep-th/990100", ""},  // six digits
		{"hep-th/99010011", ""},
		{"hep-th/9901001v", ""},
		{"/9901001", ""},

		// Copied from a sentence: brackets, quotes and punctuation around.
		{"https://arxiv.org/abs/2205.13760.", "2205.13760"},
		{"https://arxiv.org/abs/2205.13760,", "2205.13760"},
		{"(https://arxiv.org/abs/2205.13760)", "2205.13760"},
		{"(see 2205.13760)", ""},
		{`"https://arxiv.org/abs/2205.13760"`, "2205.13760"},
		{"“2205.13760v2”.", "2205.13760"},
		{"[hep-th/9901001]", "hep-th/9901001"},
		{"<https://arxiv.org/abs/2205.13760|the paper>.", "2205.13760"},

		// New style: YYMM.NNNN (0704-1412) and YYMM.NNNNN (1501 on).
		{"2509.04664", "2509.04664"},
		{"2509.04664v2", "2509.04664"},
		{"2509.04664v12", "2509.04664"},
		{"0704.0001", "0704.0001"},
		{"0704.0001v1", "0704.0001"},
		{"1412.9999", "1412.9999"},
		{"1501.00001", "1501.00001"},
		{"2205.13760", "2205.13760"},
		{"1412.00001", ""}, // five digits before 2015
		{"1501.0001", ""},  // four digits from 2015 on
		{"0703.0001", ""},  // new style began in April 2007
		{"0001.0001", ""},
		{"2513.04664", ""}, // month 13
		{"2500.04664", ""}, // month 00
		{"2509.046640", ""},
		{"2509.0466", ""},
		{"2509-04664", ""},
		{"2509.04664v", ""},
		{"2509.04664x", ""},
		{"2509.04664 v2", ""},

		// The arXiv: prefix, in any case, and surrounding space.
		{"arXiv:2509.04664", "2509.04664"},
		{"arxiv:2509.04664v2", "2509.04664"},
		{"ARXIV:2509.04664", "2509.04664"},
		{"  2509.04664v2\n", "2509.04664"},
		{"arXiv:", ""},
		{"arXiv: 2509.04664", ""},

		// arXiv URLs: abs, pdf (with and without .pdf), html, format,
		// export and browse mirrors, ar5iv; with versions, queries,
		// fragments and trailing slashes; without a scheme.
		{"https://arxiv.org/abs/2509.04664", "2509.04664"},
		{"https://arxiv.org/abs/2509.04664v2", "2509.04664"},
		{"http://arxiv.org/abs/2509.04664v2", "2509.04664"},
		{"https://www.arxiv.org/abs/2509.04664", "2509.04664"},
		{"arxiv.org/abs/2509.04664", "2509.04664"},
		{"https://arxiv.org/abs/2509.04664/", "2509.04664"},
		{"https://arxiv.org/abs/2509.04664?context=cs.LG", "2509.04664"},
		{"https://arxiv.org/abs/2509.04664#comments", "2509.04664"},
		{"https://ARXIV.ORG/abs/2509.04664", "2509.04664"},
		{"https://arxiv.org/pdf/2509.04664", "2509.04664"},
		{"https://arxiv.org/pdf/2509.04664v2", "2509.04664"},
		{"https://arxiv.org/pdf/2509.04664.pdf", "2509.04664"},
		{"https://arxiv.org/pdf/2509.04664v2.pdf", "2509.04664"},
		{"https://arxiv.org/html/2509.04664v2", "2509.04664"},
		{"https://arxiv.org/html/2509.04664v2#S3", "2509.04664"},
		{"https://arxiv.org/format/2509.04664", "2509.04664"},
		{"https://export.arxiv.org/abs/2509.04664", "2509.04664"},
		{"https://browse.arxiv.org/abs/2509.04664v1", "2509.04664"},
		{"https://ar5iv.labs.arxiv.org/html/2205.13760", "2205.13760"},
		{"https://ar5iv.org/abs/2205.13760", "2205.13760"},
		{"https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"},
		{"https://arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001"},
		{"https://arxiv.org/pdf/hep-th/9901001v1.pdf", "hep-th/9901001"},
		{"https://arxiv.org/abs/math.GT/0309136", "math/0309136"},
		{"https://arxiv.org/abs/0704.0001", "0704.0001"},
		{"https://arxiv.org/list/cs.LG/recent", ""},
		{"https://arxiv.org/abs/", ""},
		{"https://arxiv.org/", ""},
		{"https://arxiv.org/abs/2513.04664", ""},
		{"https://arxiv.org/search/2509.04664", ""},

		// Host names in any case, with www., export. or the root's dot;
		// the page's kind as typed (ABS, .PDF); versions, trailing
		// slashes and queries, all together.
		{"https://ARXIV.ORG/abs/2205.13760", "2205.13760"},
		{"https://Arxiv.org/abs/2205.13760", "2205.13760"},
		{"HTTPS://ArXiv.Org/abs/2205.13760", "2205.13760"},
		{"ARXIV.ORG/abs/2205.13760", "2205.13760"},
		{"https://www.arxiv.org/abs/2205.13760", "2205.13760"},
		{"https://WWW.ARXIV.ORG/abs/2205.13760v2/", "2205.13760"},
		{"https://export.arxiv.org/abs/2205.13760v2", "2205.13760"},
		{"https://EXPORT.ARXIV.ORG/abs/2205.13760/?context=cs", "2205.13760"},
		{"https://arxiv.org/abs/2205.13760/", "2205.13760"},
		{"https://arxiv.org/abs/2205.13760?context=cs", "2205.13760"},
		{"https://arxiv.org/abs/2205.13760v2?context=cs#x", "2205.13760"},
		{"https://arxiv.org./abs/2205.13760", "2205.13760"},
		{"https://arxiv.org:443/abs/2205.13760", "2205.13760"},
		{"https://arxiv.org/ABS/2205.13760", "2205.13760"},
		{"https://arxiv.org/Pdf/2205.13760v2.PDF", "2205.13760"},
		{"<https://ARXIV.ORG/abs/2205.13760|ARXIV.ORG/abs/2205.13760>", "2205.13760"},
		{"https://HuggingFace.co/Papers/2205.13760", "2205.13760"},
		{"https://www.AlphaXiv.org/ABS/2205.13760v2", "2205.13760"},
		{"https://ARXIV.ORG.evil.example/abs/2205.13760", ""},
		{"https://arxiv.org../abs/2205.13760", ""},

		// Hugging Face paper pages.
		{"https://huggingface.co/papers/2509.04664", "2509.04664"},
		{"https://huggingface.co/papers/2509.04664v2", "2509.04664"},
		{"https://huggingface.co/papers/2509.04664#community", "2509.04664"},
		{"huggingface.co/papers/2205.13760", "2205.13760"},
		{"https://hf.co/papers/2509.04664", "2509.04664"},
		{"https://huggingface.co/papers", ""},
		{"https://huggingface.co/papers?date=2025-09-05", ""},
		{"https://huggingface.co/models/2509.04664", ""},

		// alphaXiv.
		{"https://alphaxiv.org/abs/2509.04664", "2509.04664"},
		{"https://www.alphaxiv.org/abs/2509.04664v2", "2509.04664"},
		{"https://www.alphaxiv.org/overview/2509.04664", "2509.04664"},
		{"https://www.alphaxiv.org/overview/2509.04664v2", "2509.04664"},
		{"https://www.alphaxiv.org/pdf/2509.04664v2.pdf", "2509.04664"},
		{"https://www.alphaxiv.org/explore", ""},

		// arXiv DOIs, as URLs and bare.
		{"https://doi.org/10.48550/arXiv.2509.04664", "2509.04664"},
		{"https://dx.doi.org/10.48550/arXiv.2509.04664", "2509.04664"},
		{"https://doi.org/10.48550/ARXIV.2509.04664", "2509.04664"},
		{"https://doi.org/10.48550/arXiv.hep-th/9901001", "hep-th/9901001"},
		{"10.48550/arXiv.2509.04664", "2509.04664"},
		{"doi:10.48550/arXiv.2509.04664", "2509.04664"},
		{"DOI:10.48550/arxiv.2205.13760", "2205.13760"},
		{"10.48550/arXiv.hep-th/9901001", "hep-th/9901001"},
		{"https://doi.org/10.1038/nature14539", ""},
		{"10.1038/nature14539", ""},

		// Slack wraps links: <url> and <url|label>.
		{"<https://arxiv.org/abs/2509.04664v2>", "2509.04664"},
		{"<https://arxiv.org/abs/2509.04664v2|arxiv.org/abs/2509.04664v2>", "2509.04664"},
		{"<https://huggingface.co/papers/2509.04664|Paper page>", "2509.04664"},
		{"<https://example.com/2509.04664|2509.04664>", ""},

		// Garbage.
		{"", ""},
		{"   ", ""},
		{"<>", ""},
		{"|", ""},
		{"tranception", ""},
		{"protein fitness 2509.04664", ""},
		{"https://example.com/abs/2509.04664", ""},
		{"https://evil.example/arxiv.org/abs/2509.04664", ""},
		{"https://arxiv.org.evil.example/abs/2509.04664", ""},
		{"ftp://arxiv.org/abs/2509.04664", ""},
		{"https://arxiv.org/abs/" + strings.Repeat("1", 400), ""},
		{strings.Repeat("2509.04664", 50), ""},
		{"2509.04664\x00", ""},
		{"\xff\xfe2509.04664", ""},
		{"https://[::1/abs/2509.04664", ""},
		{"%zz", ""},
	}
	for _, c := range cases {
		got, ok := ParseArxivID(c.in)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("ParseArxivID(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.want != "")
		}
	}
}

func TestCanonicalID(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2509.04664v2", "2509.04664"},
		{"https://huggingface.co/papers/2509.04664", "2509.04664"},
		{"arXiv:math.GT/0309136v1", "math/0309136"},
		{" t-0123456789 ", "t-0123456789"}, // other ids are kept, trimmed
		{"openreview:XyZ123", "openreview:XyZ123"},
		{"", ""},
	}
	for _, c := range cases {
		if got := CanonicalID(c.in); got != c.want {
			t.Errorf("CanonicalID(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsArxivID(t *testing.T) {
	cases := []struct {
		in       string
		arxiv    bool
		newStyle bool
	}{
		{"2509.04664", true, true},
		{"0704.0001", true, true},
		{"hep-th/9901001", true, false},
		{"math/0309136", true, false},
		{"2509.04664v2", false, true},     // not canonical: has a version
		{"math.GT/0309136", false, false}, // not canonical: has a subject class
		{"arXiv:2509.04664", false, false},
		{"https://arxiv.org/abs/2509.04664", false, false},
		{"t-0123456789", false, false},
		{"", false, false},
	}
	for _, c := range cases {
		if got := IsArxivID(c.in); got != c.arxiv {
			t.Errorf("IsArxivID(%q) = %v, want %v", c.in, got, c.arxiv)
		}
		if c.arxiv {
			if got := IsNewStyle(c.in); got != c.newStyle {
				t.Errorf("IsNewStyle(%q) = %v, want %v", c.in, got, c.newStyle)
			}
		}
	}
}

// Every canonical id parses back to itself.
func TestParseArxivIDIdempotent(t *testing.T) {
	for _, in := range []string{
		"hep-th/9901001v3", "math.GT/0309136", "2509.04664v2", "0704.0001",
		"https://arxiv.org/pdf/2509.04664v2.pdf", "https://www.alphaxiv.org/overview/2509.04664",
		"10.48550/arXiv.2509.04664",
	} {
		id, ok := ParseArxivID(in)
		if !ok {
			t.Fatalf("ParseArxivID(%q) failed", in)
		}
		again, ok := ParseArxivID(id)
		if !ok || again != id || !IsArxivID(id) {
			t.Errorf("%q -> %q -> %q, %v (IsArxivID %v)", in, id, again, ok, IsArxivID(id))
		}
	}
}

var titleIDRe = regexp.MustCompile(`^t-[0-9a-f]{10}$`)

func TestTitleID(t *testing.T) {
	base := TitleID("Attention Is All You Need")
	if !titleIDRe.MatchString(base) {
		t.Fatalf("TitleID = %q, want t- and 10 hex digits", base)
	}
	if again := TitleID("Attention Is All You Need"); again != base {
		t.Fatalf("not deterministic: %q then %q", base, again)
	}
	// A fixed value: ids are stored in indexes, so the function must not
	// change from one release to the next without a migration.
	if base != "t-4a1c934d3d" {
		t.Errorf("TitleID changed: %q", base)
	}
	same := []string{
		"attention is all you need",
		"ATTENTION IS ALL YOU NEED",
		"  Attention   is\tall\nyou need  ",
		"Attention is all you need.",
		"Attention, is all: you need!",
		"Attention is all-you-need",
		"“Attention is all you need”",
		"Attention — is all you need…",
		"Attention\u00a0is all you need",
		"(Attention) [is] {all} <you> need?",
	}
	for _, s := range same {
		if got := TitleID(s); got != base {
			t.Errorf("TitleID(%q) = %q, want %q (same title)", s, got, base)
		}
	}
	// Typographic and ASCII apostrophes, and Unicode case, are the same.
	if a, b := TitleID("Don't Stop Pretraining"), TitleID("Don’t stop pretraining"); a != b {
		t.Errorf("apostrophes differ: %q vs %q", a, b)
	}
	if a, b := TitleID("ÜBER Straße"), TitleID("über straße"); a != b {
		t.Errorf("unicode case differs: %q vs %q", a, b)
	}
	different := []string{
		"Attention Is Not All You Need",
		"Attention Is All You Need 2",
		"AttentionIsAllYouNeed",
		"Über attention",
		"注意力就是你所需要的",
		"",
	}
	seen := map[string]string{base: "Attention Is All You Need"}
	for _, s := range different {
		id := TitleID(s)
		if !titleIDRe.MatchString(id) {
			t.Errorf("TitleID(%q) = %q: bad form", s, id)
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("TitleID(%q) = TitleID(%q) = %q", s, prev, id)
		}
		seen[id] = s
	}
	// A derived id is not mistaken for an arXiv id and survives CanonicalID.
	if IsArxivID(base) || CanonicalID(base) != base {
		t.Errorf("derived id %q is not stable", base)
	}
}

// FuzzParseArxivID: any input is read without panicking, and what it
// returns is a canonical id that parses back to itself.
//
//	go test -run XXX -fuzz FuzzParseArxivID -fuzztime 60s ./bot/paper/
func FuzzParseArxivID(f *testing.F) {
	for _, s := range []string{
		"hep-th/9901001v3", "math.GT/0309136", "2509.04664v2", "0704.0001", "arXiv:1501.00001",
		"https://arxiv.org/pdf/2509.04664v2.pdf", "<https://huggingface.co/papers/2509.04664|x>",
		"https://www.alphaxiv.org/overview/2509.04664", "doi:10.48550/arXiv.hep-th/9901001",
		"https://doi.org/10.48550/arXiv.2509.04664", "", "<|>", "\xff", "https://[::1/", "a.org/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := ParseArxivID(s)
		if cid, err := CheckArxivID(s); cid != id || (err == nil) != ok {
			t.Fatalf("CheckArxivID(%q) = %q, %v; ParseArxivID = %q, %v", s, cid, err, id, ok)
		}
		if !ok {
			if id != "" {
				t.Fatalf("ParseArxivID(%q) = %q, false", s, id)
			}
			return
		}
		if !IsArxivID(id) {
			t.Fatalf("ParseArxivID(%q) = %q, not canonical", s, id)
		}
		if again, ok := ParseArxivID(id); !ok || again != id {
			t.Fatalf("ParseArxivID(%q) = %q, which parses to %q, %v", s, id, again, ok)
		}
		if CanonicalID(s) != id {
			t.Fatalf("CanonicalID(%q) = %q, want %q", s, CanonicalID(s), id)
		}
	})
}

// FuzzTitleID: the id never depends on case, spacing or punctuation around
// the words.
func FuzzTitleID(f *testing.F) {
	for _, s := range []string{"Attention Is All You Need", "Don’t stop", "ÜBER straße", "", "a—b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := TitleID(s)
		if !titleIDRe.MatchString(id) {
			t.Fatalf("TitleID(%q) = %q", s, id)
		}
		if !utf8.ValidString(s) {
			return
		}
		same := []string{"  " + s + " ", s + ".", "(" + s + ")", strings.ToLower(s)}
		// Upper case only where it maps back (not ß, or the dotless i).
		if lowerOfUpper, lower := strings.ToLower(strings.ToUpper(s)), strings.ToLower(s); lowerOfUpper == lower {
			same = append(same, strings.ToUpper(s))
		}
		for _, v := range same {
			if got := TitleID(v); got != id {
				t.Fatalf("TitleID(%q) = %q, TitleID(%q) = %q", s, id, v, got)
			}
		}
	})
}

// IsCategory is the one rule for arXiv categories: the configuration's
// sources.arxiv.categories and the arXiv parsers both use it.
func TestIsCategory(t *testing.T) {
	for s, want := range map[string]bool{
		"cs.LG": true, "hep-th": true, "math.AG": true, "q-bio.NC": true, "cond-mat.stat-mech": true, "cs": true,
		"": false, "cs LG": false, "I.2.6": false, "68T05": false, "cs.LG/": false, "CS.LG": false, "cs..LG": false,
	} {
		if got := IsCategory(s); got != want {
			t.Errorf("IsCategory(%q) = %v, want %v", s, got, want)
		}
	}
}

// CheckArxivID tells an id that is written wrong (2205.137600: the bot
// should say what is wrong) from words that are no id at all (garbage:
// not an arXiv paper), and agrees with ParseArxivID on every valid one.
func TestCheckArxivID(t *testing.T) {
	cases := []struct {
		in   string
		want string // the id, the *IDError's message, or "not" for ErrNotArxivID
	}{
		{"2205.13760", "2205.13760"},
		{"arXiv:2205.13760v2", "2205.13760"},
		{"https://arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001"},

		// Written like an id, but wrong.
		{"2205.137600", "2205.137600 is not an arXiv id: it has 6 digits after the dot; arXiv ids are YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), with an optional version (v2)"},
		{"2205.137", "2205.137 is not an arXiv id: it has 3 digits after the dot; arXiv ids are YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), with an optional version (v2)"},
		{"22051.13760", "22051.13760 is not an arXiv id: it has 5 digits before the dot, not 4 (the year and month: 2205 is May 2022); arXiv ids are YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), with an optional version (v2)"},
		{"2.13760", "2.13760 is not an arXiv id: it has 1 digit before the dot, not 4 (the year and month: 2205 is May 2022); arXiv ids are YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), with an optional version (v2)"},
		{"2213.13760", "2213.13760 is not an arXiv id: 2213 is no year and month (YYMM: 2205 is May 2022)"},
		{"2200.13760", "2200.13760 is not an arXiv id: 2200 is no year and month (YYMM: 2205 is May 2022)"},
		{"0612.1234", "0612.1234 is not an arXiv id: ids of this form begin in April 2007 (0704); older papers have ids like hep-th/9901001"},
		{"2205.1376", "2205.1376 is not an arXiv id: ids from January 2015 (1501) on have 5 digits after the dot, not 4"},
		{"1412.00001", "1412.00001 is not an arXiv id: ids before January 2015 (1501) have 4 digits after the dot, not 5"},
		{"2205.13760v", `2205.13760v is not an arXiv id: only a version (v2) may follow the number, not "v"`},
		{"2205.13760.pdf", `2205.13760.pdf is not an arXiv id: only a version (v2) may follow the number, not ".pdf"`},
		{"２２０５．１３７６００", "2205.137600 is not an arXiv id: it has 6 digits after the dot; arXiv ids are YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), with an optional version (v2)"},
		{"hep-th/990100", "hep-th/990100 is not an arXiv id: it has 6 digits after the slash; old-style ids are an archive, a slash and 7 digits, YYMMNNN (hep-th/9901001), with an optional version (v2)"},
		{"hep-th/9913001", "hep-th/9913001 is not an arXiv id: 9913 is no year and month (YYMM: 9901 is January 1999)"},
		{"HEP-TH/9901001", "HEP-TH/9901001 is not an arXiv id: the archive is written in lower case (hep-th/...)"},
		{"math.GTX/0309136", "math.GTX/0309136 is not an arXiv id: a subject class after the archive has 2 letters (math.GT/0309136)"},
		{"hep-th/9901001v", `hep-th/9901001v is not an arXiv id: only a version (v2) may follow the number, not "v"`},
		// After arXiv:, in a DOI or a paper's link, anything is meant as an id.
		{"arXiv:2205.137600", "2205.137600 is not an arXiv id: it has 6 digits after the dot; arXiv ids are YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), with an optional version (v2)"},
		{"arXiv:garbage", "garbage is not an arXiv id: it is not written like one (2205.13760, 2205.13760v2 or hep-th/9901001)"},
		{"arXiv:", "arXiv: is not an arXiv id: the id is missing (like 2205.13760 or hep-th/9901001)"},
		{"https://arxiv.org/abs/2205.137600", "2205.137600 is not an arXiv id: it has 6 digits after the dot; arXiv ids are YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), with an optional version (v2)"},
		{"<https://huggingface.co/papers/2213.13760|paper>", "2213.13760 is not an arXiv id: 2213 is no year and month (YYMM: 2205 is May 2022)"},
		{"https://arxiv.org/abs/tranception", "tranception is not an arXiv id: it is not written like one (2205.13760, 2205.13760v2 or hep-th/9901001)"},
		{"10.48550/arXiv.2205.1376", "2205.1376 is not an arXiv id: ids from January 2015 (1501) on have 5 digits after the dot, not 4"},

		// Not meant as an arXiv id.
		{"garbage", "not"},
		{"tranception", "not"},
		{"t-0123456789", "not"},
		{"3.14", "not"},
		{"1.2.3", "not"},
		{"and/or", "not"},
		{"openreview:XyZ123", "not"},
		{"https://example.com/abs/2205.13760", "not"},
		{"https://arxiv.org/list/cs.LG/recent", "not"},
		{"https://doi.org/10.1038/nature14539", "not"},
		{"", "not"},
		{strings.Repeat("2205.13760", 50), "not"},
	}
	for _, c := range cases {
		id, err := CheckArxivID(c.in)
		var ide *IDError
		switch {
		case c.want == "not":
			if !errors.Is(err, ErrNotArxivID) || errors.As(err, &ide) || id != "" {
				t.Errorf("CheckArxivID(%q) = %q, %v; want ErrNotArxivID", c.in, id, err)
			}
		case strings.Contains(c.want, " "):
			if !errors.As(err, &ide) || err.Error() != c.want || errors.Is(err, ErrNotArxivID) || id != "" {
				t.Errorf("CheckArxivID(%q) = %q, %v;\nwant the IDError %q", c.in, id, err, c.want)
			}
		default:
			if err != nil || id != c.want {
				t.Errorf("CheckArxivID(%q) = %q, %v; want %q", c.in, id, err, c.want)
			}
		}
	}
}
