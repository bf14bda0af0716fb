package sources

import (
	"bytes"
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

// DayResult is what one day's list (or one page of it) gave.
type DayResult struct {
	Papers []paper.Paper
	// Skipped are the records that could not be used (no id or title, or
	// one of the wrong JSON type), each named by its place on its page and
	// its id.
	Skipped []error
	// Warnings are the kept records with a field that was dropped (a
	// value of the wrong type or a bad one) or converted ("12" read as
	// 12), each named as Skipped are, with its fields.
	Warnings []error

	records int // the page's records, good or not (a full page has more after it)
}

// Daily returns the papers of one day's list (the date in UTC). The list
// fills in during the day and its counts grow for days after, so the same
// day is read again later; merging by id keeps each paper once. Records
// that cannot be used (no id, bad fields) are skipped and reported in the
// returned Skipped list; a response that is not the documented JSON is an
// error. A record with an optional field it cannot use is kept without it
// (or with it converted, when that is unambiguous) and reported in
// Warnings. When a page after the first fails, the papers of the pages
// read before it are returned with the error: they are good.
func (h *HuggingFace) Daily(ctx context.Context, day time.Time) (res DayResult, err error) {
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
	at := map[string]int{} // index in res.Papers by id
	for page := 0; page < maxPages; page++ {
		q := url.Values{"date": {date}, "limit": {strconv.Itoa(size)}}
		if page > 0 {
			q.Set("p", strconv.Itoa(page))
		}
		u := base + "/api/daily_papers?" + q.Encode()
		resp, err := h.Client.get(ctx, u, accept("application/json"))
		if err != nil {
			return res, err
		}
		got, err := ParseHuggingFace(resp.Body, date)
		if err != nil {
			return res, fault.Wrap(fault.Transient, fmt.Errorf("%s: %w", u, err), "Hugging Face sent an unreadable answer")
		}
		for _, e := range got.Skipped {
			res.Skipped = append(res.Skipped, fmt.Errorf("page %d, %w", page+1, e))
		}
		for _, e := range got.Warnings {
			res.Warnings = append(res.Warnings, fmt.Errorf("page %d, %w", page+1, e))
		}
		fresh := 0
		for _, p := range got.Papers {
			if j, ok := at[p.ID]; ok {
				// Listed again (the list moved between pages, or the
				// API ignores paging): one paper, the best of both.
				res.Papers[j] = paper.Merge(res.Papers[j], p)
				continue
			}
			at[p.ID] = len(res.Papers)
			res.Papers = append(res.Papers, p)
			fresh++
		}
		// A short page is the last; a page of papers already seen means
		// the API ignores paging.
		if got.records < size || fresh == 0 {
			break
		}
	}
	return res, nil
}

// ParseHuggingFace decodes a daily_papers response. date (YYYY-MM-DD) is
// the list's day, used as the publication date of a paper that has none.
// Unusable records are returned in Skipped and kept records with a field
// dropped or converted in Warnings, not as err; each is named "paper N
// (ID)", N counting the page's records from 1.
func ParseHuggingFace(body []byte, date string) (DayResult, error) {
	var res DayResult
	body = bytes.TrimPrefix(body, []byte(bom))
	if title, ok := htmlPage(body); ok {
		return res, htmlError(title, "JSON")
	}
	var envs []json.RawMessage
	err := json.Unmarshal(body, &envs)
	var te *json.UnmarshalTypeError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return res, errors.New("an empty answer, not a JSON array of papers")
	case err == nil && envs == nil:
		return res, errors.New("JSON null, not an array of papers")
	case errors.As(err, &te):
		return res, fmt.Errorf("a JSON %s, not an array of papers: %s", te.Value, snippet(body))
	case err != nil:
		return res, fmt.Errorf("not a JSON array of papers: %w", jsonErr(err))
	}
	res.records = len(envs)
	at := map[string]int{}       // index in res.Papers by id
	where := map[string]string{} // the record each paper was read from
	for i, raw := range envs {
		p, warns, err := readHFRecord(raw, date)
		this := fmt.Sprintf("paper %d", i+1)
		if id := hfRecordID(raw); id != "" {
			this += " (" + id + ")"
		}
		if err != nil {
			res.Skipped = append(res.Skipped, fmt.Errorf("%s: %w", this, err))
			continue
		}
		if len(warns) > 0 {
			res.Warnings = append(res.Warnings, fmt.Errorf("%s: kept the paper, but %w", this, warns))
		}
		if j, ok := at[p.ID]; ok {
			// The same paper twice on a page: one paper, the best of both.
			res.Papers[j] = paper.Merge(res.Papers[j], p)
			res.Warnings = append(res.Warnings, fmt.Errorf("%s: the same paper as %s: merged into it", this, where[p.ID]))
			continue
		}
		at[p.ID], where[p.ID] = len(res.Papers), this
		res.Papers = append(res.Papers, p)
	}
	return res, nil
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
