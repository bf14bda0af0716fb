package replay

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// A request is accepted once while it is fresh, and again only after its
// window has closed (by then its signature is refused as stale anyway);
// the same signature from another platform is another request.
func TestCheckRefusesReplays(t *testing.T) {
	c := &clock{t: time.Unix(1700000000, 0)}
	m := NewMemory(c.now, 10)
	check := func(platform string) error {
		return Check(t.Context(), m, platform, "1700000000", "v0=abc", 5*time.Minute, c.t)
	}
	for i, want := range []error{nil, ErrReplayed, ErrReplayed} {
		if err := check("slack"); !errors.Is(err, want) && err != want {
			t.Fatalf("attempt %d: %v, want %v", i+1, err, want)
		}
		c.t = c.t.Add(time.Minute)
	}
	if err := check("discord"); err != nil {
		t.Errorf("another platform's request: %v", err)
	}
	c.t = time.Unix(1700000000, 0).Add(5 * time.Minute)
	if err := check("slack"); err != nil {
		t.Errorf("once its window closed: %v", err)
	}
	if err := Check(t.Context(), m, "slack", "soon", "v0=abc", 5*time.Minute, c.t); err == nil {
		t.Error("a timestamp that is no number was taken")
	}
}

// Memory is bounded: when every remembered key is still fresh, a new one
// is refused (ErrFull), never let through unremembered; as keys expire,
// room comes back, and expired keys are dropped.
func TestMemoryBounded(t *testing.T) {
	c := &clock{t: time.Unix(1700000000, 0)}
	m := NewMemory(c.now, 3)
	for i := range 3 {
		if seen, err := m.SeenWithin(t.Context(), fmt.Sprint(i), time.Duration(i+1)*time.Minute); seen || err != nil {
			t.Fatalf("key %d: %v %v", i, seen, err)
		}
	}
	if _, err := m.SeenWithin(t.Context(), "3", 5*time.Minute); !errors.Is(err, ErrFull) {
		t.Fatalf("a fourth fresh key: %v, want ErrFull", err)
	}
	c.t = c.t.Add(90 * time.Second) // key 0 expired
	if seen, err := m.SeenWithin(t.Context(), "3", 5*time.Minute); seen || err != nil {
		t.Fatalf("after one expired: %v %v", seen, err)
	}
	if seen, _ := m.SeenWithin(t.Context(), "1", 5*time.Minute); !seen {
		t.Error("key 1 forgotten before it expired")
	}
	c.t = c.t.Add(time.Hour)
	if _, err := m.SeenWithin(t.Context(), "4", time.Minute); err != nil || m.Len() != 1 {
		t.Errorf("after every key expired: %d remembered, %v", m.Len(), err)
	}
}

// Requests at 100 a second: what checking one costs, at the default
// bound's steady state (30,000 remembered).
func BenchmarkCheck(b *testing.B) {
	c := &clock{t: time.Unix(1700000000, 0)}
	m := NewMemory(c.now, 0)
	for i := 0; b.Loop(); i++ {
		c.t = c.t.Add(10 * time.Millisecond)
		if err := Check(b.Context(), m, "slack", fmt.Sprint(c.t.Unix()), fmt.Sprint(i), 5*time.Minute, c.t); err != nil {
			b.Fatal(err)
		}
	}
}
