package sources_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

func newHF(t *testing.T, h http.HandlerFunc) (*sources.HuggingFace, *server, *sourcestest.Clock) {
	t.Helper()
	clock := sourcestest.NewClock(t0, time.Time{})
	srv := newServer(t, clock, h)
	return &sources.HuggingFace{BaseURL: srv.URL, Client: newClient(sources.SourceHuggingFace, clock, time.Second, nil)}, srv, clock
}

func TestHuggingFaceNormalDay(t *testing.T) {
	hf, srv, _ := newHF(t, serveFile(t, "huggingface/daily-normal.json", "application/json"))
	res, err := hf.Daily(context.Background(), time.Date(2025, 2, 4, 23, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 || len(res.Warnings) != 0 {
		t.Errorf("skipped %v, warnings %v", res.Skipped, res.Warnings)
	}
	papers := res.Papers
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if r := reqs[0]; r.Path != "/api/daily_papers" || r.Query != "date=2025-02-04&limit=100" {
		t.Errorf("request %s?%s, want /api/daily_papers?date=2025-02-04&limit=100", r.Path, r.Query)
	}
	if ua := reqs[0].Header.Get("User-Agent"); ua != "paperbot-test/1.0 (mailto:team@example.org)" {
		t.Errorf("User-Agent %q", ua)
	}
	if len(papers) != 3 {
		t.Fatalf("%d papers, want 3", len(papers))
	}

	// Every field of a full record, LaTeX kept and wrapping folded.
	want := paper.Paper{
		ID:         "2502.01234",
		Title:      `$\pi_0$: A Vision-Language-Action Flow Model for General Robot Control`,
		Abstract:   "Robot learning holds tremendous promise to unlock the full potential of flexible, general, and dexterous robot systems. We propose a novel flow matching architecture built on top of a pre-trained vision-language model (VLM) to inherit Internet-scale semantic knowledge.",
		Authors:    []string{"Kevin Black", "Noah Brown", "Danny Driess"},
		Published:  "2025-02-03",
		URL:        "https://arxiv.org/abs/2502.01234",
		PDFURL:     "https://arxiv.org/pdf/2502.01234",
		CodeURL:    "https://github.com/Physical-Intelligence/openpi",
		ProjectURL: "https://www.physicalintelligence.company/blog/pi0",
		Source:     "huggingface",
		Upvotes:    120,
		Stars:      400,
		Comments:   4,
		AISummary:  "A flow-matching VLA model controls many robots.",
		Keywords:   []string{"flow matching", "vision-language-action", "robot control"},
	}
	if got := papers[0]; !equalPaper(got, want) {
		t.Errorf("full record:\n got %+v\nwant %+v", got, want)
	}

	// Optional fields absent in the response stay absent in the record.
	sparse := papers[1]
	if sparse.ID != "2502.01777" || sparse.Upvotes != 30 {
		t.Errorf("second paper %s with %d upvotes", sparse.ID, sparse.Upvotes)
	}
	raw, _ := json.Marshal(sparse)
	for _, k := range []string{"code_url", "stars", "project_url", "ai_summary", "ai_keywords", "comments"} {
		if strings.Contains(string(raw), `"`+k+`"`) {
			t.Errorf("absent field %s present in %s", k, raw)
		}
	}

	// "owner/repo" becomes a GitHub URL; white space is folded.
	third := papers[2]
	if third.CodeURL != "https://github.com/openai/reward-scaling" {
		t.Errorf("code URL %q", third.CodeURL)
	}
	if third.Title != "Scaling Laws for Reward Models" {
		t.Errorf("title %q", third.Title)
	}
	if third.Abstract != "Reward models are scaled from 10M to 10B parameters. Their accuracy follows a power law." {
		t.Errorf("abstract %q", third.Abstract)
	}
	if !slices.Equal(third.Authors, []string{"Jürgen Weiß", "Zoë Ng"}) {
		t.Errorf("authors %q", third.Authors)
	}
}

func TestHuggingFaceEmptyDay(t *testing.T) {
	hf, _, _ := newHF(t, serveFile(t, "huggingface/daily-empty.json", "application/json"))
	res, err := hf.Daily(context.Background(), t0)
	if err != nil || len(res.Papers) != 0 || len(res.Skipped) != 0 {
		t.Fatalf("empty day: %d papers, %v skipped, err %v", len(res.Papers), res.Skipped, err)
	}
}

// A day's list fills in gradually: read in the morning and again in the
// evening, the second read has more papers and larger counts, and an
// unusable envelope is skipped without losing the rest.
func TestHuggingFacePartialDay(t *testing.T) {
	hf, _, _ := newHF(t, sequence(
		serveFile(t, "huggingface/daily-partial-morning.json", "application/json"),
		serveFile(t, "huggingface/daily-partial-evening.json", "application/json"),
	))
	ctx := context.Background()
	day := time.Date(2025, 2, 6, 0, 0, 0, 0, time.UTC)
	res, err := hf.Daily(ctx, day)
	if err != nil || len(res.Skipped) != 0 {
		t.Fatal(err, res.Skipped)
	}
	morning := res.Papers
	if len(morning) != 1 || morning[0].Upvotes != 3 || morning[0].CodeURL != "" {
		t.Fatalf("morning: %+v", morning)
	}
	res, err = hf.Daily(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	evening, skipped := res.Papers, res.Skipped
	if len(evening) != 2 {
		t.Fatalf("evening: %d papers, want 2", len(evening))
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "without an id") {
		t.Errorf("skipped %v, want the envelope without an id", skipped)
	}
	merged := paper.Merge(morning[0], evening[0])
	if merged.Upvotes != 41 || merged.Stars != 16 || merged.Comments != 2 || merged.CodeURL != "https://github.com/meichen/ttsv" {
		t.Errorf("merged morning and evening: %+v", merged)
	}
}

func TestHuggingFaceMalformed(t *testing.T) {
	for _, name := range []string{"daily-malformed.json", "daily-not-array.json"} {
		t.Run(name, func(t *testing.T) {
			hf, _, _ := newHF(t, serveFile(t, "huggingface/"+name, "application/json"))
			_, err := hf.Daily(context.Background(), t0)
			if err == nil {
				t.Fatal("no error")
			}
			if !fault.Is(err, fault.Transient) || !strings.Contains(err.Error(), "Hugging Face") {
				t.Errorf("error %v (kind %v), want a transient error naming Hugging Face", err, fault.KindOf(err))
			}
			if name == "daily-malformed.json" && !strings.Contains(err.Error(), "at byte") {
				t.Errorf("error %v does not say where", err)
			}
		})
	}
}

func TestHuggingFaceRetries(t *testing.T) {
	ok := serveFile(t, "huggingface/daily-normal.json", "application/json")
	cases := []struct {
		name      string
		responses []http.HandlerFunc
		wantErr   fault.Kind // -1: success
		wantReqs  int
		wantSleep []time.Duration // back-off waits (the pacer's too)
	}{
		{
			name:      "429 with Retry-After seconds",
			responses: []http.HandlerFunc{status(429, "slow down", "Retry-After", "120"), ok},
			wantErr:   -1, wantReqs: 2,
			wantSleep: []time.Duration{120 * time.Second},
		},
		{
			name:      "503 with a Retry-After date",
			responses: []http.HandlerFunc{status(503, "", "Retry-After", t0.Add(90*time.Second).Format(http.TimeFormat)), ok},
			wantErr:   -1, wantReqs: 2,
			wantSleep: []time.Duration{90 * time.Second},
		},
		{
			name:      "503 without Retry-After backs off 5s then 10s",
			responses: []http.HandlerFunc{status(503, ""), status(503, ""), ok},
			wantErr:   -1, wantReqs: 3,
			wantSleep: []time.Duration{5 * time.Second, 10 * time.Second},
		},
		{
			name:      "Retry-After beyond the longest wait fails at once",
			responses: []http.HandlerFunc{status(429, "", "Retry-After", "3600")},
			wantErr:   fault.Transient, wantReqs: 1,
		},
		{
			name:      "always 500: gives up after 3 retries",
			responses: []http.HandlerFunc{status(500, "oops")},
			wantErr:   fault.Transient, wantReqs: 4,
			wantSleep: []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second},
		},
		{
			name:      "404 is not retried",
			responses: []http.HandlerFunc{status(404, "not found")},
			wantErr:   fault.NotFound, wantReqs: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := sourcestest.NewClock(t0, time.Time{})
			srv := newServer(t, clock, sequence(c.responses...))
			cl := newClient(sources.SourceHuggingFace, clock, 0, nil)
			hf := &sources.HuggingFace{BaseURL: srv.URL, Client: cl}
			res, err := hf.Daily(context.Background(), t0)
			if c.wantErr < 0 {
				if err != nil || len(res.Papers) != 3 {
					t.Fatalf("%d papers, err %v", len(res.Papers), err)
				}
			} else if err == nil || fault.KindOf(err) != c.wantErr {
				t.Fatalf("err %v (kind %v), want kind %v", err, fault.KindOf(err), c.wantErr)
			}
			if n := len(srv.requests()); n != c.wantReqs {
				t.Errorf("%d requests, want %d", n, c.wantReqs)
			}
			if got := clock.Sleeps(); !slices.Equal(got, c.wantSleep) {
				t.Errorf("waited %v, want %v", got, c.wantSleep)
			}
			// The retries happened at the fake times the waits say.
			reqs := srv.requests()
			at := t0
			for i, r := range reqs {
				if i > 0 && i-1 < len(c.wantSleep) {
					at = at.Add(c.wantSleep[i-1])
				}
				if !r.At.Equal(at) {
					t.Errorf("request %d at %s, want %s", i, r.At, at)
				}
			}
		})
	}
}

func TestHuggingFacePaging(t *testing.T) {
	page := func(ids ...string) http.HandlerFunc {
		var envs []map[string]any
		for _, id := range ids {
			envs = append(envs, map[string]any{"paper": map[string]any{"id": id, "title": "Paper " + id, "upvotes": 1}})
		}
		b, _ := json.Marshal(envs)
		return func(w http.ResponseWriter, r *http.Request) { w.Write(b) }
	}
	hf, srv, clock := newHF(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("p") {
		case "":
			page("2502.00001", "2502.00002")(w, r)
		case "1":
			page("2502.00003")(w, r)
		default:
			t.Errorf("unexpected page %s", r.URL.RawQuery)
		}
	})
	hf.PageSize = 2
	res, err := hf.Daily(context.Background(), t0)
	if err != nil || len(res.Papers) != 3 {
		t.Fatalf("%d papers, err %v", len(res.Papers), err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 || reqs[1].Query != "date=2025-02-04&limit=2&p=1" {
		t.Errorf("requests %+v", reqs)
	}
	// The client's pacer spaces requests to Hugging Face by 1s.
	if d := reqs[1].At.Sub(reqs[0].At); d != time.Second {
		t.Errorf("pages %s apart, want 1s (clock slept %v)", d, clock.Sleeps())
	}
}

// equalPaper compares records ignoring the computed trending score.
func equalPaper(a, b paper.Paper) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// A day whose later page fails keeps the papers of the pages read before
// it: the refresh writes them and reports the failure with the day.
func TestHuggingFaceFailedPageKeepsEarlierPages(t *testing.T) {
	hf, _, clock := newHF(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("p") == "" {
			b, _ := json.Marshal([]map[string]any{
				{"paper": map[string]any{"id": "2502.00001", "title": "Paper one", "upvotes": 1}},
				{"paper": map[string]any{"id": "2502.00002", "title": "Paper two", "upvotes": 2}},
			})
			w.Write(b)
			return
		}
		http.Error(w, "<html>Internal Server Error</html>", http.StatusInternalServerError)
	})
	hf.PageSize = 2
	hf.Client.Retries = -1
	sink := &recordingSink{clock: clock}
	job := &sources.HuggingFaceJob{HF: hf, Days: 1, Sink: sink, Clock: clock}
	n, err := job.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "2025-02-04") || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("Run: %v, want the day's page error", err)
	}
	if n != 2 || len(sink.ids) != 2 {
		t.Errorf("%d papers written (%d in the sink), want the first page's 2", n, len(sink.ids))
	}
}

// A record whose optional field has the wrong JSON type (or a value that
// cannot be used) keeps its paper without that field, or with it
// converted when that is unambiguous ("12" is 12), and a warning names
// the record and the field; a wrongly typed id, title or paper still
// skips the record, named by its place on the page.
func TestHuggingFaceWrongTypes(t *testing.T) {
	hf, _, _ := newHF(t, serveFile(t, "huggingface/daily-wrong-types.json", "application/json"))
	res, err := hf.Daily(context.Background(), time.Date(2025, 2, 6, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range res.Papers {
		ids = append(ids, p.ID)
	}
	if want := []string{"2502.03001", "2502.03002", "2502.03006"}; !slices.Equal(ids, want) {
		t.Fatalf("kept %v, want %v (skipped %v)", ids, want, res.Skipped)
	}
	first := res.Papers[0]
	if first.Upvotes != 12 || first.Stars != 7 || first.Comments != 3 || first.CodeURL != "" ||
		!slices.Equal(first.Keywords, []string{"diffusion"}) || first.Published != "2025-02-06" {
		t.Errorf("first paper: %+v", first)
	}
	second := res.Papers[1]
	if second.Upvotes != 0 || second.Stars != 0 || second.ProjectURL != "" || second.AISummary != "" || second.Keywords != nil ||
		!slices.Equal(second.Authors, []string{"Ana Lima", "Bo Chen"}) || second.Published != "2025-02-05" ||
		second.Title != "Authors Written as Plain Names" {
		t.Errorf("second paper: %+v", second)
	}
	if good := res.Papers[2]; good.Upvotes != 9 || good.Abstract != "It is read as always." {
		t.Errorf("good paper: %+v", good)
	}

	wantWarnings := []string{
		`page 1, paper 1 (2502.03001): kept the paper, but ` +
			`paper.ai_keywords: want an array, got a string (read as ["diffusion"]); ` +
			`paper.publishedAt: want a string, got JSON number (dropped); ` +
			`paper.upvotes: want a whole number, got the string "12" (read as 12); ` +
			`paper.githubStars: want a whole number, got the string "7" (read as 7); ` +
			`numComments: want a whole number, got the string "3" (read as 3); ` +
			`paper.githubRepo: want a string, got JSON number (dropped)`,
		`page 1, paper 2 (2502.03002): kept the paper, but ` +
			`title: want a string, got JSON number (dropped); ` +
			`paper.authors: want an array of objects with a name, got an array of strings (read as the names); ` +
			`paper.ai_keywords: want a list of strings, got an array whose item 2 is JSON number (dropped); ` +
			`paper.githubStars: want a whole number, got 2.5 (dropped); ` +
			`paper.projectPage: want a string, got JSON bool (dropped); ` +
			`paper.ai_summary: want a string, got JSON object (dropped); ` +
			`paper.upvotes: must not be negative (got -4) (dropped)`,
	}
	wantSkipped := []string{
		`page 1, paper 3 (2502.03003): paper.id: want a string, got JSON number`,
		`page 1, paper 4 (2502.03004): paper.title: want a string, got JSON array`,
		`page 1, paper 5: paper: want an object, got JSON string`,
	}
	for _, c := range []struct {
		what string
		got  []error
		want []string
	}{{"warnings", res.Warnings, wantWarnings}, {"skipped", res.Skipped, wantSkipped}} {
		var got []string
		for _, e := range c.got {
			got = append(got, e.Error())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\n%s\nwant\n%s", c.what, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// Control characters in a Hugging Face text cost the characters, not the
// paper (in a keyword they rejected it), and a warning names the field
// (Readable dropped them from the title and abstract without a word).
func TestHuggingFaceControlCharacters(t *testing.T) {
	body := `[{"paper": {"id": "2502.03007", "title": "A Bell\u0007 in the Title", "summary": "Text\u0019 with a CACM control character.", "ai_keywords": ["bell\u0001"]}}]`
	res, err := sources.ParseHuggingFace([]byte(body), "2025-02-06")
	if err != nil || len(res.Papers) != 1 || len(res.Skipped) != 0 {
		t.Fatalf("%d papers, skipped %v, err %v", len(res.Papers), res.Skipped, err)
	}
	if p := res.Papers[0]; p.Title != "A Bell in the Title" || p.Abstract != "Text with a CACM control character." || !slices.Equal(p.Keywords, []string{"bell"}) {
		t.Errorf("paper %+v", p)
	}
	want := "paper 1 (2502.03007): kept the paper, but paper.title: removed control characters (U+0007); paper.summary: removed control characters (U+0019); paper.ai_keywords: removed control characters (U+0001)"
	if len(res.Warnings) != 1 || res.Warnings[0].Error() != want {
		t.Errorf("warnings %v, want %s", res.Warnings, want)
	}
}

// Answers that are not the documented array fail the day with what they
// are: an HTML login page served with 200, JSON null (which read as an
// empty day before), an error object (whose message named a Go type),
// an empty body. A byte order mark before the array is no fault.
func TestHuggingFaceOddAnswers(t *testing.T) {
	for _, c := range []struct {
		fixture, contentType, want string
	}{
		{"login-page.html", "text/html", `an HTML page titled "Sign in - Example Corp Proxy", not JSON: a login, proxy or error page answered in the service's place`},
		{"huggingface/daily-null.json", "application/json", "JSON null, not an array of papers"},
		{"huggingface/daily-not-array.json", "application/json", `a JSON object, not an array of papers: {"error": "Invalid date"}`},
		{"", "application/json", "an empty answer, not a JSON array of papers"},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			h := func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Content-Type", c.contentType) }
			if c.fixture != "" {
				h = serveFile(t, c.fixture, c.contentType)
			}
			hf, _, _ := newHF(t, h)
			res, err := hf.Daily(context.Background(), t0)
			if err == nil || !strings.HasSuffix(err.Error(), c.want) || !fault.Is(err, fault.Transient) || len(res.Papers) != 0 {
				t.Errorf("%d papers, err %v (kind %v); want a transient error ending %q", len(res.Papers), err, fault.KindOf(err), c.want)
			}
		})
	}
	hf, _, _ := newHF(t, serveFile(t, "huggingface/daily-bom.json", "application/json"))
	res, err := hf.Daily(context.Background(), t0)
	if err != nil || len(res.Papers) != 1 || res.Papers[0].ID != "2502.04001" {
		t.Errorf("page with a byte order mark: %+v, err %v", res, err)
	}
}

// The same paper twice on one page (2502.05555 and 2502.05555v2) is one
// paper with the best of both, and a warning names both records; before,
// the second was dropped without a word, its repository with it.
func TestHuggingFaceDuplicateIDs(t *testing.T) {
	hf, _, _ := newHF(t, serveFile(t, "huggingface/daily-duplicates.json", "application/json"))
	res, err := hf.Daily(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Papers) != 2 {
		t.Fatalf("%d papers, want 2", len(res.Papers))
	}
	if p := res.Papers[0]; p.ID != "2502.05555" || p.Upvotes != 44 || p.Comments != 2 || p.CodeURL != "https://github.com/meichen/ttsv" || p.Stars != 16 {
		t.Errorf("merged paper %+v", p)
	}
	want := "page 1, paper 3 (2502.05555v2): the same paper as paper 1 (2502.05555): merged into it"
	if len(res.Warnings) != 1 || res.Warnings[0].Error() != want {
		t.Errorf("warnings %v, want %q", res.Warnings, want)
	}

	// A full page with a paper twice is still full: the next is read.
	hf, srv, _ := newHF(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("p") == "" {
			serveFile(t, "huggingface/daily-duplicates.json", "application/json")(w, r)
			return
		}
		w.Write([]byte(`[{"paper": {"id": "2502.05700", "title": "On the Second Page"}}]`))
	})
	hf.PageSize = 3
	res, err = hf.Daily(context.Background(), t0)
	if err != nil || len(res.Papers) != 3 || len(srv.requests()) != 2 {
		t.Errorf("%d papers in %d requests, err %v; want 3 in 2", len(res.Papers), len(srv.requests()), err)
	}
}

// Invalid UTF-8 in a Hugging Face record was replaced by encoding/json
// without a word: in text it is still replaced, and a warning names the
// fields; in a link the link is dropped; in the id the record is skipped.
func TestHuggingFaceInvalidUTF8(t *testing.T) {
	hf, _, _ := newHF(t, serveFile(t, "huggingface/daily-invalid-utf8.json", "application/json"))
	res, err := hf.Daily(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Papers) != 2 || res.Papers[0].Title != "Caf\uFFFD Networks" || res.Papers[0].CodeURL != "" || res.Papers[1].ID != "2502.06003" {
		t.Fatalf("papers %+v", res.Papers)
	}
	for _, c := range []struct {
		what string
		got  []error
		want string
	}{
		{"warnings", res.Warnings, "page 1, paper 1 (2502.06001): kept the paper, but " +
			"paper.title: invalid UTF-8 replaced with U+FFFD; paper.summary: invalid UTF-8 replaced with U+FFFD; " +
			"paper.authors: invalid UTF-8 replaced with U+FFFD; paper.githubRepo: invalid UTF-8 (dropped)"},
		{"skipped", res.Skipped, "page 1, paper 2 (2502.0\uFFFD6002): paper.id: invalid UTF-8"},
	} {
		if len(c.got) != 1 || c.got[0].Error() != c.want {
			t.Errorf("%s %q, want %q", c.what, c.got, c.want)
		}
	}
}
