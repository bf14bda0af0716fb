package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// HuggingFaceURL is the default base URL of the Hugging Face API.
const HuggingFaceURL = "https://huggingface.co"

// SourceHuggingFace is the Source of records read from Hugging Face.
const SourceHuggingFace = "huggingface"

// HuggingFace reads Hugging Face daily papers:
// GET {BaseURL}/api/daily_papers?date=YYYY-MM-DD&limit=N&p=PAGE.
type HuggingFace struct {
	// BaseURL is the API's base (default HuggingFaceURL); tests point it
	// at an httptest server.
	BaseURL string
	// Client sends the requests.
	Client *Client
	// PageSize is the number of papers asked for per request (default 100).
	PageSize int
	// MaxPages bounds the pages read for one day (default 10).
	MaxPages int
}

// hfEnvelope is one element of the daily_papers array. Optional fields are
// pointers so that "absent" stays distinguishable from zero.
type hfEnvelope struct {
	Paper       *hfPaper `json:"paper"`
	PublishedAt string   `json:"publishedAt"`
	Title       string   `json:"title"`
	NumComments *int     `json:"numComments"`
}

type hfPaper struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Authors []struct {
		Name string `json:"name"`
	} `json:"authors"`
	PublishedAt string   `json:"publishedAt"`
	Upvotes     *int     `json:"upvotes"`
	GithubRepo  *string  `json:"githubRepo"`
	GithubStars *int     `json:"githubStars"`
	ProjectPage *string  `json:"projectPage"`
	AISummary   *string  `json:"ai_summary"`
	AIKeywords  []string `json:"ai_keywords"`
}

// Daily returns the papers of one day's list (the date in UTC). The list
// fills in during the day and its counts grow for days after, so the same
// day is read again later; merging by id keeps each paper once. Records
// that cannot be used (no id, bad fields) are skipped and reported in the
// returned Skipped list; a response that is not the documented JSON is an
// error. When a page after the first fails, the papers of the pages read
// before it are returned with the error: they are good.
func (h *HuggingFace) Daily(ctx context.Context, day time.Time) (papers []paper.Paper, skipped []error, err error) {
	base := strings.TrimRight(h.BaseURL, "/")
	if base == "" {
		base = HuggingFaceURL
	}
	size := h.PageSize
	if size <= 0 {
		size = 100
	}
	maxPages := h.MaxPages
	if maxPages <= 0 {
		maxPages = 10
	}
	date := day.UTC().Format(paper.DateLayout)
	seen := map[string]bool{}
	for page := 0; page < maxPages; page++ {
		q := url.Values{"date": {date}, "limit": {strconv.Itoa(size)}}
		if page > 0 {
			q.Set("p", strconv.Itoa(page))
		}
		u := base + "/api/daily_papers?" + q.Encode()
		resp, err := h.Client.get(ctx, u, accept("application/json"))
		if err != nil {
			return papers, skipped, err
		}
		got, skip, err := ParseHuggingFace(resp.Body, date)
		if err != nil {
			return papers, skipped, fault.Wrap(fault.Transient, fmt.Errorf("%s: %w", u, err), "Hugging Face sent an unreadable answer")
		}
		skipped = append(skipped, skip...)
		fresh := 0
		for _, p := range got {
			if !seen[p.ID] {
				seen[p.ID] = true
				papers = append(papers, p)
				fresh++
			}
		}
		// A short page is the last; a page of papers already seen means
		// the API ignores paging.
		if len(got)+len(skip) < size || fresh == 0 {
			break
		}
	}
	return papers, skipped, nil
}

// ParseHuggingFace decodes a daily_papers response. date (YYYY-MM-DD) is
// the list's day, used as the publication date of a paper that has none.
// Unusable records are returned as errors in skipped, not as err.
func ParseHuggingFace(body []byte, date string) (papers []paper.Paper, skipped []error, err error) {
	var envs []json.RawMessage
	if err := json.Unmarshal(body, &envs); err != nil {
		return nil, nil, fmt.Errorf("not a JSON array of papers: %w", jsonErr(err))
	}
	for i, raw := range envs {
		var env hfEnvelope
		if err := json.Unmarshal(raw, &env); err != nil {
			skipped = append(skipped, fmt.Errorf("paper %d: %w", i, jsonErr(err)))
			continue
		}
		p, err := env.toPaper(date)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("paper %d: %w", i, err))
			continue
		}
		papers = append(papers, p)
	}
	return papers, skipped, nil
}

func (e *hfEnvelope) toPaper(date string) (paper.Paper, error) {
	hp := e.Paper
	if hp == nil {
		return paper.Paper{}, errors.New(`no "paper" object`)
	}
	if strings.TrimSpace(hp.ID) == "" {
		return paper.Paper{}, errors.New("paper without an id")
	}
	p := paper.Paper{
		ID:       hp.ID,
		Title:    hp.Title,
		Abstract: hp.Summary,
		Keywords: hp.AIKeywords,
		Source:   SourceHuggingFace,
	}
	if p.Title == "" {
		p.Title = e.Title
	}
	for _, a := range hp.Authors {
		p.Authors = append(p.Authors, a.Name)
	}
	for _, d := range []string{hp.PublishedAt, e.PublishedAt, date} {
		if pd, err := paper.ParseDate(d); err == nil && pd != "" {
			p.Published = pd
			break
		}
	}
	setInt := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setInt(&p.Upvotes, hp.Upvotes)
	setInt(&p.Stars, hp.GithubStars)
	setInt(&p.Comments, e.NumComments)
	setStr := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setStr(&p.CodeURL, hp.GithubRepo)
	setStr(&p.ProjectURL, hp.ProjectPage)
	p.CodeURL = repoURL(p.CodeURL)
	p.ProjectURL = webURL(p.ProjectURL)
	setStr(&p.AISummary, hp.AISummary)
	// Hugging Face copies arXiv's text, LaTeX and all.
	p.Title, p.Abstract, p.AISummary = Readable(p.Title), Readable(p.Abstract), Readable(p.AISummary)
	for i, a := range p.Authors {
		p.Authors[i] = Readable(a)
	}
	if err := p.Normalize(); err != nil {
		return paper.Paper{}, fmt.Errorf("paper %s: %w", hp.ID, err)
	}
	return p, nil
}

// jsonErr makes encoding/json errors say where.
func jsonErr(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s: want %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return err
}

// repoURL turns a code link into an http(s) URL ("owner/repo" is a GitHub
// repository) or drops it: a bad optional link must not cost the paper.
func repoURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || isWebURL(s) {
		return s
	}
	if parts := strings.Split(s, "/"); len(parts) == 2 && parts[0] != "" && parts[1] != "" && !strings.ContainsAny(s, " :?#") {
		return "https://github.com/" + s
	}
	return ""
}

// webURL keeps s when it is an http(s) URL, else drops it.
func webURL(s string) string {
	s = strings.TrimSpace(s)
	if isWebURL(s) {
		return s
	}
	return ""
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
