package configs

import (
	"fmt"
	"github.com/paperbot/paperbot/bot/engage"
	"strings"
	"time"

	"github.com/paperbot/paperbot/bot/digest/schedule"
)

// Digest configures the daily trending digest (docs/digest.md).
type Digest struct {
	// Grace is how late a missed post may still be made on start-up (default 6h).
	Grace time.Duration `yaml:"grace" range:"1m,24h"`
	// DefaultTime, DefaultTimezone and DefaultTop fill what a subscription
	// (from chat or from this file) leaves out: "09:00", "UTC" and 5.
	DefaultTime     string `yaml:"default_time"`
	DefaultTimezone string `yaml:"default_timezone"`
	DefaultTop      int    `yaml:"default_top" range:"1,10"` // MaxTop
	// BookmarkEmoji is the reaction that saves a paper for the person who
	// adds it on a digest post: a Slack short name or an emoji (default
	// "bookmark", which is 🔖 on Discord too).
	BookmarkEmoji string `yaml:"bookmark_emoji"`
	// Subscriptions are channels subscribed by the configuration file.
	// They are changed only here: /papers subscribe and unsubscribe
	// refuse to touch them.
	Subscriptions []Subscription `yaml:"subscriptions"`
}

// MaxTop is the most papers one digest posts.
const MaxTop = 10

// Subscription is one channel's daily digest.
type Subscription struct {
	// Platform is slack, discord or console.
	Platform string `yaml:"platform"`
	// Team is the Slack team id (T…); Guild is the Discord server id
	// (either name may be used). Optional: a discussion link shows only
	// in its own workspace or guild, and without it the adapter finds it
	// (Slack: the bot token's workspace; Discord: the channel's server).
	Team  string `yaml:"team"`
	Guild string `yaml:"guild"`
	// Channel is the channel id to post to (Slack C…, a Discord channel
	// snowflake).
	Channel string `yaml:"channel"`
	// ChannelName is the name shown in "discussed in #…" links.
	ChannelName string `yaml:"channel_name"`
	// Time is the local time of day (default digest.default_time), in
	// chat's grammar ("09:30", "9:30", "6pm", "noon"); kept as HH:MM.
	Time string `yaml:"time"`
	// Timezone is an IANA zone such as Europe/Berlin, in any case
	// (default digest.default_timezone); kept as the database spells it.
	Timezone string `yaml:"timezone"`
	// Days are the days of the week: daily (default), weekdays, weekends,
	// mon-fri, "mon,wed,fri".
	Days string `yaml:"days"`
	// Top is how many papers at most (1-10, default digest.default_top).
	Top int `yaml:"top"`
	// Topic is a search query; only matching papers are posted ("" for all).
	Topic string `yaml:"topic"`
	// Kind is daily (the default: the daily digest) or weekly: the weekly
	// recap of the papers the channel's team engaged with (docs/digest.md,
	// Weekly recap). A channel may be listed once of each kind.
	Kind string `yaml:"kind"`
	// Day is the day of the week a weekly recap is posted (default fri),
	// in chat's grammar (fri, Friday); only for kind: weekly. Kept as the
	// three-letter name.
	Day string `yaml:"day"`
	// At is where the file writes it ("paperbot.yaml:14:5:
	// digest.subscriptions[1]"), for the messages about it at run time.
	At string `yaml:"-"`
}

// Weekly reports whether the entry is a weekly recap.
func (s Subscription) Weekly() bool { return s.Kind == "weekly" }

func (d *Digest) finish(env Env) error {
	if d.Grace == 0 {
		d.Grace = 6 * time.Hour
	}
	if d.DefaultTime == "" {
		d.DefaultTime = "09:00"
	}
	var err error
	if d.DefaultTime, err = normClock(d.DefaultTime); err != nil {
		return fmt.Errorf("digest.default_time: %w", err)
	}
	if d.DefaultTimezone == "" {
		d.DefaultTimezone = "UTC"
	}
	if d.DefaultTimezone, err = normZone(d.DefaultTimezone); err != nil {
		return fmt.Errorf("digest.default_timezone: %w", err)
	}
	if d.DefaultTop == 0 {
		d.DefaultTop = 5
	}
	if d.BookmarkEmoji == "" {
		d.BookmarkEmoji = "bookmark"
	}
	if d.BookmarkEmoji, err = engage.CheckEmoji(d.BookmarkEmoji); err != nil {
		return fmt.Errorf("digest.bookmark_emoji: %w", err)
	}
	seen := map[string]int{}
	for i := range d.Subscriptions {
		s := &d.Subscriptions[i]
		where := fmt.Sprintf("digest.subscriptions[%d]", i)
		if err := s.finish(); err != nil {
			return fmt.Errorf("%s.%w", where, err)
		}
		key := s.Platform + ":" + s.Channel
		if s.Weekly() {
			key += " (weekly)"
		}
		if j, dup := seen[key]; dup {
			return fmt.Errorf("%s: channel %s is already subscribed by digest.subscriptions[%d]", where, key, j)
		}
		seen[key] = i
	}
	return nil
}

func (s *Subscription) finish() error {
	s.Platform = strings.ToLower(strings.TrimSpace(s.Platform))
	switch s.Platform {
	case "slack", "discord", "console":
	case "":
		return fmt.Errorf("platform: missing (slack, discord or console)")
	default:
		return fmt.Errorf("platform: %q is not slack, discord or console", s.Platform)
	}
	if s.Team != "" && s.Guild != "" && s.Team != s.Guild {
		return fmt.Errorf("team: %q and guild %q disagree (they are the same field; give one)", s.Team, s.Guild)
	}
	if s.Team == "" {
		s.Team = s.Guild
	}
	s.Guild = ""
	s.Channel = strings.TrimSpace(s.Channel)
	if s.Channel == "" {
		return fmt.Errorf("channel: missing (the channel id, like C0123ABCDEF on Slack)")
	}
	if strings.HasPrefix(s.Channel, "#") {
		return fmt.Errorf("channel: %q is a name; give the channel id (and the name as channel_name)", s.Channel)
	}
	s.ChannelName = strings.TrimPrefix(strings.TrimSpace(s.ChannelName), "#")
	var err error
	if s.Time != "" {
		if s.Time, err = normClock(s.Time); err != nil {
			return fmt.Errorf("time: %w", err)
		}
	}
	if s.Timezone != "" {
		if s.Timezone, err = normZone(s.Timezone); err != nil {
			return fmt.Errorf("timezone: %w", err)
		}
	}
	if err := checkDays(s.Days); err != nil {
		return fmt.Errorf("days: %w", err)
	}
	if s.Top < 0 || s.Top > MaxTop {
		return fmt.Errorf("top: %d is not between 1 and %d", s.Top, MaxTop)
	}
	return s.finishKind()
}

// finishKind checks the parts that depend on the kind: a weekly recap has
// one day and neither days, top nor topic; a daily digest has no day.
func (s *Subscription) finishKind() error {
	s.Kind = strings.ToLower(strings.TrimSpace(s.Kind))
	switch s.Kind {
	case "", "daily":
		s.Kind = ""
		if s.Day != "" {
			return fmt.Errorf("day: only a weekly recap (kind: weekly) has a day; the daily digest takes days (like days: mon-fri)")
		}
		return nil
	case "weekly":
	default:
		return fmt.Errorf("kind: %q is neither daily nor weekly", s.Kind)
	}
	switch {
	case s.Days != "":
		return fmt.Errorf("days: a weekly recap posts on one day: write day (like day: fri)")
	case s.Top != 0:
		return fmt.Errorf("top: a weekly recap has no top: it lists the papers the team engaged with most")
	case s.Topic != "":
		return fmt.Errorf("topic: a weekly recap has no topic: it lists whatever the team engaged with")
	}
	if s.Day == "" {
		s.Day = "fri"
	}
	d, err := schedule.ParseWeekday(s.Day)
	if err != nil {
		return fmt.Errorf("day: %w", err)
	}
	s.Day = strings.ToLower(d.String()[:3])
	return nil
}

// The schedule's grammar is the digest's (bot/digest/schedule), so that a
// time, zone or set of days means the same in this file as in chat
// (/papers subscribe): "9:30", "6pm", "europe/berlin", "utc", "mon-fri".

// normClock checks a time of day and returns it as HH:MM.
func normClock(s string) (string, error) { return schedule.ParseClock(s) }

// normZone checks an IANA time zone name (any case; "local" is refused)
// and returns it as the database spells it.
func normZone(s string) (string, error) {
	loc, err := schedule.LoadZone(s)
	if err != nil {
		return "", err
	}
	return loc.String(), nil
}

// checkDays checks a set of days (daily, weekdays, mon-fri, "mon,wed,fri").
func checkDays(s string) error {
	_, err := schedule.ParseDays(s)
	return err
}
