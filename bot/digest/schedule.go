package digest

import (
	"strconv"
	"time"

	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/fault"
)

// This file is the schedule of a subscription: its checks and its due
// times. The grammar of times, days and zones is bot/digest/schedule's.

// Validate checks a subscription and says which part is wrong.
func (s Subscription) Validate(maxTop int) error {
	if s.Platform == "" || s.Channel == "" {
		return fault.New(fault.Invalid, "a digest needs a platform and a channel")
	}
	if c, err := schedule.ParseClock(s.Time); err != nil {
		return fault.New(fault.Invalid, "time: %s", err.Error())
	} else if c != s.Time {
		return fault.New(fault.Invalid, "time: %q must be written HH:MM (%s)", s.Time, c)
	}
	if _, err := schedule.LoadZone(s.Zone); err != nil {
		return fault.New(fault.Invalid, "time zone: %s", err.Error())
	}
	switch s.Kind {
	case "":
	case KindWeekly:
		if _, err := schedule.ParseWeekday(s.Days.String()); err != nil || s.Channel != WeeklyChannel(s.Channel) {
			return fault.New(fault.Invalid, "a weekly recap posts on one day of the week, not %s", s.Days)
		}
	default:
		return fault.New(fault.Invalid, "kind: %q is neither daily nor weekly", s.Kind)
	}
	if s.Top < 1 || s.Top > maxTop {
		return fault.New(fault.Invalid, "top: %d papers is not between 1 and %d", s.Top, maxTop)
	}
	return nil
}

// occurrence is one due time of a subscription.
type occurrence struct {
	// Date is the local date, YYYY-MM-DD.
	Date string
	Due  time.Time
}

// clock returns the hour and minute of a validated "HH:MM".
func clockOf(s string) (h, m int) {
	if len(s) != 5 {
		return 0, 0
	}
	h, _ = strconv.Atoi(s[:2])
	m, _ = strconv.Atoi(s[3:])
	return h, m
}

// dueOn is the due time on the local date y-m-d: across a DST change the
// wall-clock time stays the same. A time that does not exist that day
// (skipped by a spring-forward change) is posted later by the length of
// the gap (02:30 → 03:30), on that day; a time that occurs twice (fall
// back) is its second occurrence, and is posted once: the ledger is keyed
// by date.
func dueOn(y int, mo time.Month, d int, hh, mm int, loc *time.Location) occurrence {
	// Take the date from noon, which exists on every day in every zone.
	day := time.Date(y, mo, d, 12, 0, 0, 0, loc)
	return occurrence{
		Date: day.Format(time.DateOnly),
		Due:  wallTime(day.Year(), day.Month(), day.Day(), hh, mm, loc),
	}
}

// wallTime is the instant the clocks of loc show hh:mm on y-m-d. time.Date
// leaves the choice open where a DST change skips or repeats that time,
// and its choice depends on the side of UTC the zone is on (a skipped
// 02:30 is 03:30 in Berlin but 01:30 in New York, a skipped 00:30 in
// Santiago 23:30 the day before), so both cases are decided here: the
// latest instant that shows the time, or, when none does, the time read
// with the offset in effect before the gap, which the clocks show later
// by the gap.
func wallTime(y int, mo time.Month, d, hh, mm int, loc *time.Location) time.Time {
	naive := time.Date(y, mo, d, hh, mm, 0, 0, time.UTC)
	// The offsets a day either side: a zone changes them at most once
	// around a given time of day.
	_, before := naive.Add(-24 * time.Hour).In(loc).Zone()
	_, after := naive.Add(24 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		t := naive.Add(-time.Duration(off) * time.Second).In(loc)
		if _, o := t.Zone(); o == off && t.After(best) {
			best = t
		}
	}
	if best.IsZero() {
		best = naive.Add(-time.Duration(before) * time.Second).In(loc)
	}
	return best
}

// latest returns the latest occurrence due at or before now on an allowed
// day (looking back at most a week).
func latest(s Subscription, loc *time.Location, now time.Time) (occurrence, bool) {
	hh, mm := clockOf(s.Time)
	local := now.In(loc)
	for i := 0; i <= 7; i++ {
		o := dueOn(local.Year(), local.Month(), local.Day()-i, hh, mm, loc)
		if o.Due.After(now) || !s.Days.Has(o.weekday()) {
			continue
		}
		return o, true
	}
	return occurrence{}, false
}

// next returns the first occurrence due strictly after now.
func next(s Subscription, loc *time.Location, now time.Time) (occurrence, bool) {
	hh, mm := clockOf(s.Time)
	local := now.In(loc)
	for i := 0; i <= 8; i++ {
		o := dueOn(local.Year(), local.Month(), local.Day()+i, hh, mm, loc)
		if !o.Due.After(now) || !s.Days.Has(o.weekday()) {
			continue
		}
		return o, true
	}
	return occurrence{}, false
}

// weekday is the day of the week of the local date.
func (o occurrence) weekday() time.Weekday {
	t, _ := time.Parse(time.DateOnly, o.Date)
	return t.Weekday()
}

// daysBetween is the number of calendar days from date a to date b (both
// YYYY-MM-DD); 0 when either does not parse.
func daysBetween(a, b string) int {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours()/24 + 0.5)
}

// describeSchedule is "every day at 09:00 Europe/Berlin".
func describeSchedule(s Subscription) string {
	return s.Days.String() + " at " + s.Time + " " + s.Zone
}
