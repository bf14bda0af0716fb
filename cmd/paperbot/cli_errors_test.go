package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// cliNotExist fails the test when path exists.
func cliNotExist(t *testing.T, path, what string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		t.Errorf("%s created %s", what, path)
	}
}

// The commands that only read the index refuse to run without one, and
// create nothing: search (with --index or the data directory's), eval on
// an --index without --docs. The digest dry run previews from the sample
// corpus, as serve would index it, without creating the index.
func TestReadOnlyCommandsNeedAnIndex(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nonexistent", "idx")
	env := cliDataEnv(t)
	dataIndex := filepath.Join(env["PAPERBOT_DATA_DIR"], "index")
	want := func(ix string) string {
		return "paperbot: no index at " + ix + `: run "paperbot ingest FILE" (or start the chat once, which indexes the sample corpus)` + "\n"
	}
	for _, c := range []struct {
		env  map[string]string
		args []string
		ix   string
	}{
		{nil, []string{"search", "--index", missing, "diffusion"}, missing},
		{nil, []string{"search", "--index", missing, "--json", "diffusion"}, missing},
		{env, []string{"search", "diffusion"}, dataIndex},
		{nil, []string{"eval", "--index", missing, "--queries", "q.jsonl", "--qrels", "r.tsv"}, missing},
	} {
		stdout, stderr, code := cliRun(t, c.env, "", c.args...)
		if code != 1 || stdout != "" || stderr != want(c.ix) {
			t.Errorf("paperbot %q: exit %d, stdout %q, stderr %q; want 1 and %q", c.args, code, stdout, stderr, want(c.ix))
		}
	}
	cliNotExist(t, filepath.Dir(missing), "search without an index")
	cliNotExist(t, env["PAPERBOT_DATA_DIR"], "search without an index")

	// An empty directory is no index either; a directory of other files
	// is not one, and is left alone.
	empty := filepath.Join(dir, "empty")
	other := filepath.Join(dir, "other")
	for _, d := range []string{empty, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cliWrite(t, other, "notes.txt", "mine\n")
	if _, stderr, code := cliRun(t, nil, "", "search", "--index", empty, "x"); code != 1 || stderr != want(empty) {
		t.Errorf("empty directory: exit %d, %q", code, stderr)
	}
	if _, stderr, code := cliRun(t, nil, "", "search", "--index", other, "x"); code != 1 || !strings.Contains(stderr, other+" is not empty and holds no paperbot index") {
		t.Errorf("directory of other files: exit %d, %q", code, stderr)
	}
	for _, d := range []string{empty, other} {
		if entries, _ := os.ReadDir(d); len(entries) != map[string]int{empty: 0, other: 1}[d] {
			t.Errorf("search wrote into %s: %v", d, entries)
		}
	}

	// The digest dry run on a new data directory creates nothing there.
	cfg, dataDir := writeDigestConfig(t, digestConfig)
	stdout, stderr, code := cliRun(t, nil, "", "digest", "--dry-run", "--channel", "console:console", "--config", cfg)
	if code != 0 || len(previewIDs(stdout)) != 3 || !strings.Contains(stderr, "previewing from the sample corpus") {
		t.Errorf("dry run without an index: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	cliNotExist(t, dataDir, "digest --dry-run")
}

// ingest checks that it can read every file before it opens (or creates)
// the index.
func TestIngestChecksFilesFirst(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "data", "index")
	good := cliWrite(t, dir, "good.jsonl", `{"id":"2401.00001","title":"One"}`+"\n")
	missing := filepath.Join(dir, "missing.jsonl")
	for _, c := range []struct {
		files []string
		want  string
	}{
		{[]string{good, missing}, "paperbot: cannot read " + missing + ": no such file or directory; nothing was indexed\n"},
		{[]string{missing, "-"}, "paperbot: cannot read " + missing + ": no such file or directory; nothing was indexed\n"},
		{[]string{good, dir}, "paperbot: cannot read " + dir + ": it is a directory; nothing was indexed\n"},
	} {
		stdout, stderr, code := cliRun(t, nil, "", append([]string{"ingest", "--index", ix}, c.files...)...)
		if code != 1 || stdout != "" || stderr != c.want {
			t.Errorf("ingest %q: exit %d, stdout %q, stderr %q; want 1 and %q", c.files, code, stdout, stderr, c.want)
		}
	}
	cliNotExist(t, filepath.Dir(ix), "ingest of a missing file")

	// A file that fails half-way (a truncated gzip) keeps what was read
	// and leaves an index the next ingest opens and adds to.
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, `{"id":"2402.%05d","title":"Paper %d"}`+"\n", i+1, i)
	}
	gz := filepath.Join(dir, "cut.jsonl.gz")
	f, err := os.Create(gz)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte(b.String()))
	zw.Close()
	f.Close()
	body, _ := os.ReadFile(gz)
	os.WriteFile(gz, body[:len(body)-12], 0o600)
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, "--batch", "1", good, gz)
	if code != 1 || !strings.Contains(stdout, "(stopped early)") || !strings.Contains(stderr, gz) {
		t.Errorf("truncated file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, good); code != 0 || stdout != "1 indexed, 0 rejected\n" {
		t.Errorf("ingest after a failed one: exit %d, %q, %q", code, stdout, stderr)
	}
	if n := cliCount(t, ix); n < 1 {
		t.Errorf("%d papers", n)
	}
}

// A file in which nothing is found (no paper, no rejected line) is
// reported, with the format it was read as (or that it is empty: a 0-byte
// file has no format), and the exit status is 1.
// The summary line is the only other output (no log line).
func TestIngestFileWithoutPapers(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	// The page's header and nothing after it.
	junk := cliWrite(t, dir, "g.txt", "Get trending papers in your email inbox!\n\n")
	empty := cliWrite(t, dir, "empty.jsonl", "")
	emptyGz := cliWrite(t, dir, "empty.jsonl.gz", "")
	blank := cliWrite(t, dir, "blank.jsonl", " \n\r\n\t\n")
	page := cliWrite(t, dir, "page", "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n")
	good := cliWrite(t, dir, "good.jsonl", `{"id":"2401.00001","title":"One"}`+"\n")
	for _, c := range []struct {
		args   []string
		stdout string
		stderr string
	}{
		{[]string{junk}, "0 indexed, 0 rejected\n",
			"paperbot: " + junk + ": no papers found in it (read as trending-page text, by its .txt name: the page's header, then a title line and an abstract line per paper; for JSON Lines give --format jsonl)\n"},
		{[]string{empty}, "0 indexed, 0 rejected\n",
			"paperbot: " + empty + ": no papers found in it (it is empty: 0 bytes)\n"},
		{[]string{"--format", "trending", empty}, "0 indexed, 0 rejected\n",
			"paperbot: " + empty + ": no papers found in it (it is empty: 0 bytes)\n"},
		// Not "read as trending-page text, by its content" (the name's
		// .gz hid its .jsonl, and the content is none).
		{[]string{emptyGz}, "0 indexed, 0 rejected\n",
			"paperbot: " + emptyGz + ": no papers found in it (it is empty: 0 bytes)\n"},
		{[]string{blank}, "0 indexed, 0 rejected\n",
			"paperbot: " + blank + ": no papers found in it (read as JSON Lines, by its .jsonl name: one JSON object per line; for trending-page text give --format trending)\n"},
		{[]string{page}, "0 indexed, 0 rejected\n",
			"paperbot: " + page + ": no papers found in it (read as trending-page text, by its content: the page's header, then a title line and an abstract line per paper; for JSON Lines give --format jsonl)\n"},
		{[]string{good, junk}, "1 indexed, 0 rejected\n",
			"paperbot: " + junk + ": no papers found in it (read as trending-page text, by its .txt name: the page's header, then a title line and an abstract line per paper; for JSON Lines give --format jsonl)\n"},
		{[]string{"-"}, "0 indexed, 0 rejected\n",
			"paperbot: stdin: no papers found in it (it is empty: 0 bytes)\n"},
	} {
		stdout, stderr, code := cliRun(t, nil, "", append([]string{"ingest", "--index", ix}, c.args...)...)
		if code != 1 || stdout != c.stdout || stderr != c.stderr {
			t.Errorf("ingest %q: exit %d\nstdout %q\nstderr %q\nwant 1,\n       %q\n       %q", c.args, code, stdout, stderr, c.stdout, c.stderr)
		}
	}
	if stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, good); code != 0 || stdout != "1 indexed, 0 rejected\n" || stderr != "" {
		t.Errorf("good file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// Flags written after the query (or the files) are refused: Go's flag
// package would take them as words. Words that only look like flags
// (-survey, an exclusion) are words, and -- ends the flags.
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	file := cliWrite(t, dir, "p.jsonl", `{"id":"2401.00001","title":"Diffusion models of glaciers"}`+"\n"+
		`{"id":"2401.00002","title":"A survey of diffusion"}`+"\n")
	if _, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, file); code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	const searchMsg = "paperbot search: flags go before the query: paperbot search [--index DIR] [--limit N] [--json] QUERY...\n"
	for _, args := range [][]string{
		{"diffusion", "--json", "--limit", "1"},
		{"diffusion", "-json"},
		{"diffusion", "--limit=1"},
		{"diffusion", "-sort", "recent"},
		{"diffusion", "--index", ix},
	} {
		stdout, stderr, code := cliRun(t, nil, "", append([]string{"search", "--index", ix}, args...)...)
		if code != 2 || stdout != "" || stderr != searchMsg {
			t.Errorf("search %q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	if hits := cliSearchJSON(t, ix, "diffusion", "-survey"); len(hits) != 1 || hits[0].ID != "2401.00001" {
		t.Errorf("diffusion -survey: %+v", hits)
	}
	if _, stderr, code := cliRun(t, nil, "", "search", "--index", ix, "--", "diffusion", "--json"); code != 0 {
		t.Errorf("after --: exit %d, %s", code, stderr)
	}
	stdout, stderr, code := cliRun(t, nil, "", "ingest", file, "--index", ix)
	if code != 2 || stdout != "" || !strings.Contains(stderr, "paperbot ingest: flags go before the files") {
		t.Errorf("ingest FILE --index: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// paperbot -h is paperbot help; a bad flag is reported once, with a hint;
// the overview's flags are the commands' flags.
func TestHelpAndFlagErrors(t *testing.T) {
	env := cliDataEnv(t)
	help, _, _ := cliRun(t, env, "", "help")
	for _, arg := range []string{"--help", "-h", "-help"} {
		stdout, stderr, code := cliRun(t, env, "", arg)
		if code != 0 || stdout != help || stderr != "" {
			t.Errorf("paperbot %s: exit %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
	if stdout, _, code := cliRun(t, env, "", "--config", filepath.Join(t.TempDir(), "x.yaml"), "-h"); code != 0 || stdout != help {
		t.Errorf("paperbot --config X -h: exit %d, %q", code, stdout)
	}
	cliNotExist(t, env["PAPERBOT_DATA_DIR"], "help")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "paperbot: flag provided but not defined: -bogus\nRun \"paperbot help\" for the commands and their flags.\n"},
		{[]string{"search", "--bogus", "x"}, "paperbot search: flag provided but not defined: -bogus\nRun \"paperbot search -h\" for its flags.\n"},
		{[]string{"search", "-cat:hep-th cat:hep-ph"}, "paperbot search: flag provided but not defined: -cat:hep-th cat:hep-ph\nA query that starts with a dash goes after --: paperbot search -- \"-cat:hep-th cat:hep-ph\"\n"},
		{[]string{"search", "-survey", "graphene"}, "paperbot search: flag provided but not defined: -survey\nRun \"paperbot search -h\" for its flags.\n"},
	} {
		stdout, stderr, code := cliRun(t, env, "", c.args...)
		if code != 2 || stdout != "" || stderr != c.want {
			t.Errorf("paperbot %q: exit %d, stdout %q, stderr %q; want %q", c.args, code, stdout, stderr, c.want)
		}
	}

	// Every --flag in a command's usage line is one of its flags, and
	// eval's names --collection (as README.md runs it). A usage line
	// that names paperbot's own flag (version: "also: paperbot
	// --version") writes it as README.md does, with two dashes, and
	// paperbot takes it.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	usageFlag := regexp.MustCompile(`--([a-z-]+)`)
	ownFlag := regexp.MustCompile(`paperbot (-+[a-z-]+)`)
	for _, c := range commands() {
		usage := c.usage
		for _, m := range ownFlag.FindAllStringSubmatch(usage, -1) {
			if !strings.HasPrefix(m[1], "--") || !strings.Contains(string(readme), "`"+m[0]+"`") {
				t.Errorf("paperbot help shows `%s` (%s), which README.md does not write so", m[0], c.name)
			}
			if _, stderr, code := cliRun(t, env, "", m[1]); code != 0 {
				t.Errorf("paperbot help shows `%s` (%s): exit %d, %s", m[0], c.name, code, stderr)
			}
			usage = strings.Replace(usage, m[0], "", 1)
		}
		// Help asked for is the output, on stdout as paperbot --help's;
		// a command without flags has no "Flags:" heading.
		stdout, stderr, code := cliRun(t, env, "", c.name, "-h")
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "Usage: paperbot "+c.usage+"\n") {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", c.name, code, stdout, stderr)
		}
		if heading := strings.Contains(stdout, "\nFlags:\n"); heading != flagLine.MatchString(stdout) {
			t.Errorf("%s -h: a Flags: heading %v, flags %v:\n%s", c.name, heading, !heading, stdout)
		}
		var defined []string
		for _, m := range flagLine.FindAllStringSubmatch(stdout, -1) {
			defined = append(defined, m[1])
		}
		for _, m := range usageFlag.FindAllStringSubmatch(usage, -1) {
			if !slices.Contains(defined, m[1]) {
				t.Errorf("paperbot help shows %s --%s, which it does not accept (flags: %v)", c.name, m[1], defined)
			}
		}
	}
	if !strings.Contains(help, "  eval [--datasets DIR | --collection DIR]") {
		t.Errorf("help does not show eval --collection DIR:\n%s", help)
	}
}

// An xz file is read by its content (issue 13: `ingest FILE.jsonl.xz`
// indexed its bytes as text), and binary data is refused before the index
// is created.
func TestIngestCompressedAndBinary(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	var buf bytes.Buffer
	zw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write([]byte(`{"id":"2401.00001","title":"Glaciers"}` + "\n" + `{"id":"2401.00002","title":"Sea ice"}` + "\n"))
	zw.Close()
	bin := cliWrite(t, dir, "garbage.jsonl", "\x7fELF\x02\x01\x01\x00"+strings.Repeat("\x00\x3e\x00\x01\xff\x9f\x40", 100))
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, bin)
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "paperbot: "+bin+": binary data, not JSON Lines or trending-page text") ||
		!strings.Contains(stderr, "nothing was indexed") {
		t.Errorf("binary file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	cliNotExist(t, ix, "ingest of a binary file")
	// On stdin it cannot be checked first, and is refused all the same.
	_, stderr, code = cliRun(t, nil, "\x00\x01\x02\x03\xff\xfe\xfd", "ingest", "--index", ix, "-")
	if code != 1 || !strings.Contains(stderr, "stdin: binary data") {
		t.Errorf("binary stdin: exit %d, stderr %q", code, stderr)
	}
	xzFile := cliWrite(t, dir, "papers.jsonl.xz", buf.String())
	stdout, stderr, code = cliRun(t, nil, "", "ingest", "--index", ix, xzFile)
	if code != 0 || stdout != "2 indexed, 0 rejected\n" {
		t.Errorf("xz file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if hits := cliSearchJSON(t, ix, "glaciers"); len(hits) != 1 || hits[0].Title != "Glaciers" {
		t.Errorf("search: %+v", hits)
	}
}

// JSON Lines named x.txt are read as JSON Lines, by their content (they
// were read as trending text: two junk papers titled with raw JSON, exit
// 0); a JSON document (a pretty-printed array) is refused once, before the
// index is created, with how to convert it, instead of a rejection per
// line; --format trending still reads a .txt file as text.
func TestIngestJSONByContent(t *testing.T) {
	dir := t.TempDir()
	ix := filepath.Join(dir, "index")
	doc := cliWrite(t, dir, "papers.json", "[\n  {\n    \"id\": \"2401.00001\",\n    \"title\": \"Glaciers\"\n  }\n]\n")
	stdout, stderr, code := cliRun(t, nil, "", "ingest", "--index", ix, doc)
	want := "paperbot: " + doc + ": a JSON document, not JSON Lines (one paper object per line): it is an array; convert it with jq -c '.[]' " + doc + " > " + strings.TrimSuffix(doc, ".json") + ".jsonl and ingest that; nothing was indexed\n"
	if code != 1 || stdout != "" || stderr != want {
		t.Errorf("JSON document: exit %d, stdout %q, stderr\n%q\nwant\n%q", code, stdout, stderr, want)
	}
	cliNotExist(t, ix, "ingest of a JSON document")
	// On stdin it is refused all the same.
	_, stderr, code = cliRun(t, nil, "[\n  {\"title\": \"Glaciers\"}\n]\n", "ingest", "--index", ix, "-")
	if code != 1 || !strings.Contains(stderr, "stdin: a JSON document, not JSON Lines") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("JSON document on stdin: exit %d, stderr %q", code, stderr)
	}

	txt := cliWrite(t, dir, "x.txt", `{"id": "0704.0001", "title": "Calculation of prompt diphoton production", "authors": "C. Balazs", "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}], "update_date": "2008-11-13"}`+"\n"+
		`{"id": "0704.0002", "title": "Sparsity-certifying Graph Decompositions", "versions": [{"version": "v1", "created": "Sat, 31 Mar 2007 02:26:18 GMT"}]}`+"\n")
	stdout, stderr, code = cliRun(t, nil, "", "ingest", "--index", ix, txt)
	if code != 0 || stdout != "2 indexed, 0 rejected\n" || stderr != "" {
		t.Errorf("JSON Lines as x.txt: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if hits := cliSearchJSON(t, ix, "diphoton"); len(hits) != 1 || hits[0].ID != "0704.0001" || hits[0].Title != "Calculation of prompt diphoton production" {
		t.Errorf("search: %+v", hits)
	}
	// Named as text explicitly, it is text (its JSON lines a title and an
	// abstract).
	stdout, _, code = cliRun(t, nil, "", "ingest", "--index", ix, "--format", "trending", txt)
	if code != 0 || stdout != "1 indexed, 0 rejected\n" {
		t.Errorf("--format trending x.txt: exit %d, stdout %q", code, stdout)
	}
}

// An --index that is a file is named as such by every command that opens
// the index (it was "index directory: open F: not a directory", or "stat
// F/index_meta.json: not a directory"), and left alone; a data directory
// that is a file is named as the directory the index cannot be created in
// (it was a bare "mkdir F: not a directory").
func TestIndexThatIsAFile(t *testing.T) {
	dir := t.TempDir()
	file := cliWrite(t, dir, "notes.txt", "mine\n")
	papers := cliWrite(t, dir, "papers.jsonl", `{"id":"2205.13760","title":"Tranception"}`+"\n")
	env := cliDataEnv(t)
	want := "index " + file + " is a file, not a directory: give the index a directory of its own (--index DIR, or data_dir)"
	for _, args := range [][]string{
		{"search", "--index", file, "protein"},
		{"ingest", "--index", file, papers},
		{"chat", "--index", file},
		{"check", "--index", file},
		{"digest", "--dry-run", "--channel", "console:console", "--index", file},
	} {
		stdout, stderr, code := cliRun(t, env, "", args...)
		if code != 1 || !strings.Contains(stdout+stderr, want) {
			t.Errorf("paperbot %q: exit %d\nstdout: %s\nstderr: %s\nwant exit 1 and %q", args, code, stdout, stderr, want)
		}
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "mine\n" {
		t.Errorf("the file is now %q (%v)", b, err)
	}

	_, stderr, code := cliRun(t, map[string]string{"PAPERBOT_DATA_DIR": file}, "", "ingest", papers)
	if want := "paperbot: index " + filepath.Join(file, "index") + ": cannot create the directory it goes in: mkdir " + file + ": not a directory\n"; code != 1 || stderr != want {
		t.Errorf("data directory that is a file: exit %d, %q; want 1 and %q", code, stderr, want)
	}
}
