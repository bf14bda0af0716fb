package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

// The vector in PLATFORM-RULES.md, made from the RFC 8032 test key.
const (
	vectorKey       = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	vectorTimestamp = "1700000000"
	vectorBody      = `{"type":1}`
	vectorSignature = "1695961a47c91a1ec033b819b7e87e3dbc583dd0cee6d1fd0216f58ac87b6228ae531ddbf91fb7bc28d7edf7f08604da16f54624f38a6bc0614e4dc13cd47f0f"
)

// rfc8032Seed is the private seed of RFC 8032's first test key (whose public
// key is vectorKey); tests sign their own requests with it.
const rfc8032Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"

func vectorVerifier(t *testing.T, now time.Time) *Verifier {
	t.Helper()
	key, err := ParsePublicKey(vectorKey)
	if err != nil {
		t.Fatal(err)
	}
	return NewVerifier(key, 5*time.Minute, func() time.Time { return now })
}

func TestVerifyVector(t *testing.T) {
	signedAt := time.Unix(1700000000, 0)
	otherKey := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	tests := []struct {
		name    string
		key     ed25519.PublicKey // nil: the vector's key
		now     time.Time
		sig, ts string
		body    string
		want    error
	}{
		{name: "vector", now: signedAt.Add(10 * time.Second), sig: vectorSignature, ts: vectorTimestamp, body: vectorBody},
		{name: "vector at the window's edge", now: signedAt.Add(5 * time.Minute), sig: vectorSignature, ts: vectorTimestamp, body: vectorBody},
		{name: "clock a little behind", now: signedAt.Add(-time.Minute), sig: vectorSignature, ts: vectorTimestamp, body: vectorBody},
		{name: "changed body", now: signedAt, sig: vectorSignature, ts: vectorTimestamp, body: `{"type":2}`, want: ErrBadSignature},
		{name: "body with a trailing newline", now: signedAt, sig: vectorSignature, ts: vectorTimestamp, body: vectorBody + "\n", want: ErrBadSignature},
		{name: "changed timestamp", now: signedAt, sig: vectorSignature, ts: "1700000001", body: vectorBody, want: ErrBadSignature},
		{name: "wrong key", key: otherKey, now: signedAt, sig: vectorSignature, ts: vectorTimestamp, body: vectorBody, want: ErrBadSignature},
		{name: "signature not hex", now: signedAt, sig: "zz" + vectorSignature[2:], ts: vectorTimestamp, body: vectorBody, want: ErrBadSignature},
		{name: "signature too short", now: signedAt, sig: vectorSignature[:64], ts: vectorTimestamp, body: vectorBody, want: ErrBadSignature},
		{name: "missing signature header", now: signedAt, ts: vectorTimestamp, body: vectorBody, want: ErrNoSignature},
		{name: "missing timestamp header", now: signedAt, sig: vectorSignature, body: vectorBody, want: ErrNoSignature},
		{name: "stale timestamp", now: signedAt.Add(5*time.Minute + time.Second), sig: vectorSignature, ts: vectorTimestamp, body: vectorBody, want: ErrStale},
		{name: "timestamp from the future", now: signedAt.Add(-6 * time.Minute), sig: vectorSignature, ts: vectorTimestamp, body: vectorBody, want: ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := vectorVerifier(t, tt.now)
			if tt.key != nil {
				v = NewVerifier(tt.key, 5*time.Minute, func() time.Time { return tt.now })
			}
			err := v.Verify(tt.sig, tt.ts, []byte(tt.body))
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyNonNumericTimestamp(t *testing.T) {
	// A signature over a timestamp that is not a number: signed correctly,
	// but its age cannot be known, so it is refused.
	priv := testKey(t)
	ts, body := "yesterday", []byte(`{"type":1}`)
	sig := hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...)))
	v := vectorVerifier(t, time.Unix(1700000000, 0))
	if err := v.Verify(sig, ts, body); !errors.Is(err, ErrStale) {
		t.Fatalf("Verify = %v, want ErrStale", err)
	}
}

func TestParsePublicKey(t *testing.T) {
	for _, s := range []string{"", "abc", vectorKey[:62], vectorKey + "00", "g" + vectorKey[1:]} {
		if _, err := ParsePublicKey(s); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted a bad key", s)
		}
	}
	if _, err := ParsePublicKey(" " + vectorKey + "\n"); err != nil {
		t.Errorf("ParsePublicKey with spaces: %v", err)
	}
}

func testKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	seed, err := hex.DecodeString(rfc8032Seed)
	if err != nil {
		t.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	if got := hex.EncodeToString(priv.Public().(ed25519.PublicKey)); got != vectorKey {
		t.Fatalf("RFC 8032 seed gives public key %s, want %s", got, vectorKey)
	}
	return priv
}
