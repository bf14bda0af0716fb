package configs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
)

func noEnv(string) string { return "" }

func TestSourcesExampleParses(t *testing.T) {
	c, err := Parse([]byte(Example), "paperbot.example.yaml", func(k string) string { return "x-" + k })
	if err != nil {
		t.Fatal(err)
	}
	s := c.Src
	if !s.HuggingFace.On() || s.HuggingFace.Every != 3*time.Hour || s.HuggingFace.Days != 2 {
		t.Errorf("huggingface %+v", s.HuggingFace)
	}
	if !s.Arxiv.On() || !s.Arxiv.Fetch() || !slices.Equal(s.Arxiv.Categories, []string{"cs.LG", "cs.CL"}) || s.Arxiv.MinInterval != 3*time.Second {
		t.Errorf("arxiv %+v", s.Arxiv)
	}
	if s.Rescore.Every != time.Hour || s.Rescore.Days != 14 {
		t.Errorf("rescore %+v", s.Rescore)
	}
}

func TestSourcesDefaults(t *testing.T) {
	c, err := Parse([]byte("sources:\n  huggingface: {}\n  arxiv: {}\n"), "t.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	h, a := c.Src.HuggingFace, c.Src.Arxiv
	if !h.On() || !h.Details() || h.BaseURL != "https://huggingface.co" || h.Every != 3*time.Hour || h.Days != 2 || h.MinInterval != time.Second {
		t.Errorf("huggingface defaults %+v", h)
	}
	if !a.On() || !a.Fetch() || len(a.Categories) != 0 || a.FeedURL != "https://rss.arxiv.org/atom" ||
		a.APIURL != "https://export.arxiv.org/api/query" || a.Delay != 30*time.Minute || a.Recheck != time.Hour ||
		a.Window != 6*time.Hour || a.MinInterval != 3*time.Second || a.Timezone != "America/New_York" {
		t.Errorf("arxiv defaults %+v", a)
	}
	if c.Src.RequestTimeout != time.Minute || c.Src.MaxRetryWait != 5*time.Minute {
		t.Errorf("client defaults %+v", c.Src)
	}

	// No section: nothing online.
	c, err = Parse(nil, "empty.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Src.HuggingFace.On() || c.Src.Arxiv.On() || c.Src.Arxiv.Fetch() {
		t.Error("sources on without configuration")
	}
	// enabled: false keeps the section but turns it off.
	c, err = Parse([]byte("sources:\n  arxiv:\n    enabled: false\n    categories: [cs.LG]\n"), "t.yaml", noEnv)
	if err != nil || c.Src.Arxiv.On() || c.Src.Arxiv.Fetch() {
		t.Errorf("enabled: false: %v %+v", err, c.Src.Arxiv)
	}
}

func TestSourcesInvalid(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"sources:\n  arxiv:\n    categories: [cs.LG, \"cs LG\"]\n", `sources.arxiv.categories[1]: "cs LG" is not an arXiv category`},
		{"sources:\n  arxiv:\n    categories: [cs.LG, cs.LG]\n", "sources.arxiv.categories[1]: cs.LG is listed twice"},
		{"sources:\n  arxiv:\n    min_interval: 1s\n", "sources.arxiv.min_interval: 1s is not between 3s and 1h"},
		{"sources:\n  arxiv:\n    api_url: ftp://example.org\n", `sources.arxiv.api_url: "ftp://example.org" is not an http(s) URL`},
		{"sources:\n  arxiv:\n    timezone: Mars/Olympus\n", "sources.arxiv.timezone:"},
		{"sources:\n  arxiv:\n    window: 30h\n", "sources.arxiv.window: 30h is not between 1m and 20h"},
		{"sources:\n  huggingface:\n    every: 1m\n", "sources.huggingface.every: 1m is not between 10m and 720h"},
		{"sources:\n  huggingface:\n    days: 30\n", "sources.huggingface.days: 30 is not between 1 and 14"},
		{"sources:\n  huggingface:\n    evry: 1h\n", "evry"},
		{"sources:\n  retries: -2\n", "sources.retries"},
		{"sources:\n  user_agent: \"a\\nb\"\n", "sources.user_agent: must be one line"},
		{"sources:\n  rescore:\n    every: 10s\n", "sources.rescore.every: 10s is not between 1m and 720h"},
		{"sources:\n  files: [\"\"]\n", "sources.files[0]: empty file name"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml), "t.yaml", noEnv)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.yaml, err, c.want)
		}
	}
}

// arXiv categories are checked against arXiv's taxonomy, not only for
// their shape: each unknown one is reported at its own line, with the
// nearest known category, and a category in the wrong case with its
// right case (the feeds are case-sensitive: cs.lg lists nothing).
func TestArxivCategoriesKnown(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pb.yaml")
	y := "sources:\n  arxiv:\n    categories:\n      - cs.LGG\n      - cs.lg\n      - foo.bar\n      - hep-th\n      - math.AG\n"
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, noEnv)
	want := path + `:4:9: sources.arxiv.categories[0]: "cs.LGG" is not an arXiv category; did you mean "cs.LG"?` + "\n" +
		path + `:5:9: sources.arxiv.categories[1]: "cs.lg" is not an arXiv category: categories are case-sensitive; write cs.LG` + "\n" +
		path + `:6:9: sources.arxiv.categories[2]: "foo.bar" is not an arXiv category (like cs.LG, hep-th or math.AG; the list is https://arxiv.org/category_taxonomy)`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant\n%s", err, want)
	}

	// Known categories, aliases and whole archives (a feed of their own)
	// pass.
	ok := "sources:\n  arxiv:\n    categories: [cs.LG, cs.CL, hep-th, math.AG, astro-ph.GA, cond-mat.stat-mech, physics.optics, q-bio.NC, stat.ML, eess.SP, econ.EM, math.MP, cs, quant-ph]\n"
	if err := os.WriteFile(path, []byte(ok), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, noEnv); err != nil {
		t.Error(err)
	}
	for _, c := range arxivCategories {
		if !paper.IsCategory(c) {
			t.Errorf("%s in the list is not shaped like a category", c)
		}
	}
}

// A file of sources.files that cannot be read now is a warning at its
// line (missing, a directory): serve starts without it, so the
// configuration still loads, but it would not ingest it. A readable file
// is no warning; the data commands (LoadOffline) do not look.
func TestSourcesFilesUnreadableWarns(t *testing.T) {
	dir := t.TempDir()
	papers := filepath.Join(dir, "papers.jsonl")
	if err := os.WriteFile(papers, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.jsonl")
	path := filepath.Join(dir, "pb.yaml")
	y := "sources:\n  files:\n    - " + papers + "\n    - " + missing + "\n    - " + dir + "\n"
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		path + ":4:7: sources.files[1]: " + missing + " does not exist: serve reads sources.files when it starts, and would go on without its papers",
		path + ":5:7: sources.files[2]: " + dir + " is a directory, not a file of papers: serve reads sources.files when it starts, and would go on without its papers",
	}
	if !slices.Equal(c.Warnings, want) {
		t.Errorf("warnings:\n%q\nwant\n%q", c.Warnings, want)
	}
	c, err = LoadOffline(path, Getenv(noEnv))
	if err != nil || len(c.Warnings) != 0 {
		t.Errorf("offline: %v, warnings %q", err, c.Warnings)
	}
}
