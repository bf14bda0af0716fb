package slack

import (
	"fmt"
	"strconv"
	"strings"

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
		t := linksText(s.Links, maxContextText-runes(idText(s.PaperID)))
		if t != "" {
			t = idText(s.PaperID) + t
			u.add(contextBlock(t), runes(t))
		}
	}
}

// idText leads a paper's links with its id ("`2205.13760` · "): the id is
// what show, similar and save take, and a link hides it in its URL.
func idText(id string) string {
	if id == "" || len(id) > 64 {
		return ""
	}
	return "`" + escape(id) + "` · "
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
		p += linkNote(l)
		if n+runes(p)+3 > limit {
			break
		}
		parts = append(parts, p)
		n += runes(p) + 3
	}
	return strings.Join(parts, " · ")
}

// linkNote renders what follows a link: " (12 replies; last reply
// <date>)", the time as a date token that Slack shows in each reader's
// own time zone, in UTC where it cannot.
func linkNote(l bot.Link) string {
	n := escape(l.Note)
	if !l.At.IsZero() {
		n = strings.TrimSpace(n + " " + fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", l.At.Unix(), escape(l.At.UTC().Format(bot.UTCLayout))))
	}
	if n == "" {
		return ""
	}
	return " (" + n + ")"
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
