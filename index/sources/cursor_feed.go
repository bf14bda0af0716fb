package sources

import (
	"context"
	"encoding/json"
	"fmt"
)

// validatorCursor is a feed's validators as a cursor stores them.
type validatorCursor struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// feedCursorName is the cursor of a listing feed's validators.
func feedCursorName(url string) string { return "arxiv-feed:" + url }

// validatorOf returns the validators remembered for the feed at u: in this
// process, or else in the cursors (another replica's last read).
func (f *ArxivFeed) validatorOf(ctx context.Context, u string) (validator, error) {
	f.mu.Lock()
	v, ok := f.validators[u]
	f.mu.Unlock()
	if ok || f.Cursors == nil {
		return v, nil
	}
	raw, ok, err := f.Cursors.Cursor(ctx, feedCursorName(u))
	if err != nil || !ok {
		return v, err
	}
	var c validatorCursor
	if err := json.Unmarshal(raw, &c); err != nil {
		// A cursor that does not read costs one full GET, nothing more.
		return v, nil
	}
	v = validator{etag: c.ETag, lastModified: c.LastModified}
	f.remember(u, v)
	return v, nil
}

func (f *ArxivFeed) remember(u string, v validator) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.validators == nil {
		f.validators = map[string]validator{}
	}
	f.validators[u] = v
}

// Commit remembers the validators of a feed read by Fetch, once its papers
// are written, so that the next read is a conditional GET: in this process
// and in the cursors (where the replica that takes the refresh over finds
// them). A result that was not read (304, or an error) changes nothing.
func (f *ArxivFeed) Commit(ctx context.Context, res FeedResult) error {
	if res.url == "" {
		return nil
	}
	if f.Cursors != nil {
		raw, err := json.Marshal(validatorCursor{ETag: res.validator.etag, LastModified: res.validator.lastModified})
		if err != nil {
			return err
		}
		if err := f.Cursors.PutCursor(ctx, feedCursorName(res.url), raw); err != nil {
			return fmt.Errorf("saving the validators of %s: %w", res.url, err)
		}
	}
	f.remember(res.url, res.validator)
	return nil
}
