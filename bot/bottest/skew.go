package bottest

import (
	"time"

	"github.com/paperbot/paperbot/bot"
)

// ClockSkews are how far a host's clock may run ahead of a platform's
// (negative: behind) in the tests of the digest's lookups: in step, a
// little, more than the minute the lookups once allowed, and up to
// bot.MaxClockSkew, both ways.
func ClockSkews() []time.Duration {
	var out []time.Duration
	for _, d := range []time.Duration{0, 30 * time.Second, 90 * time.Second, 3 * time.Minute, bot.MaxClockSkew} {
		out = append(out, d)
		if d != 0 {
			out = append(out, -d)
		}
	}
	return out
}

// SkewName names a skew of ClockSkews for a subtest: "1m30s ahead",
// "5m0s behind", "in step".
func SkewName(d time.Duration) string {
	switch {
	case d > 0:
		return d.String() + " ahead"
	case d < 0:
		return (-d).String() + " behind"
	}
	return "in step"
}
