package index

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// adviseRandom marks MADV_RANDOM the mappings of the segment files named
// in files (base names) under dir, as /proc/self/maps lists them.
func adviseRandom(dir string, files map[string]bool) error {
	return adviseMappings(dir, files, syscall.MADV_RANDOM)
}

// releaseMapped gives back the pages of the mappings of the segment files
// named in files under dir (MADV_DONTNEED). The mappings are read-only views of files: madvise(2)
// says that for shared file mappings the pages are then read again from
// the file on the next access, and the kernel keeps them in its page cache
// meanwhile, so a search touching a released page takes a minor fault and
// sees the same bytes. What falls is the process's resident set (and
// whatever a memory controller charges it for mapped pages).
//
// The caller holds those segments open (a snapshot's reference), so they
// stay mapped until madvise returns: an address range of a segment merged
// away and unmapped meanwhile could be the Go runtime's anonymous memory
// by then, which MADV_DONTNEED would zero.
func releaseMapped(dir string, files map[string]bool) error {
	return adviseMappings(dir, files, syscall.MADV_DONTNEED)
}

// residentMemory is the process's resident memory, in bytes: all of it,
// and the part backed by files (the index's mapped pages, the program's
// text; shared memory too, which paperbot has none of):
// /proc/self/statm's second and third fields, a small file read on every
// search.
func residentMemory() (total, file uint64, err error) {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(statm))
	if len(f) < 3 {
		return 0, 0, fmt.Errorf("/proc/self/statm: unreadable %q", statm)
	}
	resident, err1 := strconv.ParseUint(f[1], 10, 64)
	shared, err2 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("/proc/self/statm: unreadable %q", statm)
	}
	page := uint64(os.Getpagesize())
	return resident * page, shared * page, nil
}

// adviseMappings gives advice to every mapping of a segment file under dir
// whose base name is in files, as /proc/self/maps lists them.
func adviseMappings(dir string, files map[string]bool, advice int) error {
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
		if !ok || !strings.HasPrefix(path, prefix) || !files[filepath.Base(path)] {
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
		_, _, e := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), uintptr(advice))
		switch e {
		case 0:
		case syscall.ENOMEM, syscall.EINVAL:
			// Unmapped since /proc/self/maps was read: nothing to advise.
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
