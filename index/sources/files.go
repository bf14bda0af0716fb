package sources

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
)

// FilesJob ingests the configured files (sources.files) once, when serve
// starts. A file ingested before without a rejected line, and unchanged
// since (same size and modification time), is not read again, when Sink
// can remember it (FileNotes: the index, so the memory goes with it when
// the index is rebuilt): a restart does not re-index a large file. A file
// with rejected lines is read (and its rejects logged) on every start
// until it is fixed.
type FilesJob struct {
	Files []string
	Sink  Sink
	Log   *slog.Logger
}

// FileNotes is what remembers which files were ingested, as they were
// then.
type FileNotes interface {
	Note(key string) (string, error)
	SetNote(key, value string) error
}

// Job is the job for the Refresher: once, at start.
func (j *FilesJob) Job() Job {
	return Job{
		Name: "files", Source: "files", AtStart: true, Timeout: 2 * time.Hour,
		Run: func(ctx context.Context) (int, error) {
			written := 0
			var errs []error
			for _, name := range j.Files {
				n, err := j.Ingest(ctx, name)
				written += n
				if err != nil {
					errs = append(errs, err)
				}
			}
			return written, errors.Join(errs...)
		},
	}
}

// Ingest indexes one file and returns how many papers it wrote.
func (j *FilesJob) Ingest(ctx context.Context, name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("sources.files: %w", err)
	}
	defer f.Close()
	notes, _ := j.Sink.(FileNotes)
	key, stamp := "", ""
	if st, err := f.Stat(); err == nil && notes != nil {
		abs, _ := filepath.Abs(name)
		key, stamp = "file:"+abs, fmt.Sprintf("%d %d", st.Size(), st.ModTime().UnixNano())
		if old, err := notes.Note(key); err == nil && old == stamp {
			j.Log.Info("file unchanged since it was ingested; not read again", "source", "files", "file", name)
			return 0, nil
		}
	}
	const batch = 500
	var (
		repairs    fileRepairs
		papers     []paper.Paper
		written    int
		rejected   int
		sinkFailed bool
	)
	flush := func() error {
		if len(papers) == 0 {
			return nil
		}
		if err := j.Sink.Upsert(ctx, papers); err != nil {
			sinkFailed = true
			return err
		}
		written += len(papers)
		papers = papers[:0]
		return nil
	}
	err = Parse(ctx, f, name, Auto, Handler{
		Paper: func(p paper.Paper) error {
			papers = append(papers, p)
			if len(papers) >= batch {
				return flush()
			}
			return nil
		},
		Reject: func(e *RecordError) {
			rejected++
			if rejected <= 20 {
				j.Log.Warn("rejected a record", "source", "files", "err", e)
			}
		},
		Cleaned:  repairs.count(&repairs.cleaned),
		Replaced: repairs.count(&repairs.replaced),
		Restored: repairs.count(&repairs.restored),
		Adjusted: repairs.count(&repairs.adjusted),
	})
	repairs.log(j.Log, name)
	if !sinkFailed {
		// After a read error too (a compressed file cut short): the
		// papers read before it are good.
		err = errors.Join(err, flush())
	}
	if rejected > 0 {
		j.Log.Warn("records rejected", "source", "files", "file", name, "rejected", rejected)
	}
	if err != nil {
		return written, fmt.Errorf("sources.files: %s: %w", name, err)
	}
	if key != "" && rejected == 0 {
		if err := notes.SetNote(key, stamp); err != nil {
			j.Log.Warn("could not remember the ingested file; it is read again on the next start", "source", "files", "file", name, "err", err)
		}
	}
	return written, nil
}

// fileRepairs counts the changes made to kept records of a file, and
// keeps the first for the log.
type fileRepairs struct {
	cleaned, replaced, restored, adjusted int
	first                                 *RecordError
}

func (r *fileRepairs) count(n *int) func(*RecordError) {
	return func(e *RecordError) {
		if *n++; r.first == nil {
			r.first = e
		}
	}
}

// log says what was changed in the kept records of file, if anything.
func (r *fileRepairs) log(log *slog.Logger, file string) {
	if r.first != nil {
		log.Warn("records kept with fields repaired", "source", "files", "file", file,
			"cleaned_of_control_characters", r.cleaned, "invalid_utf8_replaced", r.replaced, "ids_restored", r.restored, "dropped_or_converted", r.adjusted, "first", r.first)
	}
}
