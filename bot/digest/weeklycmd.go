package digest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/fault"
)

// The chat commands of the weekly recap: `subscribe weekly [at HH:MM] [tz
// Area/City] [day fri]`, `unsubscribe weekly` and `digest preview weekly`.
// They read times, zones and days with the daily digest's grammar.

// weeklyUsage is the usage of `subscribe weekly`, as its refusals show it.
const weeklyUsage = "weekly [at HH:MM] [tz Area/City] [day fri]"

// weeklyArgs reports whether a command's arguments start with "weekly",
// and returns the rest.
func weeklyArgs(args string) (string, bool) {
	first, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	if !strings.EqualFold(first, "weekly") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// weeklyInTopic reports whether the topic subscribe read starts with the
// word weekly (the keyword parts came first, as Discord's typed options
// do), and returns the arguments without that word.
func weeklyInTopic(args, topic string) (string, bool) {
	first, _, _ := strings.Cut(topic, " ")
	if !strings.EqualFold(first, "weekly") {
		return "", false
	}
	f := strings.Fields(args)
	i := slices.IndexFunc(f, func(w string) bool { return strings.EqualFold(w, "weekly") })
	return strings.Join(slices.Delete(f, i, i+1), " "), true
}

// weeklyArgsOf are the parts of `subscribe weekly`: empty ones take the
// defaults (the digest's time and zone, Friday).
type weeklyArgsOf struct {
	time, zone string
	day        string // "" for the default
}

// parseWeekly reads `[at HH:MM] [tz Area/City] [day D]` (day may also be
// written days or on, and the bare forms of subscribe are read too).
func parseWeekly(s string) (weeklyArgsOf, error) {
	var w weeklyArgsOf
	var rest []string
	f := strings.Fields(s)
	for i := 0; i < len(f); i++ {
		switch strings.ToLower(f[i]) {
		case "day", "days", "on":
			if i+1 == len(f) {
				return w, fmt.Errorf("%s needs a day of the week after it, like day fri", strings.ToLower(f[i]))
			}
			if w.day != "" {
				return w, fmt.Errorf("the day is given twice")
			}
			d, err := schedule.ParseWeekday(f[i+1])
			if err != nil {
				return w, fmt.Errorf("day %s", err.Error())
			}
			w.day, i = d.String(), i+1
		default:
			rest = append(rest, f[i])
		}
	}
	a, err := parseSubscribe(strings.Join(rest, " "), defaultMaxTop)
	if err != nil {
		return w, err
	}
	switch {
	case a.topic != "":
		return w, fmt.Errorf("a weekly recap has no topic (%s was not understood): it lists whatever the team engaged with", quoteTopic(bot.Truncate(a.topic, 60)))
	case a.top != 0:
		return w, fmt.Errorf("a weekly recap has no top: it lists the papers the team engaged with most")
	}
	w.time, w.zone = a.time, a.zone
	if a.days != schedule.EveryDay && w.day != "" {
		return w, fmt.Errorf("the day is given twice")
	}
	if a.days != schedule.EveryDay {
		d, err := schedule.ParseWeekday(a.days.String())
		if err != nil {
			return w, fmt.Errorf("day %s", err.Error())
		}
		w.day = d.String()
	}
	return w, nil
}

func (c commands) subscribeWeekly(ctx context.Context, req *bot.Request, rw bot.Responder, args string) error {
	a, err := parseWeekly(args)
	if err != nil {
		return c.weeklyNotChanged(fault.Wrap(fault.Invalid, err, "%s", err.Error()))
	}
	day := DefaultWeeklyDay
	if a.day != "" {
		day, _ = schedule.ParseDay(strings.ToLower(a.day))
	}
	res, err := c.m.Subscribe(ctx, Weekly(Subscription{
		Platform: req.Platform, Team: req.Team, Channel: req.Channel, ChannelName: c.channelName(ctx, req),
		Time: a.time, Zone: a.zone, By: req.User,
	}, day))
	if err != nil {
		return c.weeklyNotChanged(err)
	}
	s := res.Sub
	verb := "set"
	if res.Replaced {
		verb = changedVerb(res)
	}
	cmd := "/" + c.command
	lines := []string{fmt.Sprintf("Weekly recap %s for %s: %s, the papers the team here engaged with most over the past 7 days (replies, reactions, saves) and those posted that nobody opened, in one message.",
		verb, hereLabel(s), describeWeekly(s))}
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
	lines = append(lines, fmt.Sprintf("A week with nothing posted and nothing engaged posts nothing. %s digest preview weekly shows it now; %s unsubscribe weekly stops it.", cmd, cmd))
	text := strings.Join(lines, " ")
	return rw.Reply(ctx, bot.Message{Kind: bot.KindNotice, Text: text, Intro: text})
}

// weeklyNotChanged is notChanged for `subscribe weekly`.
func (c commands) weeklyNotChanged(err error) error {
	if !fault.Is(err, fault.Invalid) {
		return err
	}
	msg := strings.TrimRight(strings.TrimSpace(fault.UserMessage(err)), ".:;")
	usage := fmt.Sprintf(" Usage: /%s subscribe %s", c.command, weeklyUsage)
	if strings.Contains(err.Error(), errSetInConfig.Error()) {
		usage = ""
	}
	return fault.Wrap(fault.Invalid, err, "Weekly recap not changed: %s.%s", msg, usage)
}

func (c commands) unsubscribeWeekly(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	s, err := c.m.Unsubscribe(ctx, req.Platform, WeeklyChannel(req.Channel))
	if err != nil {
		return err
	}
	text := fmt.Sprintf("The weekly recap of %s is stopped. %s", hereLabel(s), c.remains(ctx, req, false))
	return rw.Reply(ctx, bot.Message{Kind: bot.KindNotice, Text: text, Intro: text})
}

// remains says what the channel still gets after its daily digest
// (daily) or its weekly recap was stopped.
func (c commands) remains(ctx context.Context, req *bot.Request, daily bool) string {
	subs, err := c.m.Subscriptions(ctx, req.Platform, req.Team)
	if err != nil {
		return ""
	}
	for _, s := range subs {
		if PostChannel(s.Channel) != req.Channel || s.IsWeekly() != daily {
			continue
		}
		if daily {
			return fmt.Sprintf("Its weekly recap stays (%s; /%s unsubscribe weekly stops it).", describeWeekly(s), c.command)
		}
		return fmt.Sprintf("Its daily digest stays (%s; /%s unsubscribe stops it).", describeSchedule(s), c.command)
	}
	return "Nothing is posted here on a schedule any more."
}

// withWeekly adds to the NotFound error of a daily unsubscribe that the
// channel's weekly recap, when it has one, stays.
func (c commands) withWeekly(ctx context.Context, req *bot.Request, err error) error {
	if !fault.Is(err, fault.NotFound) {
		return err
	}
	if r := c.remains(ctx, req, true); strings.HasPrefix(r, "Its weekly") {
		return fault.Wrap(fault.NotFound, err, "This channel has no daily digest. %s", r)
	}
	return err
}

func (c commands) previewWeekly(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	pv, err := c.m.Preview(ctx, req.Platform, WeeklyChannel(req.Channel))
	if err != nil {
		return err
	}
	return rw.Reply(ctx, RecapPreviewMessage(pv, c.command))
}
