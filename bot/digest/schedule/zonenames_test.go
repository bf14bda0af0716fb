package schedule

import (
	"archive/zip"
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones as binaries embed them
)

// The generated zone list is Go's zone database: every name loads, and
// it matches the database of the Go that runs the test (after a Go
// upgrade: go generate ./bot/digest/schedule).
func TestZoneNames(t *testing.T) {
	var names []string
	for z := range strings.Lines(zoneNames) {
		z = strings.TrimSuffix(z, "\n")
		if z == "" {
			continue
		}
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("zone %q does not load: %v", z, err)
		}
		if canon, ok := zoneName(strings.ToLower(z)); !ok || canon != z {
			t.Errorf("zoneName(%q) = %q, %v", strings.ToLower(z), canon, ok)
		}
		names = append(names, z)
	}
	if len(names) < 400 || !slices.IsSorted(names) {
		t.Fatalf("%d zone names, sorted %v", len(names), slices.IsSorted(names))
	}
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	r, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(root)), "lib", "time", "zoneinfo.zip"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no zoneinfo.zip in GOROOT")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var want []string
	for _, f := range r.File {
		want = append(want, f.Name)
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("zonenames.go has %d zones, GOROOT's database %d: run go generate ./bot/digest/schedule", len(names), len(want))
	}
}
