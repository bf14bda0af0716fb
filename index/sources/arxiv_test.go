package sources_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

const atomType = "application/atom+xml; charset=utf-8"

func newFeed(t *testing.T, h http.HandlerFunc, cross bool) (*sources.ArxivFeed, *server, *sourcestest.Clock) {
	t.Helper()
	clock := sourcestest.NewClock(t0, time.Time{})
	srv := newServer(t, clock, h)
	return &sources.ArxivFeed{BaseURL: srv.URL + "/atom", Client: newClient(sources.SourceArxiv, clock, sources.ArxivInterval, nil), IncludeCross: cross}, srv, clock
}

func ids(ps []paper.Paper) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestArxivFeedNormalDay(t *testing.T) {
	feed, srv, _ := newFeed(t, serveFile(t, "arxiv/feed-cs.LG.xml", atomType), false)
	res, err := feed.Fetch(context.Background(), "cs.LG")
	if err != nil {
		t.Fatal(err)
	}
	if r := srv.requests(); len(r) != 1 || r[0].Path != "/atom/cs.LG" {
		t.Fatalf("requests %+v", r)
	}
	// New submissions only: the cross-list and both replacements are skipped.
	if got := ids(res.Papers); !slices.Equal(got, []string{"2502.01001", "2502.01002"}) {
		t.Errorf("papers %v", got)
	}
	wantTypes := map[string]int{"new": 2, "cross": 1, "replace": 1, "replace-cross": 1}
	for k, v := range wantTypes {
		if res.Types[k] != v {
			t.Errorf("types %v, want %v", res.Types, wantTypes)
			break
		}
	}
	if want := time.Date(2025, 2, 5, 5, 0, 3, 112263000, time.UTC); !res.Updated.Equal(want) {
		t.Errorf("updated %s, want %s", res.Updated, want)
	}
	want := paper.Paper{
		ID: "2502.01001",
		// Accents made readable, the mathematics kept, the wrap folded.
		Title:      `Schrödinger Bridges for $\mathcal{O}(n)$-Equivariant Generative Models`,
		Abstract:   `We cast generative modelling as a Schrödinger bridge problem between a simple prior and the data, and show that the bridge inherits the $\mathcal{O}(n)$ symmetry of the data distribution.`,
		Authors:    []string{"François Dupré", "Ana Lima", "Mei Chen", "José García"},
		Categories: []string{"cs.LG", "stat.ML"},
		Published:  "2025-02-05",
		URL:        "https://arxiv.org/abs/2502.01001",
		PDFURL:     "https://arxiv.org/pdf/2502.01001",
		Source:     "arxiv",
	}
	if !equalPaper(res.Papers[0], want) {
		t.Errorf("entry:\n got %+v\nwant %+v", res.Papers[0], want)
	}
	if got := res.Papers[1].Title; got != "Sparse Autoencoders & Feature Circuits" {
		t.Errorf("title with an entity: %q", got)
	}
}

func TestArxivFeedCrossLists(t *testing.T) {
	feed, _, _ := newFeed(t, serveFile(t, "arxiv/feed-cs.LG.xml", atomType), true)
	res, err := feed.Fetch(context.Background(), "cs.LG")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Papers); !slices.Equal(got, []string{"2502.01001", "2502.01002", "2502.01003"}) {
		t.Fatalf("papers %v, want the cross-list too (and still no replacement)", got)
	}
	// A cross-list keeps its own primary category first.
	if c := res.Papers[2].Categories; !slices.Equal(c, []string{"cs.CL", "cs.LG"}) {
		t.Errorf("cross-list categories %v", c)
	}
}

func TestArxivFeedEmptyDay(t *testing.T) {
	feed, _, _ := newFeed(t, serveFile(t, "arxiv/feed-empty.xml", atomType), true)
	res, err := feed.Fetch(context.Background(), "cs.LG")
	if err != nil || len(res.Papers) != 0 || res.Updated.IsZero() {
		t.Fatalf("empty feed: %+v, err %v", res, err)
	}
}

func TestArxivFeedMalformed(t *testing.T) {
	feed, _, _ := newFeed(t, serveFile(t, "arxiv/feed-malformed.xml", atomType), false)
	_, err := feed.Fetch(context.Background(), "cs.LG")
	if err == nil || !fault.Is(err, fault.Transient) || !strings.Contains(err.Error(), "not an Atom feed") {
		t.Fatalf("err %v", err)
	}
}

func TestArxivFeedConditionalGET(t *testing.T) {
	body := fixture(t, "arxiv/feed-cs.LG.xml")
	const etag = `"feed-2025-02-05"`
	const lastMod = "Wed, 05 Feb 2025 05:00:03 GMT"
	feed, srv, _ := newFeed(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Write(body)
	}, false)
	ctx := context.Background()
	first, err := feed.Fetch(ctx, "cs.LG")
	if err != nil || first.NotModified || len(first.Papers) != 2 {
		t.Fatalf("first read: %+v, err %v", first, err)
	}
	if err := feed.Commit(ctx, first); err != nil {
		t.Fatal(err)
	}
	second, err := feed.Fetch(ctx, "cs.LG")
	if err != nil || !second.NotModified || len(second.Papers) != 0 {
		t.Fatalf("second read: %+v, err %v", second, err)
	}
	reqs := srv.requests()
	if reqs[0].Header.Get("If-None-Match") != "" {
		t.Errorf("first request was conditional")
	}
	if h := reqs[1].Header; h.Get("If-None-Match") != etag || h.Get("If-Modified-Since") != lastMod {
		t.Errorf("second request headers %v", h)
	}
	// Requests to arXiv are 3 s apart.
	if d := reqs[1].At.Sub(reqs[0].At); d != 3*time.Second {
		t.Errorf("requests %s apart, want 3s", d)
	}
}

// A feed that fails to parse must not leave a validator behind: the next
// read asks unconditionally.
func TestArxivFeedNoValidatorAfterBadFeed(t *testing.T) {
	good := fixture(t, "arxiv/feed-cs.LG.xml")
	bad := fixture(t, "arxiv/feed-malformed.xml")
	n := 0
	feed, srv, _ := newFeed(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("ETag", `"x"`)
		if n == 1 {
			w.Write(bad)
			return
		}
		w.Write(good)
	}, false)
	if _, err := feed.Fetch(context.Background(), "cs.LG"); err == nil {
		t.Fatal("no error for a bad feed")
	}
	if _, err := feed.Fetch(context.Background(), "cs.LG"); err != nil {
		t.Fatal(err)
	}
	if h := srv.requests()[1].Header.Get("If-None-Match"); h != "" {
		t.Errorf("conditional read after a bad feed (If-None-Match %s)", h)
	}
}

func TestArxivFeedThrottled(t *testing.T) {
	ok := serveFile(t, "arxiv/feed-cs.LG.xml", atomType)
	feed, srv, clock := newFeed(t, sequence(
		status(503, "", "Retry-After", "30"),
		status(200, "Rate exceeded.\n"),
		ok,
	), false)
	res, err := feed.Fetch(context.Background(), "cs.LG")
	if err != nil || len(res.Papers) != 2 {
		t.Fatalf("%+v, err %v", res, err)
	}
	// 30s as asked, then the back-off of a second failure (10s) after
	// "Rate exceeded." (the 3s pacing is inside those waits).
	if got, want := clock.Sleeps(), []time.Duration{30 * time.Second, 10 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	reqs := srv.requests()
	if len(reqs) != 3 || !reqs[1].At.Equal(t0.Add(30*time.Second)) || !reqs[2].At.Equal(t0.Add(40*time.Second)) {
		t.Errorf("requests %+v", reqs)
	}
}

func TestArxivFeedBadCategory(t *testing.T) {
	feed, srv, _ := newFeed(t, status(500, ""), false)
	for _, c := range []string{"", "cs LG", "../etc", "cs.LG/x"} {
		if _, err := feed.Fetch(context.Background(), c); !fault.Is(err, fault.Invalid) {
			t.Errorf("category %q: err %v, want invalid", c, err)
		}
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("%d requests for bad categories", n)
	}
}

func newAPI(t *testing.T, h http.HandlerFunc) (*sources.ArxivAPI, *server, *sourcestest.Clock) {
	t.Helper()
	clock := sourcestest.NewClock(t0, time.Time{})
	srv := newServer(t, clock, h)
	return &sources.ArxivAPI{BaseURL: srv.URL + "/api/query", Client: newClient(sources.SourceArxiv, clock, sources.ArxivInterval, nil)}, srv, clock
}

func TestArxivAPIFetch(t *testing.T) {
	api, srv, _ := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("id_list") {
		case "2401.12345":
			serveFile(t, "arxiv/api-2401.12345.xml", atomType)(w, r)
		case "hep-th/9711200":
			serveFile(t, "arxiv/api-hep-th-9711200.xml", atomType)(w, r)
		default:
			serveFile(t, "arxiv/api-empty.xml", atomType)(w, r)
		}
	})
	ctx := context.Background()

	// A versioned id asks for the paper and gets its latest version (v2):
	// one record under the canonical id.
	p, err := api.Fetch(ctx, "2401.12345v1")
	if err != nil {
		t.Fatal(err)
	}
	want := paper.Paper{
		ID:         "2401.12345",
		Title:      `Learning $k$-Sparse Parities with Transformers: A Study of Length Generalisation in Gödel's Setting`,
		Abstract:   `We study whether transformers trained on $k$-sparse parities of length $n$ generalise to longer inputs. They do, when the positional encoding is relative.`,
		Authors:    []string{"Marta Kowalska", "Björn Ekström", "Chen Li"},
		Categories: []string{"cs.LG", "cs.CL"},
		Published:  "2024-01-22",
		Updated:    "2024-03-02",
		URL:        "https://arxiv.org/abs/2401.12345",
		PDFURL:     "https://arxiv.org/pdf/2401.12345",
		Source:     "arxiv",
	}
	if !equalPaper(p, want) {
		t.Errorf("paper:\n got %+v\nwant %+v", p, want)
	}
	if q := srv.requests()[0].Query; q != "id_list=2401.12345&max_results=1" {
		t.Errorf("query %s", q)
	}

	// Old-style ids, from a URL.
	old, err := api.Fetch(ctx, "https://arxiv.org/abs/hep-th/9711200v2")
	if err != nil {
		t.Fatal(err)
	}
	if old.ID != "hep-th/9711200" || old.Published != "1997-11-27" || !slices.Equal(old.Authors, []string{"Juan M. Maldacena"}) {
		t.Errorf("old-style paper %+v", old)
	}

	// A paper arXiv does not know.
	if _, err := api.Fetch(ctx, "2402.99998"); !fault.Is(err, fault.NotFound) || !strings.Contains(fault.UserMessage(err), "2402.99998") {
		t.Errorf("unknown paper: err %v", err)
	}
	// Not an id at all: refused before any request.
	n := len(srv.requests())
	if _, err := api.Fetch(ctx, "not an id"); !fault.Is(err, fault.Invalid) {
		t.Errorf("bad id: err %v", err)
	}
	if len(srv.requests()) != n {
		t.Errorf("a request was sent for a bad id")
	}
}

// arXiv reports errors as HTTP 200 with an Error entry.
func TestArxivAPIErrorEntry(t *testing.T) {
	api, _, _ := newAPI(t, serveFile(t, "arxiv/api-error.xml", atomType))
	_, err := api.Fetch(context.Background(), "2401.99999")
	if !fault.Is(err, fault.Invalid) {
		t.Fatalf("err %v (kind %v), want invalid", err, fault.KindOf(err))
	}
	if msg := fault.UserMessage(err); !strings.Contains(msg, "incorrect id format for 2401.99999") {
		t.Errorf("user message %q does not carry arXiv's", msg)
	}
}

func TestArxivAPIThrottled(t *testing.T) {
	rate := serveFile(t, "arxiv/rate-exceeded.txt", "text/plain")
	ok := serveFile(t, "arxiv/api-2401.12345.xml", atomType)
	cases := []struct {
		name      string
		responses []http.HandlerFunc
		wantOK    bool
		wantSleep []time.Duration
	}{
		{"Rate exceeded. then the paper", []http.HandlerFunc{rate, ok}, true, []time.Duration{5 * time.Second}},
		{"429 with Retry-After", []http.HandlerFunc{status(429, "", "Retry-After", "7"), ok}, true, []time.Duration{7 * time.Second}},
		{"always Rate exceeded.", []http.HandlerFunc{rate}, false, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api, srv, clock := newAPI(t, sequence(c.responses...))
			p, err := api.Fetch(context.Background(), "2401.12345")
			if c.wantOK {
				if err != nil || p.ID != "2401.12345" {
					t.Fatalf("paper %s, err %v", p.ID, err)
				}
			} else {
				if !fault.Is(err, fault.Transient) || !strings.Contains(fault.UserMessage(err), "rate limiting") {
					t.Fatalf("err %v, want a transient rate-limit error", err)
				}
			}
			if got := clock.Sleeps(); !slices.Equal(got, c.wantSleep) {
				t.Errorf("waits %v, want %v", got, c.wantSleep)
			}
			// Whatever the waits, requests are at least 3 s apart.
			reqs := srv.requests()
			for i := 1; i < len(reqs); i++ {
				if d := reqs[i].At.Sub(reqs[i-1].At); d < 3*time.Second {
					t.Errorf("requests %d and %d only %s apart", i-1, i, d)
				}
			}
		})
	}
}

// A retry that would outlast the caller's deadline (a chat command's) is
// not attempted: the user hears at once that arXiv is busy.
func TestArxivAPIRetryBeyondDeadline(t *testing.T) {
	api, srv, clock := newAPI(t, status(503, "", "Retry-After", "60"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := api.Fetch(ctx, "2401.12345")
	if !fault.Is(err, fault.Transient) || !strings.Contains(fault.UserMessage(err), "busy") {
		t.Fatalf("err %v", err)
	}
	if len(srv.requests()) != 1 || len(clock.Sleeps()) != 0 {
		t.Errorf("%d requests, waits %v", len(srv.requests()), clock.Sleeps())
	}
}

// Concurrent fetches (several /papers show at once, and a feed refresh)
// share one pacer: one request at a time, on one connection, 3 s apart.
func TestArxivSpacingConcurrent(t *testing.T) {
	clock := sourcestest.NewClock(t0, time.Time{})
	srv := newServer(t, clock, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/atom/") {
			serveFile(t, "arxiv/feed-cs.LG.xml", atomType)(w, r)
			return
		}
		serveFile(t, "arxiv/api-2401.12345.xml", atomType)(w, r)
	})
	client := newClient(sources.SourceArxiv, clock, sources.ArxivInterval, nil)
	api := &sources.ArxivAPI{BaseURL: srv.URL + "/api/query", Client: client}
	feed := &sources.ArxivFeed{BaseURL: srv.URL + "/atom", Client: client}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 6 {
		wg.Go(func() {
			_, err := api.Fetch(context.Background(), "2401.12345")
			errs <- err
		})
	}
	for _, c := range []string{"cs.LG", "cs.CL"} {
		wg.Go(func() {
			_, err := feed.Fetch(context.Background(), c)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.requests()
	if len(reqs) != 8 {
		t.Fatalf("%d requests, want 8", len(reqs))
	}
	for i := 1; i < len(reqs); i++ {
		if d := reqs[i].At.Sub(reqs[i-1].At); d != 3*time.Second {
			t.Errorf("requests %d and %d are %s apart, want 3s", i-1, i, d)
		}
	}
	if srv.maxIn != 1 {
		t.Errorf("%d requests in flight at once, want 1", srv.maxIn)
	}
	if srv.conns != 1 {
		t.Errorf("%d connections, want 1", srv.conns)
	}
}

// An HTML page answered in arXiv's place (a login wall, a proxy) is said
// to be one, with its title.
func TestArxivFeedHTMLPage(t *testing.T) {
	feed, _, _ := newFeed(t, serveFile(t, "login-page.html", "text/html"), false)
	_, err := feed.Fetch(context.Background(), "cs.LG")
	want := `an HTML page titled "Sign in - Example Corp Proxy", not an Atom feed`
	if err == nil || !fault.Is(err, fault.Transient) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err %v, want a transient error saying %q", err, want)
	}
}

// An entry without a usable id is skipped, named by its place in the feed
// and its title; one whose id is empty but whose link names the paper is
// kept; the others are read as always.
func TestArxivFeedEntriesWithoutID(t *testing.T) {
	feed, _, _ := newFeed(t, serveFile(t, "arxiv/feed-missing-ids.xml", atomType), false)
	res, err := feed.Fetch(context.Background(), "cs.LG")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Papers); !slices.Equal(got, []string{"2502.01102", "2502.01104"}) {
		t.Errorf("papers %v", got)
	}
	var skipped []string
	for _, e := range res.Skipped {
		skipped = append(skipped, e.Error())
	}
	want := []string{
		`entry 1 ("An Entry Without an Id or a Link"): no arXiv id (no <id>, and no link to an abstract page)`,
		`entry 3 ("An Id That Is No arXiv Id"): no arXiv id (<id> "tag:example.org,2025:not-arxiv" is none, and no link to an abstract page)`,
	}
	if !slices.Equal(skipped, want) {
		t.Errorf("skipped:\n got %q\nwant %q", skipped, want)
	}
}

// One byte of invalid UTF-8 made encoding/xml refuse the whole feed, every
// good entry with it, at every read that day. The bad bytes are replaced
// with U+FFFD, and a warning names each kept entry that had some (an
// entry not kept, a replacement, is not named) and the feed's own text.
func TestArxivFeedInvalidUTF8(t *testing.T) {
	feed, _, _ := newFeed(t, serveFile(t, "arxiv/feed-invalid-utf8.xml", atomType), false)
	res, err := feed.Fetch(context.Background(), "cs.LG")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Papers); !slices.Equal(got, []string{"2502.01001", "2502.01002"}) {
		t.Fatalf("papers %v", got)
	}
	if title := res.Papers[1].Title; title != "Sparse Autoencoders & Feature Circuits in Fran\uFFFDais" {
		t.Errorf("title %q", title)
	}
	var warnings []string
	for _, e := range res.Warnings {
		warnings = append(warnings, e.Error())
	}
	want := []string{
		"invalid UTF-8 on line 4, outside the entries, replaced with U+FFFD",
		"entry 2 (2502.01002): invalid UTF-8 on line 27 replaced with U+FFFD (the entry is kept)",
	}
	if !slices.Equal(warnings, want) {
		t.Errorf("warnings:\n got %q\nwant %q", warnings, want)
	}
}

// The API alike: the paper is returned, and the replacement logged.
func TestArxivAPIInvalidUTF8(t *testing.T) {
	body := bytes.Replace(fixture(t, "arxiv/api-2401.12345.xml"), []byte("A Study"), []byte("A \xe9tude"), 1)
	var logged bytes.Buffer
	api, _, _ := newAPI(t, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	api.Client.Log = slog.New(slog.NewTextHandler(&logged, nil))
	p, err := api.Fetch(context.Background(), "2401.12345")
	if err != nil || !strings.Contains(p.Title, "A \uFFFDtude") {
		t.Fatalf("%+v, err %v", p, err)
	}
	if want := `err="entry 1 (2401.12345): invalid UTF-8 on line 14 replaced with U+FFFD (the entry is kept)"`; !strings.Contains(logged.String(), want) {
		t.Errorf("log %s\nlacks %s", logged.String(), want)
	}
}
