// Package console is the stdin/stdout adapter: a chat in the terminal, the
// default when no platform is configured. It reads one command per line
// ("/papers diffusion", "papers diffusion", or just "diffusion") and prints
// the replies as text; posts and threads (the digest) print too.
package console

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/paperbot/paperbot/bot"
)

// Options tune the console.
type Options struct {
	// Command is the slash command's name without "/" (default "papers").
	Command string
	// Prompt, when set, is printed before each command (interactive use).
	Prompt string
	// Color highlights matched words with ANSI bold (for terminals).
	Color bool
	// User names the person at the keyboard (default "you").
	User string
	// Reactions, when set, receives /react and /unreact (react.go).
	Reactions bot.ReactionSink
	// RunID prefixes the ids of the messages this chat posts (default: a
	// random one for each New). The state remembers message ids from
	// earlier runs, so "1" of this run must not be "1" of the last: the
	// chat shows and takes the short number ("message 1", /react 1), and
	// the id stored is "<run>.1".
	RunID string
}

// Adapter is the console adapter.
type Adapter struct {
	in   io.Reader
	opts Options

	mu  sync.Mutex // serialises output
	out io.Writer
	seq int
}

var (
	_ bot.Adapter  = (*Adapter)(nil)
	_ bot.Threader = (*Adapter)(nil)
)

// New returns a console reading commands from in and writing to out.
func New(in io.Reader, out io.Writer, opts Options) *Adapter {
	opts.Command = strings.ToLower(strings.TrimPrefix(opts.Command, "/"))
	if opts.Command == "" {
		opts.Command = "papers"
	}
	if opts.User == "" {
		opts.User = "you"
	}
	if opts.RunID == "" {
		opts.RunID = newRunID()
	}
	return &Adapter{in: in, out: out, opts: opts}
}

// newRunID is a run's random id: 48 bits, so two runs' ids do not meet.
func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return "r" + hex.EncodeToString(b[:])
}

// messageID is the id of this run's message number n.
func (a *Adapter) messageID(n int) string { return a.opts.RunID + "." + strconv.Itoa(n) }

// shortID is the number a message id of this run shows as ("message 3"),
// or the id as it is.
func (a *Adapter) shortID(id string) string { return strings.TrimPrefix(id, a.opts.RunID+".") }

// Platform is "console".
func (a *Adapter) Platform() string { return "console" }

// Channel is the console's only channel.
const Channel = "console"

// MaxLine is the longest command line the console reads (1 MiB). A longer
// line is skipped with a note, and the chat goes on.
const MaxLine = 1 << 20

// line is one line of input, or the length of one too long to keep.
type line struct {
	text    string
	tooLong int
}

// Run reads commands until the input ends (nil) or ctx is done (nil, once
// the command in progress has replied: handlers run with
// context.WithoutCancel, bounded by the core's timeout).
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	lines := make(chan line)
	readErr := make(chan error, 1)
	// The reader stops with Run (a /quit leaves it a line to hand over);
	// one blocked reading the input stops when the input ends.
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(lines)
		readErr <- readLines(rctx, a.in, lines)
	}()
	a.prompt()
	for {
		select {
		case <-ctx.Done():
			return nil
		case l, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil {
					return fmt.Errorf("console: reading commands: %w", err)
				}
				return nil
			}
			if l.tooLong > 0 {
				a.write(fmt.Sprintf("That line was too long (%d bytes; at most %d): it was skipped.\n", l.tooLong, MaxLine))
			} else if quit := a.handleLine(ctx, h, l.text); quit || ctx.Err() != nil {
				return nil
			}
			a.prompt()
		}
	}
}

// readLines sends each line of in to lines until the input ends (nil) or
// ctx is done; of a line over MaxLine only its length is kept.
func readLines(ctx context.Context, in io.Reader, lines chan<- line) error {
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		var buf []byte
		n := 0 // the line's bytes, its newline left out
		var err error
		for {
			var frag []byte
			frag, err = r.ReadSlice('\n')
			frag = bytes.TrimSuffix(frag, []byte("\n"))
			n += len(frag)
			if n <= MaxLine {
				buf = append(buf, frag...)
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if n > 0 {
			l := line{text: strings.TrimSuffix(string(buf), "\r")}
			if n > MaxLine {
				l = line{tooLong: n}
			}
			select {
			case lines <- l:
			case <-ctx.Done():
				return nil
			}
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

func (a *Adapter) prompt() {
	if a.opts.Prompt != "" {
		a.write(a.opts.Prompt)
	}
}

// handleLine runs one line; it reports whether the user asked to quit.
func (a *Adapter) handleLine(ctx context.Context, h bot.Handler, line string) bool {
	line = strings.TrimSpace(line)
	if line == "" {
		return false
	}
	text := line
	switch strings.ToLower(line) {
	case "quit", "exit":
		// What a terminal's user types to leave, slash or not: not a
		// search for the word.
		return true
	}
	if word, rest := firstWord(line); !strings.HasPrefix(line, "/") && strings.ToLower(word) == a.opts.Command {
		// "papers help" is "/papers help": the command typed without its
		// slash (the way it reads in chat) is not a search for its name.
		text = rest
	} else if strings.HasPrefix(line, "/") {
		word, rest := firstWord(line[1:])
		switch strings.ToLower(word) {
		case a.opts.Command:
			text = rest
		case "quit", "exit", "q":
			return true
		case "help":
			text = "help"
		case "react", "unreact":
			a.react(ctx, rest, strings.ToLower(word) == "unreact")
			return false
		default:
			a.write(fmt.Sprintf("Unknown command /%s. Commands start with /%s; try /%s help.\n", word, a.opts.Command, a.opts.Command))
			return false
		}
	}
	req := &bot.Request{
		Platform: "console", Channel: Channel, ChannelName: "console",
		User: a.opts.User, UserName: a.opts.User, Text: strings.TrimSpace(text),
	}
	rw := bot.ResponderFunc(func(_ context.Context, m bot.Message) error {
		a.write(a.render(m))
		return nil
	})
	// The core replies with the error itself; the console has nothing to
	// add. A shutdown does not cut the reply in progress.
	_ = h.Handle(context.WithoutCancel(ctx), req, rw)
	if req.Text == "help" && a.opts.Reactions != nil {
		a.write("In this console: " + ReactUsage + "\n")
	}
	return false
}

// firstWord splits s at its first white space.
func firstWord(s string) (word, rest string) {
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// Post prints a message as if posted to a channel.
func (a *Adapter) Post(_ context.Context, to bot.Destination, m bot.Message, opts bot.PostOptions) (bot.MessageRef, error) {
	a.mu.Lock()
	a.seq++
	n := a.seq
	a.mu.Unlock()
	id := a.messageID(n)
	where := to.Channel
	if where == "" {
		where = Channel
	}
	a.write(fmt.Sprintf("── #%s (message %d) ──\n%s", where, n, a.render(m)))
	return bot.MessageRef{Platform: "console", Team: to.Team, Channel: to.Channel, ID: id}, nil
}

// StartThread prints a thread's first message, indented under its parent.
func (a *Adapter) StartThread(_ context.Context, parent bot.MessageRef, title string, m bot.Message, opts bot.PostOptions) (bot.ThreadRef, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "   ↳ thread %q on message %s\n", title, a.shortID(parent.ID))
	for _, l := range strings.Split(strings.TrimRight(a.render(m), "\n"), "\n") {
		b.WriteString("     " + l + "\n")
	}
	a.write(b.String())
	return bot.ThreadRef{ID: parent.ID, Channel: parent.Channel}, nil
}

func (a *Adapter) write(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	io.WriteString(a.out, s)
}

// render turns a message into terminal text.
func (a *Adapter) render(m bot.Message) string {
	var b strings.Builder
	line := func(s string) {
		if s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	bold := func(s string) string {
		if a.opts.Color {
			return "\x1b[1m" + s + "\x1b[0m"
		}
		return s
	}
	line(bold(m.Title))
	line(m.Intro)
	for i, s := range m.Sections {
		if b.Len() > 0 {
			b.WriteByte('\n') // a blank line between sections, none at the top
		}
		title := s.Title
		if m.Kind == bot.KindResults {
			title = fmt.Sprintf("%d. %s", i+1, title)
		}
		line(bold(title))
		if s.PaperID != "" && m.Kind != bot.KindHelp {
			line("   id: " + s.PaperID)
		}
		summary := func() {
			if len(s.Summary) == 0 {
				return
			}
			var sb strings.Builder
			for _, sp := range s.Summary {
				if sp.Match {
					sb.WriteString(bold(sp.Text))
				} else {
					sb.WriteString(sp.Text)
				}
			}
			line("   " + sb.String())
		}
		if m.Kind == bot.KindHelp {
			summary() // what a command does, then its examples
		}
		for _, f := range s.Fields {
			line(fmt.Sprintf("   %s: %s", f.Name, strings.ReplaceAll(f.Value, "\n", "\n   ")))
		}
		if m.Kind != bot.KindHelp {
			summary() // a paper's metadata, then its abstract
		}
		for _, l := range s.Links {
			line(fmt.Sprintf("   %s: %s", l.Text(), l.URL))
		}
	}
	if m.Footer != "" {
		if len(m.Sections) > 0 {
			b.WriteByte('\n')
		}
		line(m.Footer)
	}
	if b.Len() == 0 {
		line(m.Text)
	}
	return b.String()
}
