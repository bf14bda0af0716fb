package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot"
)

// Slack's Block Kit limits (documented), and the budget this adapter keeps
// per message: long messages fail near 13k characters even below the
// documented per-block limits, so a message is split well before that.
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxHeaderText  = 150
	maxFields      = 10
	maxFieldText   = 2000
	// maxFieldsChars bounds the fields of one section together.
	maxFieldsChars  = 4000
	maxContextElems = 10
	maxContextText  = 3000
	maxButtonValue  = 2000
	maxButtonText   = 75
	// maxMessageChars bounds the text of all blocks of one message.
	maxMessageChars = 11000
	// maxFallbackText bounds the top-level text (notifications).
	maxFallbackText = 1000
)

// ShareActionID is the action_id of the "Share in channel" button.
const ShareActionID = "paperbot_share"

// renderOptions tune rendering for where a message goes.
type renderOptions struct {
	// Share, when set on an ephemeral results or paper message, adds a
	// "Share in channel" button whose value is Share (the request text to
	// run again, visibly).
	Share string
	// SharedBy, when set, adds a "Shared by @user" line (a user id).
	SharedBy string
}

// rendered is one Slack message: its top-level text and its blocks.
type rendered struct {
	Text   string          `json:"text"`
	Blocks []slackgo.Block `json:"blocks"`
}

// unit is a run of blocks kept in one message when possible (one paper).
type unit struct {
	blocks []slackgo.Block
	chars  int
}

func (u *unit) add(b slackgo.Block, chars int) {
	u.blocks = append(u.blocks, b)
	u.chars += chars
}

// render turns a neutral message into one or more Slack messages, each
// within Block Kit's limits. Every text that came from outside is escaped;
// mrkdwn objects are verbatim so Slack parses no mentions or channel names
// in them.
func render(m bot.Message, opt renderOptions) []rendered {
	var head, tail unit
	var body []unit

	if m.Title != "" {
		head.add(slackgo.NewHeaderBlock(plain(escapeTruncMode(m.Title, maxHeaderText, escEntities))), runes(m.Title))
	}
	switch m.Kind {
	case bot.KindError:
		intro := firstNonEmpty(m.Intro, m.Text)
		for _, t := range splitText(":warning: "+escapeProse(intro), maxSectionText) {
			head.add(section(t), runes(t))
		}
	case bot.KindNotice, bot.KindThreadIntro:
		if m.Intro != "" {
			for _, t := range splitText(escapeProse(m.Intro), maxSectionText) {
				head.add(section(t), runes(t))
			}
		}
	default:
		if m.Intro != "" {
			t := escapeTruncMode(m.Intro, maxContextText, escProse)
			head.add(contextBlock(t), runes(t))
		}
	}

	for i, s := range m.Sections {
		var u unit
		if i > 0 && m.Kind != bot.KindHelp {
			u.add(slackgo.NewDividerBlock(), 0)
		}
		renderSection(&u, m.Kind, s)
		body = append(body, u)
	}

	if m.Footer != "" {
		t := escapeTruncMode(m.Footer, maxContextText, escProse)
		tail.add(contextBlock(t), runes(t))
	}
	if opt.SharedBy != "" && validID(opt.SharedBy) {
		t := "Shared by <@" + opt.SharedBy + ">"
		tail.add(contextBlock(t), runes(t))
	}
	if opt.Share != "" && m.Ephemeral && (m.Kind == bot.KindResults || m.Kind == bot.KindPaper) && len(opt.Share) <= maxButtonValue {
		btn := slackgo.NewButtonBlockElement(ShareActionID, opt.Share, plain("Share in channel"))
		tail.add(slackgo.NewActionBlock("paperbot_actions", btn), len(opt.Share)+16)
	}

	if len(head.blocks) == 0 && len(body) == 0 && len(tail.blocks) == 0 {
		t := escapeProse(firstNonEmpty(m.Text, " "))
		for _, p := range splitText(t, maxSectionText) {
			head.add(section(p), runes(p))
		}
	}
	return pack(fallback(m), head, body, tail)
}

// renderSection adds one paper (or help topic) to u.
func renderSection(u *unit, kind bot.Kind, s bot.Section) {
	var title string
	switch {
	case kind == bot.KindHelp && s.Title != "":
		title = "`" + escapeTruncMode(s.Title, 500, escEntities) + "`"
	case s.Title != "" && safeURL(s.URL):
		title = "*" + link(s.URL, truncRunes(s.Title, 500)) + "*"
	case s.Title != "":
		title = "*" + escapeTrunc(s.Title, 500) + "*"
	case safeURL(s.URL):
		title = link(s.URL, s.URL)
	}
	summary := summaryText(s.Summary)

	// The first block: title, the start of the summary, and the inline fields.
	var inline, block []bot.Field
	for _, f := range s.Fields {
		if f.Inline {
			inline = append(inline, f)
		} else {
			block = append(block, f)
		}
	}
	first := title
	var rest []string
	if summary != "" {
		room := maxSectionText - runes(first) - 1
		parts := splitText(summary, maxSectionText)
		if room >= runes(parts[0]) || first == "" {
			first = joinNonEmpty("\n", first, parts[0])
			rest = parts[1:]
		} else {
			rest = parts
		}
	}
	var fields []*slackgo.TextBlockObject
	fchars := 0
	// Fields share a budget so one block stays well within a message.
	perField := maxFieldText
	if n := min(len(inline), maxFields); n > 0 {
		perField = min(maxFieldText, max(200, maxFieldsChars/n))
	}
	for i, f := range inline {
		if i == maxFields {
			// More inline fields than Slack allows: the rest go below.
			block = append(inline[i:], block...)
			break
		}
		t := fieldText(f, perField)
		fields = append(fields, mrkdwn(t))
		fchars += runes(t)
	}
	switch {
	case first != "":
		u.add(slackgo.NewSectionBlock(mrkdwn(first), fields, nil), runes(first)+fchars)
	case len(fields) > 0:
		u.add(slackgo.NewSectionBlock(nil, fields, nil), fchars)
	}
	for _, p := range rest {
		u.add(section(p), runes(p))
	}
	for _, f := range block {
		for _, p := range splitText(fieldText(f, 1<<30), maxSectionText) {
			u.add(section(p), runes(p))
		}
	}
	if len(s.Links) > 0 {
		t := linksText(s.Links, maxContextText)
		if t != "" {
			u.add(contextBlock(t), runes(t))
		}
	}
}

// fieldText renders a labelled value: "*Authors*\nA, B, C".
func fieldText(f bot.Field, limit int) string {
	name := "*" + escapeTrunc(f.Name, 100) + "*\n"
	return name + escapeTrunc(f.Value, limit-runes(name))
}

// summaryText renders spans as mrkdwn, matched words in bold.
func summaryText(spans []bot.Span) string {
	var b strings.Builder
	for _, sp := range spans {
		if !sp.Match {
			b.WriteString(escape(sp.Text))
			continue
		}
		// Bold each word on its own: "*a* *b*" renders, "*a b*" around
		// punctuation may not.
		words := strings.Fields(sp.Text)
		lead := sp.Text[:len(sp.Text)-len(strings.TrimLeft(sp.Text, " \t\n"))]
		trail := sp.Text[len(strings.TrimRight(sp.Text, " \t\n")):]
		b.WriteString(lead)
		for i, w := range words {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("*" + escape(w) + "*")
		}
		b.WriteString(trail)
	}
	return strings.TrimSpace(b.String())
}

// linksText renders links as "<url|Label> · <url|Label>", whole links only,
// within limit characters.
func linksText(links []bot.Link, limit int) string {
	var parts []string
	n := 0
	for _, l := range links {
		var p string
		if safeURL(l.URL) {
			p = link(l.URL, firstNonEmpty(l.Label, l.URL))
		} else {
			p = escape(l.Label)
		}
		if p == "" {
			continue
		}
		if n+runes(p)+3 > limit {
			break
		}
		parts = append(parts, p)
		n += runes(p) + 3
	}
	return strings.Join(parts, " · ")
}

// pack distributes units over messages: at most maxBlocks blocks and
// maxMessageChars characters each. A paper stays in one message unless it
// alone is too big; the header goes first, the footer and buttons last.
func pack(text string, head unit, body []unit, tail unit) []rendered {
	var out []rendered
	var cur unit
	flush := func() {
		if len(cur.blocks) > 0 {
			out = append(out, rendered{Blocks: cur.blocks})
		}
		cur = unit{}
	}
	fits := func(u unit) bool {
		return len(cur.blocks)+len(u.blocks) <= maxBlocks && cur.chars+u.chars <= maxMessageChars
	}
	addUnit := func(u unit) {
		// A divider never starts a message.
		if len(cur.blocks) == 0 && len(u.blocks) > 0 {
			if _, ok := u.blocks[0].(*slackgo.DividerBlock); ok {
				u.blocks = u.blocks[1:]
			}
		}
		if fits(u) {
			cur.blocks = append(cur.blocks, u.blocks...)
			cur.chars += u.chars
			return
		}
		flush()
		if len(u.blocks) > 0 {
			if _, ok := u.blocks[0].(*slackgo.DividerBlock); ok {
				u.blocks = u.blocks[1:]
			}
		}
		if fits(u) {
			cur.blocks = append(cur.blocks, u.blocks...)
			cur.chars += u.chars
			return
		}
		// Too big for any message: split it block by block.
		for _, b := range u.blocks {
			c := blockChars(b)
			if len(cur.blocks)+1 > maxBlocks || cur.chars+c > maxMessageChars {
				flush()
			}
			cur.blocks = append(cur.blocks, b)
			cur.chars += c
		}
	}
	addUnit(head)
	for _, u := range body {
		addUnit(u)
	}
	addUnit(tail)
	flush()
	if len(out) == 0 {
		out = append(out, rendered{Blocks: []slackgo.Block{section(escape(firstNonEmpty(text, " ")))}})
	}
	for i := range out {
		out[i].Text = text
		if len(out) > 1 {
			out[i].Text = truncRunesEsc(text, maxFallbackText-10) + " (" + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(out)) + ")"
		}
	}
	return out
}

// blockChars counts the text of a block built by this file.
func blockChars(b slackgo.Block) int {
	switch b := b.(type) {
	case *slackgo.SectionBlock:
		n := 0
		if b.Text != nil {
			n += runes(b.Text.Text)
		}
		for _, f := range b.Fields {
			n += runes(f.Text)
		}
		return n
	case *slackgo.HeaderBlock:
		return runes(b.Text.Text)
	case *slackgo.ContextBlock:
		n := 0
		for _, e := range b.ContextElements.Elements {
			if t, ok := e.(*slackgo.TextBlockObject); ok {
				n += runes(t.Text)
			}
		}
		return n
	}
	return 0
}

// fallback is the top-level text of a message: escaped, short.
func fallback(m bot.Message) string {
	t := m.Text
	if t == "" {
		t = firstNonEmpty(m.Title, m.Intro)
		if t == "" && len(m.Sections) > 0 {
			t = m.Sections[0].Title
		}
	}
	if m.Kind == bot.KindError {
		t = "⚠ " + t
	}
	// Paper data (titles) is in it: nothing formats.
	return escapeTrunc(strings.TrimSpace(firstNonEmpty(t, "paperbot")), maxFallbackText)
}

func plain(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.PlainTextType, s, false, false)
}

// mrkdwn is a verbatim mrkdwn text object: Slack does not auto-link
// channel names or parse mentions in it.
func mrkdwn(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, s, false, true)
}

func section(s string) *slackgo.SectionBlock {
	return slackgo.NewSectionBlock(mrkdwn(s), nil, nil)
}

func contextBlock(s string) *slackgo.ContextBlock {
	return slackgo.NewContextBlock("", mrkdwn(s))
}

// How much of Slack's markup a text from outside is kept from. Slack has
// no escape for the formatting characters: a zero-width space on each side
// of one (zw) keeps it from opening or closing bold (*), italics (_),
// strikethrough (~) or code (`), while it still shows, and copies, as
// itself.
type escMode int

const (
	// escEntities escapes only &, < and >: for plain_text, URLs and
	// code spans, where nothing else has a meaning.
	escEntities escMode = iota
	// escProse is for the core's own sentences (notices, errors, intros,
	// footers) with the user's words in them: *, _ and ~ never format,
	// and a pair of backticks stays the code span the core wrote
	// ("try `/papers help`").
	escProse
	// escData is for paper data (titles, abstracts, authors, link
	// labels): no formatting character formats, backticks included.
	escData
)

const zw = "\u200b"

// escape makes paper data safe in mrkdwn (escData). Everything from outside
// goes through escape or escapeProse: a title "<!channel>" prints literally
// and pings no one, and a title "*_Attention_* is ~all~ you `need`"
// prints as written.
func escape(s string) string { return escapeMode(s, escData) }

// escapeProse makes a sentence of the core's safe in mrkdwn (escProse).
func escapeProse(s string) string { return escapeMode(s, escProse) }

func escapeMode(s string, mode escMode) string {
	if !strings.ContainsAny(s, "&<>*_~`") {
		return s
	}
	if mode == escProse && strings.Contains(s, "`") && strings.Count(s, "`")%2 == 0 {
		// Paired backticks are the core's code spans: kept, with only
		// the entities escaped inside.
		var b strings.Builder
		for i, part := range strings.Split(s, "`") {
			if i > 0 {
				b.WriteByte('`')
			}
			if i%2 == 1 {
				b.WriteString(escapeMode(part, escEntities))
			} else {
				b.WriteString(escapeMode(part, escData))
			}
		}
		return b.String()
	}
	if mode == escProse {
		mode = escData // an unpaired backtick is not code
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		b.WriteString(escapeRune(r, mode))
	}
	return b.String()
}

func escapeRune(r rune, mode escMode) string {
	switch r {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '*', '_', '~', '`':
		if mode != escEntities {
			return zw + string(r) + zw
		}
	}
	return string(r)
}

// escapeTrunc escapes paper data and cuts it so the escaped text has at
// most n characters (ending in "…" when cut), never inside an entity or
// an escaped formatting character.
func escapeTrunc(s string, n int) string { return escapeTruncMode(s, n, escData) }

func escapeTruncMode(s string, n int, mode escMode) string {
	e := escapeMode(s, mode)
	if runes(e) <= n {
		return e
	}
	return strings.TrimRight(cutEscaped(e, n-1), " ") + "…"
}

// truncRunesEsc cuts already escaped text to n characters without
// splitting an entity or an escaped formatting character.
func truncRunesEsc(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	return cutEscaped(s, n-1) + "…"
}

// cutEscaped returns at most the first n characters of escaped text,
// fewer when the cut would split an entity ("&amp;") or a formatting
// character from its zero-width spaces.
func cutEscaped(s string, n int) string {
	used := 0
	for i := 0; i < len(s); {
		size := escapedUnit(s[i:])
		c := runes(s[i : i+size])
		if used+c > n {
			return s[:i]
		}
		used += c
		i += size
	}
	return s
}

// escapedUnit is the length in bytes of the unit escaped text starts
// with: an entity, a formatting character between zero-width spaces, or
// one character.
func escapedUnit(s string) int {
	if rest, ok := strings.CutPrefix(s, zw); ok && len(rest) > len(zw) && strings.IndexByte("*_~`", rest[0]) >= 0 && strings.HasPrefix(rest[1:], zw) {
		return 2*len(zw) + 1
	}
	if s[0] == '&' {
		if j := strings.IndexByte(s, ';'); j > 0 && j <= 4 {
			return j + 1
		}
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}

// truncRunes cuts raw text to n characters.
func truncRunes(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// link formats <url|label>: the URL is escaped and may not contain "|";
// the label is escaped.
func link(u, label string) string {
	u = strings.ReplaceAll(escapeMode(u, escEntities), "|", "%7C")
	return "<" + u + "|" + escape(label) + ">"
}

// safeURL accepts http and https URLs without spaces or control characters.
func safeURL(u string) bool {
	if !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) || len(u) > 2000 {
		return false
	}
	return !strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// splitText cuts text into pieces of at most n characters, at line or word
// boundaries where possible, never inside an entity.
func splitText(s string, n int) []string {
	r := []rune(s)
	var out []string
	for len(r) > n {
		cut := n
		for i := n; i > n/2; i-- {
			if r[i] == '\n' || r[i] == ' ' {
				cut = i
				break
			}
		}
		// Do not cut a formatting character from its zero-width spaces.
		if z := []rune(zw)[0]; cut >= 2 && cut+1 <= len(r) {
			switch {
			case r[cut-1] == z && cut+1 < len(r) && strings.ContainsRune("*_~`", r[cut]) && r[cut+1] == z:
				cut--
			case strings.ContainsRune("*_~`", r[cut-1]) && r[cut-2] == z && cut < len(r) && r[cut] == z:
				cut -= 2
			}
		}
		// Do not cut "&amp;" in two.
		for i := cut - 1; i >= 0 && i >= cut-5; i-- {
			if r[i] == ';' {
				break
			}
			if r[i] == '&' {
				if i > 0 {
					cut = i
				}
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " \n"))
		r = r[cut:]
		for len(r) > 0 && (r[0] == ' ' || r[0] == '\n') {
			r = r[1:]
		}
	}
	if len(r) > 0 || len(out) == 0 {
		out = append(out, string(r))
	}
	return out
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func joinNonEmpty(sep string, ss ...string) string {
	var keep []string
	for _, s := range ss {
		if s != "" {
			keep = append(keep, s)
		}
	}
	return strings.Join(keep, sep)
}

// validID reports whether s looks like a Slack user id (safe inside <@…>).
func validID(s string) bool {
	if len(s) < 2 || len(s) > 21 || !strings.ContainsRune("UWB", rune(s[0])) {
		return false
	}
	for _, r := range s[1:] {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
