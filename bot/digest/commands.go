package digest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/fault"
)

// Manager is the daily digest as its chat commands use it (*Service
// implements it): subscriptions from chat, a channel's status and the
// preview of its next post.
type Manager interface {
	// Subscribe creates or replaces a channel's subscription; empty parts
	// take the defaults. Invalid parts are a fault.Invalid error naming
	// the part.
	Subscribe(ctx context.Context, s Subscription) (SubscribeResult, error)
	// Unsubscribe stops a channel's digest (fault.NotFound when none).
	Unsubscribe(ctx context.Context, platform, channel string) (Subscription, error)
	// Subscriptions lists a workspace's or guild's subscriptions.
	Subscriptions(ctx context.Context, platform, team string) ([]Subscription, error)
	// Status is a channel's subscription with its last and next runs.
	Status(ctx context.Context, platform, channel string) (Status, error)
	// Preview is exactly what the channel's next run would post.
	Preview(ctx context.Context, platform, channel string) (Preview, error)
}

var _ Manager = (*Service)(nil)

// Commands returns the digest's chat commands (bot.DigestService): the
// subcommands of /CommandName that subscribe a channel, stop and list
// subscriptions and show a channel's digest.
func (d *Service) Commands() []bot.CommandSpec {
	return ChatCommands(d, d.cfg.CommandName).Commands()
}

// ChatCommands returns the digest's chat commands answered by m, for the
// core (bot.Config.Digest); command is the slash command's name, for the
// replies. A nil m declares the commands without answering them (what
// `paperbot register-commands` needs).
func ChatCommands(m Manager, command string) bot.DigestService {
	return commands{m: m, command: command}
}

// commands are the chat commands of the digest m.
type commands struct {
	m       Manager
	command string
}

// Commands declares the commands.
func (c commands) Commands() []bot.CommandSpec {
	return []bot.CommandSpec{
		{
			Name:    "subscribe",
			Usage:   subscribeUsage,
			Summary: "Post trending papers here daily, on a topic, at a local time (subscribe weekly: a weekly recap)",
			Examples: []string{
				"subscribe",
				"subscribe diffusion models at 09:00 tz Europe/Berlin top 3",
				`subscribe cat:cs.CL "language model" at 8:30 tz America/New_York days mon-fri`,
				"subscribe weekly at 16:00 tz Europe/Berlin day fri",
			},
			Options: []bot.Option{
				{Name: "at", Keyword: "at", Description: "Local time of day, HH:MM (default 09:00)"},
				{Name: "tz", Keyword: "tz", Description: "IANA time zone, like Europe/Berlin or America/New_York (default UTC)"},
				{Name: "top", Keyword: "top", Description: "How many papers a day at most", Type: bot.OptInteger, Min: 1, Max: 10},
				{Name: "days", Keyword: "days", Description: "Days of the week: daily, weekdays, mon-fri, mon,wed,fri (default daily)"},
				{Name: "topic", Description: "Only papers matching this query (words, \"phrases\", cat:, author:)", Rest: true},
			},
			Handler: bot.HandlerFunc(c.subscribe),
		},
		{
			Name: "unsubscribe", Aliases: []string{"unsub"},
			Summary:  "Stop this channel's daily digest (unsubscribe weekly: its weekly recap)",
			Examples: []string{"unsubscribe", "unsubscribe weekly"},
			Handler:  bot.HandlerFunc(c.unsubscribe),
		},
		{
			Name:     "subscriptions",
			Summary:  "List the channels here that get the daily digest, with their schedules",
			Examples: []string{"subscriptions"},
			Handler:  bot.HandlerFunc(c.subscriptions),
		},
		{
			Name:     "digest",
			Usage:    "[preview] [weekly]",
			Summary:  "This channel's digest: schedule, last post; preview (or preview weekly) shows what comes next",
			Examples: []string{"digest", "digest preview", "digest preview weekly"},
			Options:  []bot.Option{{Name: "action", Description: "preview: show exactly what the next digest will post", Rest: true}},
			Handler:  bot.HandlerFunc(c.digest),
		},
	}
}

func needChannel(req *bot.Request) error {
	if req.Channel == "" {
		return fault.New(fault.Invalid, "run this in the channel that gets the digest")
	}
	return nil
}

func (c commands) subscribe(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	if err := needChannel(req); err != nil {
		return err
	}
	if rest, ok := weeklyArgs(req.Args); ok {
		return c.subscribeWeekly(ctx, req, rw, rest)
	}
	a, err := parseSubscribe(req.Args, c.maxTop())
	if rest, ok := weeklyInTopic(req.Args, a.topic); ok {
		// Discord's typed options come first: "at 16:00 weekly day fri".
		return c.subscribeWeekly(ctx, req, rw, rest)
	}
	var cm channelMentionError
	if errors.As(err, &cm) {
		hint := ""
		if strings.HasPrefix(cm.mention, "#") {
			hint = " (for the word as a topic, leave out the #)"
		}
		return c.notChanged(fault.Wrap(fault.Invalid, err, "%s names a channel: a digest is set from inside the channel it is for, so run /%s subscribe in that channel%s",
			bot.Typed(cm.mention, 60), c.command, hint))
	}
	if err != nil {
		return c.notChanged(fault.Wrap(fault.Invalid, err, "%s", err.Error()))
	}
	res, err := c.m.Subscribe(ctx, Subscription{
		Platform: req.Platform, Team: req.Team, Channel: req.Channel, ChannelName: c.channelName(ctx, req),
		Time: a.time, Zone: a.zone, Days: a.days, Top: a.top, Topic: a.topic, By: req.User,
	})
	if err != nil {
		return c.notChanged(err)
	}
	s := res.Sub
	topic := topicLabel(s.Topic)
	lines := []string{fmt.Sprintf("Daily digest set for %s: %s, the top %d trending papers on %s not posted here before, each with its own thread.",
		hereLabel(s), describeSchedule(s), s.Top, topic)}
	if res.Replaced {
		lines[0] = strings.Replace(lines[0], "Daily digest set", "Daily digest "+changedVerb(res), 1)
	}
	if !res.Next.IsZero() {
		lines = append(lines, nextLabel(res)+inZone(res.Next, s.Zone).Format("Mon 2 Jan 15:04 MST")+".")
	}
	if a.zone != "" {
		if loc, err := schedule.LoadZone(a.zone); err == nil {
			if note := schedule.ZoneNote(a.zone, loc); note != "" {
				lines = append(lines, note)
			}
		}
	}
	if res.Matching == 0 {
		note := "No paper matches this topic yet; days with nothing new post nothing."
		if res.DidYouMean != "" {
			note += " Did you mean: " + res.DidYouMean + "?"
		}
		lines = append(lines, note)
	}
	cmd := "/" + c.command
	lines = append(lines, fmt.Sprintf("%s digest preview shows what it will post; %s unsubscribe stops it.", cmd, cmd))
	text := strings.Join(lines, " ")
	return rw.Reply(ctx, bot.Message{Kind: bot.KindNotice, Text: text, Intro: text})
}

// zoneError refuses the zone v of tz; a zone written in two words ("tz
// New York", the words after it in rest) is named as one.
func zoneError(v string, rest []token, err error) error {
	if len(rest) > 0 && !rest[0].quoted {
		two := v + " " + rest[0].text
		if z := schedule.SuggestZone(two); z != "" {
			return fmt.Errorf("tz %q is not a known time zone (did you mean %s? a zone is written as one word)", two, z)
		}
	}
	return fmt.Errorf("tz %s", err.Error())
}

// changedVerb says what subscribing again did to a channel's
// subscription: "changed", or "unchanged" when it asked for the schedule
// the channel had.
func changedVerb(res SubscribeResult) string {
	if res.Unchanged {
		return "unchanged"
	}
	return "changed"
}

// nextLabel introduces the next due time: the first one of a new or
// changed schedule, the next one of an unchanged schedule.
func nextLabel(res SubscribeResult) string {
	if res.Unchanged {
		return "Next one: "
	}
	return "First one: "
}

// defaultMaxTop bounds top when the Manager does not say (Config.MaxTop's
// default).
const defaultMaxTop = 10

// maxTop is the most papers a day a subscription may ask for.
func (c commands) maxTop() int {
	if m, ok := c.m.(interface{ maxTop() int }); ok {
		return m.maxTop()
	}
	return defaultMaxTop
}

func (d *Service) maxTop() int { return d.cfg.MaxTop }

// channelName is the channel's name to store with a subscription made by
// req. A request that carries none (a Slack app mention) keeps the name
// a subscription of the channel already has, and no id is stored in its
// place: without a name the channel shows as "this channel" in its
// replies and as "channel <id>" in lists, never as an id that reads like
// a name.
func (c commands) channelName(ctx context.Context, req *bot.Request) string {
	if req.ChannelName != "" || c.m == nil {
		return req.ChannelName
	}
	if st, err := c.m.Status(ctx, req.Platform, req.Channel); err == nil {
		return st.Sub.ChannelName
	}
	return ""
}

// subscribeUsage is subscribe's usage line, as its spec and refusals show it.
const subscribeUsage = "[topic] [at HH:MM] [tz Area/City] [top N] [days mon-fri]"

// notChanged turns a refused subscribe (a fault.Invalid error) into one
// answer of one shape: "Subscription not changed: <what was wrong>.
// Usage: …". Other errors are returned as they are.
func (c commands) notChanged(err error) error {
	if !fault.Is(err, fault.Invalid) {
		return err
	}
	msg := strings.TrimRight(strings.TrimSpace(fault.UserMessage(err)), ".:;")
	if msg == "" {
		msg = "the command could not be read"
	}
	usage := fmt.Sprintf(" Usage: /%s subscribe %s", c.command, subscribeUsage)
	if errors.Is(err, errSetInConfig) {
		usage = ""
	}
	return fault.Wrap(fault.Invalid, err, "Subscription not changed: %s.%s", msg, usage)
}

func (c commands) unsubscribe(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	if err := needChannel(req); err != nil {
		return err
	}
	if rest, ok := weeklyArgs(req.Args); ok && rest == "" {
		return c.unsubscribeWeekly(ctx, req, rw)
	}
	if req.Args != "" {
		return fault.New(fault.Invalid, "unsubscribe takes no arguments but weekly: it stops the daily digest of the channel it is typed in (/%s unsubscribe weekly stops its weekly recap)", c.command)
	}
	s, err := c.m.Unsubscribe(ctx, req.Platform, req.Channel)
	if err != nil {
		return c.withWeekly(ctx, req, err)
	}
	text := fmt.Sprintf("The daily digest of %s is stopped. Threads already posted stay; /%s subscribe starts it again.", hereLabel(s), c.command)
	text += " " + c.remains(ctx, req, true)
	return rw.Reply(ctx, bot.Message{Kind: bot.KindNotice, Text: text, Intro: text})
}

func (c commands) subscriptions(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	subs, err := c.m.Subscriptions(ctx, req.Platform, req.Team)
	if err != nil {
		return err
	}
	if len(subs) == 0 {
		return rw.Reply(ctx, bot.Notice(fmt.Sprintf("No channel here gets the daily digest. Start one with /%s subscribe in a channel.", c.command)))
	}
	m := bot.Message{Kind: bot.KindNotice, Title: "Daily digests", Ephemeral: true}
	var lines []string
	for _, s := range subs {
		line := subscriptionLine(s)
		lines = append(lines, line)
		m.Sections = append(m.Sections, bot.Section{Summary: bot.Plain(line)})
	}
	m.Footer = bot.Plural(len(subs), "channel")
	if slices.ContainsFunc(subs, Subscription.IsWeekly) {
		m.Title, m.Footer = "Daily digests and weekly recaps", bot.Plural(len(subs), "subscription")
	}
	m.Text = m.Title + ": " + strings.Join(lines, "; ")
	return rw.Reply(ctx, m)
}

func (c commands) digest(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	if err := needChannel(req); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(req.Args)) {
	case "preview weekly", "weekly preview", "weekly":
		return c.previewWeekly(ctx, req, rw)
	case "preview", "next", "dry-run":
		pv, err := c.m.Preview(ctx, req.Platform, req.Channel)
		if err != nil {
			return err
		}
		return rw.Reply(ctx, PreviewMessage(pv))
	case "", "status":
		st, err := c.m.Status(ctx, req.Platform, req.Channel)
		if err != nil {
			return err
		}
		return rw.Reply(ctx, statusMessage(st, c.command))
	default:
		return fault.New(fault.Invalid, "%q is not a digest action: use /%s digest (the schedule) or /%s digest preview", bot.Truncate(req.Args, 40), c.command, c.command)
	}
}

// statusMessage shows a channel's subscription with its last and next runs.
func statusMessage(st Status, command string) bot.Message {
	s := st.Sub
	m := bot.Message{Kind: bot.KindNotice, Ephemeral: true, Title: "Daily digest of " + hereLabel(s), Intro: subscriptionLine(s)}
	sec := bot.Section{}
	if !st.Next.IsZero() {
		sec.Fields = append(sec.Fields, bot.Field{Name: "Next", Value: inZone(st.Next, s.Zone).Format("Mon 2 Jan 15:04 MST"), Inline: true})
	}
	if st.HasLast {
		l := st.Last
		v := l.Date + ": " + string(l.Status)
		if l.Note != "" {
			v += " (" + l.Note + ")"
		}
		sec.Fields = append(sec.Fields, bot.Field{Name: "Last", Value: v, Inline: true})
	}
	if len(sec.Fields) > 0 {
		m.Sections = []bot.Section{sec}
	}
	m.Footer = "/" + command + " digest preview shows exactly what the next one will post."
	m.Text = m.Title + ": " + m.Intro
	return m
}

func inZone(t time.Time, zone string) time.Time {
	if loc, err := schedule.LoadZone(zone); err == nil {
		return t.In(loc)
	}
	return t
}

// subscribeArgs are the parts of `subscribe` typed in chat; empty parts
// take the defaults.
type subscribeArgs struct {
	time, zone, topic string
	top               int
	days              schedule.Weekdays
}

// token is a word of a command line; quoted words belong to a phrase.
type token struct {
	text   string
	quoted bool
}

// tokens splits s on white space, marking words inside double quotes.
func tokens(s string) []token {
	var out []token
	inQuote := false
	for _, w := range strings.Fields(s) {
		startsQuoted := inQuote
		if strings.Count(w, `"`)%2 == 1 {
			inQuote = !inQuote
		}
		out = append(out, token{text: w, quoted: startsQuoted || strings.Contains(w, `"`)})
	}
	return out
}

// parseSubscribe reads `[topic] [at HH:MM] [tz Area/City] [top N] [days D]`.
// The keyword forms may come anywhere (Discord's typed options arrive in
// them: Option.Keyword, followed by its topic option, which is read as
// the same line); bare values (09:00, Europe/Berlin, 5, mon-fri) are
// read before the topic starts, and a bare number only before any
// keyword part ("at 9 2 bit quantization" is about 2-bit quantization).
// Everything else is the topic query. top must be 1 to maxTop. A channel
// mention (#name, Slack's <#C…|name>, Discord's <#123>) is refused: a
// digest is set from inside the channel it is for.
func parseSubscribe(s string, maxTop int) (subscribeArgs, error) {
	var a subscribeArgs
	var topic []string
	toks := tokens(s)
	leading, keyword := true, false
	seen := map[string]bool{}
	set := func(part string) error {
		if seen[part] {
			verb := "is"
			if strings.HasSuffix(part, "s") {
				verb = "are"
			}
			return fmt.Errorf("%s %s given twice", part, verb)
		}
		seen[part] = true
		return nil
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		low := strings.ToLower(t.text)
		nextTok := ""
		if i+1 < len(toks) && !toks[i+1].quoted {
			nextTok = toks[i+1].text
		}
		if !t.quoted && (low == "at" || low == "tz" || low == "timezone" || low == "zone" || low == "top" || low == "days" || low == "on") && nextTok != "" {
			keyword = true
		}
		switch {
		case t.quoted:
			leading = false
			topic = append(topic, t.text)
		case isChannelMention(t.text):
			return a, channelMentionError{t.text}
		case low == "at" && (looksClock(nextTok) || isNumber(nextTok)), leading && looksClock(t.text):
			v := t.text
			if low == "at" {
				v, i = nextTok, i+1
			}
			// "at 9:00 pm": the meridiem written apart.
			if i+1 < len(toks) && !toks[i+1].quoted && meridiem(toks[i+1].text) != "" && !strings.ContainsAny(strings.ToLower(v), "apn") {
				v, i = v+meridiem(toks[i+1].text), i+1
			}
			c, err := schedule.ParseClock(v)
			if err != nil {
				return a, fmt.Errorf("time %s", err.Error())
			}
			if err := set("the time"); err != nil {
				return a, err
			}
			a.time = c
		case (low == "at" || low == "days") && nextTok == "" && i == len(toks)-1:
			what := "a time of day after it, like at 09:00"
			if low == "days" {
				what = "days of the week after it, like days mon-fri"
			}
			return a, fmt.Errorf("%s needs %s", low, what)
		case leading && low == "at" && nextTok != "":
			// "at" opening the line names the time (Discord's typed
			// option arrives so); a topic that starts with "at" is quoted.
			return a, fmt.Errorf("time %q is not a time of day: write it like 09:00, 9:30am or noon (quote a topic that starts with \"at\")", nextTok)
		case leading && low == "days" && nextTok != "" && !looksDays(nextTok):
			if _, err := schedule.ParseDays(nextTok); err != nil {
				return a, fmt.Errorf("days %s", err.Error())
			}
			return a, fmt.Errorf("days %q: write the days like daily, weekdays, mon-fri or mon,wed,fri", nextTok)
		case (low == "tz" || low == "timezone") && nextTok == "":
			return a, fmt.Errorf("%s needs a time zone after it, like %s Europe/Berlin", low, low)
		case (low == "tz" || low == "timezone") && nextTok != "", low == "zone" && looksZone(nextTok), leading && looksZone(t.text):
			v := t.text
			if !looksZone(t.text) || low == "tz" || low == "zone" || low == "timezone" {
				v, i = nextTok, i+1
			}
			loc, err := schedule.LoadZone(v)
			if err != nil {
				return a, zoneError(v, toks[i+1:], err)
			}
			if err := set("the time zone"); err != nil {
				return a, err
			}
			a.zone = loc.String()
		case low == "top" && isNumber(strings.TrimPrefix(nextTok, "-")), leading && !keyword && isNumber(t.text) && len(t.text) <= 2:
			v := t.text
			if low == "top" {
				v, i = nextTok, i+1
			}
			// One wording for every wrong top, typed or bare.
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > maxTop {
				return a, fmt.Errorf("top %s is not a number of papers from 1 to %d (like top 5)", bot.Truncate(v, 20), maxTop)
			}
			n, _ := strconv.Atoi(v)
			if err := set("the number of papers (top)"); err != nil {
				return a, err
			}
			a.top = n
		case (low == "days" || low == "on") && looksDays(nextTok), leading && bareDays(low), isDayWord(low):
			v := t.text
			if low == "days" || low == "on" {
				v, i = nextTok, i+1
			}
			// "days tue thu": the days may be separate words.
			for low == "days" || low == "on" {
				if i+1 >= len(toks) || toks[i+1].quoted || !oneDaySpec(toks[i+1].text) {
					break
				}
				v, i = v+","+toks[i+1].text, i+1
			}
			w, err := schedule.ParseDays(v)
			if err != nil {
				return a, fmt.Errorf("days %s", err.Error())
			}
			if err := set("the days"); err != nil {
				return a, err
			}
			a.days = w
		default:
			leading = false
			topic = append(topic, t.text)
		}
	}
	a.topic = strings.Join(topic, " ")
	return a, nil
}

// channelMentionError is parseSubscribe's refusal of a channel mention;
// the command words it, naming the slash command.
type channelMentionError struct{ mention string }

func (e channelMentionError) Error() string {
	return e.mention + " names a channel: a digest is set from inside the channel it is for"
}

// isChannelMention reports whether w names a channel: "#name" (how Slack
// hands over a channel typed in a command), Slack's "<#C0123|name>" or
// "<#C0123>", or Discord's "<#1234>". "#1" and "C#" are not.
func isChannelMention(w string) bool {
	if strings.HasPrefix(w, "<#") && strings.HasSuffix(w, ">") {
		id, _, _ := strings.Cut(w[2:len(w)-1], "|")
		return id != "" && !strings.ContainsFunc(id, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		})
	}
	name, ok := strings.CutPrefix(w, "#")
	return ok && strings.ContainsFunc(name, unicode.IsLetter) && !strings.ContainsFunc(name, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')
	})
}

// meridiem reads am or pm written as a word of its own, however dotted
// or followed ("pm", "P.M", "p.m.,"): "am", "pm", or "".
func meridiem(s string) string {
	t := strings.ReplaceAll(strings.ToLower(strings.TrimRight(s, ".,;")), ".", "")
	if t == "am" || t == "pm" {
		return t
	}
	return ""
}

// looksClock reports whether s is meant as a time of day (it may still be
// an invalid one, which is then an error rather than a topic word).

func looksClock(s string) bool {
	if s == "" {
		return false
	}
	l := strings.ToLower(s)
	if l == "noon" || l == "midnight" {
		return true
	}
	if !unicode.IsDigit(rune(l[0])) {
		return false
	}
	return strings.Contains(l, ":") || strings.HasSuffix(l, "am") || strings.HasSuffix(l, "pm")
}

// looksZone reports whether s is meant as a time zone: Area/City, UTC, GMT.
func looksZone(s string) bool {
	u := strings.ToUpper(s)
	if u == "UTC" || u == "GMT" {
		return true
	}
	area, city, ok := strings.Cut(s, "/")
	return ok && area != "" && city != "" && unicode.IsUpper(rune(area[0])) && !strings.ContainsAny(s, `:"`)
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isDayWord reports whether s names a set of days unambiguously, so it is
// read as one anywhere on the line.
func isDayWord(s string) bool {
	switch s {
	case "daily", "weekdays", "weekends", "everyday":
		return true
	}
	return false
}

// oneDaySpec reports whether s is one day or a range of days ("tue",
// "mon-fri"), as a further word of a "days" list.
func oneDaySpec(s string) bool {
	from, to, isRange := strings.Cut(strings.ToLower(s), "-")
	if _, ok := schedule.ParseDay(from); !ok {
		return false
	}
	if isRange {
		_, ok := schedule.ParseDay(to)
		return ok
	}
	return true
}

// looksDays reports whether s reads as days of the week (after "days"
// or "on").
func looksDays(s string) bool {
	l := strings.ToLower(s)
	if l == "" || l == "all" || !strings.ContainsFunc(l, unicode.IsLetter) {
		return false
	}
	_, err := schedule.ParseDays(l)
	return err == nil
}

// bareDays reports whether s, without a keyword, is surely days of the
// week: a list or range of days ("mon-fri", "mon,wed") or a full day name.
// A lone abbreviation ("sat", "sun") could be a topic word, so it needs
// "days" or "on" before it.
func bareDays(s string) bool {
	if isDayWord(s) {
		return true
	}
	if strings.ContainsAny(s, ",-") {
		return looksDays(s)
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if s == strings.ToLower(d.String()) {
			return true
		}
	}
	return false
}
