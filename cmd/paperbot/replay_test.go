package main

import (
	"github.com/paperbot/paperbot/bot/replay"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/bot/store/pgstore"
)

// The state stores can be the adapters' replay guard (Options.Replay): a
// deployment of several replicas shares one through its database.
var (
	_ replay.Guard = (*store.DB)(nil)
	_ replay.Guard = (*pgstore.Store)(nil)
)
