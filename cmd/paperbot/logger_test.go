package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/configs"
)

// A JSON log line gives durations in milliseconds under a key that says
// so (slog wrote nanoseconds under the bare key: "took":1234567); the
// text log keeps Go's duration strings.
func TestLogDurations(t *testing.T) {
	logLine := func(format string) string {
		var buf bytes.Buffer
		log := newLogger(&configs.Config{Log: configs.LogConfig{Level: "info", Format: format}}, &buf)
		log.With("timeout", 3*time.Second).WithGroup("http").Info("done",
			"took", 1234567*time.Nanosecond, "retry_after", slog.DurationValue(2*time.Minute), "papers", 3, "note", "12ms")
		return buf.String()
	}
	var got map[string]any
	line := logLine("json")
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	want := map[string]any{"timeout_ms": 3000.0, "http": map[string]any{"took_ms": 1.234567, "retry_after_ms": 120000.0, "papers": 3.0, "note": "12ms"}}
	for k, v := range want {
		if g, _ := json.Marshal(got[k]); string(g) != asJSON(t, v) {
			t.Errorf("json %s: %s, want %s\n%s", k, g, asJSON(t, v), line)
		}
	}
	text := logLine("text")
	for _, w := range []string{"timeout=3s", "http.took=1.234567ms", "http.retry_after=2m0s", "http.papers=3"} {
		if !strings.Contains(text, w) {
			t.Errorf("text log: no %s in %s", w, text)
		}
	}
}
