//go:build !linux

package index

// adviseRandom does nothing where there is no /proc/self/maps.
func adviseRandom(string, map[string]bool) error { return nil }

// releaseMapped does nothing where there is no /proc/self/maps.
func releaseMapped(string, map[string]bool) error { return nil }

// mappedFileRSS is unknown where there is no /proc/self/status: 0, so
// nothing is ever released.
func mappedFileRSS() (uint64, error) { return 0, nil }
