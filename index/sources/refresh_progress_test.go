package sources_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// A run is in the state file, with its owner, before the job writes
// anything, so a process killed while it writes leaves it there; a stop
// leaves it too. The next
// start runs that job at once, even one that would wait for its schedule,
// and the record stays until a run of it completes: a failed run keeps it
// (the index still lacks what the cut run did not write). A run that
// started clean goes from the record when it ends, failed or not. The run
// of a job no longer configured is forgotten.
func TestRefresherRecordsUnfinishedRuns(t *testing.T) {
	ctx := context.Background()
	db := openCursors(t)
	unfinished := func() []sources.Unfinished {
		t.Helper()
		us, err := sources.UnfinishedRuns(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return us
	}
	var ran []string
	var during map[string][]sources.Unfinished
	// daily runs at start and hourly; rescore every 20 minutes from the
	// start. fail says which fail; stop, which stop the process mid-run.
	jobs := func(clk *sourcestest.Clock, fail, stop string, cancel context.CancelFunc) []sources.Job {
		job := func(name string, atStart bool, every time.Duration) sources.Job {
			return sources.Job{Name: name, Source: "test", AtStart: atStart, Next: sources.Every(every),
				Run: func(ctx context.Context) (int, error) {
					ran = append(ran, name+"@"+clk.Now().Sub(t0).String())
					during[name] = unfinished() // what a kill now would leave
					switch name {
					case stop:
						cancel()
						return 0, ctx.Err()
					case fail:
						return 0, errors.New("upstream down")
					}
					return 1, nil
				}}
		}
		return []sources.Job{job("daily", true, time.Hour), job("rescore", false, 20*time.Minute)}
	}
	run := func(owner string, from, to time.Duration, fail, stop string) {
		t.Helper()
		ran, during = nil, map[string][]sources.Unfinished{}
		clk := sourcestest.NewClock(t0.Add(from), t0.Add(to))
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ended := 0
		r := &sources.Refresher{Jobs: jobs(clk, fail, stop, cancel), Clock: clk, Progress: db, Owner: owner, Token: 7, Ended: func() { ended++ }}
		if err := r.Run(rctx); err != nil {
			t.Fatal(err)
		}
		if want := len(ran) - min(len(stop), 1); ended != want {
			t.Errorf("Ended called %d times for runs %v, want %d", ended, ran, want)
		}
	}
	cut := sources.Unfinished{Job: "rescore", Since: t0.Add(20 * time.Minute), Owner: "first", Token: 7}

	// The first process: daily completes; rescore is stopped mid-run.
	run("first", 0, 30*time.Minute, "", "rescore")
	if !slices.Equal(ran, []string{"daily@0s", "rescore@20m0s"}) {
		t.Fatalf("first process ran %v", ran)
	}
	if got := during["daily"]; len(got) != 1 || got[0] != (sources.Unfinished{Job: "daily", Since: t0, Owner: "first", Token: 7}) {
		t.Errorf("while daily ran, the record held %v, want daily since the start, by its owner", got)
	}
	if got := during["rescore"]; len(got) != 1 || got[0] != cut {
		t.Errorf("while rescore ran, the record held %v, want only rescore (daily completed)", got)
	}
	if got := unfinished(); len(got) != 1 || got[0] != cut {
		t.Fatalf("after the stop the record holds %v, want %v", got, cut)
	}

	// The restart at 0h25: rescore runs at once, not at 0h45, and fails.
	run("second", 25*time.Minute, 30*time.Minute, "rescore", "")
	if !slices.Contains(ran, "rescore@25m0s") {
		t.Errorf("after the restart rescore ran %v, want at once (25m0s)", ran)
	}
	if got := unfinished(); len(got) != 1 || got[0] != cut {
		t.Fatalf("after a failed rerun the record holds %v, want the cut run still, %v", got, cut)
	}

	// The next restart: rescore completes; daily, started clean, fails.
	// A job no longer configured left a run too.
	old := []byte(`[{"job":"rescore","since":"` + cut.Since.Format(time.RFC3339Nano) + `","owner":"first","token":7},{"job":"files","since":"` + t0.Format(time.RFC3339Nano) + `"}]`)
	if err := db.PutCursor(ctx, sources.UnfinishedCursor, old); err != nil {
		t.Fatal(err)
	}
	run("third", time.Hour, time.Hour+time.Minute, "daily", "")
	if !slices.Equal(ran, []string{"daily@1h0m0s", "rescore@1h0m0s"}) {
		t.Errorf("third process ran %v", ran)
	}
	if got := during["daily"]; len(got) != 2 || got[0] != cut || got[1].Job != "daily" || got[1].Owner != "third" {
		t.Errorf("while daily ran, the record held %v, want the cut rescore and daily (files forgotten)", got)
	}
	if got := unfinished(); len(got) != 0 {
		t.Errorf("after the runs ended the record holds %v, want nothing", got)
	}
}
