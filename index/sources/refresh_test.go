package sources_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

func eastern(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestArxivScheduleAnnouncements(t *testing.T) {
	et := eastern(t)
	s := sources.ArxivSchedule{Loc: et}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, et) }
	cases := []struct {
		now, prev, next time.Time
	}{
		// Tuesday afternoon: Monday's announcement was the last.
		{at(2025, 2, 4, 15, 0), at(2025, 2, 3, 20, 0), at(2025, 2, 4, 20, 0)},
		// At 20:00 sharp the announcement has happened.
		{at(2025, 2, 4, 20, 0), at(2025, 2, 4, 20, 0), at(2025, 2, 5, 20, 0)},
		// Friday and Saturday have none: Thursday's is the last, Sunday's the next.
		{at(2025, 2, 7, 21, 0), at(2025, 2, 6, 20, 0), at(2025, 2, 9, 20, 0)},
		{at(2025, 2, 8, 23, 0), at(2025, 2, 6, 20, 0), at(2025, 2, 9, 20, 0)},
		// Across the change to daylight saving time (Sunday 9 March 2025):
		// 20:00 Eastern is 01:00 UTC before and 00:00 UTC after.
		{at(2025, 3, 8, 12, 0), at(2025, 3, 6, 20, 0), at(2025, 3, 9, 20, 0)},
	}
	for _, c := range cases {
		if got := s.Previous(c.now); !got.Equal(c.prev) {
			t.Errorf("Previous(%s) = %s, want %s", c.now, got, c.prev)
		}
		if got := s.NextAnnouncement(c.now); !got.Equal(c.next) {
			t.Errorf("NextAnnouncement(%s) = %s, want %s", c.now, got, c.next)
		}
	}
	if u := s.NextAnnouncement(at(2025, 3, 8, 12, 0)).UTC(); u.Hour() != 0 {
		t.Errorf("announcement after the DST change at %s UTC, want 00:00", u)
	}
	if u := s.Previous(at(2025, 3, 8, 12, 0)).UTC(); u.Hour() != 1 {
		t.Errorf("announcement before the DST change at %s UTC, want 01:00", u)
	}
}

// recordingSink records what was written and when.
type recordingSink struct {
	clock *sourcestest.Clock
	mu    sync.Mutex
	ids   map[string]time.Time
	calls int
}

func (s *recordingSink) Upsert(ctx context.Context, ps []paper.Paper) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string]time.Time{}
	}
	s.calls++
	for _, p := range ps {
		if _, ok := s.ids[p.ID]; !ok {
			s.ids[p.ID] = s.clock.Now()
		}
	}
	return nil
}

// feedAt is a listing feed as arXiv would serve it at time now: rebuilt at
// midnight Eastern, one new paper per category and day.
func feedAt(now time.Time, et *time.Location, cat string) (body, etag string) {
	l := now.In(et)
	built := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, et)
	id := fmt.Sprintf("25%02d.%05d", built.Month(), built.Day()*100+int(cat[len(cat)-1]))
	body = fmt.Sprintf(`<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://www.w3.org/2005/Atom">
  <id>http://rss.arxiv.org/atom/%[1]s</id>
  <updated>%[2]s</updated>
  <entry>
    <id>oai:arXiv.org:%[3]sv1</id>
    <title>Paper %[3]s</title>
    <summary>arXiv:%[3]sv1 Announce Type: new
Abstract: About %[1]s.</summary>
    <category term="%[1]s"/>
    <published>%[4]s</published>
    <arxiv:announce_type>new</arxiv:announce_type>
    <dc:creator>A. Author</dc:creator>
  </entry>
</feed>`, cat, built.UTC().Format(time.RFC3339), id, built.Format(time.RFC3339))
	return body, `"` + cat + built.Format("2006-01-02") + `"`
}

// A simulated week of `paperbot serve`'s refresh, on a fake clock: arXiv's
// feeds are read after each announcement (Sunday to Thursday 20:00
// Eastern) until they show it, never on Friday or Saturday, with requests
// 3 s apart; Hugging Face every 3 hours for today and yesterday; throttling
// is waited out and a failing source is logged and tried again later.
func TestRefreshWeek(t *testing.T) {
	et := eastern(t)
	start := time.Date(2025, 2, 2, 12, 0, 0, 0, et) // Sunday noon
	end := start.AddDate(0, 0, 7)
	clock := sourcestest.NewClock(start, end)
	hfDown := [2]time.Time{start.Add(9 * time.Hour), start.Add(9*time.Hour + 5*time.Minute)}
	throttleAt := time.Date(2025, 2, 4, 20, 30, 0, 0, et) // Tuesday's first check

	var throttled sync.Once
	srv := newServer(t, clock, func(w http.ResponseWriter, r *http.Request) {
		now := clock.Now()
		switch {
		case strings.HasPrefix(r.URL.Path, "/atom/"):
			if now.Equal(throttleAt) {
				done := false
				throttled.Do(func() { done = true })
				if done {
					status(503, "", "Retry-After", "30")(w, r)
					return
				}
			}
			body, etag := feedAt(now, et, strings.TrimPrefix(r.URL.Path, "/atom/"))
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Write([]byte(body))
		case r.URL.Path == "/api/daily_papers":
			if !now.Before(hfDown[0]) && now.Before(hfDown[1]) {
				status(500, "internal error")(w, r)
				return
			}
			date := r.URL.Query().Get("date")
			day, _ := time.Parse("2006-01-02", date)
			id := fmt.Sprintf("25%02d.%05d", day.Month(), 90000+day.Day())
			b, _ := json.Marshal([]map[string]any{{"paper": map[string]any{
				"id": id, "title": "Daily " + date, "summary": "Text.", "publishedAt": date + "T12:00:00.000Z",
				"upvotes": now.Hour(),
			}}})
			w.Write(b)
		default:
			http.NotFound(w, r)
		}
	})

	var logs logBuffer
	log := logs.logger()
	sink := &recordingSink{clock: clock}
	arxivClient := newClient(sources.SourceArxiv, clock, sources.ArxivInterval, log)
	hfClient := newClient(sources.SourceHuggingFace, clock, time.Second, log)
	ax := &sources.ArxivFeedJob{
		Feed:       &sources.ArxivFeed{BaseURL: srv.URL + "/atom", Client: arxivClient},
		Categories: []string{"cs.LG", "cs.CL"},
		Sink:       sink,
		Schedule:   sources.ArxivSchedule{Loc: et},
		Clock:      clock,
		Log:        log,
	}
	hf := &sources.HuggingFaceJob{
		HF:   &sources.HuggingFace{BaseURL: srv.URL, Client: hfClient},
		Days: 2, Every: 3 * time.Hour, Sink: sink, Clock: clock, Log: log,
	}
	r := &sources.Refresher{Jobs: []sources.Job{ax.Job(), hf.Job()}, Clock: clock, Log: log}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	var feedReqs, hfReqs []request
	for _, q := range srv.requests() {
		if strings.HasPrefix(q.Path, "/atom/") {
			feedReqs = append(feedReqs, q)
		} else {
			hfReqs = append(hfReqs, q)
		}
	}

	// The checks: at start, then 20:30, 21:30, ... after each
	// announcement until the midnight rebuild shows it (00:30).
	var want []time.Time
	want = append(want, start)
	for d := 0; d < 5; d++ { // Sunday to Thursday
		a := time.Date(2025, 2, 2+d, 20, 0, 0, 0, et)
		for k := 0; k < 5; k++ {
			want = append(want, a.Add(30*time.Minute+time.Duration(k)*time.Hour))
		}
	}
	var checks []time.Time
	for i, q := range feedReqs {
		if q.Path == "/atom/cs.LG" && (i == 0 || feedReqs[i-1].Path != "/atom/cs.LG") {
			checks = append(checks, q.At)
		}
	}
	if len(checks) != len(want) {
		t.Errorf("%d checks, want %d", len(checks), len(want))
	}
	for i := range min(len(checks), len(want)) {
		if !checks[i].Equal(want[i]) {
			t.Errorf("check %d at %s, want %s", i, checks[i].In(et).Format("Mon 15:04:05"), want[i].In(et).Format("Mon 15:04:05"))
		}
	}
	for i := 1; i < len(feedReqs); i++ {
		if d := feedReqs[i].At.Sub(feedReqs[i-1].At); d < sources.ArxivInterval {
			t.Errorf("arXiv requests %s apart at %s", d, feedReqs[i].At.In(et))
		}
	}
	for _, q := range feedReqs {
		l := q.At.In(et)
		quiet := l.Weekday() == time.Saturday || l.Weekday() == time.Friday && l.Hour() >= 1 ||
			l.Weekday() == time.Sunday && l.Hour() < 20 && q.At.Sub(start) > time.Minute
		if quiet {
			t.Errorf("arXiv read at %s, when there is no announcement to read", l.Format("Mon 15:04"))
		}
	}
	// Within a check the second category follows 3 s after the first,
	// except when a 503 asked for 30 s.
	retried := false
	for i := 1; i < len(feedReqs); i++ {
		if feedReqs[i].Path == feedReqs[i-1].Path {
			if d := feedReqs[i].At.Sub(feedReqs[i-1].At); d != 30*time.Second || !feedReqs[i-1].At.Equal(throttleAt) {
				t.Errorf("repeated request %s after %s", feedReqs[i].Path, d)
			}
			retried = true
			continue
		}
		if feedReqs[i].Path == "/atom/cs.CL" {
			if d := feedReqs[i].At.Sub(feedReqs[i-1].At); d != 3*time.Second {
				t.Errorf("cs.CL read %s after cs.LG, want 3s", d)
			}
		}
	}
	if !retried {
		t.Error("the 503 with Retry-After was not retried")
	}

	// Hugging Face: every 3 hours (plus the run's own second), today and
	// yesterday in UTC.
	var runs []request
	for i := 0; i < len(hfReqs); i++ {
		q := hfReqs[i]
		if i > 0 && q.At.Sub(hfReqs[i-1].At) < time.Hour {
			continue // the same run's other day, or a retry
		}
		runs = append(runs, q)
		today := q.At.UTC().Format("2006-01-02")
		if !strings.Contains(q.Query, "date="+today) {
			t.Errorf("run at %s asked %s first, want today %s", q.At.UTC(), q.Query, today)
		}
	}
	if len(runs) != 7*8 {
		t.Errorf("%d Hugging Face runs in a week, want 56", len(runs))
	}
	for i := 1; i < len(runs); i++ {
		if d := runs[i].At.Sub(runs[i-1].At); d < 3*time.Hour || d > 3*time.Hour+2*time.Minute {
			t.Errorf("Hugging Face runs %s apart at %s", d, runs[i].At.In(et))
		}
	}

	// The failed Hugging Face run was logged with its source and did not
	// stop anything: the next run came 3 hours later.
	out := logs.String()
	if !strings.Contains(out, `msg="refresh failed" job=huggingface source=huggingface`) {
		t.Errorf("no refresh failure logged for Hugging Face:\n%s", out)
	}
	if !strings.Contains(out, "retrying") || !strings.Contains(out, "source=arxiv") {
		t.Errorf("no retry logged for arXiv")
	}

	// Papers from both sources reached the sink.
	var fromArxiv, fromHF int
	for id := range sink.ids {
		if id[5] == '9' {
			fromHF++
		} else {
			fromArxiv++
		}
	}
	if fromArxiv != 2*6 || fromHF < 7 {
		t.Errorf("sink got %d arXiv papers (want 12: 2 categories × 6 feeds) and %d Hugging Face papers", fromArxiv, fromHF)
	}
}

// A job that panics or fails is logged and runs again; the refresher
// stops when its context ends.
func TestRefresherSurvivesFailures(t *testing.T) {
	start := t0
	clock := sourcestest.NewClock(start, start.Add(3*time.Hour))
	var logs logBuffer
	runs := 0
	r := &sources.Refresher{Clock: clock, Log: logs.logger(), Jobs: []sources.Job{{
		Name: "flaky", Source: "test", AtStart: true, Next: sources.Every(time.Hour),
		Run: func(ctx context.Context) (int, error) {
			runs++
			switch runs {
			case 1:
				panic("boom")
			case 2:
				return 0, errors.New("upstream down")
			}
			return 3, nil
		},
	}, {
		Name: "once", Source: "files", AtStart: true,
		Run: func(ctx context.Context) (int, error) { return 1, nil },
	}, {
		Name: "once-failing", Source: "files", AtStart: true,
		Run: func(ctx context.Context) (int, error) { return 0, errors.New("no such file") },
	}}}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if runs != 4 { // at 0h, 1h, 2h, 3h
		t.Errorf("%d runs, want 4", runs)
	}
	out := logs.String()
	for _, want := range []string{"panic: boom", "upstream down", "source=test", `job=once source=files papers=1`, `job=once-failing source=files err="no such file"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// A one-shot job does not run again: its lines have no "next" (it was
	// the zero time, next=0001-01-01T00:00:00.000Z); a scheduled job's do.
	for line := range strings.Lines(out) {
		switch {
		case strings.Contains(line, "job=once") && !strings.Contains(line, "refresh scheduled") && strings.Contains(line, "next="):
			t.Errorf("a one-shot job's line has a next time: %s", line)
		case strings.Contains(line, "job=flaky") && !strings.Contains(line, "next="+start.Format("2006")):
			t.Errorf("a scheduled job's line lacks its next time: %s", line)
		}
	}

	// Cancelled: returns nil at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r2 := &sources.Refresher{Clock: sourcestest.NewClock(start, time.Time{}), Jobs: []sources.Job{{Name: "x", Next: sources.Every(time.Hour), Run: func(context.Context) (int, error) { return 0, nil }}}}
	if err := r2.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
