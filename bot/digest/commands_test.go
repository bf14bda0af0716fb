package digest_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
)

// chat is a bot with the digest, answering commands typed in a channel.
type chat struct {
	t *testing.T
	e *env
	b *bot.Bot
}

func newChat(t *testing.T, search bot.Searcher) *chat {
	clock := &fakeClock{t: time.Date(2025, 5, 5, 7, 0, 0, 0, time.UTC)} // a Monday
	e := newEnv(t, search, clock)
	b, err := bot.New(bot.Config{Searcher: search, Discussions: e.db, Digest: e.d, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return &chat{t: t, e: e, b: b}
}

// say runs a command in a channel and returns the reply's text and error.
func (c *chat) say(team, channel, text string) (string, error) {
	c.t.Helper()
	var rec bottest.Recorder
	err := c.b.Handle(c.t.Context(), &bot.Request{Platform: "fake", Team: team, Channel: channel, ChannelName: "chan-" + channel, User: "U1", Text: text}, &rec)
	return rec.Text(), err
}

func TestSubscribeParsesEveryPart(t *testing.T) {
	for _, tc := range []struct {
		text                  string
		time, zone, days, top string
		topic                 string
	}{
		{"subscribe", "09:00", "UTC", "every day", "5", ""},
		{"subscribe diffusion models at 9:30 tz Europe/Berlin top 3", "09:30", "Europe/Berlin", "every day", "3", "diffusion models"},
		{`subscribe cat:cs.CL "language model" at 8:30pm tz America/New_York days mon-fri`, "20:30", "America/New_York", "weekdays", "5", `cat:cs.CL "language model"`},
		// Bare values before the topic.
		{"subscribe 07:15 Asia/Tokyo 4 mon,wed,fri robot learning", "07:15", "Asia/Tokyo", "mon,wed,fri", "4", "robot learning"},
		{"subscribe attention at scale", "09:00", "UTC", "every day", "5", "attention at scale"},
		{`subscribe "at scale" transformers`, "09:00", "UTC", "every day", "5", `"at scale" transformers`},
		{"subscribe comfort zone detection top 2", "09:00", "UTC", "every day", "2", "comfort zone detection"},
		{"subscribe top quark days mon", "09:00", "UTC", "mon", "5", "top quark"},
		{"subscribe at noon days tue thu", "12:00", "UTC", "tue,thu", "5", ""},
		{"subscribe diffusion days mon wed-fri top 2", "09:00", "UTC", "mon,wed,thu,fri", "2", "diffusion"},
		{`subscribe "meet at 9:00" weekdays`, "09:00", "UTC", "weekdays", "5", `"meet at 9:00"`},
		{"subscribe on weekends protein design", "09:00", "UTC", "weekends", "5", "protein design"},
		{"subscribe gpt 4 at noon", "12:00", "UTC", "every day", "5", "gpt 4"},
		{"subscribe diffusion at 9:00 pm", "21:00", "UTC", "every day", "5", "diffusion"},
		{"subscribe diffusion at 9 AM top 2", "09:00", "UTC", "every day", "2", "diffusion"},
		{"subscribe diffusion at 7:30 p.m. days mon", "19:30", "UTC", "mon", "5", "diffusion"},
		{"subscribe diffusion at 9:00 pm.", "21:00", "UTC", "every day", "5", "diffusion"},
		{"subscribe diffusion at 9:00 P.M", "21:00", "UTC", "every day", "5", "diffusion"},
		{"subscribe UTC 3 daily", "09:00", "UTC", "every day", "3", ""},
		{"subscribe sat solving days sat", "09:00", "UTC", "sat", "5", "sat solving"},
		{"subscribe at 18 top 2 tz asia/kolkata", "18:00", "Asia/Kolkata", "every day", "2", ""},
	} {
		t.Run(tc.text, func(t *testing.T) {
			c := newChat(t, manyPapers(10))
			reply, err := c.say("T1", "C1", tc.text)
			if err != nil {
				t.Fatalf("%v\n%s", err, reply)
			}
			s, ok, err := c.e.db.Subscription(t.Context(), "fake", "C1")
			if err != nil || !ok {
				t.Fatalf("not stored: %v", err)
			}
			got := []string{s.Time, s.Zone, s.Days.String(), itoa(s.Top), s.Topic}
			want := []string{tc.time, tc.zone, tc.days, tc.top, tc.topic}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("stored %q, want %q", got, want)
			}
			if s.Source != digest.SourceChat || s.By != "U1" || s.ChannelName != "chan-C1" || s.Team != "T1" {
				t.Errorf("subscription %+v", s)
			}
			if !strings.Contains(reply, "Daily digest set for #chan-C1: "+tc.days+" at "+tc.time+" "+tc.zone) || !strings.Contains(reply, "First one: ") {
				t.Errorf("reply %q", reply)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestSubscribeSaysWhichPartIsWrong(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"subscribe at 25:00", `time "25:00" is not a time of day: the hour must be 00-23`},
		{"subscribe at 9:5", `minutes must be two digits`},
		{"subscribe at 13pm", `with am/pm the hour is 1-12`},
		{"subscribe tz Europe/Berln", `tz "Europe/Berln" is not a known time zone (did you mean Europe/Berlin?)`},
		{"subscribe tz Berlin at 9", `tz "Berlin" is not a known time zone (did you mean Europe/Berlin?)`},
		{"subscribe diffusion tz New York", `tz "New York" is not a known time zone (did you mean America/New_York? a zone is written as one word)`},
		{"subscribe tz UTC+2", `tz "UTC+2" is not a known time zone (did you mean Etc/GMT-2?)`},
		{"subscribe tz PST", `tz "PST" is not a known time zone (did you mean America/Los_Angeles?)`},
		{"subscribe tz Local", `name the zone`},
		{"subscribe top 50", "top 50 is not a number of papers from 1 to 10 (like top 5)"},
		{"subscribe top 0", "top 0 is not a number of papers from 1 to 10 (like top 5)"},
		{"subscribe at 9:00 at 10:00", "the time is given twice"},
		{"subscribe days mon-fri days sat", "the days are given twice"},
		{"subscribe diffusion tz", "tz needs a time zone after it, like tz Europe/Berlin"},
		// Discord's typed options arrive first, as keyword forms: a wrong
		// value is an error, never the start of the topic.
		{"subscribe at tomorrow diffusion", `time "tomorrow" is not a time of day: write it like 09:00`},
		{"subscribe days someday diffusion", `days "someday" is not a day of the week`},
		{"subscribe zone Europe/Berln", `tz "Europe/Berln" is not a known time zone`},
		{"subscribe top -1", "top -1 is not a number of papers from 1 to 10 (like top 5)"},
		{"subscribe at", "at needs a time of day after it"},
		{"subscribe diffusion days", "days needs days of the week after it"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			c := newChat(t, manyPapers(10))
			reply, err := c.say("T1", "C1", tc.text)
			if err == nil {
				t.Fatalf("accepted; replied %q", reply)
			}
			if !strings.Contains(reply, tc.want) {
				t.Errorf("reply %q does not say %q", reply, tc.want)
			}
			if _, ok, _ := c.e.db.Subscription(t.Context(), "fake", "C1"); ok {
				t.Error("a bad subscription was stored")
			}
		})
	}
}

func testSubscribeRefusesAMalformedTopic(t *testing.T, ix bot.Searcher) {
	c := newChat(t, ix)
	reply, err := c.say("T1", "C1", "subscribe protein year:abc")
	if err == nil || !strings.Contains(reply, "topic “protein year:abc”") || !strings.Contains(reply, "year:abc is not a year") || strings.Contains(reply, "ignored") {
		t.Fatalf("err %v, reply %q", err, reply)
	}
	reply, err = c.say("T1", "C1", "subscribe zzqxv")
	if err != nil || !strings.Contains(reply, "No paper matches this topic yet") {
		t.Fatalf("err %v, reply %q", err, reply)
	}
	// Words no paper has together yet: followed, as one word is.
	reply, err = c.say("T1", "C1", "subscribe diffusion protein")
	if err != nil || !strings.Contains(reply, "No paper matches this topic yet") {
		t.Errorf("subscribe diffusion protein: err %v, reply %q", err, reply)
	}
	// A misspelling is refused with its correction, not followed for ever.
	reply, err = c.say("T1", "C1", "subscribe tranceptoin")
	if err == nil || !strings.Contains(reply, "did you mean “tranception”") || !strings.HasPrefix(reply, "Subscription not changed") {
		t.Errorf("subscribe tranceptoin: err %v, reply %q", err, reply)
	}
	if r, _ := c.say("T1", "C1", "digest"); !strings.Contains(r, "diffusion protein") {
		t.Errorf("the refused topic replaced the subscription:\n%s", r)
	}
	// A word the options take, left in a topic that matches without it,
	// is refused by name: the digest would never post, at the wrong time.
	for text, word := range map[string]string{
		"subscribe diffusion at 9:00 CET": "“CET” was read as a word of the topic: a time zone goes after tz",
		"subscribe diffusion EST":         "“EST” was read as a word of the topic",
	} {
		reply, err := c.say("T1", "C1", text)
		if err == nil || !strings.Contains(reply, word) {
			t.Errorf("%s: err %v, reply %q, want %q", text, err, reply, word)
		}
	}
	// Quoted, straight or curly, a phrase is meant as written.
	for _, text := range []string{`subscribe "protein fitness at scale"`, "subscribe “protein fitness at scale”"} {
		if reply, err := c.say("T1", "C1", text); err != nil || !strings.Contains(reply, "No paper matches this topic yet") {
			t.Errorf("%s: err %v, reply %q", text, err, reply)
		}
	}
}

func TestSubscriptionCommands(t *testing.T) {
	c := newChat(t, manyPapers(30))
	ctx := t.Context()
	mustSay := func(team, ch, text string) string {
		t.Helper()
		r, err := c.say(team, ch, text)
		if err != nil {
			t.Fatalf("%s: %v\n%s", text, err, r)
		}
		return r
	}
	if r, err := c.say("T1", "C1", "unsubscribe"); err == nil || !strings.Contains(r, "this channel has no daily digest") {
		t.Errorf("unsubscribe without a subscription: %v %q", err, r)
	}
	if r, err := c.say("T1", "C1", "digest"); err == nil || !strings.Contains(r, "no daily digest") {
		t.Errorf("digest without a subscription: %v %q", err, r)
	}
	if r := mustSay("T1", "C1", "subscriptions"); !strings.Contains(r, "No channel here gets the daily digest") {
		t.Errorf("empty list: %q", r)
	}
	mustSay("T1", "C1", "subscribe diffusion at 08:00 top 2")
	r := mustSay("T1", "C1", "subscribe diffusion at 08:30 top 2")
	if !strings.Contains(r, "Daily digest changed") {
		t.Errorf("second subscribe: %q", r)
	}
	mustSay("T1", "C2", "subscribe robots tz Europe/Berlin")
	mustSay("T2", "C3", "subscribe")
	r = mustSay("T1", "C1", "subscriptions")
	if !strings.Contains(r, "#chan-C1: every day at 08:30 UTC, top 2 on “diffusion”") || !strings.Contains(r, "#chan-C2") || strings.Contains(r, "#chan-C3") {
		t.Errorf("subscriptions of T1:\n%s", r)
	}

	// Preview, then the run posts exactly that.
	r = mustSay("T1", "C1", "digest preview")
	if !strings.Contains(r, "Next digest for #chan-C1 · Mon 5 May 08:30 UTC") || !strings.Contains(r, "Paper 1 on diffusion") || !strings.Contains(r, "Paper 2 on diffusion") || strings.Contains(r, "robots") {
		t.Errorf("preview:\n%s", r)
	}
	c.e.clock.(*fakeClock).Set(time.Date(2025, 5, 5, 8, 30, 0, 0, time.UTC))
	if err := c.e.d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := posted(c.e.plat.CallsTo("C1")); strings.Join(got, " ") != "2501.00001 2501.00002" {
		t.Errorf("posted %v", got)
	}
	r = mustSay("T1", "C1", "digest")
	if !strings.Contains(r, "Last: 2025-05-05: done (2 of 2 papers posted, 2 threads)") || !strings.Contains(r, "Next: Tue 6 May 08:30 UTC") {
		t.Errorf("status:\n%s", r)
	}
	r = mustSay("T1", "C1", "digest preview")
	if !strings.Contains(r, "Tue 6 May 08:30") || !strings.Contains(r, "Paper 4 on diffusion") || strings.Contains(r, "Paper 1 on") {
		t.Errorf("preview for tomorrow:\n%s", r)
	}
	if r, err := c.say("T1", "C1", "digest bogus"); err == nil || !strings.Contains(r, `"bogus" is not a digest action`) {
		t.Errorf("digest bogus: %v %q", err, r)
	}
	r = mustSay("T1", "C1", "unsubscribe")
	if !strings.Contains(r, "The daily digest of #chan-C1 is stopped") {
		t.Errorf("unsubscribe: %q", r)
	}

	// A subscription from the configuration file is changed only there.
	c.e.subscribe(digest.Subscription{Channel: "C9", ChannelName: "configured", Time: "09:00", Zone: "UTC", Top: 1})
	for _, cmd := range []string{"subscribe", "unsubscribe"} {
		if r, err := c.say("T1", "C9", cmd); err == nil || !strings.Contains(r, "configuration file") {
			t.Errorf("%s on a configured channel: %v %q", cmd, err, r)
		}
	}
}

func TestDigestCommandSpecs(t *testing.T) {
	c := newChat(t, manyPapers(3))
	names := map[string]bot.CommandSpec{}
	for _, s := range c.b.Commands() {
		names[s.Name] = s
		if len(s.Summary) > 100 {
			t.Errorf("%s: summary of %d characters", s.Name, len(s.Summary))
		}
	}
	for _, n := range []string{"subscribe", "unsubscribe", "subscriptions", "digest"} {
		if _, ok := names[n]; !ok {
			t.Errorf("no %s command", n)
		}
	}
	var opts []string
	for _, o := range names["subscribe"].Options {
		opts = append(opts, o.Name)
		if o.Description == "" || len(o.Description) > 100 {
			t.Errorf("subscribe option %s: description %q", o.Name, o.Description)
		}
	}
	if strings.Join(opts, ",") != "at,tz,top,days,topic" {
		t.Errorf("subscribe options %v", opts)
	}
	help, _ := c.say("", "C1", "help")
	if !strings.Contains(help, "/papers subscribe [topic] [at HH:MM]") || !strings.Contains(help, "/papers digest [preview]") {
		t.Errorf("help:\n%s", help)
	}
	// Without a digest there are no digest commands.
	b, err := bot.New(bot.Config{Searcher: manyPapers(3)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range b.Commands() {
		if s.Name == "subscribe" {
			t.Error("subscribe offered without a digest")
		}
	}
}

// A zone that keeps one UTC offset all year although its name reads like a
// region's time (EST, MST, Etc/GMT+5) is taken, with a note that it has no
// daylight saving time and what to write for the local time instead; zones
// named for a place, with or without daylight saving, get no note.
func TestSubscribeNotesZonesWithoutDaylightSaving(t *testing.T) {
	c := newChat(t, manyPapers(3))
	for i, tc := range []struct{ zone, note string }{
		{"EST", "Note: EST is UTC−05:00 all year, with no daylight saving time: in summer the digest comes an hour late by the clocks in New York. For their time, use tz America/New_York."},
		{"MST", "Note: MST is UTC−07:00 all year, with no daylight saving time: in summer the digest comes an hour late by the clocks in Denver. For their time, use tz America/Denver."},
		{"Etc/GMT+5", "Note: Etc/GMT+5 is UTC−05:00 all year (the sign of Etc/GMT zones is the reverse of the offset), with no daylight saving time. For a place's time, use its Area/City name, like America/New_York."},
		{"America/New_York", ""},
		{"Asia/Tokyo", ""},
		{"UTC", ""},
	} {
		text, err := c.say("T1", "C"+strconv.Itoa(i), "subscribe tz "+tc.zone)
		if err != nil {
			t.Fatalf("%s: %v", tc.zone, err)
		}
		if tc.note == "" && strings.Contains(text, "daylight") || tc.note != "" && !strings.Contains(text, tc.note) {
			t.Errorf("tz %s: %q\nwant note %q", tc.zone, text, tc.note)
		}
	}
}

// The configuration's subscriptions are named in errors as the file names
// them, counted from 0 (digest.subscriptions[1]), as the configuration's
// own checks do.
func TestSyncConfigErrorsNameTheEntry(t *testing.T) {
	c := newChat(t, manyPapers(3))
	ok := digest.Subscription{Platform: "fake", Channel: "C1"}
	for _, tc := range []struct {
		subs []digest.Subscription
		want string
	}{
		{[]digest.Subscription{ok, {Platform: "fake", Channel: "C2", Time: "25:00"}}, "digest.subscriptions[1] (fake:C2): "},
		{[]digest.Subscription{ok, ok}, "digest.subscriptions[1]: channel fake:C1 is listed twice"},
	} {
		err := c.e.d.SyncConfig(t.Context(), tc.subs)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("error %v, want it to start with %q", err, tc.want)
		}
	}
}
