package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerIgnore reads a .dockerignore as Docker does (no exceptions with
// "!": this one has none): each pattern matches a path relative to the
// build context, or one of its parent directories; * and ? stay within a
// path element, ** spans any number of them.
func dockerIgnore(t *testing.T, path string) func(rel string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%s: %v (the Docker build would send the whole tree: .git, data, binaries)", path, err)
	}
	defer f.Close()
	var res []*regexp.Regexp
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		if strings.HasPrefix(p, "!") {
			t.Fatalf("%s: exception %q: this reader does not handle exceptions", path, p)
		}
		p = filepath.ToSlash(filepath.Clean(strings.TrimPrefix(p, "/")))
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		re.WriteString("$")
		res = append(res, regexp.MustCompile(re.String()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return func(rel string) bool {
		// The path itself or any of its parent directories.
		for p := filepath.ToSlash(rel); p != "." && p != ""; p = filepath.ToSlash(filepath.Dir(p)) {
			for _, re := range res {
				if re.MatchString(p) {
					return true
				}
			}
			if !strings.Contains(p, "/") {
				break
			}
		}
		return false
	}
}

// The Docker build context leaves out the history, local data and state,
// secrets, binaries, the benchmark and its outputs, and keeps every file the build
// of cmd/paperbot reads (go.mod, go.sum, the Go files of its packages and
// the files they embed).
func TestDockerIgnore(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ignored := dockerIgnore(t, filepath.Join(root, ".dockerignore"))
	for _, p := range []string{
		".git/HEAD", ".git/objects/ab/cdef", ".ci/run",
		"paperbot", "bot.test", "cmd/paperbot/paperbot.test", "cpu.prof", "bin/paperbot",
		"data/state.db", "data/index/index_meta.json", "cmd/paperbot/data/state.db", "state.db", "x.bleve/store",
		"bench-out/latency.json", "cmd/bench/go.mod", "cmd/bench/fts5.go",
		".env", "configs/.env", "slack.secret", "secrets/discord-token",
	} {
		if !ignored(p) {
			t.Errorf("%s is sent to the Docker build", p)
		}
	}

	if testing.Short() {
		t.Skip("go list")
	}
	list := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}}|{{.}}{{end}}{{range .EmbedFiles}}|{{.}}{{end}}{{end}}{{end}}`,
		"./cmd/paperbot")
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	needed := []string{"go.mod", "go.sum", "Dockerfile"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		for _, f := range parts[1:] {
			rel, err := filepath.Rel(root, filepath.Join(parts[0], f))
			if err != nil {
				t.Fatal(err)
			}
			needed = append(needed, rel)
		}
	}
	if len(needed) < 20 {
		t.Fatalf("the build reads only %d files? %v", len(needed), needed)
	}
	for _, p := range needed {
		if ignored(p) {
			t.Errorf("%s is needed by the build but left out of its context", p)
		}
	}
}
