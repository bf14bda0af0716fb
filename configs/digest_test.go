package configs

import (
	"strings"
	"testing"
	"time"
)

func TestDigestExampleAndDefaults(t *testing.T) {
	c, err := Parse([]byte(Example), "paperbot.example.yaml", func(k string) string { return "x-" + k })
	if err != nil {
		t.Fatal(err)
	}
	d := c.Dig
	if d.Grace != 6*time.Hour || d.DefaultTime != "09:00" || d.DefaultTimezone != "UTC" || d.DefaultTop != 5 || len(d.Subscriptions) != 0 {
		t.Errorf("example digest %+v", d)
	}
	c, err = Parse(nil, "empty.yaml", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Dig.Grace != 6*time.Hour || c.Dig.DefaultTop != 5 {
		t.Errorf("defaults %+v", c.Dig)
	}
}

func TestDigestSubscriptions(t *testing.T) {
	c, err := Parse([]byte(`
digest:
  grace: 2h
  subscriptions:
    - platform: Slack
      team: T1
      channel: C1
      channel_name: "#ml-papers"
      time: "08:30"
      timezone: Europe/Berlin
      days: mon-fri
      top: 3
      topic: diffusion
    - platform: discord
      guild: "123"
      channel: "456"
    - platform: slack
      channel: C1
      kind: weekly
      time: 4pm
    - platform: slack
      channel: C2
      kind: Weekly
      day: Monday
`+platformSections), "t.yaml", platformEnv)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Dig.Subscriptions
	// A channel may have its daily digest and its weekly recap; the day
	// defaults to Friday and is kept as its short name.
	if len(s) != 4 || !s[2].Weekly() || s[2].Day != "fri" || s[2].Time != "16:00" || s[3].Day != "mon" || s[0].Weekly() {
		t.Errorf("weekly subscriptions %+v", s[2:])
	}
	if len(s) != 4 || s[0].Platform != "slack" || s[0].ChannelName != "ml-papers" || s[0].Days != "mon-fri" || s[0].Top != 3 ||
		s[1].Team != "123" || s[1].Guild != "" || s[1].Time != "" {
		t.Errorf("subscriptions %+v", s)
	}
	if c.Dig.Grace != 2*time.Hour {
		t.Errorf("grace %s", c.Dig.Grace)
	}
}

func TestDigestConfigErrorsSayWhere(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"digest: {default_time: '9:5'}", `digest.default_time: "9:5" is not a time of day`},
		{"digest: {default_timezone: Mars/Base}", `digest.default_timezone: "Mars/Base" is not a known time zone`},
		{"digest: {default_top: 11}", "digest.default_top: 11 is not between 1 and 10"},
		{"digest: {bookmark_emoji: 'book mark'}", `digest.bookmark_emoji: "book mark" is not an emoji`},
		{"digest: {grace: -1h}", "t.yaml:1:17: digest.grace: -1h is not between 1m and 24h"},
		{"digest: {subscriptions: [{channel: C1}]}", "digest.subscriptions[0].platform: missing"},
		{"digest: {subscriptions: [{platform: teams, channel: C1}]}", `digest.subscriptions[0].platform: "teams" is not slack, discord or console`},
		{"digest: {subscriptions: [{platform: slack}]}", "digest.subscriptions[0].channel: missing"},
		{"digest: {subscriptions: [{platform: slack, channel: '#general'}]}", `digest.subscriptions[0].channel: "#general" is a name`},
		{"digest: {subscriptions: [{platform: slack, channel: C1, time: '25:00'}]}", `digest.subscriptions[0].time: "25:00" is not a time of day`},
		{"digest: {subscriptions: [{platform: slack, channel: C1, timezone: Europe/Berln}]}", `digest.subscriptions[0].timezone: "Europe/Berln" is not a known time zone`},
		{"digest: {subscriptions: [{platform: slack, channel: C1, timezone: Local}]}", `digest.subscriptions[0].timezone: "Local" is not allowed`},
		{"digest: {subscriptions: [{platform: slack, channel: C1, days: mon-fry}]}", `digest.subscriptions[0].days: "fry" is not a day of the week`},
		{"digest: {subscriptions: [{platform: slack, channel: C1, top: 20}]}", "digest.subscriptions[0].top: 20 is not between 1 and 10"},
		{"digest: {subscriptions: [{platform: discord, team: a, guild: b, channel: C1}]}", "digest.subscriptions[0].team:"},
		{"digest: {subscriptions: [{platform: slack, channel: C1}, {platform: slack, channel: C1}]}", "digest.subscriptions[1]: channel slack:C1 is already subscribed by digest.subscriptions[0]"},
		{"digest: {subscriptions: [{platform: slack, channel: C1, hour: 9}]}", "hour"},
		{"digest: {subscriptions: [{platform: slack, channel: C1, kind: monthly}]}", `digest.subscriptions[0].kind: "monthly" is neither daily nor weekly`},
		{"digest: {subscriptions: [{platform: slack, channel: C1, day: fri}]}", "digest.subscriptions[0].day: only a weekly recap (kind: weekly) has a day"},
		{"digest: {subscriptions: [{platform: slack, channel: C1, kind: weekly, days: fri}]}", "digest.subscriptions[0].days: a weekly recap posts on one day: write day (like day: fri)"},
		{"digest: {subscriptions: [{platform: slack, channel: C1, kind: weekly, top: 3}]}", "digest.subscriptions[0].top: a weekly recap has no top"},
		{"digest: {subscriptions: [{platform: slack, channel: C1, kind: weekly, topic: x}]}", "digest.subscriptions[0].topic: a weekly recap has no topic"},
		{"digest: {subscriptions: [{platform: slack, channel: C1, kind: weekly, day: tue thu}]}", `digest.subscriptions[0].day: "tue thu" is tue,thu, not one day`},
		{"digest: {subscriptions: [{platform: slack, channel: C1, kind: weekly}, {platform: slack, channel: C1, kind: Weekly}]}", "digest.subscriptions[1]: channel slack:C1 (weekly) is already subscribed by digest.subscriptions[0]"},
	} {
		_, err := Parse([]byte(tc.yaml), "t.yaml", noEnv)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %q", tc.yaml, err, tc.want)
		}
	}
}
