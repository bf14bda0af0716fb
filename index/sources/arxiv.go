package sources

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// Default arXiv endpoints.
const (
	// ArxivFeedURL is the base of the per-category listing feeds
	// ({base}/{category}, Atom).
	ArxivFeedURL = "https://rss.arxiv.org/atom"
	// ArxivAPIURL is the Atom query API.
	ArxivAPIURL = "https://export.arxiv.org/api/query"
	// ArxivInterval is the spacing arXiv asks for between requests.
	ArxivInterval = 3 * time.Second
	// SourceArxiv is the Source of records read from arXiv.
	SourceArxiv = "arxiv"
)

// Atom as arXiv writes it: the listing feeds and the query API share the
// entry shape, with arXiv's own elements in the arxiv namespace
// (http://arxiv.org/schemas/atom) and the feeds' authors in Dublin Core's
// creator.
type atomFeed struct {
	XMLName      xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Updated      string      `xml:"http://www.w3.org/2005/Atom updated"`
	TotalResults string      `xml:"http://a9.com/-/spec/opensearch/1.1/ totalResults"`
	Entries      []atomEntry `xml:"http://www.w3.org/2005/Atom entry"`
}

type atomEntry struct {
	ID        string `xml:"http://www.w3.org/2005/Atom id"`
	Title     string `xml:"http://www.w3.org/2005/Atom title"`
	Summary   string `xml:"http://www.w3.org/2005/Atom summary"`
	Published string `xml:"http://www.w3.org/2005/Atom published"`
	Updated   string `xml:"http://www.w3.org/2005/Atom updated"`
	Authors   []struct {
		Name string `xml:"http://www.w3.org/2005/Atom name"`
	} `xml:"http://www.w3.org/2005/Atom author"`
	Links []struct {
		Href  string `xml:"href,attr"`
		Rel   string `xml:"rel,attr"`
		Title string `xml:"title,attr"`
	} `xml:"http://www.w3.org/2005/Atom link"`
	Categories []struct {
		Term string `xml:"term,attr"`
	} `xml:"http://www.w3.org/2005/Atom category"`
	Primary struct {
		Term string `xml:"term,attr"`
	} `xml:"http://arxiv.org/schemas/atom primary_category"`
	AnnounceType string `xml:"http://arxiv.org/schemas/atom announce_type"`
	Creator      string `xml:"http://purl.org/dc/elements/1.1/ creator"`
}

// decodeAtom reads an Atom document; invalid UTF-8 in it is replaced
// (repairAtom), and where is returned.
func decodeAtom(body []byte) (*atomFeed, atomRepairs, error) {
	if title, ok := htmlPage(body); ok {
		return nil, atomRepairs{}, htmlError(title, "an Atom feed")
	}
	body, rep := repairAtom(body)
	var f atomFeed
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	if err := d.Decode(&f); err != nil {
		return nil, rep, fmt.Errorf("not an Atom feed: %w (starts %q)", err, snippet(body))
	}
	return &f, rep, nil
}

// entryID is the canonical arXiv id of an entry: the API writes
// http://arxiv.org/abs/ID(vN), the listing feeds oai:arXiv.org:IDvN.
func (e *atomEntry) entryID() (string, bool) {
	raw := strings.TrimSpace(e.ID)
	if rest, ok := strings.CutPrefix(raw, "oai:arXiv.org:"); ok {
		raw = rest
	}
	if id, ok := paper.ParseArxivID(raw); ok {
		return id, true
	}
	for _, l := range e.Links {
		if l.Rel == "alternate" || l.Rel == "" {
			if id, ok := paper.ParseArxivID(l.Href); ok {
				return id, true
			}
		}
	}
	return "", false
}

// entryError names the entry (its place in the feed, counting from 1, and
// its id or title) that err is about.
func (e *atomEntry) entryError(i int, err error) error {
	what := snippet([]byte(e.Title))
	if id, ok := e.entryID(); ok {
		what = id
	} else if what != "" {
		what = strconv.Quote(what)
	}
	if what == "" {
		return fmt.Errorf("entry %d: %w", i+1, err)
	}
	return fmt.Errorf("entry %d (%s): %w", i+1, what, err)
}

// toPaper maps an entry to a normalised record.
func (e *atomEntry) toPaper(authors []string, abstract string) (paper.Paper, error) {
	id, ok := e.entryID()
	if !ok {
		if strings.TrimSpace(e.ID) == "" {
			return paper.Paper{}, errors.New("no arXiv id (no <id>, and no link to an abstract page)")
		}
		return paper.Paper{}, fmt.Errorf("no arXiv id (<id> %q is none, and no link to an abstract page)", snippet([]byte(e.ID)))
	}
	p := paper.Paper{
		ID:        id,
		Title:     Readable(e.Title),
		Abstract:  Readable(abstract),
		Published: e.Published,
		Updated:   e.Updated,
		Source:    SourceArxiv,
	}
	for _, a := range authors {
		p.Authors = append(p.Authors, Readable(a))
	}
	// The primary category first; ACM and MSC classes (I.2.6, 68T05)
	// that the API lists as categories too are not arXiv categories.
	for _, t := range append([]string{e.Primary.Term}, terms(e.Categories)...) {
		if t = strings.TrimSpace(t); paper.IsCategory(t) {
			p.Categories = append(p.Categories, t)
		}
	}
	if err := p.Normalize(); err != nil {
		return paper.Paper{}, err
	}
	// An entry's updated date equal to its publication says nothing.
	if p.Updated == p.Published {
		p.Updated = ""
	}
	return p, nil
}

func terms(cs []struct {
	Term string `xml:"term,attr"`
}) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Term
	}
	return out
}

// Announce types of the listing feeds.
const (
	AnnounceNew          = "new"
	AnnounceCross        = "cross"
	AnnounceReplace      = "replace"
	AnnounceReplaceCross = "replace-cross"
)

// FeedResult is what one listing feed gave.
type FeedResult struct {
	Category string
	// Papers are the new submissions (and cross-lists when asked for).
	Papers []paper.Paper
	// NotModified is set when the server answered 304 to a conditional GET.
	NotModified bool
	// Updated is the feed's own update time (zero when unknown).
	Updated time.Time
	// Types counts the entries by announce type, skipped ones included.
	Types map[string]int
	// Skipped lists entries that could not be read.
	Skipped []error
	// Warnings lists kept entries with invalid UTF-8 replaced.
	Warnings []error

	// url and validator are what Commit remembers.
	url       string
	validator validator
}

// ArxivFeed reads the per-category listing feeds
// ({BaseURL}/{category}), with conditional GET: a feed that has not
// changed since the last read costs a 304 and no parsing.
type ArxivFeed struct {
	// BaseURL defaults to ArxivFeedURL.
	BaseURL string
	// Client sends the requests; give it the arXiv Pacer.
	Client *Client
	// IncludeCross keeps cross-lists (papers from other categories listed
	// in this one) besides new submissions. Replacements are never kept:
	// they are papers announced before.
	IncludeCross bool

	// Cursors, when set, keep the validators where the replica that
	// takes the refresh over finds them (the state store, fenced by the
	// refresh lease); without it they live in this process only.
	Cursors Cursors

	mu         sync.Mutex
	validators map[string]validator // by URL
}

// validator is what a conditional GET sends back.
type validator struct {
	etag, lastModified string
}

// Fetch reads one category's listing feed.
func (f *ArxivFeed) Fetch(ctx context.Context, category string) (FeedResult, error) {
	if !paper.IsCategory(category) {
		return FeedResult{}, fault.New(fault.Invalid, "%q is not an arXiv category (like cs.LG or hep-th)", category)
	}
	base := strings.TrimRight(f.BaseURL, "/")
	if base == "" {
		base = ArxivFeedURL
	}
	u := base + "/" + category
	hdr := accept("application/atom+xml")
	v, err := f.validatorOf(ctx, u)
	if err != nil {
		return FeedResult{Category: category}, err
	}
	if v.etag != "" {
		hdr.Set("If-None-Match", v.etag)
	}
	if v.lastModified != "" {
		hdr.Set("If-Modified-Since", v.lastModified)
	}
	resp, err := f.Client.get(ctx, u, hdr)
	if err != nil {
		return FeedResult{Category: category}, err
	}
	if resp.Status == http.StatusNotModified {
		return FeedResult{Category: category, NotModified: true}, nil
	}
	res, err := ParseArxivFeed(resp.Body, f.IncludeCross)
	res.Category = category
	if err != nil {
		return res, fault.Wrap(fault.Transient, fmt.Errorf("%s: %w", u, err), "arXiv sent an unreadable feed for %s", category)
	}
	// The validators are remembered by Commit, once the feed's papers are
	// written: a broken answer, or papers that were never written, must
	// not turn into 304s for the good ones.
	res.url = u
	res.validator = validator{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}
	return res, nil
}

// ParseArxivFeed reads a listing feed: new submissions, and cross-lists
// when includeCross is set; replacements are skipped.
func ParseArxivFeed(body []byte, includeCross bool) (FeedResult, error) {
	res := FeedResult{Types: map[string]int{}}
	f, rep, err := decodeAtom(body)
	if err != nil {
		return res, err
	}
	var kept []int
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(f.Updated)); err == nil {
		res.Updated = t
	}
	for i := range f.Entries {
		e := &f.Entries[i]
		typ := strings.ToLower(strings.TrimSpace(e.AnnounceType))
		res.Types[typ]++
		switch typ {
		case AnnounceNew:
		case AnnounceCross:
			if !includeCross {
				continue
			}
		default: // replace, replace-cross: announced before
			continue
		}
		p, err := e.toPaper(splitAuthors(e.Creator), feedAbstract(e.Summary))
		if err != nil {
			res.Skipped = append(res.Skipped, e.entryError(i, err))
			continue
		}
		res.Papers = append(res.Papers, p)
		kept = append(kept, i)
	}
	res.Warnings = rep.warnings(f, kept)
	return res, nil
}

// feedAbstract strips the listing feeds' preamble from a summary:
// "arXiv:2402.01234v1 Announce Type: new \nAbstract: The text...".
func feedAbstract(s string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "arXiv:") {
		if i := strings.Index(t, "Abstract:"); i >= 0 && strings.Contains(t[:i], "Announce Type:") {
			return t[i+len("Abstract:"):]
		}
	}
	return s
}

// ArxivAPI fetches papers by id from the arXiv Atom query API. Its Fetch
// implements the core's Fetcher: `/papers show ID` of a paper not in the
// index asks arXiv.
type ArxivAPI struct {
	// BaseURL defaults to ArxivAPIURL.
	BaseURL string
	// Client sends the requests; give it the arXiv Pacer.
	Client *Client
}

// APIError is an error the arXiv API reported in an Error entry (with
// HTTP 200).
type APIError struct {
	Msg string
}

func (e *APIError) Error() string { return "arXiv API error: " + e.Msg }

// maxIDsPerRequest bounds id_list (arXiv pages results anyway).
const maxIDsPerRequest = 100

// Fetch returns the paper with the given arXiv id (any version; the
// record is the latest). A paper arXiv does not know is a fault.NotFound.
func (a *ArxivAPI) Fetch(ctx context.Context, id string) (paper.Paper, error) {
	cid, ok := paper.ParseArxivID(id)
	if !ok {
		return paper.Paper{}, fault.New(fault.Invalid, "%q is not an arXiv id (like 2401.12345 or hep-th/9901001)", id)
	}
	ps, err := a.FetchIDs(ctx, []string{cid})
	if err != nil {
		return paper.Paper{}, err
	}
	for _, p := range ps {
		if p.ID == cid {
			return p, nil
		}
	}
	return paper.Paper{}, fault.New(fault.NotFound, "arXiv has no paper %s", cid)
}

// FetchIDs returns the papers arXiv knows among ids (canonical arXiv ids),
// asking for up to 100 per request. Unknown ids are left out.
func (a *ArxivAPI) FetchIDs(ctx context.Context, ids []string) ([]paper.Paper, error) {
	base := a.BaseURL
	if base == "" {
		base = ArxivAPIURL
	}
	var out []paper.Paper
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), maxIDsPerRequest)]
		ids = ids[len(chunk):]
		q := url.Values{"id_list": {strings.Join(chunk, ",")}, "max_results": {strconv.Itoa(len(chunk))}}
		u := base + "?" + q.Encode()
		resp, err := a.Client.get(ctx, u, accept("application/atom+xml"))
		if err != nil {
			return nil, err
		}
		ps, skipped, warnings, err := ParseArxivAPI(resp.Body)
		if err != nil {
			var ae *APIError
			if errors.As(err, &ae) {
				return nil, fault.Wrap(fault.Invalid, err, "arXiv refused the request: %s", ae.Msg)
			}
			return nil, fault.Wrap(fault.Transient, fmt.Errorf("%s: %w", u, err), "arXiv sent an unreadable answer")
		}
		for _, e := range skipped {
			a.Client.Log.WarnContext(ctx, "skipped an arXiv API entry", "source", SourceArxiv, "err", e)
		}
		for _, e := range warnings {
			a.Client.Log.WarnContext(ctx, "kept an arXiv API entry with invalid UTF-8 replaced", "source", SourceArxiv, "err", e)
		}
		out = append(out, ps...)
	}
	return out, nil
}

// ParseArxivAPI reads a query API answer. An Error entry (which arXiv
// sends with HTTP 200) is returned as an *APIError; entries without a
// title (ids arXiv does not know, in older API versions) are left out;
// unreadable entries are returned in skipped, kept ones whose invalid
// UTF-8 was replaced in warnings.
func ParseArxivAPI(body []byte) (papers []paper.Paper, skipped, warnings []error, err error) {
	f, rep, err := decodeAtom(body)
	if err != nil {
		return nil, nil, nil, err
	}
	var kept []int
	for i := range f.Entries {
		e := &f.Entries[i]
		if isErrorEntry(e) {
			return nil, nil, nil, &APIError{Msg: paper.FoldSpace(e.Summary)}
		}
		if strings.TrimSpace(e.Title) == "" {
			continue
		}
		authors := make([]string, 0, len(e.Authors))
		for _, a := range e.Authors {
			authors = append(authors, a.Name)
		}
		p, err := e.toPaper(authors, e.Summary)
		if err != nil {
			skipped = append(skipped, e.entryError(i, err))
			continue
		}
		papers = append(papers, p)
		kept = append(kept, i)
	}
	return papers, skipped, rep.warnings(f, kept), nil
}

func isErrorEntry(e *atomEntry) bool {
	return strings.TrimSpace(e.Title) == "Error" && strings.Contains(e.ID, "/api/errors")
}
