package digest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
)

// trendLabel is "new" or "still trending, day N".
func trendLabel(day int) string {
	if day <= 1 {
		return "new"
	}
	return "still trending, day " + strconv.Itoa(day)
}

// dayTitle is "Trending papers · Tuesday 25 March" (+ the topic).
func dayTitle(day Day) string {
	title := "Trending papers"
	if day.Topic != "" {
		title += " on " + quoteTopic(bot.Truncate(day.Topic, 60))
	}
	if t, err := time.Parse(time.DateOnly, day.Date); err == nil {
		title += " · " + t.Format("Monday 2 January")
	}
	return title
}

// headerMessage is the short message that opens a day's digest.
func (d *Service) headerMessage(day Day) bot.Message {
	if day.Recap != nil {
		return RecapMessage(day, d.cfg.CommandName)
	}
	n := len(day.Papers)
	intro := bot.Plural(n, "paper") + " new to this channel, each with its own thread for discussion."
	if n == 1 {
		intro = "1 paper new to this channel, with its own thread for discussion."
	}
	titles := make([]string, n)
	for i, p := range day.Papers {
		titles[i] = p.Paper.Title
	}
	title := dayTitle(day)
	return bot.Message{
		Kind:   bot.KindDigestHeader,
		Title:  title,
		Intro:  intro,
		Footer: fmt.Sprintf("Daily digest · /%s digest preview shows the next one · /%s unsubscribe stops it", d.cfg.CommandName, d.cfg.CommandName),
		Text:   title + ": " + bot.Truncate(strings.Join(titles, "; "), 400),
	}
}

// twoLines is a summary of about two lines: Hugging Face's one-sentence
// AI summary when there is one, else the abstract's start.
func twoLines(p paper.Paper) string {
	s := p.AISummary
	if s == "" {
		s = p.Abstract
	}
	return bot.Shorten(s, 220)
}

// digestSection renders a paper the way the digest posts it: title,
// authors, a two-line summary, its popularity and its links.
func digestSection(p DayPaper) bot.Section {
	full := bot.PaperSection(p.Paper, nil, false)
	s := bot.Section{PaperID: full.PaperID, Title: full.Title, URL: full.URL, Summary: bot.Plain(twoLines(p.Paper)), Links: full.Links}
	for _, f := range full.Fields {
		if f.Name == "Authors" || f.Name == "Stats" {
			s.Fields = append(s.Fields, f)
		}
	}
	return s
}

// paperMessage is the message of the i-th paper of a day.
func (d *Service) paperMessage(day Day, i int) bot.Message {
	p := day.Papers[i]
	intro := fmt.Sprintf("%d of %d · %s", i+1, len(day.Papers), p.Label())
	text := p.Paper.Title
	if a := bot.AuthorLine(p.Paper.Authors, 3); a != "" {
		text += " — " + a
	}
	return bot.Message{
		Kind:     bot.KindDigestPaper,
		Intro:    intro,
		Sections: []bot.Section{digestSection(p)},
		Text:     text,
	}
}

// ThreadIntro is the first message of a paper's discussion thread.
func ThreadIntro(p paper.Paper) bot.Message {
	s := "Discussion of “" + bot.Literal(bot.Truncate(p.Title, 200)) + "”: questions, takeaways and related work go here."
	return bot.Message{Kind: bot.KindThreadIntro, Text: s, Intro: s}
}

// PreviewMessage renders a preview: the papers the next digest posts, in
// order, as they will look, without posting anything.
func PreviewMessage(pv Preview) bot.Message {
	day := pv.Day
	when := pv.Due.Format("Mon 2 Jan 15:04 MST")
	m := bot.Message{Kind: bot.KindResults, Ephemeral: true}
	m.Title = "Next digest for " + channelLabel(pv.Sub) + " · " + when
	if pv.Resuming {
		m.Title = "Digest of " + channelLabel(pv.Sub) + " being posted · " + when
	}
	var ids []string
	for i, p := range day.Papers {
		sec := digestSection(p)
		sec.Fields = append([]bot.Field{{Name: "#" + strconv.Itoa(i+1), Value: p.Label(), Inline: true}}, sec.Fields...)
		m.Sections = append(m.Sections, sec)
		ids = append(ids, p.Paper.Title)
	}
	topic := topicLabel(pv.Sub.Topic)
	switch {
	case len(day.Papers) == 0 && pv.Resuming:
		m.Intro = "Nothing is left to post today."
	case len(day.Papers) == 0:
		m.Intro = "Nothing new would be posted: no paper on " + topic + " that was not posted here before. Days with nothing new post nothing."
	case pv.Resuming:
		m.Intro = bot.Plural(len(day.Papers), "paper") + " still to post, in this order:"
	default:
		m.Intro = fmt.Sprintf("The top %s by trending score on %s not posted here before, in this order (as of now: scores change until then):", bot.Plural(len(day.Papers), "paper"), topic)
	}
	m.Footer = "Preview only: nothing was posted. " + capitalize(describeSchedule(pv.Sub)) + ", top " + strconv.Itoa(pv.Sub.Top) + "."
	m.Text = m.Title + ": " + strings.Join(ids, "; ")
	if len(ids) == 0 {
		m.Text = m.Title + ": nothing new."
	}
	return m
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// subscriptionLine describes a subscription in one line.
func subscriptionLine(s Subscription) string {
	topic := topicLabel(s.Topic)
	line := fmt.Sprintf("%s: %s, top %d on %s", channelLabel(s), describeSchedule(s), s.Top, topic)
	if s.IsWeekly() {
		line = fmt.Sprintf("%s: weekly recap, %s", channelLabel(s), describeWeekly(s))
	}
	if s.Source == SourceConfig {
		line += " (from the configuration file)"
	}
	return line
}

// channelLabel names a subscription's channel: "#name" when its name is
// known, else "channel C0123" (a Slack app mention carries no name), so
// a raw id never reads as though it were the channel's name.
func channelLabel(s Subscription) string {
	if s.ChannelName != "" {
		return s.Where()
	}
	return "channel " + PostChannel(s.Channel)
}

// hereLabel is channelLabel in a reply in the channel itself: "this
// channel" when its name is unknown.
func hereLabel(s Subscription) string {
	if s.ChannelName != "" {
		return s.Where()
	}
	return "this channel"
}

// quoteTopic puts a topic in quotes as bot.Typed does for what a user
// typed: unless it starts or ends with a quote mark of its own ("a
// phrase", «diffusion»), which would double. A quote inside (cat:cs.CL
// "language model") no longer leaves the topic unquoted. Callers truncate
// it first; the limit here only bounds what they did not.
func quoteTopic(s string) string { return bot.Typed(s, 300) }

// topicLabel is "all papers" or the quoted topic.
func topicLabel(topic string) string {
	if topic == "" {
		return "all papers"
	}
	return quoteTopic(topic)
}
