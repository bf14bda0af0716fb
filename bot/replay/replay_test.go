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
// window has closed (by then its signature is refused as stale anyway).
func TestMemoryRefusesReplays(t *testing.T) {
	c := &clock{t: time.Unix(1700000000, 0)}
	m := NewMemory(c.now, 10)
	exp := c.t.Add(5 * time.Minute)
	for i, want := range []bool{true, false, false} {
		first, err := m.First(t.Context(), "slack:1700000000:v0=abc", exp)
		if err != nil || first != want {
			t.Fatalf("attempt %d: first=%v err=%v, want %v", i+1, first, err, want)
		}
	}
	if first, _ := m.First(t.Context(), "discord:1700000000:v0=abc", exp); !first {
		t.Error("another platform's key was taken for a replay")
	}
	c.t = exp
	if first, _ := m.First(t.Context(), "slack:1700000000:v0=abc", exp.Add(5*time.Minute)); !first {
		t.Error("a key whose window closed is still remembered")
	}
}

// Memory is bounded: when every remembered request is still fresh, a new
// one is refused (ErrFull), never let through unremembered; as windows
// close, room comes back. Expired keys are dropped.
func TestMemoryBounded(t *testing.T) {
	c := &clock{t: time.Unix(1700000000, 0)}
	m := NewMemory(c.now, 3)
	for i := range 3 {
		if first, err := m.First(t.Context(), fmt.Sprint(i), c.t.Add(time.Duration(i+1)*time.Minute)); !first || err != nil {
			t.Fatalf("key %d: %v %v", i, first, err)
		}
	}
	if _, err := m.First(t.Context(), "3", c.t.Add(5*time.Minute)); !errors.Is(err, ErrFull) {
		t.Fatalf("a fourth fresh key: %v, want ErrFull", err)
	}
	c.t = c.t.Add(90 * time.Second) // key 0 expired
	if first, err := m.First(t.Context(), "3", c.t.Add(5*time.Minute)); !first || err != nil {
		t.Fatalf("after one expired: %v %v", first, err)
	}
	if first, _ := m.First(t.Context(), "1", c.t.Add(5*time.Minute)); first {
		t.Error("key 1 forgotten before its window closed")
	}
	c.t = c.t.Add(time.Hour)
	if _, err := m.First(t.Context(), "4", c.t.Add(time.Minute)); err != nil || m.Len() != 1 {
		t.Errorf("after every window closed: %d remembered, %v", m.Len(), err)
	}
}

// Requests at 100 a second: what remembering one costs, at the default
// bound's steady state (30,000 remembered).
func BenchmarkMemoryFirst(b *testing.B) {
	c := &clock{t: time.Unix(1700000000, 0)}
	m := NewMemory(c.now, 0)
	for i := 0; b.Loop(); i++ {
		c.t = c.t.Add(10 * time.Millisecond)
		if _, err := m.First(b.Context(), fmt.Sprint(i), c.t.Add(5*time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
}
