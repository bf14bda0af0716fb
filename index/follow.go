package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/internal/clock"
)

// FollowOptions configure Index.Follow.
type FollowOptions struct {
	// Feed names the feed followed (the database, without its password):
	// an index that followed another feed starts again from its beginning.
	Feed string
	// Batch is how many changes are read and written at a time (default 500).
	Batch int
	// Poll bounds a wait for a notification (default 30s): a notification
	// lost with its connection costs at most this much delay.
	Poll time.Duration
	// CaughtUp, when set, is called with the last Seq applied each time the
	// index has applied every change the feed had.
	CaughtUp func(seq int64)
	Clock    clock.Clock
	Logger   *slog.Logger
}

// feedNote is the note that remembers how far the index followed a feed:
// "FEED\tSEQ".
const feedNote = "papers_feed"

// FeedPosition is the feed and the last Seq the index applied from it
// (0 when it never followed one).
func (ix *Index) FeedPosition() (feed string, seq int64, err error) {
	v, err := ix.Note(feedNote)
	if err != nil || v == "" {
		return "", 0, err
	}
	feed, num, ok := strings.Cut(v, "\t")
	if seq, err = strconv.ParseInt(num, 10, 64); !ok || err != nil {
		return "", 0, fmt.Errorf("index note %s is %q, not FEED<tab>SEQ", feedNote, v)
	}
	return feed, seq, nil
}

// Follow makes the index follow the shared papers table until ctx ends:
// it applies the feed's changes in order from where it stopped (a note in
// the index; from the start for a new index or another feed), then waits
// for the next ones (LISTEN/NOTIFY behind feed.WaitPapers, and a poll
// every opts.Poll). Applying a change twice is harmless (the record is the
// whole paper), so the position is saved after the papers. A failure to
// read the feed or write the index is logged and tried again with
// backoff; a change the index refuses as invalid is logged with its Seq
// and paper id, and skipped.
func (ix *Index) Follow(ctx context.Context, feed PaperFeed, opts FollowOptions) error {
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Poll <= 0 {
		opts.Poll = 30 * time.Second
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.System{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	from, seq, err := ix.FeedPosition()
	if err != nil {
		log.WarnContext(ctx, "following the papers table from its start", "err", err)
		seq = 0
	} else if from != opts.Feed && seq > 0 {
		log.InfoContext(ctx, "the index followed another papers table; following this one from its start", "before", from)
		seq = 0
	}
	backoff := time.Second
	retry := func(what string, err error) bool {
		log.WarnContext(ctx, what, "err", err, "seq", seq, "retry_in", backoff)
		if clk.Sleep(ctx, backoff) != nil {
			return false
		}
		backoff = min(2*backoff, 30*time.Second)
		return true
	}
	for ctx.Err() == nil {
		changes, err := feed.PaperChanges(ctx, seq, opts.Batch)
		if err != nil {
			if ctx.Err() != nil || !retry("reading the papers table", err) {
				break
			}
			continue
		}
		if len(changes) > 0 {
			if err := ix.applyChanges(ctx, changes, log); err != nil {
				if ctx.Err() != nil || !retry("writing papers from the table to the index", err) {
					break
				}
				continue
			}
			seq = changes[len(changes)-1].Seq
			if err := ix.SetNote(feedNote, opts.Feed+"\t"+strconv.FormatInt(seq, 10)); err != nil {
				log.WarnContext(ctx, "could not save how far the index followed the papers table", "err", err)
			}
			backoff = time.Second
			if len(changes) == opts.Batch {
				continue
			}
		}
		if opts.CaughtUp != nil {
			opts.CaughtUp(seq)
		}
		wctx, cancel := context.WithTimeout(ctx, opts.Poll)
		_, err = feed.WaitPapers(wctx, seq)
		cancel()
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
			if !retry("waiting for papers", err) {
				break
			}
		}
	}
	return nil
}

// applyChanges writes the changes' papers; papers the index refuses as
// invalid are logged and skipped, any other failure is returned.
func (ix *Index) applyChanges(ctx context.Context, changes []paper.Change, log *slog.Logger) error {
	papers := make([]paper.Paper, len(changes))
	for i, c := range changes {
		papers[i] = c.Paper
	}
	err := ix.Upsert(ctx, papers)
	if err == nil || !fault.Is(err, fault.Invalid) {
		return err
	}
	// One at a time, to keep the good ones and name the bad.
	for _, c := range changes {
		if err := ix.Upsert(ctx, []paper.Paper{c.Paper}); err != nil {
			if !fault.Is(err, fault.Invalid) {
				return err
			}
			log.ErrorContext(ctx, "a paper from the papers table was refused by the index; skipped", "seq", c.Seq, "paper", c.Paper.ID, "err", err)
		}
	}
	return nil
}
