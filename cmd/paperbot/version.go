package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// The version and commit the build was given by the linker (the
// Dockerfile and README's build command set them):
//
//	go build -ldflags "-X main.buildVersion=$(git describe --tags --always --dirty) -X main.buildRevision=$(git rev-parse HEAD)" ./cmd/paperbot
//
// They are set at link time and never changed. Without them, the version
// and commit come from what go build recorded (debug.ReadBuildInfo: the
// module version, and the vcs.* settings when it built from a git
// checkout without -buildvcs=false).
var (
	buildVersion  string
	buildRevision string
)

// stamp is what the linker was given.
type stamp struct{ version, revision string }

func linked() stamp { return stamp{version: buildVersion, revision: buildRevision} }

// buildFacts is what `paperbot version` says about the binary.
type buildFacts struct {
	version, revision, at, goVersion string
	modified                         bool
}

// describeBuild prefers the linker's stamp, then the build info's module
// version and VCS settings; "(devel)" when neither says.
func describeBuild(ld stamp, bi *debug.BuildInfo) buildFacts {
	f := buildFacts{version: "(devel)", goVersion: runtime.Version()}
	if bi != nil {
		if v := bi.Main.Version; v != "" {
			f.version = v
		}
		if bi.GoVersion != "" {
			f.goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				f.revision = s.Value
			case "vcs.time":
				f.at = s.Value
			case "vcs.modified":
				f.modified = s.Value == "true"
			}
		}
	}
	if v := strings.TrimSpace(ld.version); v != "" {
		f.version = v
	}
	if r := strings.TrimSpace(ld.revision); r != "" && r != f.revision {
		// The time and the state of the work tree were recorded for
		// another commit, if at all.
		f.revision, f.at, f.modified = r, "", false
	}
	return f
}

// version is the version paperbot was built as ("(devel)" when the build
// does not say): the User-Agent and the first line of `paperbot version`.
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(linked(), bi).version
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
	writeVersion(e.stdout, linked(), bi)
	return nil
}

// writeVersion prints what a bug report needs: the version, the commit the
// binary was built from (when the linker was told it, or go build stamped
// it; "with uncommitted changes" when the work tree had some), and the Go
// toolchain and platform. bi may be nil (a binary built without module
// support).
func writeVersion(w io.Writer, ld stamp, bi *debug.BuildInfo) {
	f := describeBuild(ld, bi)
	fmt.Fprintln(w, "paperbot", f.version)
	if f.revision != "" {
		line := []string{"revision " + f.revision}
		if f.at != "" {
			line = append(line, f.at)
		}
		if f.modified {
			line = append(line, "with uncommitted changes")
		}
		fmt.Fprintln(w, strings.Join(line, ", "))
	}
	fmt.Fprintf(w, "%s %s/%s\n", f.goVersion, runtime.GOOS, runtime.GOARCH)
}
