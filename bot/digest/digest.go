// Package digest is paperbot's daily trending digest: each subscribed
// channel gets the top trending papers at its own local time, one message
// per paper with its own discussion thread, exactly once. It keeps a
// ledger of every step (Ledger), runs the scheduler (Service.Run), answers
// the chat commands that manage it (Service.Commands, the core's
// bot.DigestService) and keeps the reply counts of the threads it started
// current (ReplyRefresh).
//
// It imports bot (messages, commands, the Poster it posts through) and bot
// never imports it: cmd/paperbot wires the two. The grammar of schedules
// (times, days, zones) is bot/digest/schedule, which the configuration
// reads too.
package digest

import (
	"context"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/paper"
)

// This file declares the daily digest's records and the durable state it
// consumes. The digest itself is in run.go (planning and posting),
// schedule.go (due times), scheduler.go (the scheduler), service.go (what
// chat asks of it) and commands.go (the chat commands); bot/store and
// bot/store/pgstore implement the state.

// Subscription is a channel's daily digest: when, where and what.
type Subscription struct {
	// Platform, Team and Channel say where to post (Team is the Slack team
	// or Discord guild; "" for the console).
	Platform    string `json:"platform"`
	Team        string `json:"team,omitempty"`
	Channel     string `json:"channel"`
	ChannelName string `json:"channel_name,omitempty"`
	// Time is the local time of day, "HH:MM" (24-hour).
	Time string `json:"time"`
	// Zone is an IANA time zone name ("Europe/Berlin", "UTC").
	Zone string `json:"zone"`
	// Days are the days of the week it is posted (none: every day).
	Days schedule.Weekdays `json:"days,omitempty"`
	// Top is how many papers at most one digest posts.
	Top int `json:"top"`
	// Topic is a query in the search language; "" means every paper.
	Topic string `json:"topic,omitempty"`
	// Source is SourceConfig for subscriptions from the configuration
	// file (changed only there) or SourceChat.
	Source string `json:"source"`
	// By is who subscribed from chat (user id), for the record.
	By string `json:"by,omitempty"`
	// Kind is "" for the daily digest, KindWeekly for the weekly recap
	// (whose Channel is then WeeklyChannel of the channel it posts to).
	Kind string `json:"kind,omitempty"`
	// Since is when the schedule took its current form. Occurrences due
	// before it are never posted: a new or changed subscription does not
	// catch up on a time that passed before it existed.
	Since time.Time `json:"since"`
}

// Where a subscription comes from.
const (
	SourceConfig = "config"
	SourceChat   = "chat"
)

// Where returns "#name" (or the channel id) for messages.
func (s Subscription) Where() string {
	if s.ChannelName != "" {
		if s.ChannelName[0] == '#' {
			return s.ChannelName
		}
		return "#" + s.ChannelName
	}
	return PostChannel(s.Channel)
}

// SameSchedule reports whether two subscriptions post the same thing at
// the same times (the fields that Since dates).
func (s Subscription) SameSchedule(o Subscription) bool {
	return s.Time == o.Time && s.Zone == o.Zone && s.Days == o.Days && s.Top == o.Top && s.Topic == o.Topic && s.Kind == o.Kind
}

// DayStatus is where one channel's digest of one day stands.
type DayStatus string

// Day statuses.
const (
	// DayOpen: planned; posting is under way or will resume.
	DayOpen DayStatus = "open"
	// DayDone: every step was done (or given up on and logged).
	DayDone DayStatus = "done"
	// DayEmpty: nothing new to post, so nothing was posted.
	DayEmpty DayStatus = "empty"
	// DaySkipped: missed by more than the grace window, or the platform
	// was not running; nothing was posted.
	DaySkipped DayStatus = "skipped"
)

// Day is the ledger entry of one channel's digest on one local date:
// the plan (which papers, in which order) and the state of every step.
// It is saved durably before and after each step.
type Day struct {
	Platform    string `json:"platform"`
	Team        string `json:"team,omitempty"`
	Channel     string `json:"channel"`
	ChannelName string `json:"channel_name,omitempty"`
	// Date is the local date, YYYY-MM-DD, in the subscription's zone.
	Date string    `json:"date"`
	Due  time.Time `json:"due"`
	Zone string    `json:"zone,omitempty"`
	// Topic is the topic query the plan was made with.
	Topic  string    `json:"topic,omitempty"`
	Status DayStatus `json:"status"`
	// Note says why a day was skipped or how it ended.
	Note       string     `json:"note,omitempty"`
	PlannedAt  time.Time  `json:"planned_at"`
	FinishedAt time.Time  `json:"finished_at,omitzero"`
	Header     Step       `json:"header"`
	Papers     []DayPaper `json:"papers,omitempty"`
	// Kind is KindWeekly for a week of a weekly recap, whose Recap is
	// what it posts (as its Header step); "" for a daily digest.
	Kind  string `json:"kind,omitempty"`
	Recap *Recap `json:"recap,omitempty"`
	// Window lists the papers in the channel's trending window when the
	// day was planned (the selected ones first); the store remembers the
	// first date each was seen, for "still trending, day N".
	Window []string `json:"window,omitempty"`
}

// DayPaper is one paper of a day's digest.
type DayPaper struct {
	Paper paper.Paper `json:"paper"`
	// Day is 1 for a paper new to the channel's trending window, N when
	// it was first seen there N-1 days before.
	Day int `json:"day"`
	// Post is the paper's message; Thread the discussion started on it.
	Post   Step `json:"post"`
	Thread Step `json:"thread"`
}

// Label is "new" or "still trending, day N".
func (p DayPaper) Label() string { return trendLabel(p.Day) }

// Step is one platform call of a digest (a message or a thread), recorded
// before and after it is made. A step whose attempt started (Claimed) but
// whose result was not recorded has an unknown outcome: it may have been
// posted. It is then looked up on the platform (PostFinder, ThreadFinder)
// rather than made again; when that is not possible it is given up
// (Unknown) so that it is never made twice.
type Step struct {
	// Key is the step's idempotency key, the same across restarts.
	Key string `json:"key"`
	// Claimed is when the last attempt started; zero when the step was
	// never tried or is known not to have happened.
	Claimed  time.Time `json:"claimed,omitzero"`
	Attempts int       `json:"attempts,omitempty"`
	// Done is when the step was confirmed.
	Done    time.Time      `json:"done,omitzero"`
	Message bot.MessageRef `json:"message,omitzero"`
	Thread  bot.ThreadRef  `json:"thread,omitzero"`
	// Unknown marks a step given up because its outcome could not be
	// found out; it is never tried again.
	Unknown bool `json:"unknown,omitempty"`
	// Skipped says why the step was not made (too late, unsubscribed...).
	Skipped string `json:"skipped,omitempty"`
	// Err is the last error, for the record.
	Err string `json:"err,omitempty"`
	// Refused is set when the last attempt was refused by the platform
	// (a channel it does not know or may not post in: refused), not
	// lost on the way.
	Refused bool `json:"refused,omitempty"`
}

// IsDone reports whether the step was confirmed.
func (s Step) IsDone() bool { return !s.Done.IsZero() }

// Pending reports whether the step still has to be made or resolved.
func (s Step) Pending() bool { return s.Done.IsZero() && !s.Unknown && s.Skipped == "" }

// Uncertain reports whether an attempt was made whose outcome is unknown.
func (s Step) Uncertain() bool { return s.Done.IsZero() && !s.Claimed.IsZero() && !s.Unknown }

// MaybeDone reports whether the step may have happened on the platform.
func (s Step) MaybeDone() bool { return !s.Done.IsZero() || !s.Claimed.IsZero() || s.Unknown }

// SentPapers splits the day's papers into those that may have been posted
// (never to be planned again in the channel) and those known not to be.
func (d Day) SentPapers() (sent, unsent []string) {
	for _, p := range d.Papers {
		if p.Post.MaybeDone() {
			sent = append(sent, p.Paper.ID)
		} else {
			unsent = append(unsent, p.Paper.ID)
		}
	}
	return sent, unsent
}

// Discussions returns the threads started by the day's digest.
func (d Day) Discussions() []bot.Discussion {
	var out []bot.Discussion
	for _, p := range d.Papers {
		t := p.Thread
		if !t.IsDone() || (t.Thread.ID == "" && t.Thread.URL == "") {
			continue
		}
		team := d.Team
		if team == "" {
			// A subscription configured without its workspace or guild:
			// the adapter said where it posted.
			team = p.Post.Message.Team
		}
		out = append(out, bot.Discussion{
			PaperID: p.Paper.ID, Platform: d.Platform, Team: team,
			Channel: d.Channel, ChannelName: d.ChannelName,
			ThreadID: t.Thread.ID, URL: t.Thread.URL, Started: t.Done,
		})
	}
	return out
}

// SubscriptionStore keeps subscriptions durably.
type SubscriptionStore interface {
	Subscriptions(ctx context.Context) ([]Subscription, error)
	// Subscription returns a channel's subscription; ok is false when
	// the channel has none.
	Subscription(ctx context.Context, platform, channel string) (s Subscription, ok bool, err error)
	PutSubscription(ctx context.Context, s Subscription) error
	// DeleteSubscription reports whether there was one to delete.
	DeleteSubscription(ctx context.Context, platform, channel string) (bool, error)
}

// Ledger keeps the digest's days durably. SaveDay must not return before
// the day is on disk: the exactly-once guarantee rests on it.
type Ledger interface {
	// Day returns a channel's day; ok is false when there is none.
	Day(ctx context.Context, platform, channel, date string) (d Day, ok bool, err error)
	// LastDay returns the channel's most recent day.
	LastDay(ctx context.Context, platform, channel string) (d Day, ok bool, err error)
	// OpenDays returns every day whose status is DayOpen.
	OpenDays(ctx context.Context) ([]Day, error)
	// SaveDay writes the day, and in the same transaction: the channel's
	// sent set (Day.SentPapers), the first-seen dates of the
	// window's papers (kept when already known) and the discussions
	// (Day.Discussions).
	SaveDay(ctx context.Context, d Day) error
	// Sent returns the ids of every paper that may have been posted to a
	// channel by a digest.
	Sent(ctx context.Context, platform, channel string) ([]string, error)
	// FirstSeen returns the date each of ids was first in the channel's
	// trending window (ids never seen are absent).
	FirstSeen(ctx context.Context, platform, channel string, ids []string) (map[string]string, error)
}

// Store is all the durable state of the digest.
type Store interface {
	SubscriptionStore
	Ledger
	bot.Discussions
}
