package configs

import (
	"strings"
	"testing"
)

// A UTF-8 byte order mark at the start of the file is skipped: before, the
// first key was `unknown field "\ufefflog"`, the mark shown invisibly.
func TestParseSkipsByteOrderMark(t *testing.T) {
	c, err := Parse([]byte("\ufefflog:\n  level: debug\n"), "paperbot.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatalf("a file with a BOM: %v", err)
	}
	if c.Log.Level != "debug" {
		t.Errorf("log.level = %q, want debug", c.Log.Level)
	}
	_, err = Parse([]byte("\ufefflogg:\n  level: debug\n"), "paperbot.yaml", func(string) string { return "" })
	if err == nil || strings.Contains(err.Error(), "\ufeff") {
		t.Errorf("an unknown key after a BOM: %v", err)
	}
}
