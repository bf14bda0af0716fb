package slack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/configs/secret"
	"github.com/paperbot/paperbot/internal/clock"
)

// Slack's documented worked example of request signing.
const (
	exampleSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	exampleTimestamp = "1531420618"
	exampleBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	exampleSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func exampleHeaders(ts, sig string) http.Header {
	h := http.Header{}
	if ts != "" {
		h.Set(headerTimestamp, ts)
	}
	if sig != "" {
		h.Set(headerSignature, sig)
	}
	return h
}

func TestVerifierSlackExample(t *testing.T) {
	at := func(offset time.Duration) clock.Clock { return newFakeClock(time.Unix(1531420618, 0).Add(offset)) }
	tests := []struct {
		name  string
		clock clock.Clock
		ts    string
		sig   string
		body  string
		want  error
	}{
		{"documented example", at(0), exampleTimestamp, exampleSignature, exampleBody, nil},
		{"a little later", at(4 * time.Minute), exampleTimestamp, exampleSignature, exampleBody, nil},
		{"exactly 5 minutes", at(-5 * time.Minute), exampleTimestamp, exampleSignature, exampleBody, nil},
		{"body changed", at(0), exampleTimestamp, exampleSignature, exampleBody + "------", ErrBadSignature},
		{"signature lolno", at(0), exampleTimestamp, "v0=lolno", exampleBody, ErrBadSignature},
		{"no signature header", at(0), exampleTimestamp, "", exampleBody, ErrMissingSignature},
		{"no timestamp header", at(0), "", exampleSignature, exampleBody, ErrMissingSignature},
		{"timestamp 301 s old", at(301 * time.Second), exampleTimestamp, exampleSignature, exampleBody, ErrStaleTimestamp},
		{"timestamp 301 s ahead", at(-301 * time.Second), exampleTimestamp, exampleSignature, exampleBody, ErrStaleTimestamp},
		{"timestamp not a number", at(0), "yesterday", exampleSignature, exampleBody, ErrStaleTimestamp},
		{"signature of another timestamp", at(0), "1531420619", exampleSignature, exampleBody, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVerifier(secret.New(exampleSecret), tt.clock)
			err := v.Verify(exampleHeaders(tt.ts, tt.sig), []byte(tt.body))
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	// Another secret does not verify the example.
	v := NewVerifier(secret.New("not-the-secret"), at(0))
	if err := v.Verify(exampleHeaders(exampleTimestamp, exampleSignature), []byte(exampleBody)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("wrong secret: %v", err)
	}
}

// countingReader serves n bytes and counts how many were read.
type countingReader struct {
	left int64
	read atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	n = min(n, r.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	r.left -= n
	r.read.Add(n)
	return int(n), nil
}

// Requests over the size cap are refused before they are read whole, and
// nothing runs; so are unsigned and stale ones.
func TestHTTPRefusesBeforeReading(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	var calls atomic.Int32
	handler := a.HTTPRoutes(countingHandler(&calls))["POST "+PathCommands]
	const huge = 64 << 20
	now := strconv.FormatInt(t0.Unix(), 10)

	tests := []struct {
		name          string
		contentLength int64
		headers       http.Header
		want          int
		maxRead       int64
	}{
		{"declared too large", huge, exampleHeaders(now, "v0=00"), http.StatusRequestEntityTooLarge, 0},
		{"chunked too large", -1, exampleHeaders(now, "v0=00"), http.StatusRequestEntityTooLarge, DefaultMaxBody + 64<<10},
		{"unsigned", -1, exampleHeaders("", ""), http.StatusUnauthorized, 0},
		{"stale", -1, exampleHeaders(strconv.FormatInt(t0.Unix()-301, 10), "v0=00"), http.StatusUnauthorized, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &countingReader{left: huge}
			r := httptest.NewRequest(http.MethodPost, PathCommands, body)
			r.ContentLength = tt.contentLength
			r.Header = tt.headers
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("status %d, want %d", w.Code, tt.want)
			}
			if got := body.read.Load(); got > tt.maxRead {
				t.Errorf("read %d bytes of the body, want at most %d", got, tt.maxRead)
			}
		})
	}
	a.work.Wait()
	if n := calls.Load(); n != 0 {
		t.Errorf("the handler ran %d times for refused requests", n)
	}
}

func countingHandler(n *atomic.Int32) bot.Handler {
	return bot.HandlerFunc(func(_ context.Context, _ *bot.Request, _ bot.Responder) error {
		n.Add(1)
		return nil
	})
}

// signRequest signs a body the way Slack does, at the clock's time.
func signRequest(r *http.Request, signingSecret string, now time.Time, body string) {
	ts := strconv.FormatInt(now.Unix(), 10)
	v := NewVerifier(secret.New(signingSecret), nil)
	r.Header.Set(headerTimestamp, ts)
	r.Header.Set(headerSignature, v.sign(ts, []byte(body)))
}

func signedPost(t *testing.T, url, signingSecret string, now time.Time, contentType, body string) *http.Response {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", contentType)
	signRequest(r, signingSecret, now, body)
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func BenchmarkVerify(b *testing.B) {
	v := NewVerifier(secret.New(exampleSecret), newFakeClock(time.Unix(1531420618, 0)))
	h := exampleHeaders(exampleTimestamp, exampleSignature)
	body := []byte(exampleBody)
	for b.Loop() {
		if err := v.Verify(h, body); err != nil {
			b.Fatal(err)
		}
	}
}
