package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Verifier checks the Ed25519 signature Discord puts on every request to
// the interactions endpoint, and that the request is fresh.
// discordgo.VerifyInteraction checks only the signature, so a captured
// request could be replayed forever; Verifier also bounds its age.
type Verifier struct {
	key ed25519.PublicKey
	// Window is how far the signed timestamp may be from now, either way.
	window time.Duration
	now    func() time.Time
}

// DefaultSignatureWindow is how old (or how far ahead) a signed request may
// be by default.
const DefaultSignatureWindow = 5 * time.Minute

// Errors of Verify; each makes the endpoint answer 401.
var (
	ErrNoSignature  = errors.New("missing X-Signature-Ed25519 or X-Signature-Timestamp header")
	ErrBadSignature = errors.New("signature does not match")
	ErrStale        = errors.New("signed timestamp is outside the freshness window")
)

// ParsePublicKey reads an application's public key (64 hex digits, as the
// Developer Portal shows it).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key must be %d hex digits (the application's Public Key in the Developer Portal)", 2*ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// NewVerifier returns a verifier for key. window <= 0 means
// DefaultSignatureWindow; now nil means time.Now.
func NewVerifier(key ed25519.PublicKey, window time.Duration, now func() time.Time) *Verifier {
	if window <= 0 {
		window = DefaultSignatureWindow
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{key: key, window: window, now: now}
}

// Verify checks the hex signature over timestamp+body and the timestamp's
// age. It returns nil only when both are right.
func (v *Verifier) Verify(signature, timestamp string, body []byte) error {
	if signature == "" || timestamp == "" {
		return ErrNoSignature
	}
	sig, err := hex.DecodeString(signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return ErrBadSignature
	}
	msg := make([]byte, 0, len(timestamp)+len(body))
	msg = append(append(msg, timestamp...), body...)
	if !ed25519.Verify(v.key, msg, sig) {
		return ErrBadSignature
	}
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrStale
	}
	age := v.now().Sub(time.Unix(secs, 0))
	if age > v.window || age < -v.window {
		return ErrStale
	}
	return nil
}
