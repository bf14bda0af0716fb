// Package tmpfs mounts small file systems for tests that need a real full
// disk.
package tmpfs

import (
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of the given size (like "6m") on a new temporary
// directory and returns it, unmounted when the test ends. Where mounting
// is not allowed (it needs root and the mount system call; CI containers
// may refuse it) the test is skipped with a message that says so.
func Mount(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a %s tmpfs to fill (needs root and mount permission): %v", size, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
	return dir
}
