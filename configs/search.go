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
	// MappedMemoryMiB is how much of the index's mapped pages (pages of
	// its files that searches touched) the process keeps resident before
	// it gives them back to the kernel's page cache (default 384; 0: no
	// budget). Given back, a page comes back on its next touch from the
	// page cache, a minor fault.
	MappedMemoryMiB *int `yaml:"mapped_memory_mib"`
}

// FastPathOn reports whether the fast path may answer (the default).
func (s SearchConfig) FastPathOn() bool { return s.FastPath == nil || *s.FastPath }

// MappedBudget is the index's budget for mapped index pages in bytes, as
// index.Options.MappedBudget reads it: below 0 for no budget
// (mapped_memory_mib: 0); 0, the index's default, only for a
// SearchConfig that Load did not fill in.
func (s SearchConfig) MappedBudget() int64 {
	switch {
	case s.MappedMemoryMiB == nil:
		return 0
	case *s.MappedMemoryMiB == 0:
		return -1
	}
	return int64(*s.MappedMemoryMiB) << 20
}

// DefaultMappedMemoryMiB is search.mapped_memory_mib's default: the
// index's own default budget (index.DefaultMappedBudget), in MiB.
const DefaultMappedMemoryMiB = 384

// finish checks the section and fills in its defaults, so that `config
// check` prints what runs (fast_path: true, mapped_memory_mib: 384), not
// null.
func (s *SearchConfig) finish() error {
	if m := s.MappedMemoryMiB; m != nil && (*m < 0 || *m > 1<<20) {
		return fmt.Errorf("search.mapped_memory_mib: %d is not a number of MiB from 0 (no budget) to 1048576", *m)
	}
	if s.FastPath == nil {
		on := true
		s.FastPath = &on
	}
	if s.MappedMemoryMiB == nil {
		m := DefaultMappedMemoryMiB
		s.MappedMemoryMiB = &m
	}
	return nil
}
