package configs

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/paperbot/paperbot/configs/secret"
)

// envRef is a $NAME or ${NAME} inside a value.
var envRef = regexp.MustCompile(`\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)`)

// checkPaths refuses a path of the file that a shell would have expanded:
// a leading ~ or a $VARIABLE. paperbot takes paths as written, so
// `data_dir: ~/paperbot` made a directory named "~" beside the working
// directory, and the state and index went there without a word.
func (c *Config) checkPaths() error {
	paths := []struct{ key, path string }{{"data_dir", c.DataDir}, {"index", c.Index}, {"state", c.State}}
	for i, f := range c.Src.Files {
		paths = append(paths, struct{ key, path string }{fmt.Sprintf("sources.files[%d]", i), f})
	}
	for _, p := range paths {
		if p.key == "state" && (strings.Contains(p.path, "://") || secret.Indirect(p.path)) {
			continue // a URL, or a reference that state: reads
		}
		if why := unexpanded(p.path); why != "" {
			return fmt.Errorf("%s: %q: %s: write the full path", p.key, p.path, why)
		}
	}
	return nil
}

// unexpanded says why path is not the path a shell would have made of it,
// or "".
func unexpanded(path string) string {
	if strings.HasPrefix(path, "~") {
		return "~ is the shell's shorthand for a home directory, and paperbot takes paths as written"
	}
	if m := envRef.FindString(path); m != "" {
		return m + " is not expanded in a path (only a secret or state: is read from a variable, whole)"
	}
	return ""
}
