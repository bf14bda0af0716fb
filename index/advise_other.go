//go:build !linux

package index

// adviseRandom does nothing where there is no /proc/self/maps.
func adviseRandom(string) error { return nil }
