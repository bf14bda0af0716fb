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
	for sc.Scan() {
		// 7f2c1a000000-7f2c1a400000 r--s 00000000 fd:01 1234  /path/to/store/00000000001a.zap
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			continue
		}
		path := strings.Join(f[5:], " ")
		if !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, ".zap") {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			return fmt.Errorf("/proc/self/maps: unreadable range %q", f[0])
		}
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_RANDOM); e != 0 {
			return fmt.Errorf("madvise %s: %w", path, e)
		}
	}
	return sc.Err()
}
