package bot

import (
	"strings"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
)

// Kind tells adapters what a message is, so they can style it (an error in
// red, a digest paper with a thread) without parsing it.
type Kind string

// Message kinds.
const (
	KindResults      Kind = "results"
	KindPaper        Kind = "paper"
	KindHelp         Kind = "help"
	KindNotice       Kind = "notice"
	KindError        Kind = "error"
	KindDigestHeader Kind = "digest_header"
	KindDigestPaper  Kind = "digest_paper"
	KindThreadIntro  Kind = "thread_intro"
)

// Span is a run of text; Match marks words that matched the query.
type Span = paper.Span

// Message is a neutral card. Adapters render it natively (Block Kit, Discord
// embeds, plain text) and split it by their own limits; the core never
// formats for one platform. All text in a Message is plain, unescaped text:
// escaping is the adapter's job.
type Message struct {
	Kind Kind
	// Text is the fallback text (notifications, screen readers). Always set.
	Text string
	// Title is the card's heading ("" for none).
	Title string
	// Intro is a line under the title ("Did you mean: tranception?").
	Intro string
	// Sections holds one entry per paper (or per help topic).
	Sections []Section
	// Footer is a small line at the end ("5 of 120 · sorted by relevance").
	Footer string
	// Ephemeral asks for a reply only the requester sees (where supported).
	Ephemeral bool
}

// Section is one paper (or one block of text) in a Message.
type Section struct {
	// PaperID is the paper shown, if any (adapters use it for buttons).
	PaperID string
	Title   string
	URL     string
	// Summary is the paper's abstract or snippet, with matched words marked.
	Summary []Span
	Fields  []Field
	Links   []Link
}

// Field is a labelled value ("Authors", "Published").
type Field struct {
	Name  string
	Value string
	// Inline fields may be laid out side by side.
	Inline bool
}

// Link is a labelled URL, and what follows it in parentheses: Note, ended
// by At when At is set. At is shown in each reader's own time zone where
// the platform can (Slack's date tokens, Discord's timestamps), in UTC
// elsewhere (Text): "Discussed in #ml-papers (12 replies; last reply Wed
// 2 Dec 2026 15:04 UTC)".
type Link struct {
	Label string
	URL   string
	Note  string
	At    time.Time
}

// UTCLayout is how a time is written where it cannot be shown in the
// reader's own time zone.
const UTCLayout = "Mon 2 Jan 2006 15:04 UTC"

// NoteText is the link's note as plain text, its time in UTC.
func (l Link) NoteText() string {
	if l.At.IsZero() {
		return l.Note
	}
	return strings.TrimSpace(l.Note + " " + l.At.UTC().Format(UTCLayout))
}

// Text is the link's label and note as plain text.
func (l Link) Text() string {
	if n := l.NoteText(); n != "" {
		return l.Label + " (" + n + ")"
	}
	return l.Label
}

// Plain wraps plain text as an unhighlighted summary.
func Plain(s string) []Span {
	if s == "" {
		return nil
	}
	return []Span{{Text: s}}
}

// Literal makes text from outside (a paper's title, a user's query) safe
// to quote in a sentence of the core's (a Message's Title, Intro, Text or
// Footer), where `code spans` mark commands: its backticks become ˋ
// (U+02CB), which looks the same and is markup on no platform. Sections
// carry outside text as it is: adapters escape all of it.
func Literal(s string) string { return strings.ReplaceAll(s, "`", "ˋ") }

// Notice is a short ephemeral message whose text is s.
func Notice(s string) Message {
	return Message{Kind: KindNotice, Text: s, Intro: s, Ephemeral: true}
}

// PlainText renders a message as plain text, the way the console and
// fallback texts show it. Matched words are wrapped by mark (e.g. "*").
func (m Message) PlainText(mark string) string {
	var b strings.Builder
	line := func(s string) {
		if s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	line(m.Title)
	line(m.Intro)
	for i, s := range m.Sections {
		if i > 0 || m.Title != "" || m.Intro != "" {
			b.WriteByte('\n')
		}
		title := s.Title
		if s.URL != "" && title != "" {
			title += "  <" + s.URL + ">"
		}
		line(title)
		for _, f := range s.Fields {
			line(f.Name + ": " + f.Value)
		}
		if len(s.Summary) > 0 {
			var sb strings.Builder
			for _, sp := range s.Summary {
				if sp.Match && mark != "" {
					sb.WriteString(mark + sp.Text + mark)
				} else {
					sb.WriteString(sp.Text)
				}
			}
			line(sb.String())
		}
		if len(s.Links) > 0 {
			parts := make([]string, len(s.Links))
			for i, l := range s.Links {
				parts[i] = l.Text() + ": " + l.URL
			}
			line(strings.Join(parts, "\n"))
		}
	}
	if m.Footer != "" {
		if len(m.Sections) > 0 {
			b.WriteByte('\n')
		}
		line(m.Footer)
	}
	if b.Len() == 0 {
		return m.Text + "\n"
	}
	return b.String()
}
