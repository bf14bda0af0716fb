package sources

import "context"

// Cursors keep the sources' small state where every replica finds it: a
// listing feed's validators (ETag, Last-Modified) so that the replica that
// takes over the refresh sends a conditional GET too, and the last
// successful run of each job. Values are opaque to the store (the sources
// encode them as JSON); names are namespaced by their user
// ("arxiv-feed:https://...", "job:huggingface").
type Cursors interface {
	// Cursor returns the named value; ok is false when there is none.
	Cursor(ctx context.Context, name string) (value []byte, ok bool, err error)
	// PutCursor creates or replaces the named value.
	PutCursor(ctx context.Context, name string, value []byte) error
}
