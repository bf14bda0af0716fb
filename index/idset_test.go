package index

import (
	"fmt"
	"testing"
)

// The set holds every id added, through its growth, and says no to ids it
// never held (a 64-bit hash in common would take 2^64 / n tries).
func TestIDSet(t *testing.T) {
	s := newIDSet()
	const n = 100_000
	for i := range n {
		if s.add(fmt.Sprintf("2401.%05d", i)) {
			t.Fatalf("2401.%05d: added before it was", i)
		}
	}
	for i := range n {
		id := fmt.Sprintf("2401.%05d", i)
		if !s.has(id) || !s.add(id) {
			t.Fatalf("%s: not held after %d ids", id, n)
		}
		if other := fmt.Sprintf("2402.%05d", i); s.has(other) {
			t.Fatalf("%s: held, never added", other)
		}
	}
	if s.n != n || len(s.slots) < n*4/3 {
		t.Errorf("%d ids in %d slots, want %d in at least %d", s.n, len(s.slots), n, n*4/3)
	}
}
