package index

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

// A data directory on a read-only file system, or one paperbot may not
// write, is said to be so: not an index of an incompatible paperbot.
func TestOpenAdvice(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: "root.bolt", Err: syscall.EROFS}, "read-only"},
		{&fs.PathError{Op: "open", Path: "root.bolt", Err: syscall.EACCES}, "permissions"},
		{errors.New("error parsing mapping JSON"), "incompatible paperbot"},
	} {
		if got := openAdvice(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("openAdvice(%v) = %q, want it to mention %q", tt.err, got, tt.want)
		}
	}
}
