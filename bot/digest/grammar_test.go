package digest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/configs"
)

// A schedule means the same in the configuration file as in chat: the
// same strings are accepted with the same meaning, or refused with the
// same explanation (issue 14: the file used to refuse "9:30",
// "europe/berlin" and "utc", which chat accepts).
func TestConfigAndChatReadSchedulesAlike(t *testing.T) {
	for _, tc := range []struct {
		time, zone, days string
		bad              string // the field refused, "" when accepted
	}{
		{"9:30", "europe/berlin", "mon-fri", ""},
		{"09:00", "utc", "daily", ""},
		{"6pm", "America/New_York", "weekends", ""},
		{"noon", "asia/kolkata", "mon,wed,fri", ""},
		{"7", "gmt", "tue thu", ""},
		{"8:30pm", "Etc/GMT+5", "fri-mon", ""},
		{"midnight", "AMERICA/PORT-AU-PRINCE", "sat", ""},
		{"25:00", "UTC", "daily", "time"},
		{"9:5", "UTC", "daily", "time"},
		{"13pm", "UTC", "daily", "time"},
		{"09:00", "Mars/Olympus", "daily", "timezone"},
		{"09:00", "Europe/Berln", "daily", "timezone"},
		{"09:00", "Local", "daily", "timezone"},
		{"09:00", "UTC", "mon-fry", "days"},
		{"09:00", "UTC", "funday", "days"},
	} {
		t.Run(tc.time+"|"+tc.zone+"|"+tc.days, func(t *testing.T) {
			yaml := fmt.Sprintf("digest:\n  subscriptions:\n    - {platform: console, channel: C1, time: %q, timezone: %q, days: %q}\n", tc.time, tc.zone, tc.days)
			cfg, cfgErr := configs.Parse([]byte(yaml), "t.yaml", func(string) string { return "" })

			c := newChat(t, manyPapers(3))
			reply, chatErr := c.say("T1", "C1", fmt.Sprintf("subscribe at %s tz %s days %s", tc.time, tc.zone, tc.days))

			if tc.bad != "" {
				if cfgErr == nil || chatErr == nil {
					t.Fatalf("config error %v, chat error %v (%q): want both refused", cfgErr, chatErr, reply)
				}
				// The file's error names the field, then says what chat says.
				prefix := "digest.subscriptions[0]." + tc.bad + ": "
				_, why, ok := strings.Cut(cfgErr.Error(), prefix)
				if !ok || why == "" || !strings.Contains(reply, why) {
					t.Errorf("config: %v\nchat:   %s\nwant the chat reply to give the config's reason after %q", cfgErr, reply, prefix)
				}
				return
			}
			if cfgErr != nil || chatErr != nil {
				t.Fatalf("config error %v, chat error %v (%q): want both accepted", cfgErr, chatErr, reply)
			}
			fromFile := cfg.Dig.Subscriptions[0]
			fileDays, err := schedule.ParseDays(fromFile.Days)
			if err != nil {
				t.Fatal(err)
			}
			fromChat, ok, err := c.e.db.Subscription(t.Context(), "fake", "C1")
			if err != nil || !ok {
				t.Fatalf("chat subscription not stored: %v", err)
			}
			file := []string{fromFile.Time, fromFile.Timezone, fileDays.String()}
			chat := []string{fromChat.Time, fromChat.Zone, fromChat.Days.String()}
			if strings.Join(file, "|") != strings.Join(chat, "|") {
				t.Errorf("config reads %q, chat %q", file, chat)
			}
		})
	}

	// The weekly recap: kind: weekly with day in the file, subscribe
	// weekly ... day in chat.
	for _, tc := range []struct {
		time, zone, day string
		bad             string
	}{
		{"9:30", "europe/berlin", "mon", ""},
		{"6pm", "utc", "Friday", ""},
		{"noon", "America/New_York", "sun", ""},
		{"25:00", "UTC", "fri", "time"},
		{"09:00", "Europe/Berln", "fri", "timezone"},
		{"09:00", "UTC", "mon-fri", "day"},
		{"09:00", "UTC", "daily", "day"},
		{"09:00", "UTC", "funday", "day"},
	} {
		t.Run("weekly|"+tc.time+"|"+tc.zone+"|"+tc.day, func(t *testing.T) {
			yaml := fmt.Sprintf("digest:\n  subscriptions:\n    - {platform: console, channel: C1, kind: weekly, time: %q, timezone: %q, day: %q}\n", tc.time, tc.zone, tc.day)
			cfg, cfgErr := configs.Parse([]byte(yaml), "t.yaml", func(string) string { return "" })
			c := newChat(t, manyPapers(3))
			reply, chatErr := c.say("T1", "C1", fmt.Sprintf("subscribe weekly at %s tz %s day %s", tc.time, tc.zone, tc.day))
			if tc.bad != "" {
				if cfgErr == nil || chatErr == nil {
					t.Fatalf("config error %v, chat error %v (%q): want both refused", cfgErr, chatErr, reply)
				}
				prefix := "digest.subscriptions[0]." + tc.bad + ": "
				_, why, ok := strings.Cut(cfgErr.Error(), prefix)
				if !ok || why == "" || !strings.Contains(reply, why) {
					t.Errorf("config: %v\nchat:   %s\nwant the chat reply to give the config's reason after %q", cfgErr, reply, prefix)
				}
				return
			}
			if cfgErr != nil || chatErr != nil {
				t.Fatalf("config error %v, chat error %v (%q): want both accepted", cfgErr, chatErr, reply)
			}
			fromFile := cfg.Dig.Subscriptions[0]
			fromChat, ok, err := c.e.db.Subscription(t.Context(), "fake", digest.WeeklyChannel("C1"))
			if err != nil || !ok {
				t.Fatalf("chat subscription not stored: %v", err)
			}
			file := []string{fromFile.Time, fromFile.Timezone, fromFile.Day}
			chat := []string{fromChat.Time, fromChat.Zone, fromChat.Days.String()}
			if strings.Join(file, "|") != strings.Join(chat, "|") {
				t.Errorf("config reads %q, chat %q", file, chat)
			}
		})
	}
}
