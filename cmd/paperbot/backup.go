package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/paperbot/paperbot/bot/store"
)

// How `paperbot backup` reaches the state while serve (or the chat) runs:
// bbolt holds the file under an exclusive lock for as long as the process
// has it open, so no other process can open it, not even read-only (and
// reading it around the lock would race with the writer's reuse of freed
// pages). The running process therefore serves backups itself, from one
// read transaction (bbolt's Tx.WriteTo), on a Unix socket beside the state
// file: only the file's owner may connect (the socket is 0600), it needs
// no port and no token, and it is not on the public HTTP listener. When no
// process holds the state, backup opens the file read-only itself.

// adminSocket is the socket a running paperbot serves backups on.
func adminSocket(state string) string { return state + ".sock" }

// adminPath is the socket's one route.
const adminPath = "/backup"

// adminJob serves backups of the state on its admin socket until ctx ends.
// Failing to listen is logged, not fatal: the bot runs on, and backup
// says it cannot reach it.
func adminJob(a *app, db *store.DB) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		path := adminSocket(db.Path())
		ln, err := listenAdmin(path)
		if err != nil {
			a.log.Warn("admin socket: `paperbot backup` cannot reach this process", "path", path, "err", err)
			return nil
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET "+adminPath, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			n, err := db.WriteBackup(r.Context(), w, func(size int64) {
				w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			})
			if err != nil {
				// The length sent does not match: the client sees the copy
				// is short.
				a.log.Error("backup failed", "err", err, "written", n)
				return
			}
			a.log.Info("backup written", "bytes", n)
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			<-ctx.Done()
			srv.Close()
		}()
		err = srv.Serve(ln)
		os.Remove(path)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("admin socket %s: %w", path, err)
	}
}

// listenAdmin listens on the Unix socket at path, owner only. A socket
// file left by a process that was killed is replaced; one that answers is
// another process's.
func listenAdmin(path string) (net.Listener, error) {
	if _, err := os.Stat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, errors.New("another paperbot process answers on it")
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// runBackup writes a consistent copy of the state: `paperbot backup FILE`.
func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup")
	cfgPath := fs.String("config", "", "configuration file")
	statePath := fs.String("state", "", "state file (default <data_dir>/state.db)")
	force := fs.Bool("force", false, "replace BACKUP-FILE when it exists")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f := flagAfterArgs(fs, args); f != "" {
		return usageError{fmt.Sprintf("%s comes after the file: flags go first. Usage: paperbot backup [--config FILE] [--state FILE] [--force] BACKUP-FILE", f)}
	}
	if fs.NArg() != 1 {
		return usageError{"which file? Usage: paperbot backup [--config FILE] [--state FILE] [--force] BACKUP-FILE"}
	}
	dst := fs.Arg(0)
	cfg, err := loadOfflineConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if *statePath != "" {
		if err := cfg.SetState(*statePath, e.getenv); err != nil {
			return usageError{"--state: " + err.Error()}
		}
	}
	if cfg.StateIsPostgres() {
		return errors.New("the state is in PostgreSQL: back it up with PostgreSQL's own tools (pg_dump), see docs/deploy.md")
	}
	if _, err := os.Stat(cfg.State); err != nil {
		return fmt.Errorf("no state to back up at %s: %w", cfg.State, err)
	}
	if same(dst, cfg.State) {
		return usageError{fmt.Sprintf("%s is the state file itself: name another file", dst)}
	}
	if err := checkBackupTarget(dst, *force); err != nil {
		return err
	}
	res, how, err := backupState(ctx, cfg.State, dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s (%s; %s, %s, %s; %s)\n",
		cfg.State, dst, sizeOf(res.Bytes), counted(res.Subscriptions, "subscription"), counted(res.Days, "digest day"), counted(res.Discussions, "discussion"), how)
	return nil
}

// checkBackupTarget refuses, before anything is read or written, a
// backup file that cannot be written where it is named (its directory
// missing, not a directory) or that exists (unless force: an older backup
// is not replaced by a typo in a cron line).
func checkBackupTarget(dst string, force bool) error {
	dir := filepath.Dir(dst)
	if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: directory %s does not exist: create it first (mkdir -p %[1]s)", dir)
	} else if err != nil {
		return fmt.Errorf("backup: directory %s: %w", dir, pathErr(err))
	} else if !st.IsDir() {
		return fmt.Errorf("backup: %s is not a directory", dir)
	}
	st, err := os.Stat(dst)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("backup: %s: %w", dst, pathErr(err))
	case st.IsDir():
		return fmt.Errorf("backup: %s is a directory: name a file in it, like %s", dst, filepath.Join(dst, "state-"+time.Now().Format(time.DateOnly)+".db"))
	case !force:
		return fmt.Errorf("backup: %s exists: name a new file, or pass --force to replace it", dst)
	}
	return nil
}

// pathErr is a file operation's error without the path it was about
// (which, for the copy's temporary file, means nothing to the user).
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// same reports whether a and b name the same file.
func same(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(sa, sb)
	}
	aa, _ := filepath.Abs(a)
	ab, _ := filepath.Abs(b)
	return aa == ab
}

// backupState copies the state at path to dst: from the running process
// that holds it (its admin socket), else from the file. The copy is
// written beside dst, synced, checked (it opens and passes bbolt's
// consistency check) and only then renamed to dst.
func backupState(ctx context.Context, path, dst string) (store.CheckResult, string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".partial-")
	if err != nil {
		return store.CheckResult{}, "", fmt.Errorf("backup: cannot write a file in %s: %w", filepath.Dir(dst), pathErr(err))
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	how, err := copyState(ctx, path, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return store.CheckResult{}, "", fmt.Errorf("backup of %s to %s: %w", path, dst, err)
	}
	db, err := store.Open(tmp.Name(), store.Options{ReadOnly: true})
	if err != nil {
		return store.CheckResult{}, "", fmt.Errorf("backup of %s to %s: the copy does not open: %w", path, dst, err)
	}
	res, err := db.Check(ctx)
	db.Close()
	if err != nil {
		return res, "", fmt.Errorf("backup of %s to %s: the copy fails the check: %w", path, dst, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return res, "", fmt.Errorf("backup: naming the copy %s: %w", dst, pathErr(err))
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return res, how, nil
}

// copyState writes the state at path to w and says where it came from.
func copyState(ctx context.Context, path string, w io.Writer) (string, error) {
	sock := adminSocket(path)
	if _, err := os.Stat(sock); err == nil {
		err := fetchBackup(ctx, sock, w)
		if err == nil {
			return "from the running paperbot", nil
		}
		if !errors.Is(err, errNoAnswer) {
			return "", err
		}
	}
	db, err := store.Open(path, store.Options{ReadOnly: true, LockTimeout: time.Second})
	if errors.Is(err, store.ErrLocked) {
		return "", fmt.Errorf("%w, and it does not answer on %s: is it an older paperbot? Stop it, or back up while it is stopped", err, sock)
	}
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.WriteBackup(ctx, w, nil); err != nil {
		return "", err
	}
	return "from the file: no paperbot was running", nil
}

// errNoAnswer: nothing listens on the admin socket (a socket file left
// by a process that was killed).
var errNoAnswer = errors.New("no answer on the admin socket")

// fetchBackup asks the process listening on sock for a backup.
func fetchBackup(ctx context.Context, sock string, w io.Writer) error {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://paperbot"+adminPath, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return errNoAnswer
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the running paperbot answered %s", resp.Status)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return fmt.Errorf("receiving the backup: %w", err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fmt.Errorf("receiving the backup: %d of %d bytes (the running paperbot failed to write it: see its log)", n, resp.ContentLength)
	}
	return nil
}
