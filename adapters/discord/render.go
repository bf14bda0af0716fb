package discord

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/paperbot/paperbot/bot"
)

// Discord's message limits, in characters (Unicode code points).
const (
	maxContent     = 2000
	maxEmbeds      = 10
	maxEmbedsTotal = 6000
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxCustomID    = 100
	maxButtonLabel = 80
)

// Message flags.
const (
	flagSuppressEmbeds = 1 << 2
	flagEphemeral      = 1 << 6
)

// Colours by message kind.
var kindColor = map[bot.Kind]int{
	bot.KindResults:      0x5865F2, // blurple
	bot.KindPaper:        0x5865F2,
	bot.KindHelp:         0x99AAB5, // grey
	bot.KindNotice:       0x99AAB5,
	bot.KindError:        0xED4245, // red
	bot.KindDigestHeader: 0xFEE75C, // yellow
	bot.KindDigestPaper:  0xB31B1B, // arXiv red
	bot.KindThreadIntro:  0x57F287, // green
}

// payload is one message as Discord's API takes it (create, edit, follow-up).
type payload struct {
	Content    string                    `json:"content,omitempty"`
	Embeds     []*discordgo.MessageEmbed `json:"embeds,omitempty"`
	Components []actionRow               `json:"components,omitempty"`
	// AllowedMentions is always {"parse": []}: text from outside (a paper
	// titled "@everyone") pings no one.
	AllowedMentions allowedMentions `json:"allowed_mentions"`
	Flags           int             `json:"flags,omitempty"`
	// Nonce with EnforceNonce makes a channel post idempotent: Discord
	// returns the message already created with the same nonce (in the last
	// few minutes) instead of creating another.
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

type allowedMentions struct {
	Parse []string `json:"parse"`
}

func noMentions() allowedMentions { return allowedMentions{Parse: []string{}} }

type actionRow struct {
	Type       int      `json:"type"` // 1
	Components []button `json:"components"`
}

type button struct {
	Type     int    `json:"type"` // 2
	Style    int    `json:"style"`
	Label    string `json:"label"`
	CustomID string `json:"custom_id,omitempty"`
	URL      string `json:"url,omitempty"`
}

// buttonPrefix starts the custom_id of this adapter's buttons; the rest is a
// command line for the core ("similar 2205.13760").
const buttonPrefix = "pb:"

// render turns a neutral message into one or more Discord messages, each
// within every limit. Text from the message is escaped; nothing is cut that
// can be split instead.
func render(m bot.Message) []payload {
	color := kindColor[m.Kind]
	var content []string
	var embeds []*discordgo.MessageEmbed

	switch m.Kind {
	case bot.KindHelp, bot.KindError, bot.KindNotice:
		// One card: the title, the text, the sections as fields.
		e := &discordgo.MessageEmbed{Title: cut(escape(m.Title), maxTitle), Color: color}
		desc := m.Intro
		if desc == "" && len(m.Sections) == 0 {
			desc = m.Text
		}
		var fields []*discordgo.MessageEmbedField
		for _, s := range m.Sections {
			var v []string
			if t := spansText(s.Summary); t != "" {
				v = append(v, t)
			}
			for _, f := range s.Fields {
				v = append(v, "**"+escape(f.Name)+"**\n"+codeLines(f.Value))
			}
			v = append(v, linkValues(s.Links)...)
			fields = append(fields, splitField(escape(s.Title), strings.Join(v, "\n"), false)...)
		}
		embeds = append(embeds, fitEmbed(e, escape(desc), fields)...)
	default:
		if m.Title != "" {
			content = append(content, "**"+escape(m.Title)+"**")
		}
		if m.Intro != "" {
			content = append(content, escape(m.Intro))
		}
		for i, s := range m.Sections {
			title := escapeData(s.Title)
			if m.Kind == bot.KindResults && len(m.Sections) > 1 {
				title = strconv.Itoa(i+1) + ". " + title
			}
			e := &discordgo.MessageEmbed{Title: cut(title, maxTitle), URL: safeURL(s.URL), Color: color}
			var fields []*discordgo.MessageEmbedField
			for _, f := range s.Fields {
				fields = append(fields, splitField(escapeData(f.Name), escapeData(f.Value), f.Inline)...)
			}
			for i, l := range linkValues(s.Links) {
				name := "Links"
				if i > 0 {
					name = "Links (cont.)"
				} else if id := s.PaperID; id != "" && len(id) <= 64 && runes(l)+runes(id)+5 <= maxFieldValue {
					// The id is what show, similar and save take; a link
					// hides it in its URL.
					l = "`" + strings.ReplaceAll(id, "`", "") + "` · " + l
				}
				fields = append(fields, &discordgo.MessageEmbedField{Name: name, Value: l})
			}
			embeds = append(embeds, fitEmbed(e, spansText(s.Summary), fields)...)
		}
	}

	if m.Footer != "" {
		if len(embeds) > 0 {
			last := embeds[len(embeds)-1]
			f := cut(m.Footer, maxFooter) // footers show no markdown
			if embedSize(last)+runes(f) > maxEmbedsTotal {
				last = &discordgo.MessageEmbed{Color: color}
				embeds = append(embeds, last)
			}
			last.Footer = &discordgo.MessageEmbedFooter{Text: f}
		} else {
			content = append(content, "-# "+escape(m.Footer))
		}
	}
	if len(content) == 0 && len(embeds) == 0 {
		text := m.Text
		if text == "" {
			text = "(no answer)"
		}
		content = append(content, escape(text))
	}

	out := pack(splitText(strings.Join(content, "\n"), maxContent), embeds)
	if rows := buttons(m); len(rows) > 0 {
		out[len(out)-1].Components = rows
	}
	if m.Ephemeral {
		for i := range out {
			out[i].Flags |= flagEphemeral
		}
	}
	return out
}

// buttons offers "Similar papers" under a single paper.
func buttons(m bot.Message) []actionRow {
	if (m.Kind != bot.KindPaper && m.Kind != bot.KindDigestPaper) || len(m.Sections) != 1 {
		return nil
	}
	id := m.Sections[0].PaperID
	cid := buttonPrefix + "similar " + id
	if id == "" || len(cid) > maxCustomID {
		return nil
	}
	return []actionRow{{Type: 1, Components: []button{{Type: 2, Style: 2, Label: "Similar papers", CustomID: cid}}}}
}

// pack distributes content chunks and embeds over messages: at most 10
// embeds and 6000 embed characters a message.
func pack(content []string, embeds []*discordgo.MessageEmbed) []payload {
	var out []payload
	for _, c := range content {
		out = append(out, payload{Content: c, AllowedMentions: noMentions()})
	}
	if len(out) == 0 {
		out = append(out, payload{AllowedMentions: noMentions()})
	}
	cur := &out[len(out)-1]
	total := 0
	for _, e := range embeds {
		n := embedSize(e)
		if len(cur.Embeds) > 0 && (len(cur.Embeds) == maxEmbeds || total+n > maxEmbedsTotal) {
			out = append(out, payload{AllowedMentions: noMentions()})
			cur = &out[len(out)-1]
			total = 0
		}
		cur.Embeds = append(cur.Embeds, e)
		total += n
	}
	return out
}

// fitEmbed fills e with a description and fields, spilling into further
// embeds (same colour, no title) whatever does not fit in one: the
// description beyond 4096, fields beyond 25 or beyond 6000 characters.
func fitEmbed(e *discordgo.MessageEmbed, desc string, fields []*discordgo.MessageEmbedField) []*discordgo.MessageEmbed {
	out := []*discordgo.MessageEmbed{e}
	room := maxEmbedsTotal - runes(e.Title)
	parts := splitText(desc, min(maxDescription, room))
	if len(parts) > 0 {
		e.Description = parts[0]
		for _, p := range parts[1:] {
			out = append(out, &discordgo.MessageEmbed{Description: p, Color: e.Color})
		}
	}
	cur := out[len(out)-1]
	size := embedSize(cur)
	for _, f := range fields {
		n := runes(f.Name) + runes(f.Value)
		if len(cur.Fields) == maxFields || size+n > maxEmbedsTotal {
			cur = &discordgo.MessageEmbed{Color: e.Color}
			out = append(out, cur)
			size = 0
		}
		cur.Fields = append(cur.Fields, f)
		size += n
	}
	return out
}

// splitField makes one field, or several when the value is over 1024.
func splitField(name, value string, inline bool) []*discordgo.MessageEmbedField {
	name = cut(name, maxFieldName-len(" (cont.)"))
	if name == "" {
		name = "\u200b"
	}
	if value == "" {
		value = "\u200b"
	}
	var out []*discordgo.MessageEmbedField
	for i, v := range splitText(value, maxFieldValue) {
		n := name
		if i > 0 {
			n += " (cont.)"
		}
		out = append(out, &discordgo.MessageEmbedField{Name: n, Value: v, Inline: inline})
	}
	return out
}

// embedSize counts the characters Discord counts toward the 6000 limit.
func embedSize(e *discordgo.MessageEmbed) int {
	n := runes(e.Title) + runes(e.Description)
	for _, f := range e.Fields {
		n += runes(f.Name) + runes(f.Value)
	}
	if e.Footer != nil {
		n += runes(e.Footer.Text)
	}
	if e.Author != nil {
		n += runes(e.Author.Name)
	}
	return n
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// spansText renders a summary with matched words in bold. Each matched word
// is bolded on its own so that splitting at spaces never breaks a pair.
func spansText(spans []bot.Span) string {
	var b strings.Builder
	for _, sp := range spans {
		if !sp.Match {
			b.WriteString(escapeData(sp.Text))
			continue
		}
		lead := len(sp.Text) - len(strings.TrimLeft(sp.Text, " \t\n"))
		b.WriteString(sp.Text[:lead])
		words := strings.Fields(sp.Text)
		for i, w := range words {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("**" + escapeData(w) + "**")
		}
		if t := strings.TrimRight(sp.Text, " \t\n"); len(t) < len(sp.Text) && len(words) > 0 {
			b.WriteString(sp.Text[len(t):])
		}
	}
	return b.String()
}

// linkValues renders links as masked links joined by " · ", in values of at
// most 1024 characters that never split a link.
func linkValues(links []bot.Link) []string {
	var out []string
	cur := ""
	for _, l := range links {
		u := safeURL(l.URL)
		if u == "" || len(u) > 800 {
			continue
		}
		label := strings.TrimSpace(l.Label)
		if label == "" {
			label = "link"
		}
		md := "[" + escapeData(cut(label, 150)) + "](" + u + ")" + linkNote(l)
		switch {
		case cur == "":
			cur = md
		case runes(cur)+3+runes(md) <= maxFieldValue:
			cur += " · " + md
		default:
			out = append(out, cur)
			cur = md
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// linkNote renders what follows a link: " (12 replies; last reply
// <t:…:f>)", the time as a timestamp that Discord shows in each reader's
// own time zone.
func linkNote(l bot.Link) string {
	n := escapeData(cut(l.Note, 150))
	if !l.At.IsZero() {
		n = strings.TrimSpace(n + " " + fmt.Sprintf("<t:%d:f>", l.At.Unix()))
	}
	if n == "" {
		return ""
	}
	return " (" + n + ")"
}

// codeLines shows each line of a help example as inline code.
func codeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" || strings.Contains(l, "`") {
			lines[i] = escape(l)
			continue
		}
		lines[i] = "`" + l + "`"
	}
	return strings.Join(lines, "\n")
}

// safeURL returns u when it is an absolute http(s) URL, with the characters
// that would end a markdown link encoded; "" otherwise.
func safeURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || len(u) > 2000 {
		return ""
	}
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u)
}

// cut shortens s to at most n characters, ending with "…", without leaving a
// dangling escape backslash.
func cut(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	for len(r) > 0 && r[len(r)-1] == '\\' && trailingBackslashes(r)%2 == 1 {
		r = r[:len(r)-1]
	}
	return strings.TrimRight(string(r), " ") + "…"
}

func trailingBackslashes(r []rune) int {
	n := 0
	for i := len(r) - 1; i >= 0 && r[i] == '\\'; i-- {
		n++
	}
	return n
}

// splitText splits s into chunks of at most n characters, preferring line
// breaks, then spaces, and never ending a chunk inside an escape.
func splitText(s string, n int) []string {
	if s == "" {
		return nil
	}
	var out []string
	r := []rune(s)
	for len(r) > n {
		at := -1
		for i := n; i > n/2; i-- {
			if r[i] == '\n' {
				at = i
				break
			}
		}
		if at < 0 {
			for i := n; i > n/2; i-- {
				if r[i] == ' ' {
					at = i
					break
				}
			}
		}
		if at < 0 {
			at = n
			for at > 1 && trailingBackslashes(r[:at])%2 == 1 {
				at--
			}
		}
		chunk := strings.TrimRight(string(r[:at]), " \n")
		if chunk != "" {
			out = append(out, chunk)
		}
		r = r[at:]
		for len(r) > 0 && (r[0] == ' ' || r[0] == '\n') {
			r = r[1:]
		}
	}
	if len(r) > 0 {
		out = append(out, string(r))
	}
	return out
}

// escape makes a sentence of the core's (a message's title, intro, text or
// footer) show as written, like escapeData, but keeps its balanced `code
// spans`: the core uses them for commands (outside text quoted in it has
// no backticks: bot.Literal).
func escape(s string) string {
	if s == "" {
		return s
	}
	if strings.Count(s, "`")%2 == 0 && strings.Contains(s, "`") {
		var b strings.Builder
		parts := strings.Split(s, "`")
		for i, p := range parts {
			if i%2 == 1 {
				b.WriteString("`" + p + "`")
				continue
			}
			b.WriteString(escapePlain(p, i == 0))
		}
		return b.String()
	}
	return escapePlain(s, true)
}

// escapeData makes text from outside (paper titles, abstracts, authors,
// queries) show as written: Discord markdown characters get a backslash
// (backticks included: a title never makes a code span), mass mentions are
// broken with a zero-width space (allowed_mentions already stops the ping;
// this also keeps "@everyone" from looking like one), and URLs are left as
// they are so they stay clickable.
func escapeData(s string) string { return escapePlain(s, true) }

// urlEnd is where the URL that starts s[i:] ends, left as it is so that
// it stays clickable; i when none starts there. A URL is http(s):// and a
// host (a letter or digit first), up to a space or an angle bracket; text
// that only starts like one ("http://@everyone", "https://**x**") is
// escaped as any other.
func urlEnd(s string, i int) int {
	rest := s[i:]
	var host string
	switch {
	case strings.HasPrefix(rest, "http://"):
		host = rest[len("http://"):]
	case strings.HasPrefix(rest, "https://"):
		host = rest[len("https://"):]
	default:
		return i
	}
	if host == "" || !(host[0] >= 'a' && host[0] <= 'z' || host[0] >= 'A' && host[0] <= 'Z' || host[0] >= '0' && host[0] <= '9') {
		return i
	}
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' && s[j] != '<' && s[j] != '>' {
		j++
	}
	if u := s[i:j]; strings.Contains(u, "@everyone") || strings.Contains(u, "@here") {
		return i // "https://x.org/@everyone" would show as a mention
	}
	return j
}

func escapePlain(s string, atStart bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	lineStart := atStart
	for i := 0; i < len(s); {
		if j := urlEnd(s, i); j > i {
			b.WriteString(s[i:j])
			i = j
			lineStart = false
			continue
		}
		if s[i] == '@' && (strings.HasPrefix(s[i+1:], "everyone") || strings.HasPrefix(s[i+1:], "here")) {
			b.WriteString("@\u200b")
			i++
			lineStart = false
			continue
		}
		c := s[i]
		switch c {
		case '\\', '*', '_', '~', '`', '|', '[', ']', '<', '>':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '#', '-', '+':
			if lineStart {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		default:
			if lineStart && c >= '0' && c <= '9' {
				// "1. " at a line start would become a list.
				j := i
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
				if j < len(s) && s[j] == '.' && (j+1 == len(s) || s[j+1] == ' ') {
					b.WriteString(s[i:j])
					b.WriteString("\\.")
					i = j + 1
					lineStart = false
					continue
				}
			}
			b.WriteByte(c)
		}
		switch c {
		case '\n':
			lineStart = true
		case ' ', '\t':
			// Leading spaces keep a line start.
		default:
			lineStart = false
		}
		i++
	}
	return b.String()
}
