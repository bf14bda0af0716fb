package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/store"
)

// A lease's log lines name the lease and its holder once: with them twice
// ("lease":"digest","holder":…,"lease":"digest",…) a JSON line has
// duplicate keys, which log collectors reject or keep one of at random.
func TestLeasedLogsEachKeyOnce(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logs slackLogBuffer
	r := &replicaSet{holder: "host/1/aa", ttl: time.Minute, leases: db,
		log: slog.New(slog.NewJSONHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	err = r.leased(ctx, "digest", func(ctx context.Context, l bot.Lease) error {
		cancel()
		<-ctx.Done()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("log:\n%s", logs.String())
	}
	for _, line := range lines {
		for _, key := range []string{`"lease":`, `"holder":`} {
			if n := strings.Count(line, key); n != 1 {
				t.Errorf("%s %d times in %s", key, n, line)
			}
		}
	}
}
