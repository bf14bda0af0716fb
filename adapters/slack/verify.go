package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/paperbot/paperbot/configs/secret"
	"github.com/paperbot/paperbot/internal/clock"
)

// Header names of Slack's request signing.
const (
	headerSignature = "X-Slack-Signature"
	headerTimestamp = "X-Slack-Request-Timestamp"
)

// MaxSkew is how far a request's timestamp may be from now, either way.
const MaxSkew = 5 * time.Minute

// DefaultMaxBody caps the size of a request body from Slack.
const DefaultMaxBody = 1 << 20

// Verification failures. Each is answered with 401 (413 for ErrTooLarge).
var (
	ErrMissingSignature = errors.New("slack: request is not signed (missing X-Slack-Signature or X-Slack-Request-Timestamp)")
	ErrStaleTimestamp   = errors.New("slack: request timestamp is more than 5 minutes from now")
	ErrBadSignature     = errors.New("slack: request signature does not match")
	ErrTooLarge         = errors.New("slack: request body is too large")
)

// Verifier checks Slack's request signatures: v0=hex(HMAC-SHA256(secret,
// "v0:" + timestamp + ":" + body)), compared in constant time, with the
// timestamp within MaxSkew of the injected clock. (slack-go's verifier reads
// the wall clock, so it cannot be tested against Slack's documented example.)
type Verifier struct {
	secret secret.Secret
	clock  clock.Clock
}

// NewVerifier returns a verifier for the app's signing secret.
func NewVerifier(signingSecret secret.Secret, clk clock.Clock) *Verifier {
	if clk == nil {
		clk = clock.System{}
	}
	return &Verifier{secret: signingSecret, clock: clk}
}

// CheckHeaders checks that a request is signed and fresh, before its body
// is read.
func (v *Verifier) CheckHeaders(h http.Header) error {
	ts, sig := h.Get(headerTimestamp), h.Get(headerSignature)
	if ts == "" || sig == "" {
		return ErrMissingSignature
	}
	return v.checkTimestamp(ts)
}

func (v *Verifier) checkTimestamp(ts string) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w (%q is not a Unix time)", ErrStaleTimestamp, ts)
	}
	d := v.clock.Now().Sub(time.Unix(sec, 0))
	if d > MaxSkew || d < -MaxSkew {
		return ErrStaleTimestamp
	}
	return nil
}

// Verify checks the signature of body given the request's headers.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	if err := v.CheckHeaders(h); err != nil {
		return err
	}
	want := v.sign(h.Get(headerTimestamp), body)
	if !hmac.Equal([]byte(want), []byte(h.Get(headerSignature))) {
		return ErrBadSignature
	}
	return nil
}

// sign computes the v0 signature of a timestamp and body.
func (v *Verifier) sign(ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(v.secret.Value()))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// readVerified reads and verifies a signed request's body. Unsigned or stale
// requests are refused before the body is read; bodies over max bytes are
// refused without being read whole (Content-Length first, then
// http.MaxBytesReader). On failure it has written the response and returns
// the error.
func (v *Verifier) readVerified(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil, ErrTooLarge
	}
	if err := v.CheckHeaders(r.Header); err != nil {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, ErrTooLarge
		}
		http.Error(w, "reading request body", http.StatusBadRequest)
		return nil, fmt.Errorf("slack: reading request body: %w", err)
	}
	if err := v.Verify(r.Header, body); err != nil {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, err
	}
	return body, nil
}
