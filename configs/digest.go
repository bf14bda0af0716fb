package configs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Digest configures the daily trending digest (docs/digest.md).
type Digest struct {
	// Grace is how late a missed post may still be made on start-up (default 6h).
	Grace time.Duration `yaml:"grace" range:"1m,24h"`
	// DefaultTime, DefaultTimezone and DefaultTop fill what a subscription
	// (from chat or from this file) leaves out: "09:00", "UTC" and 5.
	DefaultTime     string `yaml:"default_time"`
	DefaultTimezone string `yaml:"default_timezone"`
	DefaultTop      int    `yaml:"default_top"`
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
	// Time is the local time of day, HH:MM (default digest.default_time).
	Time string `yaml:"time"`
	// Timezone is an IANA zone such as Europe/Berlin (default
	// digest.default_timezone).
	Timezone string `yaml:"timezone"`
	// Days are the days of the week: daily (default), weekdays, weekends,
	// mon-fri, "mon,wed,fri".
	Days string `yaml:"days"`
	// Top is how many papers at most (1-10, default digest.default_top).
	Top int `yaml:"top"`
	// Topic is a search query; only matching papers are posted ("" for all).
	Topic string `yaml:"topic"`
}

func (d *Digest) finish(env Env) error {
	if d.Grace == 0 {
		d.Grace = 6 * time.Hour
	}
	if d.DefaultTime == "" {
		d.DefaultTime = "09:00"
	}
	if err := checkClock(d.DefaultTime); err != nil {
		return fmt.Errorf("digest.default_time: %w", err)
	}
	if d.DefaultTimezone == "" {
		d.DefaultTimezone = "UTC"
	}
	if err := checkZone(d.DefaultTimezone); err != nil {
		return fmt.Errorf("digest.default_timezone: %w", err)
	}
	if d.DefaultTop == 0 {
		d.DefaultTop = 5
	}
	if d.DefaultTop < 1 || d.DefaultTop > MaxTop {
		return fmt.Errorf("digest.default_top: %d is not between 1 and %d", d.DefaultTop, MaxTop)
	}
	seen := map[string]int{}
	for i := range d.Subscriptions {
		s := &d.Subscriptions[i]
		where := fmt.Sprintf("digest.subscriptions[%d]", i)
		if err := s.finish(); err != nil {
			return fmt.Errorf("%s.%w", where, err)
		}
		key := s.Platform + ":" + s.Channel
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
	if s.Time != "" {
		if err := checkClock(s.Time); err != nil {
			return fmt.Errorf("time: %w", err)
		}
	}
	if s.Timezone != "" {
		if err := checkZone(s.Timezone); err != nil {
			return fmt.Errorf("timezone: %w", err)
		}
	}
	if err := checkDays(s.Days); err != nil {
		return fmt.Errorf("days: %w", err)
	}
	if s.Top < 0 || s.Top > MaxTop {
		return fmt.Errorf("top: %d is not between 1 and %d", s.Top, MaxTop)
	}
	return nil
}

// checkClock accepts HH:MM, 24-hour.
func checkClock(s string) error {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return fmt.Errorf("%q is not a time of day written HH:MM (like 09:00 or 17:30)", s)
	}
	return nil
}

// checkZone accepts an IANA zone name (the binary embeds the database).
func checkZone(s string) error {
	if strings.EqualFold(s, "local") {
		return fmt.Errorf("%q is not allowed: name the zone (like Europe/Berlin) so the schedule does not depend on the server", s)
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fmt.Errorf("%q is not a known IANA time zone (like Europe/Berlin or America/New_York)", s)
	}
	return nil
}

var dayWords = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// checkDays accepts daily, weekdays, weekends, and days or ranges of days
// separated by commas or spaces (mon-fri, "mon,wed,fri", tuesday).
func checkDays(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "", "daily", "every day", "everyday", "all", "weekdays", "workdays", "weekends", "weekend":
		return nil
	}
	isDay := func(w string) bool {
		for i, d := range dayWords {
			full := strings.ToLower(time.Weekday(i).String())
			if len(w) >= 2 && strings.HasPrefix(full, w) && (len(w) >= 3 || w == d[:2]) {
				return true
			}
		}
		return false
	}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		from, to, isRange := strings.Cut(part, "-")
		if !isDay(from) || (isRange && !isDay(to)) {
			return fmt.Errorf("%q is not a set of days (use daily, weekdays, weekends, mon-fri or mon,wed,fri)", s)
		}
	}
	return nil
}
