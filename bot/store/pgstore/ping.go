package pgstore

import "context"

// Ping reports whether the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	return wrap(s.pool.Ping(ctx), "reaching the database")
}
