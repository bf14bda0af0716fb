package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// maxResponseURLUses is how often Slack accepts a response_url, within
// responseURLLife of the request.
const (
	maxResponseURLUses = 5
	responseURLLife    = 30 * time.Minute
)

// maxRateLimitRetries bounds how often one call waits out a 429.
const maxRateLimitRetries = 5

// responsePayload is the JSON posted to a response_url.
type responsePayload struct {
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	Text            string          `json:"text"`
	Blocks          []slackgo.Block `json:"blocks,omitempty"`
	UnfurlLinks     bool            `json:"unfurl_links"`
	UnfurlMedia     bool            `json:"unfurl_media"`
}

// urlResponder answers a slash command or a button press through its
// response_url: ephemeral unless the message is not, or visible (a share).
type urlResponder struct {
	a   *Adapter
	url string
	// share is the request text behind the "Share in channel" button.
	share string
	// visible posts in the channel (errors stay ephemeral); sharedBy names
	// who shared.
	visible  bool
	sharedBy string
	// expires is when Slack stops accepting the response_url.
	expires time.Time

	mu   sync.Mutex
	uses int
}

var _ bot.Responder = (*urlResponder)(nil)

// Reply renders m and posts it, split into several messages when Slack's
// limits require; it never uses the response_url more than Slack allows.
func (r *urlResponder) Reply(ctx context.Context, m bot.Message) error {
	if err := r.a.checkResponseURL(r.url); err != nil {
		return fault.Wrap(fault.Internal, err, "")
	}
	if !r.expires.IsZero() && r.a.opts.Clock.Now().After(r.expires) {
		return fault.New(fault.Transient, "slack: the reply came after the request's response_url expired (%s)", responseURLLife)
	}
	respType := "ephemeral"
	opts := renderOptions{Share: r.share}
	switch {
	case r.visible && m.Kind != bot.KindError:
		respType = "in_channel"
		m.Ephemeral = false
		opts = renderOptions{SharedBy: r.sharedBy}
	case r.visible:
		opts = renderOptions{}
	case !m.Ephemeral:
		respType = "in_channel"
	}
	msgs := render(m, opts)

	r.mu.Lock()
	left := maxResponseURLUses - r.uses
	n := min(len(msgs), left)
	r.uses += n
	r.mu.Unlock()
	if n <= 0 {
		return fault.New(fault.Internal, "slack: this request's response_url is used up (%d replies)", maxResponseURLUses)
	}
	if n < len(msgs) {
		r.a.log.WarnContext(ctx, "reply cut short: response_url uses left", "messages", len(msgs), "sent", n)
		msgs = msgs[:n]
	}
	for _, msg := range msgs {
		p := responsePayload{ResponseType: respType, Text: msg.Text, Blocks: msg.Blocks}
		if err := r.a.postResponse(ctx, r.url, p); err != nil {
			return err
		}
	}
	return nil
}

// postResponse posts one payload to a response_url. A 429 is waited out and
// retried (Slack did not take the message); other failures are returned,
// never retried blindly.
func (a *Adapter) postResponse(ctx context.Context, u string, p responsePayload) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "")
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return fault.Wrap(fault.Internal, withoutURL(err), "")
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp, err := a.http.Do(req)
		if err != nil {
			return fault.Wrap(fault.Transient, withoutURL(err), "Slack did not take the reply")
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests && attempt < maxRateLimitRetries:
			wait := retryAfter(resp.Header.Get("Retry-After"))
			if a.opts.Hooks.RateLimited != nil {
				a.opts.Hooks.RateLimited("response_url", wait)
			}
			a.log.InfoContext(ctx, "slack rate limit on response_url; waiting", "retry_after", wait)
			if err := a.opts.Clock.Sleep(ctx, wait); err != nil {
				return fault.Wrap(fault.Transient, err, "Slack is rate limiting replies")
			}
		default:
			return fault.Wrap(fault.Transient,
				fmt.Errorf("slack response_url: %s: %s", resp.Status, strings.TrimSpace(string(msg))),
				"Slack refused the reply")
		}
	}
}

// withoutURL names the response_url instead of quoting it: the URL lets
// whoever holds it post into the channel for 30 minutes, so it must not
// reach an error, and from there a log. A *url.Error (what the HTTP client
// returns) quotes the URL, and so does a parse error.
func withoutURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return fmt.Errorf("slack response_url: %s: %w", ue.Op, ue.Err)
	}
	return fmt.Errorf("slack response_url: %T", err)
}

// retryAfter reads a Retry-After header in seconds (1 s when missing or
// unreadable).
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n < 1 {
		return time.Second
	}
	return time.Duration(n) * time.Second
}
