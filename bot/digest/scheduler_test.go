package digest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/internal/clock"
)

// runScheduler runs the scheduler (in a synctest bubble) until the fake
// clock reaches end, then stops it and waits for it to return.
func runScheduler(t *testing.T, d *digest.Service, end time.Time) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	time.Sleep(time.Until(end))
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// A channel at 09:00 Europe/Berlin posts once a day, at 09:00 local time,
// across both DST changes of 2025 (30 March and 26 October).
func TestSchedulerBerlinAcrossDST(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		// utcHour is the UTC hour of 09:00 Berlin before and after the change.
		change            string
		before, afterHour int
	}{
		{"spring forward", "2025-03-26", "2025-04-02", "2025-03-30", 8, 7},
		{"fall back", "2025-10-22", "2025-10-29", "2025-10-26", 7, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				berlin := mustZone(t, "Europe/Berlin")
				start := at(t, berlin, tc.from+" 00:00")
				time.Sleep(time.Until(start))
				e := newEnv(t, manyPapers(100), clock.System{})
				e.subscribe(digest.Subscription{Channel: "C1", ChannelName: "ml-papers", Time: "09:00", Zone: "Europe/Berlin", Top: 2, Since: start})
				runScheduler(t, e.d, at(t, berlin, tc.to+" 23:59"))

				hs := headers(e.plat.Calls())
				var got []string
				for _, h := range hs {
					got = append(got, h.At.In(berlin).Format("2006-01-02 15:04"))
				}
				var want []string
				for d := start; !d.After(at(t, berlin, tc.to+" 00:00")); d = d.AddDate(0, 0, 1) {
					want = append(want, d.Format("2006-01-02")+" 09:00")
				}
				if !slices.Equal(got, want) {
					t.Fatalf("headers posted at (Berlin time)\n%v\nwant\n%v", got, want)
				}
				for _, h := range hs {
					date := h.At.In(berlin).Format(time.DateOnly)
					wantHour := tc.before
					if date >= tc.change {
						wantHour = tc.afterHour
					}
					if h.At.UTC().Hour() != wantHour {
						t.Errorf("%s: posted at %s UTC, want %02d:00 UTC", date, h.At.UTC().Format("15:04"), wantHour)
					}
					if d := e.day("C1", date); d.Status != digest.DayDone || len(d.Papers) != 2 {
						t.Errorf("%s: ledger %s with %d papers", date, d.Status, len(d.Papers))
					}
				}
				if n := len(posted(e.plat.Calls())); n != 2*len(want) {
					t.Errorf("%d papers posted, want %d", n, 2*len(want))
				}
			})
		})
	}
}

// Channels in different zones each post at their own local time, with
// the ledger date their own local date.
func TestSchedulerChannelsInTheirOwnZones(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		time.Sleep(time.Until(start))
		e := newEnv(t, manyPapers(200), clock.System{})
		subs := []digest.Subscription{
			{Channel: "berlin", Time: "09:00", Zone: "Europe/Berlin"},
			{Channel: "newyork", Time: "09:00", Zone: "America/New_York"},
			{Channel: "tokyo", Time: "07:30", Zone: "Asia/Tokyo"},
			{Channel: "kolkata", Time: "18:45", Zone: "Asia/Kolkata"},
		}
		for _, s := range subs {
			s.Top, s.Since = 1, start
			e.subscribe(s)
		}
		runScheduler(t, e.d, start.Add(3*24*time.Hour-time.Minute))

		for _, s := range subs {
			loc := mustZone(t, s.Zone)
			hs := headers(e.plat.CallsTo(s.Channel))
			if len(hs) != 3 {
				t.Errorf("%s: %d digests in 3 days, want 3", s.Channel, len(hs))
			}
			var dates []string
			for _, h := range hs {
				local := h.At.In(loc)
				if got := local.Format("15:04"); got != s.Time {
					t.Errorf("%s: posted at %s local time, want %s", s.Channel, got, s.Time)
				}
				date := local.Format(time.DateOnly)
				dates = append(dates, date)
				if d := e.day(s.Channel, date); d.Status != digest.DayDone {
					t.Errorf("%s %s: ledger status %s", s.Channel, date, d.Status)
				}
			}
			if len(slices.Compact(dates)) != len(hs) {
				t.Errorf("%s: two digests on one date: %v", s.Channel, dates)
			}
		}
		// Tokyo's 07:30 is 22:30 UTC the day before: its first digest is
		// dated 2 June, posted on 1 June UTC.
		if hs := headers(e.plat.CallsTo("tokyo")); len(hs) > 0 && hs[0].At.UTC().Format("01-02 15:04") != "06-01 22:30" {
			t.Errorf("Tokyo's first digest at %s UTC, want 06-01 22:30", hs[0].At.UTC().Format("01-02 15:04"))
		}
	})
}

// Midnight and days of the week: a 00:00 digest is dated the day it is
// posted, and only allowed days post.
func TestSchedulerMidnightAndDays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		berlin := mustZone(t, "Europe/Berlin")
		start := at(t, berlin, "2025-05-01 12:00") // a Thursday
		time.Sleep(time.Until(start))
		e := newEnv(t, manyPapers(200), clock.System{})
		e.subscribe(digest.Subscription{Channel: "midnight", Time: "00:00", Zone: "Europe/Berlin", Days: schedule.WorkWeek, Top: 1, Since: start})
		e.subscribe(digest.Subscription{Channel: "late", Time: "23:59", Zone: "America/Los_Angeles", Days: 1<<time.Monday | 1<<time.Thursday, Top: 1, Since: start})
		runScheduler(t, e.d, at(t, berlin, "2025-05-08 12:00"))

		var got []string
		for _, h := range headers(e.plat.CallsTo("midnight")) {
			got = append(got, h.At.In(berlin).Format("Mon 2006-01-02 15:04"))
		}
		want := []string{"Fri 2025-05-02 00:00", "Mon 2025-05-05 00:00", "Tue 2025-05-06 00:00", "Wed 2025-05-07 00:00", "Thu 2025-05-08 00:00"}
		if !slices.Equal(got, want) {
			t.Errorf("midnight digests %v, want %v", got, want)
		}
		for _, h := range headers(e.plat.CallsTo("midnight")) {
			date := h.At.In(berlin).Format(time.DateOnly)
			e.day("midnight", date) // the ledger has it under the local date
			if day := h.At.In(berlin).Format("Monday 2 January"); !strings.Contains(h.Message.Title, day) {
				t.Errorf("digest posted %s titled %q", day, h.Message.Title)
			}
		}
		la := mustZone(t, "America/Los_Angeles")
		got = nil
		for _, h := range headers(e.plat.CallsTo("late")) {
			got = append(got, h.At.In(la).Format("Mon 2006-01-02 15:04"))
		}
		want = []string{"Thu 2025-05-01 23:59", "Mon 2025-05-05 23:59"}
		if !slices.Equal(got, want) {
			t.Errorf("late digests %v, want %v", got, want)
		}
	})
}

// Subscribing, changing and unsubscribing from chat take effect on the
// running scheduler without a restart.
func TestSchedulerFollowsSubscriptionChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		utc := time.UTC
		time.Sleep(time.Until(at(t, utc, "2025-05-05 07:00")))
		e := newEnv(t, manyPapers(200), clock.System{})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- e.d.Run(ctx) }()

		sub := func(when, clock string) {
			time.Sleep(time.Until(at(t, utc, when)))
			if _, err := e.d.Subscribe(ctx, digest.Subscription{Platform: "fake", Channel: "C1", Time: clock, Zone: "UTC", Top: 1}); err != nil {
				t.Fatal(err)
			}
		}
		sub("2025-05-05 07:10", "08:00") // new: posts today at 08:00
		sub("2025-05-05 08:30", "10:00") // moved later: today is done already
		time.Sleep(time.Until(at(t, utc, "2025-05-06 11:00")))
		if _, err := e.d.Unsubscribe(ctx, "fake", "C1"); err != nil {
			t.Fatal(err)
		}
		sub("2025-05-07 12:00", "12:30") // back, later the same day
		sub("2025-05-08 06:00", "05:00") // moved to a time already past today: from tomorrow
		time.Sleep(time.Until(at(t, utc, "2025-05-09 23:00")))
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range headers(e.plat.Calls()) {
			got = append(got, h.At.UTC().Format("01-02 15:04"))
		}
		want := []string{"05-05 08:00", "05-06 10:00", "05-07 12:30", "05-09 05:00"}
		if !slices.Equal(got, want) {
			t.Errorf("digests at %v, want %v", got, want)
		}
	})
}

// A digest missed while the bot was down is posted on start-up within the
// grace window, dated the day it was due (across midnight), and skipped
// and recorded beyond it.
func TestCatchUpOnStartup(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	for _, tc := range []struct {
		name, start string
		wantPosted  bool
		wantStatus  digest.DayStatus
	}{
		{"on time", "2025-05-05 23:30", true, digest.DayDone},
		{"after midnight, within grace", "2025-05-06 00:15", true, digest.DayDone},
		{"just within grace", "2025-05-06 05:30", true, digest.DayDone},
		{"beyond grace", "2025-05-06 05:31", false, digest.DaySkipped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: at(t, berlin, "2025-05-05 12:00")}
			e := newEnv(t, manyPapers(50), clock)
			e.subscribe(digest.Subscription{Channel: "C1", Time: "23:30", Zone: "Europe/Berlin", Top: 2, Since: clock.Now()})
			clock.Set(at(t, berlin, tc.start))
			if err := e.d.RunDue(t.Context()); err != nil {
				t.Fatal(err)
			}
			d := e.day("C1", "2025-05-05")
			if d.Status != tc.wantStatus {
				t.Errorf("status %s (%s), want %s", d.Status, d.Note, tc.wantStatus)
			}
			if got := len(e.plat.Calls()) > 0; got != tc.wantPosted {
				t.Errorf("posted: %v, want %v", got, tc.wantPosted)
			}
			if tc.wantPosted && !strings.Contains(headers(e.plat.Calls())[0].Message.Title, "Monday 5 May") {
				t.Errorf("header %q is not dated Monday 5 May", headers(e.plat.Calls())[0].Message.Title)
			}
			if !tc.wantPosted && !strings.Contains(d.Note, "grace") {
				t.Errorf("skipped day's note %q does not say why", d.Note)
			}
			// Running again changes nothing.
			n := len(e.plat.Calls())
			if err := e.d.RunDue(t.Context()); err != nil {
				t.Fatal(err)
			}
			if len(e.plat.Calls()) != n {
				t.Errorf("a second run posted %d more messages", len(e.plat.Calls())-n)
			}
		})
	}
}

// A subscription made after today's time does not post today.
func TestNoCatchUpBeforeSubscribing(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 5, 5, 9, 30, 0, 0, time.UTC)}
	e := newEnv(t, manyPapers(50), clock)
	if _, err := e.d.Subscribe(t.Context(), digest.Subscription{Platform: "fake", Channel: "C1", Time: "09:00", Zone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.plat.Calls()); n != 0 {
		t.Fatalf("posted %d messages for a time before the subscription existed", n)
	}
	clock.Set(time.Date(2025, 5, 6, 9, 0, 0, 0, time.UTC))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(headers(e.plat.Calls())); n != 1 {
		t.Fatalf("%d digests the next day, want 1", n)
	}
}

// Stopping the scheduler while a digest is being posted (paced, so it
// takes a while) leaves the day open; the next start finishes it, every
// paper posted and threaded once.
func TestSchedulerShutdownMidDigestResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2025, 5, 5, 8, 0, 0, 0, time.UTC)
		time.Sleep(time.Until(start))
		e := newEnv(t, manyPapers(50), clock.System{})
		e.plat.PerChannel = time.Second
		e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 5, Since: start})
		runScheduler(t, e.d, start.Add(time.Hour+4500*time.Millisecond))
		if n := len(e.plat.Calls()); n == 0 || n >= 11 {
			t.Fatalf("%d calls before shutdown; the test wants to stop mid-digest", n)
		}
		if d := e.day("C1", "2025-05-05"); d.Status != digest.DayOpen {
			t.Fatalf("day is %s after shutdown, want open", d.Status)
		}
		e.restart()
		runScheduler(t, e.d, start.Add(2*time.Hour))
		checkDayPostedOnce(t, e, "C1", "2025-05-05")
	})
}

// Thousand channels due at the same time post in parallel: on a platform
// that allows one message per second per channel, the whole run takes
// about as long as one channel's.
func TestThousandChannelsInParallel(t *testing.T) {
	const top = 2 // 1 header + 2 papers + 2 threads = 5 messages a channel
	elapsed := func(t *testing.T, channels int) (time.Duration, int) {
		var took time.Duration
		var calls int
		synctest.Test(t, func(t *testing.T) {
			start := time.Date(2025, 5, 5, 8, 0, 0, 0, time.UTC)
			time.Sleep(time.Until(start))
			e := newEnv(t, manyPapers(100), clock.System{})
			e.log = discard
			e.restart()
			e.plat.PerChannel = time.Second
			for i := range channels {
				e.subscribe(digest.Subscription{Channel: fmt.Sprintf("C%04d", i), Time: "09:00", Zone: "UTC", Top: top, Since: start})
			}
			due := start.Add(time.Hour)
			runScheduler(t, e.d, due.Add(10*time.Minute))
			cs := e.plat.Calls()
			calls = len(cs)
			for _, c := range cs {
				if d := c.At.Sub(due); d > took {
					took = d
				}
			}
			// Pacing held: per channel, calls at least a second apart.
			last := map[string]time.Time{}
			count := map[string]int{}
			for _, c := range cs {
				ch := c.Channel()
				if prev, ok := last[ch]; ok && c.At.Sub(prev) < time.Second {
					t.Errorf("%s: two calls %s apart", ch, c.At.Sub(prev))
				}
				last[ch] = c.At
				count[ch]++
			}
			for i := range channels {
				ch := fmt.Sprintf("C%04d", i)
				if n := count[ch]; n != 1+2*top {
					t.Errorf("%s: %d calls, want %d", ch, n, 1+2*top)
				}
			}
		})
		return took, calls
	}
	one, _ := elapsed(t, 1)
	many, calls := elapsed(t, 1000)
	t.Logf("fake time from due to last message: 1 channel %s, 1000 channels %s (%d calls)", one, many, calls)
	if one < 4*time.Second {
		t.Errorf("one channel took %s; 5 paced messages need at least 4s", one)
	}
	if many > one+one/2 {
		t.Errorf("1000 channels took %s, one channel %s: channels are not posting in parallel", many, one)
	}
}

// The fake platform's recorded calls carry the keys the digest gave; a
// sanity check that the fake really paces.
func TestFakePlatformPaces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &bottest.Platform{PerChannel: time.Second}
		start := time.Now()
		for range 3 {
			if _, err := p.Post(t.Context(), bot.Destination{Channel: "A"}, bot.Message{Text: "x"}, bot.PostOptions{Key: "k"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Post(t.Context(), bot.Destination{Channel: "B"}, bot.Message{Text: "x"}, bot.PostOptions{}); err != nil {
			t.Fatal(err)
		}
		cs := p.Calls()
		if got := cs[2].At.Sub(start); got != 2*time.Second {
			t.Errorf("third post to A at +%s, want +2s", got)
		}
		if got := cs[3].At.Sub(start); got != 2*time.Second {
			t.Errorf("post to B at +%s, want +2s (after the sequential A posts, not paced by them)", got)
		}
		if cs[0].Key != "k" || cs[3].Key != "" {
			t.Errorf("keys %q %q", cs[0].Key, cs[3].Key)
		}
	})
}

// A time that does not exist on the spring-forward day (02:30 in Berlin)
// is posted an hour later on the wall clock; a time that occurs twice on
// the fall-back day is posted once, at its second occurrence.
func TestSchedulerTimeSkippedOrRepeatedByDST(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     []string // UTC times of the digests
	}{
		{"2025-03-29", "2025-03-31", []string{"03-29 01:30", "03-30 01:30", "03-31 00:30"}},
		{"2025-10-25", "2025-10-27", []string{"10-25 00:30", "10-26 01:30", "10-27 01:30"}},
	} {
		t.Run(tc.from, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				berlin := mustZone(t, "Europe/Berlin")
				start := at(t, berlin, tc.from+" 00:00")
				time.Sleep(time.Until(start))
				e := newEnv(t, manyPapers(50), clock.System{})
				e.subscribe(digest.Subscription{Channel: "C1", Time: "02:30", Zone: "Europe/Berlin", Top: 1, Since: start})
				runScheduler(t, e.d, at(t, berlin, tc.to+" 23:00"))
				var got []string
				for _, h := range headers(e.plat.Calls()) {
					got = append(got, h.At.UTC().Format("01-02 15:04"))
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("digests at %v UTC, want %v", got, tc.want)
				}
			})
		})
	}
}

// West of UTC and where clocks change at midnight, the same rules hold as
// in Berlin: a time that does not exist on the spring-forward day is
// posted later by the length of the gap (02:30 in New York is 03:30 EDT,
// 00:30 in Santiago is 01:30), on the day it is dated and not late enough
// to count as missed; a time that occurs twice is posted once, at its
// second occurrence (01:30 EST in New York, not 01:30 EDT).
func TestSchedulerDSTWestOfUTCAndAtMidnight(t *testing.T) {
	for _, tc := range []struct {
		name, zone, at, from, to string
		grace                    time.Duration
		want                     []string // UTC times of the digests
		dates                    []string // their local dates
	}{
		{"New York spring forward", "America/New_York", "02:30", "2025-03-08", "2025-03-10", 0,
			[]string{"03-08 07:30", "03-09 07:30", "03-10 06:30"}, []string{"2025-03-08", "2025-03-09", "2025-03-10"}},
		{"New York fall back", "America/New_York", "01:30", "2025-11-01", "2025-11-03", 0,
			[]string{"11-01 05:30", "11-02 06:30", "11-03 06:30"}, []string{"2025-11-01", "2025-11-02", "2025-11-03"}},
		// Chile moves its clocks from 00:00 to 01:00 on 7 September 2025.
		{"Santiago at midnight", "America/Santiago", "00:30", "2025-09-06", "2025-09-08", 20 * time.Minute,
			[]string{"09-06 04:30", "09-07 04:30", "09-08 03:30"}, []string{"2025-09-06", "2025-09-07", "2025-09-08"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				loc := mustZone(t, tc.zone)
				start := at(t, loc, tc.from+" 00:00")
				time.Sleep(time.Until(start))
				e := newEnv(t, manyPapers(50), clock.System{})
				if tc.grace > 0 {
					e.cfg.Grace = tc.grace
					e.restart()
				}
				e.subscribe(digest.Subscription{Channel: "C1", Time: tc.at, Zone: tc.zone, Top: 1, Since: start})
				runScheduler(t, e.d, at(t, loc, tc.to+" 23:00"))
				var got []string
				for _, h := range headers(e.plat.Calls()) {
					got = append(got, h.At.UTC().Format("01-02 15:04"))
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("digests at %v UTC, want %v", got, tc.want)
				}
				for _, date := range tc.dates {
					if d := e.day("C1", date); d.Status != digest.DayDone {
						t.Errorf("%s: ledger status %s (%s), want done", date, d.Status, d.Note)
					}
				}
			})
		})
	}
}
