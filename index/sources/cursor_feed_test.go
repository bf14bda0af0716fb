package sources_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// openCursors is a real state file, whose cursors the sources use.
func openCursors(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type failingSink struct{ err error }

func (s failingSink) Upsert(context.Context, []paper.Paper) error { return s.err }

type okSink struct{ n int }

func (s *okSink) Upsert(_ context.Context, ps []paper.Paper) error { s.n += len(ps); return nil }

// The validators of a listing feed live in the shared cursors once the
// feed's papers are written: the replica that takes the refresh over
// sends a conditional GET (304) instead of reading the feed again. A read
// whose papers could not be written leaves no validator, so its papers
// are fetched again rather than lost behind a 304.
func TestArxivFeedValidatorsInCursors(t *testing.T) {
	ctx := context.Background()
	db := openCursors(t)
	body := fixture(t, "arxiv/feed-cs.LG.xml")
	const etag = `"feed-2025-02-05"`
	handler := func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(body)
	}
	job := func(feed *sources.ArxivFeed, sink sources.Sink) *sources.ArxivFeedJob {
		feed.Cursors = db
		return &sources.ArxivFeedJob{Feed: feed, Categories: []string{"cs.LG"}, Sink: sink}
	}
	// Replica 1: the sink fails (the lease was lost): nothing remembered.
	feed1, srv1, _ := newFeed(t, handler, false)
	if _, err := job(feed1, failingSink{errors.New("fenced")}).Run(ctx); err == nil {
		t.Fatal("no error from a run whose papers were not written")
	}
	if _, ok, _ := db.Cursor(ctx, "arxiv-feed:"+srv1.URL+"/atom/cs.LG"); ok {
		t.Fatal("a validator was saved for papers that were not written")
	}
	// Replica 2, a fresh process on the same URL: a full read, written,
	// then remembered.
	feed2, srv2, _ := newFeed(t, handler, false)
	feed2.BaseURL = srv1.URL + "/atom"
	sink := &okSink{}
	if n, err := job(feed2, sink).Run(ctx); err != nil || n != 2 {
		t.Fatalf("replica 2: %d papers, %v", n, err)
	}
	if v, ok, err := db.Cursor(ctx, "arxiv-feed:"+srv1.URL+"/atom/cs.LG"); !ok || err != nil {
		t.Fatalf("no validator saved after replica 2: %q %v", v, err)
	}
	// Replica 3 takes over: its first request is conditional.
	feed3, _, _ := newFeed(t, handler, false)
	feed3.BaseURL, feed3.Cursors = srv1.URL+"/atom", db
	res, err := feed3.Fetch(ctx, "cs.LG")
	if err != nil || !res.NotModified {
		t.Fatalf("replica 3's first read: not modified %v, err %v", res.NotModified, err)
	}
	reqs := srv1.requests()
	if len(reqs) != 3 || reqs[0].Header.Get("If-None-Match") != "" || reqs[1].Header.Get("If-None-Match") != "" || reqs[2].Header.Get("If-None-Match") != etag {
		t.Fatalf("requests: %d, conditional: %q %q %q", len(reqs), reqs[0].Header.Get("If-None-Match"), reqs[1].Header.Get("If-None-Match"), reqs[len(reqs)-1].Header.Get("If-None-Match"))
	}
	_ = srv2
}

// With cursors, a job's last success is shared: the replica that takes the
// refresh over 10 minutes after an hourly job ran runs it at the hour, not
// at once; a job whose last run failed runs at once.
func TestRefresherResumesFromTheJobCursor(t *testing.T) {
	ctx := context.Background()
	db := openCursors(t)
	var at map[string][]time.Duration
	jobs := func(clk *sourcestest.Clock) []sources.Job {
		job := func(name string, fail bool) sources.Job {
			return sources.Job{Name: name, Source: "test", AtStart: true, Next: sources.Every(time.Hour),
				Run: func(context.Context) (int, error) {
					at[name] = append(at[name], clk.Now().Sub(t0))
					if fail {
						return 0, errors.New("upstream down")
					}
					return 1, nil
				}}
		}
		return []sources.Job{job("hourly", false), job("failing", true)}
	}
	at = map[string][]time.Duration{}
	clk := sourcestest.NewClock(t0, t0.Add(30*time.Minute))
	if err := (&sources.Refresher{Jobs: jobs(clk), Clock: clk, Cursors: db}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	// Another replica takes over at 0h10.
	at = map[string][]time.Duration{}
	clk = sourcestest.NewClock(t0.Add(10*time.Minute), t0.Add(90*time.Minute))
	if err := (&sources.Refresher{Jobs: jobs(clk), Clock: clk, Cursors: db}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := at["hourly"]; !slices.Equal(got, []time.Duration{time.Hour}) {
		t.Errorf("after the takeover the hourly job ran at %v, want [1h0m0s] (an hour after its last run)", got)
	}
	if got := at["failing"]; len(got) == 0 || got[0] != 10*time.Minute {
		t.Errorf("after the takeover the failed job ran at %v, want at once (10m0s)", got)
	}
}
