package index

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// adviseRandom marks MADV_RANDOM every mapping of a segment file (*.zap)
// under dir, as /proc/self/maps lists them.
func adviseRandom(dir string) error {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return err
	}
	prefix := strings.TrimSuffix(dir, "/") + "/"
	sc := bufio.NewScanner(bytes.NewReader(maps))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		// 7f2c1a000000-7f2c1a400000 r--s 00000000 fd:01 1234    /path/to/store/00000000001a.zap
		rng, path, ok := mapsLine(sc.Text())
		if !ok || !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, ".zap") {
			continue
		}
		lo, hi, ok := strings.Cut(rng, "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			return fmt.Errorf("/proc/self/maps: unreadable range %q", rng)
		}
		_, _, e := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_RANDOM)
		switch e {
		case 0:
		case syscall.ENOMEM, syscall.EINVAL:
			// Unmapped since /proc/self/maps was read (a segment merged
			// away): nothing to advise.
		default:
			return fmt.Errorf("madvise %s: %w", path, e)
		}
	}
	return sc.Err()
}

// mapsLine splits a /proc/self/maps line into its address range and its
// path name (which may hold spaces; empty for anonymous mappings).
func mapsLine(line string) (rng, path string, ok bool) {
	rest := line
	for i := range 5 {
		rest = strings.TrimLeft(rest, " ")
		field, after, found := strings.Cut(rest, " ")
		if !found {
			return "", "", false
		}
		if i == 0 {
			rng = field
		}
		rest = after
	}
	return rng, strings.TrimLeft(rest, " "), true
}
