package index

import "hash/maphash"

// idSet is a set of paper ids held as 64-bit hashes in an open-addressing
// table: 8 bytes a slot, at most three quarters full. A Writer remembers
// every id of its run in one; at 3M ids it holds 32 MiB (48 MiB while it
// grows), where a map[string]struct{} of the ids held 152 MiB and a
// map[uint64]struct{} of the hashes 72 MiB (measured with
// runtime.MemStats, ids like 2401.01234).
//
// Two ids may share a hash: has may say yes for an id never added, one
// time in 2^64 / n (n ids held: about once in six trillion lookups at
// 3M). A Writer only uses a yes to look the paper up in the index (which
// then does not hold it) and to count a repeated paper.
type idSet struct {
	seed  maphash.Seed
	slots []uint64 // hash|1 (0 is an empty slot), placed by its other bits
	n     int
}

func newIDSet() *idSet { return &idSet{seed: maphash.MakeSeed(), slots: make([]uint64, 64)} }

// add adds id, reporting whether it (or an id of the same hash) was
// already there.
func (s *idSet) add(id string) bool {
	h := maphash.String(s.seed, id) | 1
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	i := (h >> 1) & mask
	for s.slots[i] != 0 {
		if s.slots[i] == h {
			return true
		}
		i = (i + 1) & mask
	}
	s.slots[i] = h
	s.n++
	return false
}

// has reports whether id (or an id of the same hash) was added.
func (s *idSet) has(id string) bool {
	h := maphash.String(s.seed, id) | 1
	mask := uint64(len(s.slots) - 1)
	for i := (h >> 1) & mask; s.slots[i] != 0; i = (i + 1) & mask {
		if s.slots[i] == h {
			return true
		}
	}
	return false
}

func (s *idSet) grow() {
	slots := make([]uint64, 2*len(s.slots))
	mask := uint64(len(slots) - 1)
	for _, h := range s.slots {
		if h == 0 {
			continue
		}
		i := (h >> 1) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = h
	}
	s.slots = slots
}
