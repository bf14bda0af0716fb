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

// `paperbot check` on an index of an older mapping version, as the new
// binary of an upgrade sees it before its first start (a cron job, a
// systemd ExecStartPre): not checked, since serve rebuilds it, and not a
// failure (it was exit 1, which stopped the upgrade's first start).
func TestCheckOlderIndexIsNotDamage(t *testing.T) {
	dir := t.TempDir()
	cfg, data := dataConfig(t, dir)
	ix := filepath.Join(data, "index")
	papers := cliWrite(t, dir, "p.jsonl", `{"id":"2401.00001","title":"One"}`+"\n")
	if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, papers); code != 0 {
		t.Fatal(stderr)
	}
	bi, err := bleve.Open(ix)
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.SetInternal([]byte("paperbot.mapping_version"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	bi.Close()
	stdout, stderr, code := cliRun(t, nil, "", "check", "--config", cfg)
	want := "index " + ix + ": not checked: index written by a different mapping version: index " + ix +
		" has mapping version 1, this paperbot uses "
	if code != 0 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "serve or ingest rebuilds it") ||
		strings.Contains(stdout, "--no-rebuild") {
		t.Errorf("check of an older index: exit %d\n%s%s", code, stdout, stderr)
	}
}
