package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParseClockDaysZone(t *testing.T) {
	for in, want := range map[string]string{"9:00": "09:00", "09:05": "09:05", "23:59": "23:59", "0:00": "00:00", "12am": "00:00", "12pm": "12:00", "6:30pm": "18:30", "noon": "12:00", "midnight": "00:00", "7": "07:00", "9.15": "09:15"} {
		if got, err := ParseClock(in); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"24:00", "9:60", "nine", "", "9:5", "0am", "13pm", "-1:00", "123:00"} {
		if got, err := ParseClock(in); err == nil {
			t.Errorf("ParseClock(%q) = %q, want an error", in, got)
		}
	}
	for in, want := range map[string]string{"": "every day", "daily": "every day", "mon-sun": "every day", "weekdays": "weekdays", "mon-fri": "weekdays", "sat,sun": "weekends", "fri-mon": "mon,fri,sat,sun", "Tuesday thu": "tue,thu", "we": "wed"} {
		w, err := ParseDays(in)
		if err != nil || w.String() != want {
			t.Errorf("ParseDays(%q) = %s, %v; want %s", in, w, err, want)
		}
	}
	for _, in := range []string{"mon-xyz", "funday", "m"} {
		if _, err := ParseDays(in); err == nil {
			t.Errorf("ParseDays(%q): want an error", in)
		}
	}
	if _, err := LoadZone("Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "IANA") {
		t.Errorf("LoadZone(Mars/Olympus): %v", err)
	}
	if loc, err := LoadZone("utc"); err != nil || loc != time.UTC {
		t.Errorf("LoadZone(utc): %v %v", loc, err)
	}
}

// Every zone of the database is found in lower case, as the database
// spells it (not by capitalising words: America/Port-au-Prince,
// Etc/GMT+5, Antarctica/DumontDUrville).
func TestLoadZoneAnyCase(t *testing.T) {
	for _, name := range []string{"America/Port-au-Prince", "Etc/GMT+5", "Antarctica/DumontDUrville", "Europe/Isle_of_Man", "America/North_Dakota/New_Salem", "Europe/Berlin"} {
		for _, in := range []string{name, strings.ToLower(name), strings.ToUpper(name), " " + strings.ToLower(name) + " "} {
			loc, err := LoadZone(in)
			if err != nil || loc.String() != name {
				t.Errorf("LoadZone(%q) = %v, %v; want %s", in, loc, err, name)
			}
		}
	}
	for _, bad := range []string{"Mars/Olympus", "europe", "europe/", "berlin", "Local", "local"} {
		if loc, err := LoadZone(bad); err == nil {
			t.Errorf("LoadZone(%q) = %v, want an error", bad, loc)
		}
	}
}
