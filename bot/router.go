package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// OptionType is the type of a command option (for platforms with typed
// options, like Discord).
type OptionType int

// Option types.
const (
	OptString OptionType = iota
	OptInteger
)

// Option describes one argument of a command. Options are read from the
// text in order; a Rest option takes the remainder of the line.
type Option struct {
	Name        string
	Description string
	Type        OptionType
	Required    bool
	// Rest marks the option that takes the rest of the text (a query).
	Rest bool
	// Keyword is the word that names the option's value in the text
	// grammar ("at" in "subscribe at 09:00"): platforms with typed options
	// (Discord) send the value as "keyword value", so the handler never has
	// to guess an option by the shape of its value. The value is then one
	// word (white space inside it is dropped). Empty: the value stands alone.
	// The command's Usage must show the keyword.
	Keyword string
	// Min and Max bound integer options (both 0: unbounded).
	Min, Max int
}

// CommandSpec declares a subcommand of /papers. Help text and platform
// command registration (Discord) are both generated from these specs.
type CommandSpec struct {
	// Name is the subcommand word ("show"). Lowercase, 1-32 characters.
	Name string
	// Aliases are other words that select this command.
	Aliases []string
	// Usage shows the arguments ("<id|url>").
	Usage string
	// Summary is a one-line description (at most 100 characters: Discord's limit).
	Summary string
	// Examples are full argument lines ("show 2205.13760").
	Examples []string
	Options  []Option
	// Default marks the command run when the first word is not a command name
	// (search).
	Default bool
	// ReadOnly marks a command that changes nothing (search, show,
	// similar, trending): only these run again from a button (a
	// Request with Rerun set).
	ReadOnly bool
	Handler  Handler
}

// Router dispatches a request to the command its first word names.
type Router struct {
	specs []CommandSpec
	byKey map[string]int
	def   int
}

// NewRouter builds a router from specs. It returns an error for duplicate or
// malformed names, so a wrong spec fails at start-up, not in a channel.
func NewRouter(specs []CommandSpec) (*Router, error) {
	r := &Router{specs: specs, byKey: map[string]int{}, def: -1}
	for i, s := range specs {
		if !validName(s.Name) {
			return nil, fmt.Errorf("command %q: name must be 1-32 lowercase letters, digits, - or _", s.Name)
		}
		if len(s.Summary) == 0 || len(s.Summary) > 100 {
			return nil, fmt.Errorf("command %q: summary must be 1-100 characters", s.Name)
		}
		if s.Handler == nil {
			return nil, fmt.Errorf("command %q: no handler", s.Name)
		}
		if err := checkKeywords(s); err != nil {
			return nil, err
		}
		for _, k := range append([]string{s.Name}, s.Aliases...) {
			if _, dup := r.byKey[k]; dup {
				return nil, fmt.Errorf("command %q: %q is already taken", s.Name, k)
			}
			r.byKey[k] = i
		}
		if s.Default {
			if r.def >= 0 {
				return nil, fmt.Errorf("commands %q and %q are both the default", specs[r.def].Name, s.Name)
			}
			r.def = i
		}
	}
	return r, nil
}

// checkKeywords checks a spec's option keywords: words, not on the Rest
// option, each used once and shown in the usage (help text).
func checkKeywords(s CommandSpec) error {
	usage := strings.Fields(strings.NewReplacer("[", " ", "]", " ", "<", " ", ">", " ", "|", " ").Replace(s.Usage))
	seen := map[string]bool{}
	for _, o := range s.Options {
		if o.Keyword == "" {
			continue
		}
		switch {
		case !validName(o.Keyword):
			return fmt.Errorf("command %q, option %q: keyword %q must be 1-32 lowercase letters, digits, - or _", s.Name, o.Name, o.Keyword)
		case o.Rest:
			return fmt.Errorf("command %q, option %q: the rest of the line takes no keyword", s.Name, o.Name)
		case seen[o.Keyword]:
			return fmt.Errorf("command %q, option %q: keyword %q is already taken", s.Name, o.Name, o.Keyword)
		case !slices.Contains(usage, o.Keyword):
			return fmt.Errorf("command %q, option %q: usage %q does not show keyword %q", s.Name, o.Name, s.Usage, o.Keyword)
		}
		seen[o.Keyword] = true
	}
	return nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// firstWord splits text, trimmed, at its first white space: any Unicode
// white space ends a word, not only a space ("show", a no-break space, a
// new line or a tab, then the id is still show). rest is trimmed too; the
// router, ReadOnlyLine and the mistyped-command checks all read the first
// word through it, so they agree on where it ends.
func firstWord(text string) (word, rest string) {
	text = strings.TrimSpace(text)
	i := strings.IndexFunc(text, unicode.IsSpace)
	if i < 0 {
		return text, ""
	}
	return text[:i], strings.TrimSpace(text[i:])
}

// Specs returns the command specs in declaration order.
func (r *Router) Specs() []CommandSpec { return r.specs }

// Handle routes req by its first word; other text goes to the default command.
func (r *Router) Handle(ctx context.Context, req *Request, rw Responder) error {
	// Control characters and bidi overrides are never echoed (into a
	// terminal, a Slack block) nor searched, as ingest strips them from
	// records.
	req.Text = CleanText(req.Text)
	text := strings.TrimSpace(req.Text)
	word, rest := firstWord(text)
	idx, ok := r.byKey[strings.ToLower(word)]
	if !ok {
		if text == "" {
			idx, ok = r.byKey["help"]
		} else if r.def >= 0 {
			idx, ok, rest = r.def, true, text
		}
	}
	if !ok {
		return fault.New(fault.Invalid, "unknown command %q; try `help`", word)
	}
	spec := r.specs[idx]
	if req.Rerun && !spec.ReadOnly {
		return fault.New(fault.Invalid, "that button only runs searches, show, similar and trending again; `%s` was not run", Truncate(text, 60))
	}
	// Set in place, so outer middleware (logging, metrics) sees the command.
	req.Command = spec.Name
	req.Args = strings.TrimSpace(rest)
	return spec.Handler.Handle(ctx, req, rw)
}

// ReadOnlyLine reports whether text runs a command marked ReadOnly, as a
// Router built from specs routes it: a button may run it again.
func ReadOnlyLine(specs []CommandSpec, text string) bool {
	word, _ := firstWord(text)
	word = strings.ToLower(word)
	for _, s := range specs {
		if s.Name == word || slices.Contains(s.Aliases, word) {
			return s.ReadOnly
		}
	}
	for _, s := range specs {
		if s.Default {
			return s.ReadOnly && word != ""
		}
	}
	return false
}

// CleanText removes from what a user typed the characters that must not
// be echoed or searched: control characters other than white space (NUL,
// BEL, ESC…), invalid UTF-8, and the bidirectional embeddings, overrides
// and isolates (U+202A–U+202E, U+2066–U+2069) that make echoed text read
// otherwise than it is, and the invisible characters that pasted text
// carries inside words (a zero-width space from a web page, a soft hyphen
// from a PDF, a word joiner, a byte order mark, U+180E): "diff\u200busion"
// found nothing while its echo read "diffusion". The joiners scripts spell
// with (U+200C, U+200D) stay.
func CleanText(s string) string {
	bad := func(r rune) bool {
		return r == utf8.RuneError || paper.Invisible(r) || unicode.IsControl(r) && !unicode.IsSpace(r) || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
	}
	if utf8.ValidString(s) && !strings.ContainsFunc(s, bad) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if bad(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// Chain wraps h with middleware; the first middleware is the outermost.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
