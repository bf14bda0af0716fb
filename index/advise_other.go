//go:build !linux

package index

// adviseRandom does nothing where there is no /proc/self/maps.
func adviseRandom(string, map[string]bool) error { return nil }

// releaseMapped does nothing where there is no /proc/self/maps.
func releaseMapped(string, map[string]bool) error { return nil }

// residentMemory is unknown where there is no /proc/self/statm: 0, so
// nothing is ever released.
func residentMemory() (total, file uint64, err error) { return 0, 0, nil }
