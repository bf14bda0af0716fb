package schedule

import (
	"strings"
	"testing"
)

// A zone that is not one is refused with the zone it likely meant: a
// city alone, a typo, an abbreviation the database lacks, an offset.
func TestLoadZoneSuggests(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Europe/Berln", "Europe/Berlin"},
		{"Berlin", "Europe/Berlin"},
		{"berlin", "Europe/Berlin"},
		{"New York", "America/New_York"},
		{"new_york", "America/New_York"},
		{"Londn", "Europe/London"},
		{"America/Los_Angelos", "America/Los_Angeles"},
		{"Sao Paulo", "America/Sao_Paulo"},
		{"PST", "America/Los_Angeles"},
		{"cest", "Europe/Berlin"},
		{"UTC+2", "Etc/GMT-2"},
		{"GMT-5", "Etc/GMT+5"},
		{"+05:30", ""}, // no whole-hour zone; the usual hint
		{"+02:00", "Etc/GMT-2"},
		{"UTC+0", "UTC"},
		{"Mars/Base", ""},
		{"Xyz", ""},
	} {
		_, err := LoadZone(tc.name)
		if err == nil {
			t.Errorf("LoadZone(%q) took it", tc.name)
			continue
		}
		msg := err.Error()
		if tc.want == "" {
			if strings.Contains(msg, "did you mean") {
				t.Errorf("LoadZone(%q): %s; want no suggestion", tc.name, msg)
			}
			continue
		}
		if want := "(did you mean " + tc.want + "?)"; !strings.HasPrefix(msg, `"`+tc.name+`" is not a known time zone `) || !strings.HasSuffix(msg, want) {
			t.Errorf("LoadZone(%q): %s; want it to end %s", tc.name, msg, want)
		}
		if _, err := LoadZone(tc.want); err != nil {
			t.Errorf("the suggestion %s does not load: %v", tc.want, err)
		}
	}
}
