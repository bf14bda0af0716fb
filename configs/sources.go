package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SourcesConf configures where papers come from and how often they are
// refreshed (see docs/sources.md). Without huggingface: or arxiv: sections
// paperbot reads no online source.
type SourcesConf struct {
	// Files are JSON Lines or trending-format files ingested when serve
	// starts, unless ingested cleanly before and unchanged since (use
	// `paperbot ingest` for one-off snapshots).
	Files []string `yaml:"files"`
	// UserAgent is sent to every source (default "paperbot/VERSION
	// (+https://github.com/paperbot/paperbot)"). arXiv asks for a contact:
	// add a mailto: address.
	UserAgent string `yaml:"user_agent"`
	// Retries is how many times a throttled (429, 503, "Rate exceeded.")
	// or failed request is retried (default 3; -1 never).
	Retries int `yaml:"retries"`
	// MaxRetryWait is the longest Retry-After honoured (default 5m); a
	// longer one fails the refresh until its next time.
	MaxRetryWait time.Duration `yaml:"max_retry_wait" range:"1s,24h"`
	// RequestTimeout bounds one HTTP request (default 60s).
	RequestTimeout time.Duration `yaml:"request_timeout" range:"1s,10m"`

	HuggingFace *HuggingFaceSource `yaml:"huggingface"`
	Arxiv       *ArxivSource       `yaml:"arxiv"`
	Rescore     RescoreConf        `yaml:"rescore"`
}

// HuggingFaceSource configures the Hugging Face daily papers. Its presence
// enables it (unless enabled: false).
type HuggingFaceSource struct {
	Enabled *bool `yaml:"enabled"`
	// BaseURL is the API's base (default https://huggingface.co).
	BaseURL string `yaml:"base_url"`
	// Every is the refresh interval (default 3h, at least 10m): a day's
	// list fills in gradually.
	Every time.Duration `yaml:"every" range:"10m,720h"`
	// Days is how many recent days are read on each refresh, today
	// included (default 2, at most 14): upvotes keep growing for days.
	Days int `yaml:"days" range:"1,14"`
	// MinInterval spaces requests to Hugging Face (default 1s).
	MinInterval time.Duration `yaml:"min_interval" range:"1ms,1h"`
	// ArxivDetails completes each new paper from the arXiv API (its
	// categories and full author list; Hugging Face gives no categories)
	// when the arxiv source is enabled too (default true).
	ArxivDetails *bool `yaml:"arxiv_details"`
}

// ArxivSource configures arXiv: the listing feeds of some categories,
// refreshed after each announcement (Sunday to Thursday, 20:00 US
// Eastern), and the query API that fetches unknown papers for
// `/papers show`. Its presence enables it (unless enabled: false).
type ArxivSource struct {
	Enabled *bool `yaml:"enabled"`
	// Categories are the listing feeds read (cs.LG, cs.CL, hep-th...).
	// Empty: no feed, only the API for /papers show.
	Categories []string `yaml:"categories"`
	// IncludeCross also keeps cross-lists (papers from other categories
	// listed in these). Replacements are never kept.
	IncludeCross bool `yaml:"include_cross"`
	// FetchMissing lets `/papers show ID` fetch a paper that is not in the
	// index from the arXiv API and index it (default true).
	FetchMissing *bool `yaml:"fetch_missing"`
	// FeedURL is the base of the listing feeds (default https://rss.arxiv.org/atom).
	FeedURL string `yaml:"feed_url"`
	// APIURL is the query API (default https://export.arxiv.org/api/query).
	APIURL string `yaml:"api_url"`
	// Delay is how long after the 20:00 US Eastern announcement the feeds
	// are first read (default 30m).
	Delay time.Duration `yaml:"delay" range:"1s,20h"`
	// Recheck is the wait between reads while the feeds still show the
	// previous announcement (default 1h, at least 5m); Window ends the
	// rechecks, counted from the announcement (default 6h, at most 20h:
	// the gap between two announcements).
	Recheck time.Duration `yaml:"recheck" range:"5m,168h"`
	Window  time.Duration `yaml:"window" range:"1m,20h"`
	// MinInterval spaces requests to arXiv (default and minimum 3s, as
	// arXiv asks).
	MinInterval time.Duration `yaml:"min_interval" range:"3s,1h"`
	// Timezone of the announcements (default America/New_York).
	Timezone string `yaml:"timezone"`
}

// RescoreConf configures the periodic re-scoring of recent papers: the
// trending score decays with age and counts the team's replies, so the
// stored scores of recent papers are recomputed.
type RescoreConf struct {
	// Every is the interval (default 1h).
	Every time.Duration `yaml:"every" range:"1m,720h"`
	// Days is how far back papers are re-scored, by publication date
	// (default 14).
	Days int `yaml:"days" range:"1,365"`
	// Disabled turns re-scoring off.
	Disabled bool `yaml:"disabled"`
}

// On reports whether the Hugging Face source is configured and enabled.
func (h *HuggingFaceSource) On() bool { return h != nil && (h.Enabled == nil || *h.Enabled) }

// On reports whether the arXiv source is configured and enabled.
func (a *ArxivSource) On() bool { return a != nil && (a.Enabled == nil || *a.Enabled) }

// Details reports whether Hugging Face papers are completed from arXiv.
func (h *HuggingFaceSource) Details() bool {
	return h.On() && (h.ArxivDetails == nil || *h.ArxivDetails)
}

// FillsIndex reports whether a source adds papers to the index without
// being asked (sources.files, Hugging Face, arXiv listing feeds): serve
// and the chat then leave the built-in sample corpus out of a new index,
// whose papers (an old trending listing) would otherwise be
// searched, listed as trending and posted in digests beside the team's.
func (s *SourcesConf) FillsIndex() bool {
	return len(s.Files) > 0 || s.HuggingFace.On() || (s.Arxiv.On() && len(s.Arxiv.Categories) > 0)
}

// Fetch reports whether /papers show may fetch unknown papers from arXiv.
func (a *ArxivSource) Fetch() bool { return a.On() && (a.FetchMissing == nil || *a.FetchMissing) }

func (s *SourcesConf) finish(env Env) error {
	for i, f := range s.Files {
		if strings.TrimSpace(f) == "" {
			return fmt.Errorf("sources.files[%d]: empty file name", i)
		}
	}
	if strings.ContainsAny(s.UserAgent, "\r\n") {
		return fmt.Errorf("sources.user_agent: must be one line")
	}
	if s.Retries < -1 {
		return fmt.Errorf("sources.retries: %d is not -1 (never) or a count", s.Retries)
	}
	if s.Retries == 0 {
		s.Retries = 3 // sources.Client's default too
	}
	if s.RequestTimeout == 0 {
		s.RequestTimeout = 60 * time.Second
	}
	if s.MaxRetryWait == 0 {
		s.MaxRetryWait = 5 * time.Minute
	}
	if h := s.HuggingFace; h != nil {
		if err := h.finish(); err != nil {
			return err
		}
	}
	if a := s.Arxiv; a != nil {
		if err := a.finish(); err != nil {
			return err
		}
	}
	r := &s.Rescore
	if r.Every == 0 {
		r.Every = time.Hour
	}
	if r.Days == 0 {
		r.Days = 14
	}
	return nil
}

// fileWarnings are warnings for the files of sources.files that serve
// could not read now: missing, unreadable or a directory. They are
// warnings, not errors: serve starts without them (its files job fails and
// is logged, the other sources run), and a file may be made or mounted
// only where serve runs; but serve reads these files once, when it
// starts, so a file missing then is not read until the next start.
func (s *SourcesConf) fileWarnings() []warning {
	var ws []warning
	for i, name := range s.Files {
		problem := ""
		st, err := os.Stat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problem = "does not exist"
		case err != nil:
			problem = fmt.Sprintf("cannot be read (%v)", unwrapPathError(err))
		case st.IsDir():
			problem = "is a directory, not a file of papers"
		default:
			f, err := os.Open(name)
			if err != nil {
				problem = fmt.Sprintf("cannot be read (%v)", unwrapPathError(err))
			} else {
				f.Close()
			}
		}
		if problem == "" {
			continue
		}
		where := name
		if !filepath.IsAbs(name) {
			if wd, err := os.Getwd(); err == nil {
				where = fmt.Sprintf("%s (from %s)", name, wd)
			}
		}
		key := fmt.Sprintf("sources.files[%d]", i)
		ws = append(ws, warning{key: key, msg: fmt.Sprintf(
			"%s: %s %s: serve reads sources.files when it starts, and would go on without its papers", key, where, problem)})
	}
	return ws
}

// unwrapPathError is an *fs.PathError's reason alone ("permission
// denied"): the path is already in the message.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// yes is a *bool default: true.
func yes() *bool {
	t := true
	return &t
}

func (h *HuggingFaceSource) finish() error {
	if h.Enabled == nil {
		h.Enabled = yes()
	}
	if h.ArxivDetails == nil {
		h.ArxivDetails = yes()
	}
	if h.BaseURL == "" {
		h.BaseURL = "https://huggingface.co"
	}
	if err := sourcesHTTPURL("sources.huggingface.base_url", h.BaseURL); err != nil {
		return err
	}
	if h.Every == 0 {
		h.Every = 3 * time.Hour
	}
	if h.Days == 0 {
		h.Days = 2
	}
	if h.MinInterval == 0 {
		h.MinInterval = time.Second
	}
	return nil
}

func (a *ArxivSource) finish() error {
	if a.Enabled == nil {
		a.Enabled = yes()
	}
	if a.FetchMissing == nil {
		a.FetchMissing = yes()
	}
	// Every category that is wrong is reported, each at its line: a
	// list copied from somewhere may have several.
	seen := map[string]bool{}
	var errs keyErrors
	for i, c := range a.Categories {
		c = strings.TrimSpace(c)
		if err := checkArxivCategory(c); err != nil {
			errs = append(errs, fmt.Errorf("sources.arxiv.categories[%d]: %w", i, err))
			continue
		}
		if seen[c] {
			errs = append(errs, fmt.Errorf("sources.arxiv.categories[%d]: %s is listed twice", i, c))
			continue
		}
		seen[c] = true
		a.Categories[i] = c
	}
	if len(errs) > 0 {
		return errs
	}
	if a.FeedURL == "" {
		a.FeedURL = "https://rss.arxiv.org/atom"
	}
	if a.APIURL == "" {
		a.APIURL = "https://export.arxiv.org/api/query"
	}
	if err := sourcesHTTPURL("sources.arxiv.feed_url", a.FeedURL); err != nil {
		return err
	}
	if err := sourcesHTTPURL("sources.arxiv.api_url", a.APIURL); err != nil {
		return err
	}
	if a.Delay == 0 {
		a.Delay = 30 * time.Minute
	}
	if a.Recheck == 0 {
		a.Recheck = time.Hour
	}
	if a.Window == 0 {
		a.Window = 6 * time.Hour
	}
	if a.MinInterval == 0 {
		a.MinInterval = 3 * time.Second
	}
	if a.Timezone == "" {
		a.Timezone = "America/New_York"
	}
	if _, err := time.LoadLocation(a.Timezone); err != nil {
		return fmt.Errorf("sources.arxiv.timezone: %v", err)
	}
	return nil
}

func sourcesHTTPURL(name, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %q is not an http(s) URL", name, s)
	}
	return nil
}
