package pgstore_test

import (
	"testing"

	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
	"github.com/paperbot/paperbot/bot/store/storetest"
)

func open(t *testing.T, url string, opts pgstore.Options) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pgtest.Server(t)
	storetest.Run(t, storetest.Backend{
		New: func(t *testing.T) func(t *testing.T) storetest.Store {
			url := pgtest.URL(t)
			return func(t *testing.T) storetest.Store { return open(t, url, pgstore.Options{}) }
		},
		Shared: true,
	})
}
