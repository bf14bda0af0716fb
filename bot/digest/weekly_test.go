package digest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/internal/clock"
)

// recaps returns the weekly recap posts among calls.
func recaps(calls []bottest.Call) []bottest.Call {
	var out []bottest.Call
	for _, c := range calls {
		if c.Op == "post" && strings.HasPrefix(c.Message.Title, "Weekly recap") {
			out = append(out, c)
		}
	}
	return out
}

// sectionLines renders a message's sections as "title | summary | link".
func sectionLines(m bot.Message) []string {
	var out []string
	for _, s := range m.Sections {
		line := s.Title + " | " + spansText(s.Summary)
		for _, l := range s.Links {
			line += " | " + l.Label + " " + l.URL
		}
		out = append(out, line)
	}
	return out
}

// weeklyEnv is a channel with a daily digest on Mondays (3 papers) and a
// weekly recap on Fridays at 17:00 UTC; the daily digest of Monday 10
// March 2025 has been posted.
func weeklyEnv(t *testing.T, clk *fakeClock) *env {
	t.Helper()
	clk.Set(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	e := newEnv(t, manyPapers(20), clk)
	e.subscribe(digest.Subscription{Channel: "C1", ChannelName: "ml-papers", Time: "09:00", Zone: "UTC", Top: 3,
		Days: schedule.Day(time.Monday), Since: clk.Now()})
	e.subscribe(digest.Weekly(digest.Subscription{Channel: "C1", ChannelName: "ml-papers", Time: "17:00", Zone: "UTC", Top: 10,
		Since: clk.Now()}, time.Friday))
	clk.Set(time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := posted(e.plat.Calls()); len(got) != 3 {
		t.Fatalf("the daily digest posted %v, want 3 papers", got)
	}
	return e
}

// The recap lists the papers the channel's team engaged with most over
// the past 7 days, each with its one-line count and its thread, then the
// papers posted that nobody opened; marks of other channels, of other
// workspaces and from before the week do not count.
func TestWeeklyRecapCounts(t *testing.T) {
	clk := &fakeClock{}
	e := weeklyEnv(t, clk)
	ctx := t.Context()
	tue := time.Date(2025, 3, 11, 10, 0, 0, 0, time.UTC)
	mark := func(user, paperID string, kind bot.MarkKind, emoji, channel, thread string, at time.Time) {
		t.Helper()
		if _, err := e.db.AddMark(ctx, bot.Mark{Platform: "fake", PaperID: paperID, User: user, Kind: kind, Detail: emoji,
			Channel: channel, Thread: thread, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	// Paper 1 (message m2, its thread m2; paper 2's is m4, paper 3's m6): three people reacted (one of
	// them twice, one on a reply in the thread), two saved it (one from
	// another channel).
	mark("U1", "2501.00001", bot.MarkReaction, "+1", "C1", "m2", tue)
	mark("U2", "2501.00001", bot.MarkReaction, "fire", "C1", "m2", tue)
	mark("U2", "2501.00001", bot.MarkReaction, "+1", "C1", "m2", tue)
	mark("U3", "2501.00001", bot.MarkReaction, "eyes", "C1", "m2", tue.Add(time.Hour))
	mark("U1", "2501.00001", bot.MarkSave, "", "C1", "", tue)
	mark("U4", "2501.00001", bot.MarkSave, "", "C9", "", tue)
	// Paper 2: five replies, the last on Wednesday; one reaction from
	// the week before, which does not count.
	ds, err := e.db.RecentDiscussions(ctx, time.Time{})
	if err != nil || len(ds) != 3 {
		t.Fatalf("discussions %v, %v", ds, err)
	}
	for _, d := range ds {
		if d.PaperID == "2501.00002" {
			if ok, err := e.db.SetReplyCount(ctx, d, bot.ReplyCount{Replies: 5, Last: tue.Add(24 * time.Hour)}); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
	}
	mark("U5", "2501.00002", bot.MarkReaction, "+1", "C1", "m4", tue.AddDate(0, 0, -8))
	// A reaction in another channel counts for nothing here.
	mark("U6", "2501.00009", bot.MarkReaction, "+1", "C2", "x", tue)

	thu := time.Date(2025, 3, 13, 12, 0, 0, 0, time.UTC)
	clk.Set(thu)
	pv, err := e.d.Preview(ctx, "fake", digest.WeeklyChannel("C1"))
	if err != nil {
		t.Fatal(err)
	}
	preview := digest.RecapPreviewMessage(pv, "papers")

	clk.Set(time.Date(2025, 3, 14, 17, 0, 0, 0, time.UTC))
	if err := e.d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	rs := recaps(e.plat.Calls())
	if len(rs) != 1 {
		t.Fatalf("%d recaps posted, want 1", len(rs))
	}
	r := rs[0]
	if r.To.Channel != "C1" || r.Message.Ephemeral {
		t.Errorf("recap posted to %q (ephemeral %v), want the channel C1", r.To.Channel, r.Message.Ephemeral)
	}
	want := []string{
		"1. Paper 2 on diffusion | 5 replies | Thread https://chat.example/C1/m4/thread",
		"2. Paper 1 on diffusion | 3 people reacted · saved by 2 | Thread https://chat.example/C1/m2/thread",
		"Posted, nobody opened (1) | No reply, reaction or save yet: worth a look?",
		"Paper 3 on robots | posted Monday | Thread https://chat.example/C1/m6/thread",
	}
	if got := sectionLines(r.Message); !slices.Equal(got, want) {
		t.Errorf("recap sections\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Message.Title != "Weekly recap · 7–14 March" || !strings.Contains(r.Message.Text, "Paper 2 on diffusion (5 replies)") {
		t.Errorf("title %q, text %q", r.Message.Title, r.Message.Text)
	}
	// The preview on Thursday showed the same papers, to the requester only.
	if !preview.Ephemeral || !slices.Equal(sectionLines(preview), want) {
		t.Errorf("Thursday's preview (ephemeral %v):\n%s", preview.Ephemeral, strings.Join(sectionLines(preview), "\n"))
	}
	week := e.day(digest.WeeklyChannel("C1"), "2025-03-14")
	if week.Status != digest.DayDone || !week.Header.IsDone() || week.Kind != digest.KindWeekly {
		t.Errorf("ledger: %s, header done %v, kind %q", week.Status, week.Header.IsDone(), week.Kind)
	}
	// Once a week: running again posts nothing more, and the daily
	// digest's own ledger is untouched by the recap.
	if err := e.d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(recaps(e.plat.Calls())); n != 1 {
		t.Errorf("%d recaps after running again, want 1", n)
	}
	if last, ok, _ := e.db.LastDay(ctx, "fake", "C1"); !ok || last.Date != "2025-03-10" {
		t.Errorf("the daily digest's last day is %s, want 2025-03-10", last.Date)
	}

	// "What did we say about it?": show lists the thread with its count
	// and the time of its last reply.
	b, err := bot.New(bot.Config{Searcher: e.search, Discussions: e.db, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	var rec bottest.Recorder
	if err := b.Handle(ctx, &bot.Request{Platform: "fake", Channel: "C1", User: "U1", Text: "show 2501.00002"}, &rec); err != nil {
		t.Fatal(err)
	}
	if want := "Discussed in #ml-papers (5 replies; last reply Wed 12 Mar 2025 10:00 UTC)"; !strings.Contains(rec.Text(), want) {
		t.Errorf("show:\n%s\nwant %q", rec.Text(), want)
	}
}

// A paper posted under one id and saved or reacted to under another it
// has had (a trending page's title id, merged into its arXiv id since:
// paper.Aliases) is one line of the recap, under the id the channel
// posted, and a person who saved it under both ids counts once.
func TestWeeklyRecapCountsAPaperUnderAllItsIDs(t *testing.T) {
	clk := &fakeClock{}
	e := weeklyEnv(t, clk)
	ctx := t.Context()
	fs := e.search.(*fakeSearcher)
	tid := paper.TitleID(fs.papers[0].Title)
	fs.mu.Lock()
	fs.papers[0].Aliases = []string{tid}
	fs.mu.Unlock()
	tue := time.Date(2025, 3, 11, 10, 0, 0, 0, time.UTC)
	for _, m := range []bot.Mark{
		{User: "U1", PaperID: "2501.00001", Kind: bot.MarkSave, Channel: "C1"},
		{User: "U1", PaperID: tid, Kind: bot.MarkSave, Channel: "C9"},
		{User: "U2", PaperID: tid, Kind: bot.MarkSave, Channel: "C1"},
		{User: "U3", PaperID: tid, Kind: bot.MarkReaction, Detail: "+1", Channel: "C1", Thread: "m2"},
	} {
		m.Platform, m.At = "fake", tue
		if _, err := e.db.AddMark(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(time.Date(2025, 3, 14, 17, 0, 0, 0, time.UTC))
	if err := e.d.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	rs := recaps(e.plat.Calls())
	if len(rs) != 1 {
		t.Fatalf("%d recaps posted, want 1", len(rs))
	}
	want := "1. Paper 1 on diffusion | 1 person reacted · saved by 2 | Thread https://chat.example/C1/m2/thread"
	if got := sectionLines(rs[0].Message); len(got) == 0 || got[0] != want || strings.Contains(strings.Join(got, "\n"), tid) {
		t.Errorf("recap sections\n%s\nwant first %s, and %s nowhere", strings.Join(got, "\n"), want, tid)
	}
}

// A week with nothing posted and nothing engaged posts nothing, records
// the week as empty, and the preview says the week is empty.
func TestWeeklyRecapEmptyWeekPostsNothing(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)}
	e := newEnv(t, manyPapers(5), clk)
	e.subscribe(digest.Weekly(digest.Subscription{Channel: "C1", Time: "17:00", Zone: "UTC", Top: 10, Since: clk.Now()}, time.Friday))
	pv, err := e.d.Preview(t.Context(), "fake", digest.WeeklyChannel("C1"))
	if err != nil {
		t.Fatal(err)
	}
	if m := digest.RecapPreviewMessage(pv, "papers"); !m.Ephemeral || !strings.HasPrefix(m.Text, "The week is empty") || len(m.Sections) != 0 {
		t.Errorf("preview of an empty week: %+v", m)
	}
	clk.Set(time.Date(2025, 3, 14, 17, 0, 0, 0, time.UTC))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if calls := e.plat.Calls(); len(calls) != 0 {
		t.Errorf("an empty week made %d calls, want none: %+v", len(calls), calls)
	}
	if d := e.day(digest.WeeklyChannel("C1"), "2025-03-14"); d.Status != digest.DayEmpty {
		t.Errorf("ledger: %s, want empty", d.Status)
	}
}

// The recap of a Berlin channel on Sundays is posted at its local time
// on that day, once a week, across the end of summer time on the last
// Sunday of October (26 October 2025): 09:00 is 07:00 UTC before and
// 08:00 UTC after; 02:30, which happens twice that night, is posted once,
// at its second occurrence (01:30 UTC).
func TestWeeklyRecapAcrossDST(t *testing.T) {
	for _, tc := range []struct {
		at   string
		want []string // UTC times of the recaps
	}{
		{"09:00", []string{"2025-10-19 07:00", "2025-10-26 08:00", "2025-11-02 08:00"}},
		{"02:30", []string{"2025-10-19 00:30", "2025-10-26 01:30", "2025-11-02 01:30"}},
	} {
		t.Run(tc.at, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				berlin := mustZone(t, "Europe/Berlin")
				start := at(t, berlin, "2025-10-13 00:00") // a Monday
				time.Sleep(time.Until(start))
				e := newEnv(t, manyPapers(100), clock.System{})
				// Something is posted every week: a daily digest on Mondays.
				e.subscribe(digest.Subscription{Channel: "C1", ChannelName: "ml-papers", Time: "08:00", Zone: "Europe/Berlin", Top: 2,
					Days: schedule.Day(time.Monday), Since: start})
				e.subscribe(digest.Weekly(digest.Subscription{Channel: "C1", ChannelName: "ml-papers", Time: tc.at, Zone: "Europe/Berlin",
					Top: 10, Since: start}, time.Sunday))
				runScheduler(t, e.d, at(t, berlin, "2025-11-05 23:59"))

				var got []string
				for _, r := range recaps(e.plat.Calls()) {
					got = append(got, r.At.UTC().Format("2006-01-02 15:04"))
					if n := len(r.Message.Sections); n != 3 {
						t.Errorf("recap at %s lists %d sections, want the 2 papers of that Monday under their heading", r.At, n)
					}
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("recaps at (UTC)\n%v\nwant\n%v", got, tc.want)
				}
			})
		})
	}
}

// A recap whose post goes wrong the ways bottest.DigestFaults lists
// (applied to the recap, the week's one post) is settled on the next run,
// after a restart for a crash: posted exactly once, with nothing lost.
func TestWeeklyRecapFaults(t *testing.T) {
	kinds := map[bottest.DigestFaultKind]bool{}
	for _, f := range bottest.DigestFaults() {
		kinds[f.Kind] = true
	}
	for kind := range kinds {
		f := bottest.DigestFault{Part: bottest.Header, Kind: kind}
		t.Run(strings.Replace(f.String(), "the header", "the recap", 1), func(t *testing.T) {
			clk := &fakeClock{}
			e := weeklyEnv(t, clk)
			fired := false
			isRecap := func(c bottest.Call) bool {
				return !fired && c.Op == "post" && strings.HasPrefix(c.Message.Title, "Weekly recap")
			}
			e.plat.Before = func(c bottest.Call) error {
				if kind == bottest.Refused && isRecap(c) {
					fired = true
					return fault.New(fault.Invalid, "injected: channel_not_found")
				}
				return nil
			}
			e.plat.After = func(c bottest.Call) error {
				if kind != bottest.Refused && isRecap(c) {
					fired = true
					if kind == bottest.Crash {
						e.st.crash()
					}
					return errors.New("injected: the answer was lost")
				}
				return nil
			}
			clk.Set(time.Date(2025, 3, 14, 17, 0, 0, 0, time.UTC))
			if err := e.d.RunDue(t.Context()); err == nil {
				t.Fatal("the first run reported no error")
			}
			if !fired {
				t.Fatal("the fault did not fire")
			}
			if kind == bottest.Crash {
				e.restart()
			}
			clk.Set(clk.Now().Add(10 * time.Minute))
			if err := e.d.RunDue(t.Context()); err != nil {
				t.Fatalf("second run: %v", err)
			}
			rs := recaps(e.plat.Calls())
			if len(rs) != 1 {
				t.Fatalf("%d recaps on the platform, want exactly 1", len(rs))
			}
			if got := len(rs[0].Message.Sections); got != 4 {
				t.Errorf("the recap lists %d sections, want the 3 papers of the week under their heading", got)
			}
			week := e.day(digest.WeeklyChannel("C1"), "2025-03-14")
			if week.Status != digest.DayDone || week.Header.Message.ID != rs[0].Ref.ID {
				t.Errorf("ledger %s, message %q; want done with the posted message %q", week.Status, week.Header.Message.ID, rs[0].Ref.ID)
			}
		})
	}
}

// `subscribe weekly` reads the daily digest's grammar for times and zones
// and one day; what it cannot use is refused with the part named. Daily
// and weekly live side by side; each unsubscribe stops only its own and
// says what remains.
func TestWeeklySubscribeGrammar(t *testing.T) {
	c := newChat(t, manyPapers(3))
	for _, tc := range []struct {
		text, want      string // want: "" when accepted
		time, zone, day string
	}{
		{"subscribe weekly", "", "09:00", "UTC", "fri"},
		{"subscribe weekly at 4:30pm tz europe/berlin day mon", "", "16:30", "Europe/Berlin", "mon"},
		{"subscribe weekly days Thursday at 8", "", "08:00", "UTC", "thu"},
		// Discord's typed options arrive before the rest ("topic").
		{"subscribe at 7:15 tz utc weekly day wed", "", "07:15", "UTC", "wed"},
		{"subscribe weekly on sun", "", "09:00", "UTC", "sun"},
		{"subscribe weekly day funday", "Weekly recap not changed: day \"funday\" is not a day of the week (use one day: mon, tue, ... or its name, like friday). Usage: /papers subscribe weekly [at HH:MM] [tz Area/City] [day fri]", "", "", ""},
		{"subscribe weekly day mon-fri", "Weekly recap not changed: day \"mon-fri\" is weekdays, not one day: a weekly schedule posts on one day of the week (like fri). Usage: /papers subscribe weekly [at HH:MM] [tz Area/City] [day fri]", "", "", ""},
		{"subscribe weekly day daily", "not one day", "", "", ""},
		{"subscribe weekly day funday", "day \"funday\" is not a day of the week", "", "", ""},
		{"subscribe weekly at 25:00", "time \"25:00\" is not a time of day: the hour must be 00-23", "", "", ""},
		{"subscribe weekly tz Europe/Berln", "tz \"Europe/Berln\" is not a known time zone", "", "", ""},
		{"subscribe weekly top 3", "a weekly recap has no top", "", "", ""},
		{"subscribe weekly diffusion models", "a weekly recap has no topic (“diffusion models” was not understood)", "", "", ""},
	} {
		reply, err := c.say("T1", "C1", tc.text)
		if tc.want != "" {
			if err == nil || !strings.Contains(reply, tc.want) {
				t.Errorf("%q: %q (%v), want a refusal saying %q", tc.text, reply, err, tc.want)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(reply, "Weekly recap ") {
			t.Errorf("%q: %q, %v", tc.text, reply, err)
			continue
		}
		s, ok, err := c.e.db.Subscription(t.Context(), "fake", digest.WeeklyChannel("C1"))
		if err != nil || !ok {
			t.Fatalf("%q: not stored: %v", tc.text, err)
		}
		if got := []string{s.Time, s.Zone, s.Days.String(), s.Kind}; !slices.Equal(got, []string{tc.time, tc.zone, tc.day, "weekly"}) {
			t.Errorf("%q stored %v, want %s %s %s weekly", tc.text, got, tc.time, tc.zone, tc.day)
		}
	}
	// The daily digest beside it.
	if reply, err := c.say("T1", "C1", "subscribe top 3"); err != nil || !strings.HasPrefix(reply, "Daily digest set") {
		t.Fatalf("daily: %q %v", reply, err)
	}
	reply, err := c.say("T1", "C1", "subscriptions")
	if err != nil || !strings.Contains(reply, "#chan-C1: weekly recap, Sundays at 09:00 UTC") || !strings.Contains(reply, "#chan-C1: every day at 09:00 UTC, top 3") {
		t.Errorf("subscriptions: %q %v", reply, err)
	}
	if reply, err := c.say("T1", "C1", "unsubscribe weekly"); err != nil || !strings.Contains(reply, "The weekly recap of #chan-C1 is stopped. Its daily digest stays (every day at 09:00 UTC") {
		t.Errorf("unsubscribe weekly: %q %v", reply, err)
	}
	if reply, err := c.say("T1", "C1", "unsubscribe weekly"); err == nil || !strings.Contains(reply, "no weekly recap") {
		t.Errorf("unsubscribe weekly again: %q %v", reply, err)
	}
	if _, err := c.say("T1", "C1", "subscribe weekly day tue"); err != nil {
		t.Fatal(err)
	}
	if reply, err := c.say("T1", "C1", "unsubscribe"); err != nil || !strings.Contains(reply, "The daily digest of #chan-C1 is stopped") || !strings.Contains(reply, "Its weekly recap stays (Tuesdays at 09:00 UTC") {
		t.Errorf("unsubscribe: %q %v", reply, err)
	}
	if reply, err := c.say("T1", "C1", "unsubscribe"); err == nil || !strings.Contains(reply, "no daily digest. Its weekly recap stays") {
		t.Errorf("unsubscribe with only the weekly recap: %q %v", reply, err)
	}
	if reply, err := c.say("T1", "C1", "digest preview weekly"); err != nil || !strings.Contains(reply, "The week is empty") {
		t.Errorf("preview weekly: %q %v", reply, err)
	}
	if reply, err := c.say("T1", "C1", "unsubscribe weekly"); err != nil || !strings.Contains(reply, "Nothing is posted here on a schedule any more") {
		t.Errorf("last unsubscribe: %q %v", reply, err)
	}
	if reply, err := c.say("T1", "C2", "digest preview weekly"); err == nil || !strings.Contains(reply, "no weekly recap") {
		t.Errorf("preview without a recap: %q %v", reply, err)
	}
}

func spansText(spans []bot.Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	return b.String()
}
