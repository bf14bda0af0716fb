package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/internal/clock"
)

// DefaultUserAgent identifies paperbot to the services it reads. arXiv and
// Hugging Face ask clients to say who they are; set a contact address in
// the configuration (sources.user_agent).
const DefaultUserAgent = "paperbot (+https://github.com/paperbot/paperbot)"

// Pacer lets one request through at a time, each starting at least
// Interval after the previous one started: arXiv asks for at most one
// request every 3 seconds, on one connection. Share one Pacer among all
// clients of a service.
type Pacer struct {
	interval time.Duration
	clock    clock.Clock
	turn     chan struct{} // one token: holding it is the right to send
	last     time.Time     // start of the previous request; guarded by turn
}

// NewPacer returns a pacer spacing requests by interval (0: no spacing,
// but still one at a time).
func NewPacer(interval time.Duration, clk clock.Clock) *Pacer {
	if clk == nil {
		clk = clock.System{}
	}
	p := &Pacer{interval: interval, clock: clk, turn: make(chan struct{}, 1)}
	p.turn <- struct{}{}
	return p
}

// Do waits for its turn and then calls fn; nobody else's fn runs until fn
// returns. It gives up (without calling fn) when ctx ends.
func (p *Pacer) Do(ctx context.Context, fn func() error) error {
	select {
	case <-p.turn:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { p.turn <- struct{}{} }()
	if !p.last.IsZero() {
		if err := p.clock.Sleep(ctx, p.last.Add(p.interval).Sub(p.clock.Now())); err != nil {
			return err
		}
	}
	p.last = p.clock.Now()
	return fn()
}

// NewHTTPClient returns an HTTP client for one service: a bounded timeout
// and a single connection per host (arXiv asks for one).
func NewHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = 1
	tr.MaxIdleConnsPerHost = 1
	return &http.Client{Timeout: timeout, Transport: tr}
}

// Client fetches documents from one service politely: a descriptive
// User-Agent, the service's request spacing, and back-off on 429, 503 and
// arXiv's "Rate exceeded." that honours Retry-After.
type Client struct {
	// Source names the service in errors and logs ("huggingface", "arxiv").
	Source string
	// HTTP is the client used (default NewHTTPClient(60s)).
	HTTP *http.Client
	// UserAgent is sent with every request (default DefaultUserAgent).
	UserAgent string
	// Clock is used for back-off waits (default the system clock).
	Clock clock.Clock
	// Pacer, when set, spaces requests (required for arXiv).
	Pacer *Pacer
	// Retries is how many times a throttled or failed request is retried
	// (default 3; negative: never).
	Retries int
	// MaxRetryWait is the longest wait accepted before a retry (default 5m):
	// a Retry-After beyond it fails the request at once, as does one that
	// would outlast the context's deadline.
	MaxRetryWait time.Duration
	// MaxBody bounds a response body (default 64 MiB).
	MaxBody int64
	// Log receives a warning for each retry.
	Log *slog.Logger

	setup sync.Once // fills in the defaults; a Client must not be copied
}

// response is a fetched document.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// StatusError is an HTTP status the client did not expect.
type StatusError struct {
	Source string
	URL    string
	Status int
	// RetryAfter is the wait the service asked for (0 when none).
	RetryAfter time.Duration
	// Snippet is the start of the response body.
	Snippet string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s: GET %s: HTTP %d", e.Source, e.URL, e.Status)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (Retry-After %s)", e.RetryAfter)
	}
	if e.Snippet != "" {
		s += ": " + e.Snippet
	}
	return s
}

// ErrRateExceeded is arXiv's throttling answer: the body "Rate exceeded.".
var ErrRateExceeded = errors.New("rate exceeded")

// rateExceededBody is what arXiv sends instead of a feed when throttling.
const rateExceededBody = "Rate exceeded."

func (c *Client) defaults() { c.setup.Do(c.setDefaults) }

func (c *Client) setDefaults() {
	if c.HTTP == nil {
		c.HTTP = NewHTTPClient(60 * time.Second)
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Clock == nil {
		c.Clock = clock.System{}
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.MaxRetryWait <= 0 {
		c.MaxRetryWait = 5 * time.Minute
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 64 << 20
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// backoff is the wait before retry number attempt (0-based) when the
// service did not say: 5s, 10s, 20s, ...
func backoff(attempt int) time.Duration {
	return 5 * time.Second << min(attempt, 10)
}

// get fetches url with the extra headers. It returns 200 and 304 responses;
// other statuses become errors with a fault kind (transient for throttling
// and server errors, after the retries).
func (c *Client) get(ctx context.Context, url string, hdr http.Header) (*response, error) {
	c.defaults()
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, url, hdr)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fault.Wrap(fault.Transient, ctx.Err(), "%s did not answer in time", c.Source)
		}
		wait, retry := c.retryable(err, attempt)
		if !retry || attempt >= c.Retries {
			return nil, c.classify(err)
		}
		if wait > c.MaxRetryWait {
			return nil, fault.Wrap(fault.Transient, err, "%s asks us to wait %s before trying again", c.Source, wait.Round(time.Second))
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, fault.Wrap(fault.Transient, err, "%s is busy; try again in %s", c.Source, wait.Round(time.Second))
		}
		c.Log.WarnContext(ctx, "source request failed; retrying", "source", c.Source, "url", url,
			"attempt", attempt+1, "wait", wait, "err", err)
		if err := c.Clock.Sleep(ctx, wait); err != nil {
			return nil, fault.Wrap(fault.Transient, err, "%s did not answer in time", c.Source)
		}
	}
}

// retryable says whether err is worth retrying and after how long.
func (c *Client) retryable(err error, attempt int) (time.Duration, bool) {
	var se *StatusError
	switch {
	case errors.Is(err, ErrRateExceeded):
		return backoff(attempt), true
	case errors.As(err, &se):
		switch {
		case se.Status == http.StatusTooManyRequests || se.Status == http.StatusServiceUnavailable:
			if se.RetryAfter > 0 {
				return se.RetryAfter, true
			}
			return backoff(attempt), true
		case se.Status >= 500:
			return backoff(attempt), true
		}
		return 0, false
	case errors.Is(err, errBodyTooLarge):
		return 0, false
	}
	return backoff(attempt), true // network errors
}

// classify gives a final error its fault kind and a message for users.
func (c *Client) classify(err error) error {
	var se *StatusError
	switch {
	case errors.Is(err, ErrRateExceeded):
		return fault.Wrap(fault.Transient, err, "%s is rate limiting paperbot; try again in a minute", c.Source)
	case errors.As(err, &se):
		switch {
		case se.Status == http.StatusTooManyRequests || se.Status >= 500:
			return fault.Wrap(fault.Transient, err, "%s is unavailable right now (HTTP %d); try again later", c.Source, se.Status)
		case se.Status == http.StatusNotFound:
			return fault.Wrap(fault.NotFound, err, "%s has no such page", c.Source)
		}
		return fault.Wrap(fault.Internal, err, "%s refused the request (HTTP %d)", c.Source, se.Status)
	}
	return fault.Wrap(fault.Transient, err, "could not reach %s", c.Source)
}

var errBodyTooLarge = errors.New("response too large")

// once sends one request (in the pacer's turn) and reads the whole body.
func (c *Client) once(ctx context.Context, url string, hdr http.Header) (*response, error) {
	var resp *response
	send := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		req.Header.Set("User-Agent", c.UserAgent)
		r, err := c.HTTP.Do(req)
		if err != nil {
			return err
		}
		defer r.Body.Close()
		body, err := io.ReadAll(io.LimitReader(r.Body, c.MaxBody+1))
		if err != nil {
			return fmt.Errorf("%s: reading %s: %w", c.Source, url, err)
		}
		if int64(len(body)) > c.MaxBody {
			return fmt.Errorf("%s: %s: %w (more than %d bytes)", c.Source, url, errBodyTooLarge, c.MaxBody)
		}
		resp = &response{Status: r.StatusCode, Header: r.Header, Body: body}
		return nil
	}
	var err error
	if c.Pacer != nil {
		err = c.Pacer.Do(ctx, send)
	} else {
		err = send()
	}
	if err != nil {
		return nil, err
	}
	if string(bytes.TrimSpace(resp.Body)) == rateExceededBody {
		return nil, fmt.Errorf("%s: %s: %w", c.Source, url, ErrRateExceeded)
	}
	switch resp.Status {
	case http.StatusOK, http.StatusNotModified:
		return resp, nil
	}
	return nil, &StatusError{
		Source: c.Source, URL: url, Status: resp.Status,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), c.Clock.Now()),
		Snippet:    snippet(resp.Body),
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 1<<20)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// accept is a request header asking for a media type.
func accept(mediaType string) http.Header { return http.Header{"Accept": {mediaType}} }

// snippet is the start of a body, on one line, for error messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b[:min(len(b), 200)]), "")), " ")
	if len(b) > 200 {
		s += "…"
	}
	return s
}
