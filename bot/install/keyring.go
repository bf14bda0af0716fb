package install

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// KeySize is the size of an encryption key: AES-256.
const KeySize = 32

// sealVersion is the first byte of a sealed value: the format
// version ‖ key id (4 bytes) ‖ nonce (12 bytes) ‖ AES-GCM ciphertext and tag.
const sealVersion = 1

const keyIDSize = 4

// ErrUnreadable is returned when sealed credentials do not open: sealed by
// a key the Keyring does not have, altered, or moved to another team.
var ErrUnreadable = errors.New("the stored credentials cannot be decrypted with the configured keys")

// ParseKey reads an encryption key written as 64 hexadecimal digits or as
// the standard base64 of 32 bytes (`openssl rand -hex 32` or
// `openssl rand -base64 32`). The error never quotes the key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	return nil, fmt.Errorf("not a %d-byte key: write 64 hex digits (openssl rand -hex 32) or base64 of 32 bytes (openssl rand -base64 32); it is %d characters long", KeySize, len(s))
}

type key struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
}

// Keyring seals credentials with its current key and opens what any of
// its keys sealed, so that the key can be rotated: the new key becomes
// current, the old one stays among the previous keys until every record
// was sealed again (Open reports records sealed by a previous key).
type Keyring struct {
	current  key
	previous []key
	// stateKey signs OAuth states (derived from the current key).
	stateKey []byte
}

// NewKeyring makes a keyring from the current key and the previous ones.
func NewKeyring(current []byte, previous ...[]byte) (*Keyring, error) {
	cur, err := newKey(current)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	k := &Keyring{current: cur}
	for i, p := range previous {
		pk, err := newKey(p)
		if err != nil {
			return nil, fmt.Errorf("previous encryption key %d: %w", i+1, err)
		}
		if pk.id == cur.id {
			continue
		}
		k.previous = append(k.previous, pk)
	}
	k.stateKey, err = hkdf.Key(sha256.New, current, nil, "paperbot oauth state v1", 32)
	if err != nil {
		return nil, err
	}
	return k, nil
}

func newKey(b []byte) (key, error) {
	if len(b) != KeySize {
		return key{}, fmt.Errorf("%d bytes, want %d", len(b), KeySize)
	}
	block, err := aes.NewCipher(b)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	// The id names the key in what it sealed without telling anything
	// about the key.
	sum := sha256.Sum256(append([]byte("paperbot key id\x00"), b...))
	k := key{aead: aead}
	copy(k.id[:], sum[:keyIDSize])
	return k, nil
}

// StateKey is the key that signs OAuth states (HKDF of the current key).
func (k *Keyring) StateKey() []byte { return k.stateKey }

// KeyID is the current key's id, in hex (for the log: it tells keys apart
// and nothing more).
func (k *Keyring) KeyID() string { return hex.EncodeToString(k.current.id[:]) }

// LogValue keeps the keys out of the log.
func (k *Keyring) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key_id", k.KeyID()), slog.Int("previous", len(k.previous)))
}

// String keeps the keys out of fmt.
func (k *Keyring) String() string { return "keyring " + k.KeyID() }

// GoString keeps the keys out of %#v.
func (k *Keyring) GoString() string { return k.String() }

func additional(platform, team string) []byte {
	return []byte("paperbot installation\x00" + platform + "\x00" + team)
}

// Seal encrypts c for one workspace with the current key.
func (k *Keyring) Seal(platform, team string, c Credentials) ([]byte, error) {
	plain, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+keyIDSize, 1+keyIDSize+k.current.aead.NonceSize()+len(plain)+k.current.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:], k.current.id[:])
	nonce := make([]byte, k.current.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = append(out, nonce...)
	return k.current.aead.Seal(out, nonce, plain, additional(platform, team)), nil
}

// Open decrypts what Seal sealed for this platform and team. stale is true
// when a previous key sealed it: seal it again with the current key.
func (k *Keyring) Open(platform, team string, sealed []byte) (c Credentials, stale bool, err error) {
	if len(sealed) < 1+keyIDSize || sealed[0] != sealVersion {
		return Credentials{}, false, fmt.Errorf("%w (unknown format)", ErrUnreadable)
	}
	var id [keyIDSize]byte
	copy(id[:], sealed[1:])
	body := sealed[1+keyIDSize:]
	for i, kk := range append([]key{k.current}, k.previous...) {
		if kk.id != id {
			continue
		}
		n := kk.aead.NonceSize()
		if len(body) < n {
			return Credentials{}, false, fmt.Errorf("%w (truncated)", ErrUnreadable)
		}
		plain, err := kk.aead.Open(nil, body[:n], body[n:], additional(platform, team))
		if err != nil {
			return Credentials{}, false, fmt.Errorf("%w (altered, or stored under another workspace)", ErrUnreadable)
		}
		if err := json.Unmarshal(plain, &c); err != nil {
			return Credentials{}, false, fmt.Errorf("%w (unreadable content)", ErrUnreadable)
		}
		return c, i > 0, nil
	}
	return Credentials{}, false, fmt.Errorf("%w (sealed by key %s, which is not configured)", ErrUnreadable, hex.EncodeToString(id[:]))
}
