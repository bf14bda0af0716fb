package configs

import "fmt"

// SearchConfig tunes how the index answers queries.
type SearchConfig struct {
	// FastPath lets the common query shapes (free words, one phrase, a
	// category or author listing, similar papers) be answered directly on
	// the index's segments, with the same results as Bleve's own searchers
	// and faster (default true). false sends every query to Bleve's
	// searchers: a switch for when the fast path is suspected of a fault.
	FastPath *bool `yaml:"fast_path"`
	// MemoryMiB is the server's resident memory (its own and the index
	// pages searches touched, which stay mapped) above which the index
	// gives those pages back to the kernel's page cache (default 768;
	// 0: no budget). Given back, a page comes back on its next touch
	// from the page cache, a minor fault.
	MemoryMiB *int `yaml:"memory_mib"`
	// MappedMemoryMiB is a budget for the index's mapped pages alone:
	// past it they go back too (default 0: none but memory_mib's).
	MappedMemoryMiB *int `yaml:"mapped_memory_mib"`
}

// FastPathOn reports whether the fast path may answer (the default).
func (s SearchConfig) FastPathOn() bool { return s.FastPath == nil || *s.FastPath }

// MappedBudget is the index's budget for mapped index pages in bytes, as
// index.Options.MappedBudget reads it: below 0 for none
// (mapped_memory_mib: 0, the default).
func (s SearchConfig) MappedBudget() int64 { return budgetBytes(s.MappedMemoryMiB) }

// ResidentBudget is the server's resident memory budget in bytes, as
// index.Options.ResidentBudget reads it: below 0 for none (memory_mib:
// 0); 0, the index's default, only for a SearchConfig that Load did not
// fill in.
func (s SearchConfig) ResidentBudget() int64 { return budgetBytes(s.MemoryMiB) }

func budgetBytes(mib *int) int64 {
	switch {
	case mib == nil:
		return 0
	case *mib == 0:
		return -1
	}
	return int64(*mib) << 20
}

// DefaultMemoryMiB is search.memory_mib's default: the index's own
// default budget (index.DefaultResidentBudget), in MiB.
const DefaultMemoryMiB = 768

// finish checks the section and fills in its defaults, so that `config
// check` prints what runs (fast_path: true, memory_mib: 768,
// mapped_memory_mib: 0), not null.
func (s *SearchConfig) finish() error {
	for _, b := range []struct {
		key string
		mib *int
	}{{"memory_mib", s.MemoryMiB}, {"mapped_memory_mib", s.MappedMemoryMiB}} {
		if m := b.mib; m != nil && (*m < 0 || *m > 1<<20) {
			return fmt.Errorf("search.%s: %d is not a number of MiB from 0 (no budget) to 1048576", b.key, *m)
		}
	}
	if s.FastPath == nil {
		on := true
		s.FastPath = &on
	}
	if s.MemoryMiB == nil {
		m := DefaultMemoryMiB
		s.MemoryMiB = &m
	}
	if s.MappedMemoryMiB == nil {
		m := 0
		s.MappedMemoryMiB = &m
	}
	return nil
}
