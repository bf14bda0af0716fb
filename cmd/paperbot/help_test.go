package main

import (
	"regexp"
	"strings"
	"testing"
)

// Every command's -h says a flag's default once (ingest --parts said
// "(default half the cores; ...) (default 1)").
func TestHelpSaysEachDefaultOnce(t *testing.T) {
	twice := regexp.MustCompile(`\(default[^)]*\).*\(default`)
	for _, c := range commands() {
		args := []string{c.name, "-h"}
		if c.name == "config" {
			args = []string{"config", "check", "-h"}
		}
		stdout, stderr, code := cliRun(t, nil, "", args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		for line := range strings.SplitSeq(stdout+stderr, "\n") {
			if twice.MatchString(line) {
				t.Errorf("%s: a default said twice: %s", strings.Join(args, " "), strings.TrimSpace(line))
			}
		}
	}
}
