package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/paperbot/paperbot/adapters/slack"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
)

// stateStore is the state as the commands use it, whichever backend holds
// it: the bbolt file (one process) or PostgreSQL (shared by replicas).
type stateStore interface {
	digest.Store
	digest.ReplyStore
	engagement
	slack.SeenStore // signed requests and event ids seen (SeenWithin, ForgetSeen)
	Close() error
}

// Both backends give everything replicas share, as each consumer declares
// it (wired into serve in the replica work of issue 15).
var (
	_ stateStore      = (*store.DB)(nil)
	_ stateStore      = (*pgstore.Store)(nil)
	_ bot.Leases      = (*store.DB)(nil)
	_ bot.Leases      = (*pgstore.Store)(nil)
	_ slack.SeenStore = (*store.DB)(nil)
	_ slack.SeenStore = (*pgstore.Store)(nil)
	_ sources.Cursors = (*store.DB)(nil)
	_ sources.Cursors = (*pgstore.Store)(nil)
	_ index.PaperFeed = (*store.DB)(nil)
	_ index.PaperFeed = (*pgstore.Store)(nil)
)

// openState opens the configured state: the PostgreSQL database of
// state: postgres://... (its schema migrated), or the bbolt file.
func openState(ctx context.Context, cfg *configs.Config, log *slog.Logger) (stateStore, error) {
	if cfg.StateIsPostgres() {
		db, err := pgstore.Open(ctx, cfg.StateURL.Value(), pgstore.Options{Logger: log})
		if err != nil {
			return nil, err
		}
		log.Info("state in PostgreSQL", "database", db.Where())
		return db, nil
	}
	db, err := store.Open(cfg.State, store.Options{})
	if errors.Is(err, store.ErrLocked) {
		// (Not "with data_dir X": --state and state: put it elsewhere.)
		return nil, fmt.Errorf("%w: is another paperbot (serve, or a chat) running with it? One state file takes one process: stop that one first", err)
	}
	if err != nil {
		return nil, err
	}
	return db, nil
}

// openStateReadOnly opens the configured state for reading. A state that
// does not exist yet (no file, or a database without paperbot's schema) is
// an empty one (nothing was ever posted); it is not created.
func openStateReadOnly(ctx context.Context, cfg *configs.Config) (stateStore, func(), error) {
	if cfg.StateIsPostgres() {
		db, err := pgstore.Open(ctx, cfg.StateURL.Value(), pgstore.Options{ReadOnly: true})
		if fault.Is(err, fault.NotFound) {
			return emptyState()
		}
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	}
	if _, err := os.Stat(cfg.State); errors.Is(err, fs.ErrNotExist) {
		return emptyState()
	}
	db, err := store.Open(cfg.State, store.Options{ReadOnly: true})
	if errors.Is(err, store.ErrLocked) {
		return nil, nil, fmt.Errorf("%w: a running paperbot holds it; ask it in the channel with /papers digest preview, or stop it first", err)
	}
	if err != nil {
		return nil, nil, err
	}
	return db, func() { db.Close() }, nil
}

// emptyState is a state with nothing in it, in a temporary file.
func emptyState() (stateStore, func(), error) {
	dir, err := os.MkdirTemp("", "paperbot-dry-run-")
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(filepath.Join(dir, "state.db"), store.Options{NoSync: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }, nil
}
