package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The replicas section's PostgreSQL: a throwaway cluster started with the
// repository's own script (.ci/postgres: initdb and pg_ctl into a temporary
// directory, 127.0.0.1, a free port, no fsync), or a server the run names
// (--replicas-postgres); either way the section works in a schema of its
// own, dropped at the end.

// findInitdb is the directory of PostgreSQL's initdb, looked up as
// .ci/postgres does (PATH, then Debian's /usr/lib/postgresql/*/bin); ""
// when there is none.
func findInitdb() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.Reverse(dirs) // the newest version first (for single-digit majors)
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join(d, "initdb")); err == nil && st.Mode()&0o111 != 0 {
			return d
		}
	}
	return ""
}

// errNoPostgres says why the section was skipped.
var errNoPostgres = errors.New("replicas: no PostgreSQL programs (initdb) found, and no --replicas-postgres URL given: section skipped " +
	"(Debian: apt-get install postgresql, or `eval \"$(.ci/postgres start)\"` and pass --replicas-postgres \"$PAPERBOT_TEST_POSTGRES\")")

// startPostgres starts a throwaway cluster with .ci/postgres and returns
// its URL, its directory and the function that stops it and removes the
// directory.
func startPostgres(ctx context.Context, logf func(string, ...any)) (string, string, func(), error) {
	root, err := repoRoot()
	if err != nil {
		return "", "", nil, err
	}
	script := filepath.Join(root, ".ci", "postgres")
	cmd := exec.CommandContext(ctx, "bash", script, "start")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", "", nil, fmt.Errorf("%s start: %w: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	var dbURL, dir string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, "'")
		switch k {
		case "PAPERBOT_TEST_POSTGRES":
			dbURL = v
		case "PAPERBOT_PG_DIR":
			dir = v
		}
	}
	if dbURL == "" || dir == "" {
		return "", "", nil, fmt.Errorf("%s start printed no URL and directory: %q", script, out)
	}
	logf("replicas: PostgreSQL cluster in %s", dir)
	stop := func() {
		// Not the run's context: the cluster is stopped after an interrupt too.
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(sctx, "bash", script, "stop", dir).CombinedOutput(); err != nil {
			logf("replicas: stopping the PostgreSQL cluster in %s: %v: %s", dir, err, out)
		}
	}
	return dbURL, dir, stop, nil
}

// clusterCPU is the CPU time, in seconds, of the cluster in dir (made by
// .ci/postgres): its postmaster's, its live children's (the backends,
// found by their parent in /proc) and its ended children's (counted in the
// postmaster's cutime and cstime). 0 when dir is "" or the cluster is
// not running.
func clusterCPU(dir string) float64 {
	if dir == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pm := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
	fields := func(pid string) []string {
		st, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		if err != nil {
			return nil
		}
		s := string(st)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			s = s[i+1:]
		}
		if f := strings.Fields(s); len(f) >= 15 {
			return f
		}
		return nil
	}
	ticks := func(f []string, from, to int) float64 {
		var sum float64
		for _, v := range f[from : to+1] {
			n, _ := strconv.ParseFloat(v, 64)
			sum += n
		}
		return sum
	}
	f := fields(pm)
	if f == nil {
		return 0
	}
	total := ticks(f, 11, 14) // utime, stime, cutime, cstime
	procs, _ := os.ReadDir("/proc")
	for _, e := range procs {
		if c := fields(e.Name()); c != nil && c[1] == pm {
			total += ticks(c, 11, 12)
		}
	}
	return total / clockTicks
}

// benchSchema makes an empty schema on the server and returns a URL whose
// connections use it, the server's version, and the function that drops
// the schema.
func benchSchema(ctx context.Context, base string) (string, string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", "", nil, fmt.Errorf("the PostgreSQL URL: %w", err)
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var version string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
		return "", "", nil, err
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	schema := pgx.Identifier{"paperbot_bench_" + hex.EncodeToString(suffix)}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", "", nil, fmt.Errorf("creating the bench's schema: %w", err)
	}
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(dctx, base); err == nil {
			c.Exec(dctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(dctx)
		}
	}
	return withParam(u.String(), "search_path", strings.Trim(schema, `"`)), version, drop, nil
}

// withParam sets a parameter in a PostgreSQL URL (a valid one: parsed before).
func withParam(raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
