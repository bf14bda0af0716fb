package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/configs/secret"
	"github.com/paperbot/paperbot/internal/clock"
)

// DefaultAPIBase is Discord's REST API base URL (API v10).
const DefaultAPIBase = "https://discord.com/api/v10"

// Discord JSON error codes the adapter acts on.
const (
	codeUnknownWebhook       = 10015
	codeMissingAccess        = 50001
	codeMissingPermissions   = 50013
	codeThreadAlreadyCreated = 160004
)

// APIError is a non-2xx answer from Discord's REST API.
type APIError struct {
	Method string
	// Route names the request ("PUT /applications/1/commands"): the
	// method and the path without its query or tokens.
	Route  string
	Status int
	// Code and Message are Discord's JSON error code and text (0 and "" when
	// the body had none).
	Code    int
	Message string
	// Fields are Discord's errors by field of an invalid body (code 50035):
	// "0.options.2.name: Command name is invalid (APPLICATION_COMMAND_INVALID_NAME)".
	Fields []string
	// RetryAfter is set on a 429 that was not waited out.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("discord: %s: HTTP %d", request(e.Method, e.Route), e.Status)
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if len(e.Fields) > 0 {
		s += ": " + strings.Join(e.Fields, "; ")
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// request names a request by its route, which starts with the method; a
// route without one gets it.
func request(method, route string) string {
	if strings.HasPrefix(route, method+" ") {
		return route
	}
	return method + " " + route
}

// fieldErrors flattens the "errors" object of Discord's answer to an
// invalid body into "path: message (CODE)" lines, sorted by path. Discord
// nests it by field name and array index, with an "_errors" list at each
// field that failed.
func fieldErrors(raw json.RawMessage) []string {
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, sub := range m {
			if k != "_errors" {
				walk(strings.TrimPrefix(path+"."+k, "."), sub)
				continue
			}
			list, _ := sub.([]any)
			for _, item := range list {
				e, _ := item.(map[string]any)
				msg, _ := e["message"].(string)
				code, _ := e["code"].(string)
				line := path + ": " + msg
				if code != "" {
					line += " (" + code + ")"
				}
				out = append(out, line)
			}
		}
	}
	var v any
	if json.Unmarshal(raw, &v) == nil {
		walk("", v)
	}
	slices.Sort(out)
	return out
}

// restClient is Discord's REST API as this adapter uses it. It is ours
// rather than discordgo's because posting needs control discordgo does not
// give: discordgo retries 5xx answers to message POSTs (which can post
// twice), sleeps on 429 and on exhausted buckets without a cap or a
// context, and cannot be given a fake clock.
//
// Rules: a 429 means Discord did not process the request, so it is waited
// out (retry_after, capped by maxWait) and sent again; a request whose
// outcome is unknown (transport error, 5xx) is retried only when it is
// idempotent (GET, PUT, PATCH, DELETE) or carries an enforced nonce (a
// message POST, which Discord then deduplicates); never another POST. Requests on one route
// (one channel's messages, one interaction's webhook) are serialised and
// paced by the X-RateLimit headers of the previous answer.
type restClient struct {
	client  *http.Client
	base    string
	token   secret.Secret // "Bot ..."
	agent   string
	clock   clock.Clock
	maxWait time.Duration
	log     *slog.Logger
	limited func(wait time.Duration) // hook; may be nil

	mu      sync.Mutex
	buckets map[string]*bucket
	global  time.Time // no request before this (a global 429)
}

// bucket paces one route.
type bucket struct {
	mu        sync.Mutex // held for a whole request on the route
	users     int        // guarded by restClient.mu
	remaining int        // -1: unknown
	reset     time.Time
}

// maxAttempts bounds the tries of one request (429s and safe retries).
const maxAttempts = 4

func (c *restClient) acquire(route string) *bucket {
	c.mu.Lock()
	b := c.buckets[route]
	if b == nil {
		b = &bucket{remaining: -1}
		c.buckets[route] = b
	}
	b.users++
	c.mu.Unlock()
	b.mu.Lock()
	return b
}

func (c *restClient) release(route string, b *bucket) {
	stale := b.remaining != 0 || !c.clock.Now().Before(b.reset)
	b.mu.Unlock()
	c.mu.Lock()
	b.users--
	if b.users == 0 && stale {
		delete(c.buckets, route)
	}
	c.mu.Unlock()
}

// wait is how long the route must wait before its next request. An
// interaction's routes do not wait for a global 429: Discord does not
// bind interaction endpoints to the global rate limit, and a command must
// be acknowledged within 3 s even while the bot posts a digest.
func (c *restClient) wait(route string, b *bucket) time.Duration {
	now := c.clock.Now()
	var d time.Duration
	if b.remaining == 0 && now.Before(b.reset) {
		d = b.reset.Sub(now)
	}
	if interactionRoute(route) {
		return d
	}
	c.mu.Lock()
	if g := c.global.Sub(now); g > d {
		d = g
	}
	c.mu.Unlock()
	return d
}

// interactionRoute reports whether a route (as replier and
// gatewayInteraction name them) is one of an interaction's: its callback,
// or the webhook its token opens (@original, follow-ups).
func interactionRoute(route string) bool {
	return strings.HasPrefix(route, "POST /interactions/") || strings.Contains(route, "/interaction-")
}

func (c *restClient) update(b *bucket, h http.Header) {
	if r := h.Get("X-RateLimit-Remaining"); r != "" {
		if n, err := strconv.Atoi(r); err == nil {
			b.remaining = n
		}
	}
	if r := h.Get("X-RateLimit-Reset-After"); r != "" {
		if d, ok := seconds(r); ok {
			b.reset = c.clock.Now().Add(d)
		}
	}
}

// seconds parses a float number of seconds ("1.5").
func seconds(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e6 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// do sends one request. route names the rate-limit bucket; body (when not
// nil) is sent as JSON; out (when not nil) receives the JSON answer. A
// request whose outcome is unknown is retried only when it is idempotent.
func (c *restClient) do(ctx context.Context, method, path, route string, body, out any) error {
	return c.send(ctx, method, path, route, body, out, idempotent(method))
}

// send is do with the caller deciding whether a request with an unknown
// outcome may be sent again (safe): true for idempotent methods and for a
// message POST that carries an enforced nonce, which Discord deduplicates.
func (c *restClient) send(ctx context.Context, method, path, route string, body, out any, safe bool) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fault.Wrap(fault.Internal, err, "")
		}
	}
	for attempt := 1; ; attempt++ {
		again, backoff, err := c.once(ctx, method, path, route, payload, out, safe)
		if err == nil {
			return nil
		}
		if !again || attempt >= maxAttempts {
			return err
		}
		c.log.InfoContext(ctx, "discord request retried", "method", method, "route", route, "attempt", attempt, "err", err)
		if backoff > 0 {
			if serr := c.clock.Sleep(ctx, backoff); serr != nil {
				return errors.Join(err, serr)
			}
		}
	}
}

// once makes one attempt. again asks do to try again after backoff (a 429
// is waited out by the route's bucket at the start of the next attempt).
func (c *restClient) once(ctx context.Context, method, path, route string, payload []byte, out any, safe bool) (again bool, backoff time.Duration, err error) {
	b := c.acquire(route)
	defer func() { c.release(route, b) }()
	if d := c.wait(route, b); d > 0 {
		if d > c.maxWait {
			return false, 0, fault.Wrap(fault.Transient, &APIError{Method: method, Route: route, Status: http.StatusTooManyRequests, RetryAfter: d}, "Discord is rate limiting me")
		}
		if err := c.clock.Sleep(ctx, d); err != nil {
			return false, 0, err
		}
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return false, 0, fault.Wrap(fault.Internal, err, "")
	}
	req.Header.Set("Authorization", c.token.Value())
	req.Header.Set("User-Agent", c.agent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		// The URL may hold an interaction token: name the route instead.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s: %w", request(method, route), ue.Err)
		}
		if ctx.Err() != nil {
			return false, 0, err
		}
		// The request may or may not have reached Discord.
		err = fault.Wrap(fault.Transient, err, "I could not reach Discord")
		return safe, time.Second, err
	}
	defer resp.Body.Close()
	c.update(b, resp.Header)
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, 4<<20))

	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if rerr != nil {
			return false, 0, fault.Wrap(fault.Transient, rerr, "I could not read Discord's answer")
		}
		if out != nil && len(data) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return false, 0, fault.Wrap(fault.Internal, fmt.Errorf("decoding %s %s: %w", method, route, err), "")
			}
		}
		return false, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		// Discord did not process the request: waiting and sending it again
		// cannot duplicate anything.
		var rl struct {
			RetryAfter float64 `json:"retry_after"`
			Global     bool    `json:"global"`
			Message    string  `json:"message"`
		}
		_ = json.Unmarshal(data, &rl)
		d, ok := seconds(strconv.FormatFloat(rl.RetryAfter, 'f', -1, 64))
		if !ok || d == 0 {
			d, ok = seconds(resp.Header.Get("Retry-After"))
		}
		if !ok || d <= 0 {
			d = time.Second
		}
		if rl.Global || resp.Header.Get("X-RateLimit-Global") != "" {
			c.mu.Lock()
			if t := c.clock.Now().Add(d); t.After(c.global) {
				c.global = t
			}
			c.mu.Unlock()
		}
		if c.limited != nil {
			c.limited(d)
		}
		apiErr := &APIError{Method: method, Route: route, Status: resp.StatusCode, Message: rl.Message, RetryAfter: d}
		err := fault.Wrap(fault.Transient, apiErr, "Discord is rate limiting me")
		if d > c.maxWait {
			return false, 0, err
		}
		// The next attempt waits for the bucket to reset.
		b.remaining, b.reset = 0, c.clock.Now().Add(d)
		return true, 0, err
	default:
		apiErr := &APIError{Method: method, Route: route, Status: resp.StatusCode}
		var je struct {
			Code    int             `json:"code"`
			Message string          `json:"message"`
			Errors  json.RawMessage `json:"errors"`
		}
		if json.Unmarshal(data, &je) == nil {
			apiErr.Code, apiErr.Message = je.Code, je.Message
			if len(je.Errors) > 0 {
				apiErr.Fields = fieldErrors(je.Errors)
			}
		}
		if resp.StatusCode >= 500 {
			err := fault.Wrap(fault.Transient, apiErr, "Discord is having trouble")
			return safe, time.Second, err
		}
		return false, 0, classify(apiErr)
	}
}

// classify gives a 4xx its fault kind and a message a user can act on.
func classify(e *APIError) error {
	switch {
	case e.Code == codeMissingAccess || e.Code == codeMissingPermissions || e.Status == http.StatusForbidden:
		return fault.Wrap(fault.Invalid, e, "I am missing a permission in that channel (I need View Channel, Send Messages, Embed Links, Read Message History, Create Public Threads and Send Messages in Threads)")
	case e.Status == http.StatusNotFound:
		return fault.Wrap(fault.NotFound, e, "Discord does not know that channel or message")
	case e.Status == http.StatusUnauthorized:
		return fault.Wrap(fault.Internal, e, "")
	}
	return fault.Wrap(fault.Internal, e, "")
}

// apiCode returns the Discord error code inside err, or 0.
func apiCode(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// RewriteTransport sends requests for discord.com to Base instead (tests,
// proxies): "https://discord.com/api/v10/x" becomes Base + "/api/v10/x".
// discordgo computes its endpoint URLs once at start-up, so rewriting at
// the transport is the one place that covers both it and this adapter.
type RewriteTransport struct {
	Base *url.URL
	// Next is the transport that sends the rewritten request
	// (http.DefaultTransport when nil).
	Next http.RoundTripper
}

// RoundTrip rewrites and forwards r.
func (t *RewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	h := r.URL.Hostname()
	if h != "discord.com" && h != "discordapp.com" {
		return next.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme = t.Base.Scheme
	r2.URL.Host = t.Base.Host
	r2.URL.Path = strings.TrimSuffix(t.Base.Path, "/") + r.URL.Path
	r2.URL.RawPath = ""
	r2.Host = t.Base.Host
	return next.RoundTrip(r2)
}
