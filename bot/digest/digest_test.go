package digest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
)

// fault is one place a digest run fails.
type faultPoint struct {
	name string
	// op and n select the platform call: the n-th (1-based) "post" or
	// "thread" call; n == 0 with op "plan" fails right after the plan
	// was saved.
	op string
	n  int
	// before fails before the call reaches the platform (nothing
	// happens); otherwise after it happened (the outcome looks unknown).
	before bool
}

// A day of 3 papers is 4 posts (header, 3 papers) and 3 threads.
var faultPoints = func() []faultPoint {
	fs := []faultPoint{{name: "after planning", op: "plan"}}
	fs = append(fs, faultPoint{name: "before posting the header", op: "post", n: 1, before: true})
	fs = append(fs, faultPoint{name: "after posting the header", op: "post", n: 1})
	for k := 1; k <= 3; k++ {
		fs = append(fs,
			faultPoint{name: fmt.Sprintf("before posting paper %d", k), op: "post", n: k + 1, before: true},
			faultPoint{name: fmt.Sprintf("after posting paper %d", k), op: "post", n: k + 1},
			faultPoint{name: fmt.Sprintf("before starting thread %d", k), op: "thread", n: k, before: true},
			faultPoint{name: fmt.Sprintf("after starting thread %d", k), op: "thread", n: k},
		)
	}
	return fs
}()

// inject arms the fault on the env's platform: it fires once, returning
// an error (and, when crash is set, killing the process state first).
func inject(e *env, f faultPoint, crash bool) {
	if f.op == "plan" {
		if crash {
			e.st.crashAfterSave = 1
		} else {
			// An error right after planning: the first post fails before
			// reaching the platform.
			f = faultPoint{op: "post", n: 1, before: true}
		}
	}
	counts := map[string]int{}
	fired := false
	hook := func(before bool) func(c bottest.Call) error {
		return func(c bottest.Call) error {
			if before {
				counts[c.Op]++
			}
			if fired || f.before != before || c.Op != f.op || counts[c.Op] != f.n {
				return nil
			}
			fired = true
			if crash {
				e.st.crash()
			}
			return errors.New("injected failure")
		}
	}
	e.plat.Before, e.plat.After = hook(true), hook(false)
}

// A run that fails at any step, by an error or by a crash (the process
// state dropped and the bbolt file reopened), is completed by the next
// run: every paper posted once and threaded once, nothing duplicated.
func TestDigestFaultInjection(t *testing.T) {
	due := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	for _, mode := range []string{"error", "crash"} {
		for _, f := range faultPoints {
			t.Run(mode+"/"+f.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					clock := &fakeClock{t: due.Add(-time.Hour)}
					e := newEnv(t, manyPapers(20), clock)
					e.subscribe(digest.Subscription{Channel: "C1", ChannelName: "ml-papers", Time: "09:00", Zone: "UTC", Top: 3, Since: clock.Now()})
					inject(e, f, mode == "crash")
					clock.Set(due.Add(time.Minute))

					err := e.d.RunDue(t.Context())
					if err == nil {
						t.Fatal("the first run did not fail")
					}
					if mode == "crash" {
						if !errors.Is(err, errCrashed) {
							t.Fatalf("first run: %v, want the crash", err)
						}
						e.restart()
					}
					for i := 0; ; i++ {
						clock.Set(clock.Now().Add(time.Minute))
						if err = e.d.RunDue(t.Context()); err == nil {
							break
						}
						if i == 3 {
							t.Fatalf("run %d: %v", i+2, err)
						}
					}
					day := e.day("C1", "2025-05-05")
					if day.Status != digest.DayDone {
						t.Fatalf("day %s: %s", day.Status, day.Note)
					}
					var want []string
					for _, p := range day.Papers {
						want = append(want, p.Paper.ID)
						if !p.Post.IsDone() || !p.Thread.IsDone() {
							t.Errorf("%s: post %+v thread %+v", p.Paper.ID, p.Post, p.Thread)
						}
					}
					if len(want) != 3 {
						t.Fatalf("planned %d papers, want 3", len(want))
					}
					checkExactlyOnce(t, e.plat.Calls(), want)

					disc, err := e.db.AllDiscussionsOf(t.Context(), want...)
					if err != nil {
						t.Fatal(err)
					}
					for _, id := range want {
						if len(disc[id]) != 1 || disc[id][0].ChannelName != "ml-papers" || disc[id][0].URL == "" {
							t.Errorf("discussions of %s: %+v", id, disc[id])
						}
					}
					// Nothing more on later runs the same day.
					n := len(e.plat.Calls())
					if err := e.d.RunDue(t.Context()); err != nil || len(e.plat.Calls()) != n {
						t.Errorf("a later run: err %v, %d more calls", err, len(e.plat.Calls())-n)
					}
				})
			})
		}
	}
}

// On a platform that cannot look up earlier posts (no PostFinder, or
// lookups that keep failing), a step whose outcome is unknown is given up
// rather than repeated: never a duplicate, every other paper still posted
// and threaded, and the uncertain paper never offered again.
func TestDigestUnknownOutcomeWithoutLookup(t *testing.T) {
	due := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	for _, mode := range []string{"error", "crash", "lookup fails"} {
		for _, f := range faultPoints {
			t.Run(mode+"/"+f.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					clock := &fakeClock{t: due.Add(-time.Hour)}
					e := newEnv(t, manyPapers(20), clock)
					if mode == "lookup fails" {
						e.plat.NoFind = true
					} else {
						e.poster = noLookup{e.plat}
					}
					e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 3, Since: clock.Now()})
					inject(e, f, mode == "crash")
					clock.Set(due.Add(time.Minute))
					if err := e.d.RunDue(t.Context()); err == nil {
						t.Fatal("the first run did not fail")
					}
					if mode == "crash" {
						e.restart()
					}
					for range 6 {
						clock.Set(clock.Now().Add(time.Minute))
						_ = e.d.RunDue(t.Context())
					}
					day := e.day("C1", "2025-05-05")
					if day.Status != digest.DayDone {
						t.Fatalf("day %s: %s", day.Status, day.Note)
					}
					calls := e.plat.Calls()
					if h := headers(calls); len(h) > 1 {
						t.Errorf("%d headers", len(h))
					}
					ids := posted(calls)
					if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
						t.Errorf("a paper was posted twice: %v", ids)
					}
					threads := map[string]int{}
					for _, c := range calls {
						if c.Op == "thread" {
							threads[c.Parent.ID]++
							if threads[c.Parent.ID] > 1 {
								t.Errorf("two threads on message %s", c.Parent.ID)
							}
						}
					}
					lost := 0
					for _, p := range day.Papers {
						switch {
						case p.Post.Unknown:
							lost++
						case !p.Post.IsDone():
							t.Errorf("%s was not posted: %+v", p.Paper.ID, p.Post)
						case !p.Thread.IsDone() && !p.Thread.Unknown:
							t.Errorf("%s has no thread: %+v", p.Paper.ID, p.Thread)
						}
					}
					if lost > 1 {
						t.Errorf("%d papers given up, want at most the one that failed", lost)
					}
					// The uncertain paper is never planned again in the channel.
					sent, err := e.db.Sent(t.Context(), "fake", "C1")
					if err != nil {
						t.Fatal(err)
					}
					for _, p := range day.Papers {
						if !slices.Contains(sent, p.Paper.ID) {
							t.Errorf("%s is not in the channel's sent set", p.Paper.ID)
						}
					}
				})
			})
		}
	}
}

// A platform that refuses a post (a fault.Invalid error: the bot is not
// in the channel) did not post it: the next run posts it, with no
// lookup needed. After MaxAttempts refusals the paper is given up and may
// come back another day.
func TestDigestRefusedPostIsRetried(t *testing.T) {
	due := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: due.Add(-time.Hour)}
	e := newEnv(t, manyPapers(20), clock)
	e.plat.NoFind = true
	e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 2, Since: clock.Now()})
	refusals := 2
	e.plat.Before = func(c bottest.Call) error {
		if c.Op == "post" && c.Message.Kind == bot.KindDigestPaper && refusals > 0 {
			refusals--
			return fault.New(fault.Invalid, "paperbot is not a member of the channel")
		}
		return nil
	}
	clock.Set(due)
	for range 2 {
		if err := e.d.RunDue(t.Context()); !fault.Is(err, fault.Invalid) {
			t.Fatalf("run: %v, want the refusal", err)
		}
	}
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	day := e.day("C1", "2025-05-05")
	checkExactlyOnce(t, e.plat.Calls(), []string{day.Papers[0].Paper.ID, day.Papers[1].Paper.ID})
	if a := day.Papers[0].Post.Attempts; a != 3 {
		t.Errorf("first paper took %d attempts, want 3", a)
	}

	// Always refused: given up after MaxAttempts, and not in the sent set.
	e2 := newEnv(t, manyPapers(20), clock)
	e2.subscribe(digest.Subscription{Channel: "C2", Time: "09:00", Zone: "UTC", Top: 1, Since: due.Add(-time.Hour)})
	e2.plat.Before = func(c bottest.Call) error {
		if c.Op == "post" && c.Message.Kind == bot.KindDigestPaper {
			return fault.New(fault.Invalid, "not allowed")
		}
		return nil
	}
	for range 10 {
		_ = e2.d.RunDue(t.Context())
	}
	d2 := e2.day("C2", "2025-05-05")
	if d2.Status != digest.DayDone || !strings.HasPrefix(d2.Papers[0].Post.Skipped, "gave up after 5 attempts") {
		t.Errorf("day %s, paper step %+v", d2.Status, d2.Papers[0].Post)
	}
	if sent, _ := e2.db.Sent(t.Context(), "fake", "C2"); len(sent) != 0 {
		t.Errorf("sent set %v: a paper never posted must stay eligible", sent)
	}
}

// A store failure while recording a step stops the run (nothing is
// posted without its record), and the day completes later.
func TestDigestStopsWhenTheLedgerFails(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, manyPapers(10), clock)
	e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 2, Since: clock.Now().Add(-time.Hour)})
	e.st.crashAfterSave = 3 // plan, header claim, header posted; the paper's claim fails
	if err := e.d.RunDue(t.Context()); !errors.Is(err, errCrashed) {
		t.Fatalf("run: %v", err)
	}
	if n := len(posted(e.plat.Calls())); n != 0 {
		t.Fatalf("%d papers posted although their claim was not recorded", n)
	}
	e.restart()
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	d := e.day("C1", "2025-05-05")
	checkExactlyOnce(t, e.plat.Calls(), []string{d.Papers[0].Paper.ID, d.Papers[1].Paper.ID})
}

// Unsubscribing in the middle of a day stops new messages; threads of
// papers already out are still started.
func TestDigestUnsubscribeMidDay(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, manyPapers(10), clock)
	e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 3, Since: clock.Now().Add(-time.Hour), Source: digest.SourceChat})
	e.plat.After = func(c bottest.Call) error {
		if c.Op == "post" && c.Message.Kind == bot.KindDigestPaper {
			e.plat.After = nil
			return errors.New("timeout")
		}
		return nil
	}
	if err := e.d.RunDue(t.Context()); err == nil {
		t.Fatal("want the injected failure")
	}
	if _, err := e.d.Unsubscribe(t.Context(), "fake", "C1"); err != nil {
		t.Fatal(err)
	}
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	d := e.day("C1", "2025-05-05")
	if got := posted(e.plat.Calls()); len(got) != 1 {
		t.Errorf("posted %v, want only the first paper", got)
	}
	if !d.Papers[0].Thread.IsDone() || d.Papers[1].Post.Skipped == "" || d.Status != digest.DayDone {
		t.Errorf("day %s: first thread %+v, second post %+v", d.Status, d.Papers[0].Thread, d.Papers[1].Post)
	}
}

// A subscription configured without its workspace: the discussions are
// kept under the workspace the platform posted in, so "discussed in"
// links show there (and nowhere else).
func TestDigestDiscussionsTakeThePostsWorkspace(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, manyPapers(10), clock)
	e.plat.Team = "T9"
	e.subscribe(digest.Subscription{Channel: "C1", ChannelName: "ml", Time: "09:00", Zone: "UTC", Top: 2, Since: clock.Now().Add(-time.Hour)})
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	ids := posted(e.plat.Calls())
	if len(ids) != 2 {
		t.Fatalf("posted %v, want 2 papers", ids)
	}
	for scope, want := range map[bot.Scope]int{{Platform: "fake", Team: "T9"}: 1, {Platform: "fake", Team: "T1"}: 0, {Platform: "fake"}: 0} {
		disc, err := e.db.DiscussionsOf(t.Context(), scope, ids...)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if len(disc[id]) != want {
				t.Errorf("scope %+v: discussions of %s = %+v, want %d", scope, id, disc[id], want)
			}
		}
	}
}

// Finished hears of each channel's day once, when it ends.
func TestDigestFinishedHook(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, manyPapers(10), clock)
	var (
		mu  sync.Mutex
		got []string
	)
	e.cfg.Finished = func(d digest.Day) { // channels finish in parallel
		mu.Lock()
		defer mu.Unlock()
		got = append(got, d.Channel+" "+string(d.Status)+" "+d.Note)
	}
	e.restart() // with the hook
	e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 2, Since: clock.Now().Add(-time.Hour)})
	e.subscribe(digest.Subscription{Channel: "C2", Time: "09:00", Zone: "UTC", Top: 2, Topic: "zzqxv", Since: clock.Now().Add(-time.Hour)})
	for range 2 { // the second run finds both days closed
		if err := e.d.RunDue(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(got)
	want := []string{"C1 done 2 of 2 papers posted, 2 threads", "C2 empty nothing new to post"}
	if !slices.Equal(got, want) {
		t.Errorf("finished %q, want %q", got, want)
	}
}

// Messages: the header and paper messages carry what the issue asks for.
func TestDigestMessages(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)}
	f := manyPapers(10)
	f.papers[0].AISummary = "A short summary from Hugging Face."
	f.papers[0].Upvotes = 120
	e := newEnv(t, f, clock)
	e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 2, Topic: "diffusion", Since: clock.Now().Add(-time.Hour)})
	if err := e.d.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := e.plat.Calls()
	h := calls[0].Message
	if h.Kind != bot.KindDigestHeader || h.Title != "Trending papers on “diffusion” · Monday 5 May" || !strings.Contains(h.Intro, "2 papers") || h.Text == "" {
		t.Errorf("header %+v", h)
	}
	m := calls[1].Message
	s := m.Sections[0]
	if m.Kind != bot.KindDigestPaper || m.Intro != "1 of 2 · new" || s.Title != "Paper 1 on diffusion" ||
		s.Summary[0].Text != "A short summary from Hugging Face." || m.Text == "" {
		t.Errorf("paper message %+v", m)
	}
	var fields, links []string
	for _, f := range s.Fields {
		fields = append(fields, f.Name+": "+f.Value)
	}
	for _, l := range s.Links {
		links = append(links, l.Label)
	}
	if !slices.Equal(fields, []string{"Authors: Ada Lovelace, Alan Turing", "Stats: ▲ 120 upvotes"}) {
		t.Errorf("fields %v", fields)
	}
	if !slices.Equal(links, []string{"Abstract", "Hugging Face", "alphaXiv"}) {
		t.Errorf("links %v", links)
	}
	long := calls[3].Message.Sections[0].Summary[0].Text
	if n := len([]rune(long)); n > 221 || !strings.HasSuffix(long, "…") {
		t.Errorf("summary of %d runes: %q", n, long)
	}
	th := calls[2]
	if th.Op != "thread" || th.Title != "Paper 1 on diffusion" || th.Message.Kind != bot.KindThreadIntro || th.Parent.ID != calls[1].Ref.ID {
		t.Errorf("thread call %+v", th)
	}
}

// A platform that is not running: a due day is recorded as skipped; a day
// cut short waits for it within the grace window, then is closed.
func TestDigestPlatformNotRunning(t *testing.T) {
	due := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: due}
	e := newEnv(t, manyPapers(10), clock)
	e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 2, Since: due.Add(-time.Hour)})
	e.subscribe(digest.Subscription{Channel: "C2", Time: "09:00", Zone: "UTC", Top: 2, Since: due.Add(-time.Hour)})
	// C1 starts and is cut short by its platform going away.
	e.plat.After = func(c bottest.Call) error {
		if c.Op == "post" && c.To.Channel == "C1" && c.Message.Kind == bot.KindDigestPaper {
			e.down.Store(true)
			return errors.New("connection lost")
		}
		return nil
	}
	e.plat.Before = func(c bottest.Call) error {
		if c.To.Channel == "C2" || c.Parent.Channel == "C2" {
			return errors.New("C2 waits for C1")
		}
		return nil
	}
	if err := e.d.RunDue(t.Context()); err == nil {
		t.Fatal("first run: want the lost connection")
	}
	e.plat.After, e.plat.Before = nil, nil
	clock.Set(due.Add(time.Hour))
	if err := e.d.RunDue(t.Context()); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("within grace: %v, want a wait for the platform", err)
	}
	if d := e.day("C1", "2025-05-05"); d.Status != digest.DayOpen {
		t.Errorf("C1 is %s within grace, want open", d.Status)
	}
	clock.Set(due.Add(7 * time.Hour))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	d := e.day("C1", "2025-05-05")
	if d.Status != digest.DayDone || !d.Papers[0].Post.Unknown || d.Papers[1].Post.Skipped == "" || !strings.Contains(d.Note, "not running") {
		t.Errorf("C1 after grace: %s %q, papers %+v", d.Status, d.Note, d.Papers)
	}
	// The next day nothing is planned while it is down: recorded as skipped.
	clock.Set(due.Add(24 * time.Hour))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"C1", "C2"} {
		if d := e.day(ch, "2025-05-06"); d.Status != digest.DaySkipped || !strings.Contains(d.Note, "not running") {
			t.Errorf("%s next day: %s %q", ch, d.Status, d.Note)
		}
	}
}
