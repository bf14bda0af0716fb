package sources

import (
	"bytes"
	"fmt"
	"strings"
)

// bom is the UTF-8 byte order mark, which some servers and Windows tools
// put before a text; it is not content.
const bom = "\xef\xbb\xbf"

// htmlPage reports whether body is an HTML page, which a login wall, a
// proxy or an error page serves (often with 200) where a service's JSON or
// Atom was expected, and returns the page's title ("" when it has none).
func htmlPage(body []byte) (title string, ok bool) {
	b := bytes.TrimLeft(bytes.TrimPrefix(body, []byte(bom)), " \t\r\n")
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	if !strings.HasPrefix(head, "<!doctype html") && !strings.HasPrefix(head, "<html") &&
		!(strings.HasPrefix(head, "<") && strings.Contains(head, "<html")) {
		return "", false
	}
	low := strings.ToLower(string(b[:min(len(b), 64<<10)]))
	if i := strings.Index(low, "<title"); i >= 0 {
		if j := strings.IndexByte(low[i:], '>'); j >= 0 {
			start := i + j + 1
			if k := strings.Index(low[start:], "</title"); k >= 0 {
				title = snippet(b[start : start+k])
			}
		}
	}
	return title, true
}

// htmlError says that an answer is an HTML page rather than what was
// expected (want: "JSON", "an Atom feed").
func htmlError(title, want string) error {
	what := "an HTML page"
	if title != "" {
		what += fmt.Sprintf(" titled %q", title)
	}
	return fmt.Errorf("%s, not %s: a login, proxy or error page answered in the service's place", what, want)
}
