package schedule

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// SuggestZone names the zone a name that is no zone likely meant, for the
// error that refuses it; "" when nothing is close. It knows a city written
// alone ("Berlin", "new york", "Sao_Paulo": the zone named after it), a
// zone name mistyped by a letter or two ("Europe/Berln"), the
// abbreviations of zones with daylight saving time that the database does
// not hold under them (PST, CEST) and a fixed offset ("UTC+2", "+02:00":
// the Etc/GMT zone, whose sign is reversed).
func SuggestZone(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if z, ok := abbreviations[strings.ToUpper(name)]; ok {
		return z
	}
	if z := offsetZone(name); z != "" {
		return z
	}
	key := zoneKey(name)
	var near string
	best := 2 // a distance of 1 at most in a short name, 2 in a long one
	if len(key) >= 8 {
		best = 3
	}
	for z := range strings.Lines(zoneNames) {
		z = strings.TrimSuffix(z, "\n")
		if z == "" {
			continue
		}
		city := z[strings.LastIndexByte(z, '/')+1:]
		if strings.Contains(z, "/") && zoneKey(city) == key {
			return z
		}
		if len(key) < 4 {
			continue // too short to tell a typo from another word
		}
		for _, cand := range []string{zoneKey(z), zoneKey(city)} {
			if d := distance(key, cand, best); d < best {
				near, best = z, d
			}
		}
	}
	return near
}

// abbreviations are the zone abbreviations people write that the database
// has no zone for (it has EST, MST, CET... as fixed zones), with the zone
// of a place that keeps that time.
var abbreviations = map[string]string{
	"PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
	"EDT": "America/New_York", "CST": "America/Chicago", "CDT": "America/Chicago",
	"MDT": "America/Denver", "BST": "Europe/London", "CEST": "Europe/Berlin",
	"EEST": "Europe/Athens", "WEST": "Europe/Lisbon", "JST": "Asia/Tokyo",
	"KST": "Asia/Seoul", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
}

var offsetRE = regexp.MustCompile(`^(?i:(?:utc|gmt)\s*)?([+\-−])\s*(\d{1,2})(?::?(\d{2}))?$`)

// offsetZone is the Etc/GMT zone of a whole-hour offset ("UTC+2" →
// Etc/GMT-2), or "".
func offsetZone(name string) string {
	m := offsetRE.FindStringSubmatch(name)
	if m == nil || (m[3] != "" && m[3] != "00") {
		return ""
	}
	h, _ := strconv.Atoi(m[2])
	if h == 0 {
		return "UTC"
	}
	if h > 14 {
		return ""
	}
	sign := "-" // Etc/GMT-2 is UTC+2
	if m[1] != "+" {
		sign = "+"
	}
	if sign == "+" && h > 12 {
		return ""
	}
	return fmt.Sprintf("Etc/GMT%s%d", sign, h)
}

// zoneKey is a name compared without case, with spaces as underscores.
func zoneKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), "_"))
}

// distance is the edit distance of a and b (Levenshtein), or max when it
// is max or more.
func distance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			low = min(low, cur[j])
		}
		if low >= max {
			return max
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], max)
}
