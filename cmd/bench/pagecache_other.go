//go:build !linux

package main

// dropFromPageCache does nothing where posix_fadvise is not reachable.
func dropFromPageCache(string) (int64, error) { return 0, nil }
