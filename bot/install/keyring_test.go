package install_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/install"
)

func keyOf(b byte) []byte { return bytes.Repeat([]byte{b}, install.KeySize) }

func ring(t *testing.T, cur []byte, prev ...[]byte) *install.Keyring {
	t.Helper()
	k, err := install.NewKeyring(cur, prev...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Sealed credentials open for their own team only, show no token, and
// change on every seal (a fresh nonce).
func TestSealOpen(t *testing.T) {
	k := ring(t, keyOf(1))
	c := install.Credentials{BotToken: "xoxb-secret-bot-token", RefreshToken: "xoxe-1-refresh"}
	a, err := k.Seal("slack", "T1", c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Seal("slack", "T1", c)
	if bytes.Equal(a, b) {
		t.Error("two seals of the same credentials are equal: the nonce is not fresh")
	}
	for _, s := range []string{c.BotToken, c.RefreshToken, "xoxb"} {
		if bytes.Contains(a, []byte(s)) {
			t.Errorf("sealed bytes contain %q", s)
		}
	}
	got, stale, err := k.Open("slack", "T1", a)
	if err != nil || stale || got != c {
		t.Fatalf("Open = %v, stale %v, err %v", got.BotToken == c.BotToken, stale, err)
	}
	// Moved to another team or platform: refused.
	for _, where := range [][2]string{{"slack", "T2"}, {"discord", "T1"}} {
		if _, _, err := k.Open(where[0], where[1], a); !errors.Is(err, install.ErrUnreadable) {
			t.Errorf("opened under %v: err %v", where, err)
		}
	}
	// Altered: refused.
	bad := bytes.Clone(a)
	bad[len(bad)-1] ^= 1
	if _, _, err := k.Open("slack", "T1", bad); !errors.Is(err, install.ErrUnreadable) {
		t.Errorf("altered: err %v", err)
	}
	for _, junk := range [][]byte{nil, {1}, {9, 1, 2, 3, 4, 5}, a[:8]} {
		if _, _, err := k.Open("slack", "T1", junk); !errors.Is(err, install.ErrUnreadable) {
			t.Errorf("junk %x: err %v", junk, err)
		}
	}
	// Another key entirely: refused, naming the key by its id only.
	_, _, err = ring(t, keyOf(2)).Open("slack", "T1", a)
	if !errors.Is(err, install.ErrUnreadable) || !strings.Contains(err.Error(), k.KeyID()) {
		t.Errorf("other key: err %v, want ErrUnreadable naming key %s", err, k.KeyID())
	}
}

// Rotation: a keyring whose previous keys include the old one opens what
// the old one sealed and says it is stale; what it seals opens with the
// new key alone.
func TestKeyRotation(t *testing.T) {
	old := ring(t, keyOf(1))
	sealed, _ := old.Seal("slack", "T1", install.Credentials{BotToken: "xoxb-1"})
	rotated := ring(t, keyOf(2), keyOf(1))
	c, stale, err := rotated.Open("slack", "T1", sealed)
	if err != nil || !stale || c.BotToken != "xoxb-1" {
		t.Fatalf("rotated Open: %q stale=%v err=%v", c.BotToken, stale, err)
	}
	resealed, _ := rotated.Seal("slack", "T1", c)
	if _, stale, err := ring(t, keyOf(2)).Open("slack", "T1", resealed); err != nil || stale {
		t.Errorf("new key alone: stale=%v err=%v", stale, err)
	}
	if _, _, err := old.Open("slack", "T1", resealed); err == nil {
		t.Error("the old key opened what the new one sealed")
	}
	if bytes.Equal(old.StateKey(), rotated.StateKey()) || len(rotated.StateKey()) != 32 {
		t.Error("the state key does not follow the current key")
	}
}

func TestParseKey(t *testing.T) {
	hexKey := strings.Repeat("ab", 32)
	if k, err := install.ParseKey(hexKey); err != nil || len(k) != 32 || k[0] != 0xab {
		t.Errorf("hex: %x %v", k, err)
	}
	if k, err := install.ParseKey(" bGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGw= "); err != nil || len(k) != 32 {
		t.Errorf("base64: %v", err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("zz", 32), "bGxsbA=="} {
		_, err := install.ParseKey(bad)
		if err == nil {
			t.Errorf("ParseKey(%q) took it", bad)
			continue
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
	if _, err := install.NewKeyring([]byte("short")); err == nil {
		t.Error("NewKeyring took a short key")
	}
}

// Neither fmt nor slog prints a key or a token.
func TestNothingPrints(t *testing.T) {
	k := ring(t, keyOf('k'))
	c := install.Credentials{BotToken: "xoxb-print-me", RefreshToken: "xoxe-print-me"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "ring", k, "creds", c)
	out := buf.String() + fmt.Sprintf("%v %+v %#v %s %v %+v %#v", k, k, k, c, c, c, c)
	for _, s := range []string{"xoxb-print-me", "xoxe-print-me", string(keyOf('k')), fmt.Sprintf("%v", k.StateKey()), fmt.Sprintf("%#v", k.StateKey())} {
		if strings.Contains(out, s) {
			t.Errorf("%q printed: %s", s, out)
		}
	}
}
