package main

import (
	"os"
	"strings"
	"testing"
)

// The README's command table writes each command as the chat's help does
// (`/papers subscribe … [days mon-fri]`, not a wording of its own).
func TestREADMECommandsAgreeWithHelp(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cliRun(t, cliDataEnv(t), "/papers help\n")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	n := 0
	for line := range strings.SplitSeq(stdout, "\n") {
		if !strings.HasPrefix(line, "/papers ") || !strings.ContainsAny(line, "<[") {
			continue // a title, a summary or an example
		}
		n++
		if !strings.Contains(string(readme), "`"+line+"`") {
			t.Errorf("the chat's help says `%s`; README.md's command table does not", line)
		}
	}
	if n < 5 {
		t.Errorf("%d usage lines in the help:\n%s", n, stdout)
	}
}
