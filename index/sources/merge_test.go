package sources_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// sourceRecords fetches one paper (2502.01234) from each source through
// the fixtures: Hugging Face's daily list, the arXiv API (version 2) and a
// trending listing (canonical JSON Lines with a cut-off abstract and a
// rank).
func sourceRecords(t *testing.T) (hf, arxiv, trending paper.Paper) {
	t.Helper()
	clock := sourcestest.NewClock(t0, time.Time{})
	srv := newServer(t, clock, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/daily_papers":
			serveFile(t, "huggingface/daily-normal.json", "application/json")(w, r)
		case "/api/query":
			serveFile(t, "arxiv/api-2502.01234.xml", atomType)(w, r)
		}
	})
	ctx := context.Background()
	hfs, err := (&sources.HuggingFace{BaseURL: srv.URL, Client: newClient("huggingface", clock, 0, nil)}).Daily(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	arxiv, err = (&sources.ArxivAPI{BaseURL: srv.URL + "/api/query", Client: newClient("arxiv", clock, 3*time.Second, nil)}).Fetch(ctx, "2502.01234v2")
	if err != nil {
		t.Fatal(err)
	}
	line := `{"id":"2502.01234v1","title":"$\\pi_0$: A Vision-Language-Action Flow Model for General Robot Control","abstract":"Robot learning holds tremendous promise to unlock the full potential of flexible, gen","rank":3,"source":"trending"}`
	ps, rej := parseAll(t, []byte(line), "trending.jsonl", sources.JSONL)
	if len(rej) != 0 || len(ps) != 1 {
		t.Fatal(rej)
	}
	return hfs.Papers[0], arxiv, ps[0]
}

// A paper seen on Hugging Face, through the arXiv API and on a trending
// listing is one paper in the index, with the best fields of each source,
// whatever the order the sources arrive in.
func TestMergedRecordsKeepBestFields(t *testing.T) {
	hf, ax, tr := sourceRecords(t)
	now := time.Date(2025, 2, 6, 0, 0, 0, 0, time.UTC)
	orders := map[string][]paper.Paper{
		"huggingface, arxiv, trending": {hf, ax, tr},
		"trending, arxiv, huggingface": {tr, ax, hf},
		"arxiv, trending, huggingface": {ax, tr, hf},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			ix, err := index.Open(t.TempDir(), index.Options{Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			ctx := context.Background()
			for _, p := range order {
				// One write per source, as the refresh jobs do.
				if err := ix.Upsert(ctx, []paper.Paper{p}); err != nil {
					t.Fatal(err)
				}
			}
			if n, _ := ix.Count(); n != 1 {
				t.Fatalf("%d papers in the index, want 1 (v1, v2 and the unversioned id are one paper)", n)
			}
			got, err := ix.Lookup(ctx, "https://arxiv.org/abs/2502.01234v1")
			if err != nil {
				t.Fatal(err)
			}
			// Hugging Face's counts and links.
			if got.Upvotes != 120 || got.Stars != 400 || got.Comments != 4 ||
				got.CodeURL != "https://github.com/Physical-Intelligence/openpi" ||
				got.ProjectURL != "https://www.physicalintelligence.company/blog/pi0" ||
				got.AISummary == "" || len(got.Keywords) != 3 {
				t.Errorf("Hugging Face fields lost: %+v", got)
			}
			// arXiv's categories, full author list, update date.
			if !slices.Equal(got.Categories, []string{"cs.RO", "cs.LG"}) || len(got.Authors) != 5 || got.Updated != "2025-02-10" {
				t.Errorf("arXiv fields lost: categories %v, %d authors, updated %q", got.Categories, len(got.Authors), got.Updated)
			}
			// The full abstract, never the listing's cut-off one.
			if !strings.HasSuffix(got.Abstract, "Internet-scale semantic knowledge.") {
				t.Errorf("abstract %q", got.Abstract)
			}
			// The listing's rank; the earliest publication date.
			if got.Rank != 3 || got.Published != "2025-02-03" {
				t.Errorf("rank %d, published %s", got.Rank, got.Published)
			}
			if src := strings.Split(got.Source, ","); len(src) != 3 {
				t.Errorf("sources %q", got.Source)
			}
			// The stored score is the formula's on the merged record.
			if want := paper.TrendingScore(got, now); got.Trending != want || want <= 0 {
				t.Errorf("trending %v, want %v", got.Trending, want)
			}
		})
	}
}

// Hugging Face's list read twice during a day: the index keeps one record
// per paper with the later, larger counts.
func TestPartialDayIntoIndex(t *testing.T) {
	clock := sourcestest.NewClock(t0, time.Time{})
	srv := newServer(t, clock, sequence(
		serveFile(t, "huggingface/daily-partial-morning.json", "application/json"),
		serveFile(t, "huggingface/daily-partial-evening.json", "application/json"),
	))
	ix, err := index.Open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	job := &sources.HuggingFaceJob{
		HF:   &sources.HuggingFace{BaseURL: srv.URL, Client: newClient("huggingface", clock, 0, nil)},
		Days: 1, Sink: ix, Clock: clock,
	}
	ctx := context.Background()
	for range 2 {
		if _, err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := ix.Count(); n != 2 {
		t.Fatalf("%d papers, want 2", n)
	}
	p, err := ix.Lookup(ctx, "2502.05555")
	if err != nil {
		t.Fatal(err)
	}
	if p.Upvotes != 41 || p.Stars != 16 || p.Comments != 2 {
		t.Errorf("after the evening read: %+v", p)
	}
}
