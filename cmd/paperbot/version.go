package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is the module version paperbot was built as ("(devel)" when the
// build does not say): the User-Agent and the first line of `paperbot
// version`.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// runVersion is `paperbot version` (and `paperbot --version`).
func runVersion(e *env, args []string) error {
	fs := newFlags(e, "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	bi, _ := debug.ReadBuildInfo()
	writeVersion(e.stdout, bi)
	return nil
}

// writeVersion prints what a bug report needs: the version, the commit the
// binary was built from (go build stamps it when it builds from a git
// checkout; "modified" when the work tree had uncommitted changes), and
// the Go toolchain and platform. bi may be nil (a binary built without
// module support).
func writeVersion(w io.Writer, bi *debug.BuildInfo) {
	v, goVersion := "(devel)", runtime.Version()
	var rev, at string
	var modified bool
	if bi != nil {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	fmt.Fprintln(w, "paperbot", v)
	if rev != "" {
		line := []string{"revision " + rev}
		if at != "" {
			line = append(line, at)
		}
		if modified {
			line = append(line, "with uncommitted changes")
		}
		fmt.Fprintln(w, strings.Join(line, ", "))
	}
	fmt.Fprintf(w, "%s %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
}
