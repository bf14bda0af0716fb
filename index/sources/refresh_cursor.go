package sources

import (
	"context"
	"log/slog"
	"time"
)

// jobCursorName is the cursor of a job's last success.
func jobCursorName(j Job) string { return "job:" + j.Name }

// lastSuccess is when the job last started a run that succeeded, from the
// cursors; ok is false when unknown (no cursors, never, unreadable).
func (r *Refresher) lastSuccess(ctx context.Context, j Job, log *slog.Logger) (time.Time, bool) {
	if r.Cursors == nil {
		return time.Time{}, false
	}
	raw, ok, err := r.Cursors.Cursor(ctx, jobCursorName(j))
	if err != nil {
		log.Warn("could not read the job's last run; running it now", "job", j.Name, "err", err)
		return time.Time{}, false
	}
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(raw))
	if err != nil {
		log.Warn("the job's last run does not read; running it now", "job", j.Name, "value", string(raw))
		return time.Time{}, false
	}
	return t, true
}

// saveSuccess records a successful run started at start.
func (r *Refresher) saveSuccess(ctx context.Context, j Job, start time.Time, log *slog.Logger) {
	if r.Cursors == nil {
		return
	}
	if err := r.Cursors.PutCursor(ctx, jobCursorName(j), []byte(start.UTC().Format(time.RFC3339Nano))); err != nil {
		log.Warn("could not record the job's run; the replica that takes the refresh over runs it again at once", "job", j.Name, "err", err)
	}
}
