package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

// A rebuild on open says how far it is (a progress bar on a terminal, log
// lines otherwise), and an index of a newer paperbot is refused with what
// to do, exit 1 (issue 13 item 9).
func TestRebuildProgressAndNewerIndex(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "ix")
	papers := cliWrite(t, dir, "p.jsonl", `{"id":"2401.00001","title":"One"}`+"\n"+`{"id":"2401.00002","title":"Two"}`+"\n")
	if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, papers); code != 0 {
		t.Fatal(stderr)
	}
	setMappingVersion := func(v string) {
		bi, err := bleve.Open(ix)
		if err != nil {
			t.Fatal(err)
		}
		if err := bi.SetInternal([]byte("paperbot.mapping_version"), []byte(v)); err != nil {
			t.Fatal(err)
		}
		bi.Close()
	}
	setMappingVersion("0")
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, papers)
	if code != 0 || stdout != "2 indexed, 0 rejected\n" || !strings.Contains(stderr, `msg="rebuilding the index" papers=0 of=2`) ||
		!strings.Contains(stderr, `msg="rebuilding the index" papers=2 of=2`) {
		t.Errorf("rebuild: exit %d, %q\n%s", code, stdout, stderr)
	}
	setMappingVersion("999")
	_, stderr, code = cliRun(t, nil, "", "ingest", "--index", ix, papers)
	if code != 1 || !strings.HasPrefix(stderr, "paperbot: index written by a newer paperbot: index "+ix+" has mapping version 999") {
		t.Errorf("newer index: exit %d\n%s", code, stderr)
	}
}
