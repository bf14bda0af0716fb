// Package schedule is the grammar of the digest's schedules, the one
// definition that chat (/papers subscribe) and the configuration file
// (digest.subscriptions, digest.default_time, digest.default_timezone)
// both read: times of day (ParseClock), days of the week (ParseDays,
// Weekdays) and time zones (LoadZone). It imports only the standard
// library, so that the configuration can use it without the digest.
package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Weekdays is a set of days of the week (bit i is time.Weekday(i)). The
// empty set means every day.
type Weekdays uint8

// Common sets.
const (
	EveryDay Weekdays = 0
	WorkWeek Weekdays = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	Weekend  Weekdays = 1<<time.Saturday | 1<<time.Sunday
	allDays  Weekdays = WorkWeek | Weekend
)

// Has reports whether d is in the set (every day is in the empty set).
func (w Weekdays) Has(d time.Weekday) bool { return w == EveryDay || w == allDays || w&(1<<d) != 0 }

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// String is "every day", "weekdays", "weekends" or a list like "mon,wed,fri".
func (w Weekdays) String() string {
	switch w {
	case EveryDay, allDays:
		return "every day"
	case WorkWeek:
		return "weekdays"
	case Weekend:
		return "weekends"
	}
	var parts []string
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if w&(1<<d) != 0 {
			parts = append(parts, dayNames[d])
		}
	}
	return strings.Join(parts, ",")
}

// ParseDays reads a set of days: "daily" (or "every day", "all", ""),
// "weekdays", "weekends", day names and ranges separated by commas or
// spaces ("mon-fri", "mon,wed,fri", "tue thu", "monday"). Ranges wrap
// ("fri-mon").
func ParseDays(s string) (Weekdays, error) {
	return parseDays(s, "use mon, tue, ... or a range like mon-fri")
}

// parseDays is ParseDays; use says how to write a day.
func parseDays(s, use string) (Weekdays, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "", "daily", "every day", "everyday", "all", "*":
		return EveryDay, nil
	case "weekdays", "workdays":
		return WorkWeek, nil
	case "weekends", "weekend":
		return Weekend, nil
	}
	var w Weekdays
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := ParseDay(from)
		if !ok {
			return 0, fmt.Errorf("%q is not a day of the week (%s)", from, use)
		}
		if !isRange {
			w |= 1 << a
			continue
		}
		b, ok := ParseDay(to)
		if !ok {
			return 0, fmt.Errorf("%q is not a day of the week (%s)", to, use)
		}
		for d := a; ; d = (d + 1) % 7 {
			w |= 1 << d
			if d == b {
				break
			}
		}
	}
	if w == allDays {
		return EveryDay, nil
	}
	return w, nil
}

// ParseDay reads one day of the week: its name or an abbreviation of at
// least three letters ("tue", "tues", "Tuesday"), or the two-letter one
// ("tu").
func ParseDay(s string) (time.Weekday, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, false
	}
	for i, n := range dayNames {
		full := strings.ToLower(time.Weekday(i).String())
		if strings.HasPrefix(full, s) && (len(s) >= 3 || s == n[:2]) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// ParseClock reads a time of day: "09:00", "9:30", "18:05", "9" (09:00),
// "9am", "6:30pm", "noon", "midnight". It returns the canonical "HH:MM".
func ParseClock(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "noon":
		return "12:00", nil
	case "midnight":
		return "00:00", nil
	}
	suffix := ""
	for _, x := range []string{"am", "pm", "a.m.", "p.m."} {
		if strings.HasSuffix(t, x) {
			suffix = x[:1]
			t = strings.TrimSpace(strings.TrimSuffix(t, x))
			break
		}
	}
	hs, ms, hasMin := strings.Cut(t, ":")
	if !hasMin {
		hs, ms, hasMin = strings.Cut(t, ".")
	}

	h, err := strconv.Atoi(hs)
	if err != nil || len(hs) > 2 || strings.ContainsAny(hs, "+-") {
		return "", fmt.Errorf("%q is not a time of day (use HH:MM, like 09:00 or 17:30)", s)
	}
	m := 0
	if hasMin {
		m, err = strconv.Atoi(ms)
		if err != nil || len(ms) != 2 || strings.ContainsAny(ms, "+-") {
			return "", fmt.Errorf("%q is not a time of day: minutes must be two digits (like 09:05)", s)
		}
	}
	switch suffix {
	case "a", "p":
		if h < 1 || h > 12 {
			return "", fmt.Errorf("%q is not a time of day: with am/pm the hour is 1-12", s)
		}
		h %= 12
		if suffix == "p" {
			h += 12
		}
	default:
		if h > 23 {
			return "", fmt.Errorf("%q is not a time of day: the hour must be 00-23", s)
		}
	}
	if m > 59 {
		return "", fmt.Errorf("%q is not a time of day: the minutes must be 00-59", s)
	}
	return fmt.Sprintf("%02d:%02d", h, m), nil
}

// LoadZone loads an IANA time zone, with an error that says what to write.
// Binaries embed the zone database (time/tzdata), so this does not depend
// on the host.
func LoadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fmt.Errorf("no time zone given (use an IANA name like Europe/Berlin or America/New_York)")
	}
	if strings.EqualFold(name, "utc") || strings.EqualFold(name, "gmt") {
		return time.UTC, nil
	}
	if strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("%q is not allowed: name the zone (like Europe/Berlin) so the schedule does not depend on the server", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Zone names are case-sensitive; accept "europe/berlin" too, as the
		// database spells it (America/Port-au-Prince, Etc/GMT+5).
		if canon, ok := zoneName(name); ok {
			if loc, err2 := time.LoadLocation(canon); err2 == nil {
				return loc, nil
			}
		}
		if z := SuggestZone(name); z != "" {
			return nil, fmt.Errorf("%q is not a known time zone (did you mean %s?)", name, z)
		}
		return nil, fmt.Errorf("%q is not a known time zone (use an IANA name like Europe/Berlin or America/New_York)", name)
	}
	return loc, nil
}

// ZoneNote warns about a zone that keeps one UTC offset all year although
// its name reads like a region's local time (EST, MST, Etc/GMT+5): it has
// no daylight saving time, which is rarely what was meant. "" for the
// others: UTC, and zones named for a place, with daylight saving time or
// without (Asia/Tokyo keeps its offset, and that is Tokyo's time).
func ZoneNote(name string, loc *time.Location) string {
	winter := time.Date(2025, 1, 15, 12, 0, 0, 0, loc)
	_, off := winter.Zone()
	if _, summer := time.Date(2025, 7, 15, 12, 0, 0, 0, loc).Zone(); summer != off {
		return ""
	}
	upper := strings.ToUpper(name)
	etc := strings.HasPrefix(upper, "ETC/GMT") && upper != "ETC/GMT"
	if off == 0 && !etc || strings.Contains(name, "/") && !etc {
		return ""
	}
	sign := "+"
	if off < 0 {
		sign, off = "−", -off
	}
	offset := fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
	if etc {
		return fmt.Sprintf("Note: %s is %s all year (the sign of Etc/GMT zones is the reverse of the offset), with no daylight saving time. For a place's time, use its Area/City name, like America/New_York.", name, offset)
	}
	var place, zone string
	switch upper {
	case "HST":
		return "" // Hawaii keeps standard time all year

	case "EST":
		place, zone = "New York", "America/New_York"
	case "MST":
		place, zone = "Denver", "America/Denver"
	}
	if zone == "" {
		return fmt.Sprintf("Note: %s is %s all year, with no daylight saving time. For a place's time, use its Area/City name, like America/New_York.", name, offset)
	}
	return fmt.Sprintf("Note: %s is %s all year, with no daylight saving time: in summer the digest comes an hour late by the clocks in %s. For their time, use tz %s.", name, offset, place, zone)
}

//go:generate go run ./internal/zonegen -o zonenames.go

// zoneName finds a zone of the database by its name in any case:
// "america/new_york" → "America/New_York".
func zoneName(name string) (string, bool) {
	for z := range strings.Lines(zoneNames) {
		z = strings.TrimSuffix(z, "\n")
		if z != "" && strings.EqualFold(z, name) {
			return z, true
		}
	}
	return "", false
}

// ParseWeekday reads the one day of the week a weekly schedule posts on,
// in the grammar of ParseDays ("fri", "Friday", "days fri"), and refuses a
// set of several days with a message that says so.
func ParseWeekday(s string) (time.Weekday, error) {
	w, err := parseDays(s, "use one day: mon, tue, ... or its name, like friday")
	if err != nil {
		return 0, err
	}
	var only []time.Weekday
	for d := time.Sunday; d <= time.Saturday; d++ {
		if w != EveryDay && w&(1<<d) != 0 {
			only = append(only, d)
		}
	}
	if len(only) != 1 {
		return 0, fmt.Errorf("%q is %s, not one day: a weekly schedule posts on one day of the week (like fri)", strings.TrimSpace(s), w)
	}
	return only[0], nil
}

// Day is the set of one day.
func Day(d time.Weekday) Weekdays { return 1 << d }
