package main

import (
	"context"
	"strings"
	"testing"
)

// serve with a source that fills the index (here Hugging Face) starts a
// new index without the sample corpus: its papers, an old trending listing
// with a rank each, were listed by /papers trending and posted
// in the team's digests before the papers of the sources. The digest dry
// run on such a configuration previews no sample either.
func TestSourcesLeaveTheSampleOut(t *testing.T) {
	cfg := hfServeConfig(t, `digest:
  subscriptions:
    - platform: console
      channel: console
`)

	stdout, stderr, code := cliRun(t, nil, "", "digest", "--dry-run", "--channel", "console:console", "--config", cfg)
	if code != 0 || strings.Contains(stderr, "sample corpus") || !strings.Contains(stderr, "the configured sources fill it once serve runs") ||
		len(previewIDs(stdout)) != 0 {
		t.Errorf("dry run before serve: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	logs := serveUntilLogged(t, cfg, "msg=refreshed job=huggingface source=huggingface papers=2")
	if strings.Contains(logs, "indexing the sample corpus") {
		t.Errorf("serve indexed the sample corpus beside its source:\n%s", logs)
	}
	ix := openConfiguredIndex(t, cfg)
	if n, err := ix.Count(); err != nil || n != 2 {
		t.Errorf("the index holds %d papers (%v), want the source's 2", n, err)
	}
	if p, err := ix.Lookup(context.Background(), "2205.13760"); err == nil {
		t.Errorf("the sample's Tranception is in the index: %s", p.Title)
	}
}

// Without a source that fills the index, serve and the chat still start
// on the sample corpus (the console demo; arXiv for /papers show alone
// fills nothing).
func TestSampleWithoutFillingSources(t *testing.T) {
	for _, body := range []string{"", "sources:\n  arxiv:\n    categories: []\n", "sources:\n  huggingface:\n    enabled: false\n"} {
		cfg := writeSourcesConfig(t, body)
		_, stderr, code := cliRun(t, nil, "", "chat", "--config", cfg)
		if code != 0 || !strings.Contains(stderr, "indexing the sample corpus (194 papers)") {
			t.Errorf("%q: exit %d, stderr: %s", body, code, stderr)
		}
	}
}
