package digest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/configs/sample"
	"github.com/paperbot/paperbot/index"
)

// The tests over the sample corpus share one real Bleve index (they only
// read it).
func TestDigestOverSampleCorpus(t *testing.T) {
	ix := sampleIndex(t)
	t.Run("a week", func(t *testing.T) { testWeekOverSampleCorpus(t, ix) })
	t.Run("discussion links", func(t *testing.T) { testDiscussionLinksInShowAndSearch(t, ix) })
	t.Run("malformed topic", func(t *testing.T) { testSubscribeRefusesAMalformedTopic(t, ix) })
	t.Run("mistyped commands", func(t *testing.T) { testMistypedCommands(t, ix) })
	t.Run("subscribe refusals", func(t *testing.T) { testSubscribeRefusalsSayNotChanged(t, ix) })
}

// sampleIndex indexes the sample corpus (configs/sample: the trending-page
// capture with its verified arXiv ids) into a real Bleve index.
func sampleIndex(t *testing.T) *index.Index {
	t.Helper()
	papers, err := sample.Papers()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC)
	ix, err := index.Open(t.TempDir(), index.Options{Logger: discard, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Upsert(t.Context(), papers); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n < 100 {
		t.Fatalf("sample index has %d papers", n)
	}
	return ix
}

// A week of daily digests over the sample corpus: never a paper twice in
// one channel, the preview before each run lists exactly what the run
// then posts, in order, labels follow the trending window, and a channel
// whose topic runs dry posts nothing at all.
func testWeekOverSampleCorpus(t *testing.T, ix *index.Index) {
	berlin := mustZone(t, "Europe/Berlin")
	clock := &fakeClock{t: time.Date(2025, 5, 4, 12, 0, 0, 0, berlin)}
	e := newEnv(t, ix, clock)
	subs := []digest.Subscription{
		{Channel: "all", ChannelName: "papers", Time: "09:00", Zone: "Europe/Berlin", Top: 5},
		{Channel: "lm", ChannelName: "llm", Time: "09:00", Zone: "Europe/Berlin", Top: 3, Topic: "language model"},
		{Channel: "protein", ChannelName: "bio", Time: "09:00", Zone: "Europe/Berlin", Top: 4, Topic: "protein"},
		// No paper has both words: the channel follows a topic that has
		// no papers yet, and is never sent those with one of them.
		{Channel: "mixed", ChannelName: "bio-ml", Time: "09:00", Zone: "Europe/Berlin", Top: 3, Topic: "diffusion protein"},
	}
	for _, s := range subs {
		s.Since = clock.Now()
		e.subscribe(s)
	}
	everPosted := map[string]map[string]string{}
	emptyDays := map[string]int{}
	for day := range 7 {
		date := time.Date(2025, 5, 5+day, 9, 0, 0, 0, berlin)
		clock.Set(date.Add(-time.Hour))
		previews := map[string][]string{}
		for _, s := range subs {
			pv, err := e.d.Preview(t.Context(), "fake", s.Channel)
			if err != nil {
				t.Fatal(err)
			}
			if pv.Date != date.Format(time.DateOnly) || !pv.Due.Equal(date) {
				t.Errorf("%s day %d: preview of %s %s, want %s", s.Channel, day, pv.Date, pv.Due, date)
			}
			for _, p := range pv.Day.Papers {
				previews[s.Channel] = append(previews[s.Channel], p.Paper.ID+" "+p.Label())
			}
		}
		e.plat.Reset()
		clock.Set(date)
		if err := e.d.RunDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			calls := e.plat.CallsTo(s.Channel)
			var got []string
			for _, c := range calls {
				if c.Op == "post" && c.Message.Kind == bot.KindDigestPaper {
					// "1 of 3 · new" → the label.
					_, label, _ := strings.Cut(c.Message.Intro, " · ")
					got = append(got, c.Message.Sections[0].PaperID+" "+label)
				}
			}
			if !slices.Equal(got, previews[s.Channel]) {
				t.Errorf("%s day %d: posted\n%v\npreview said\n%v", s.Channel, day, got, previews[s.Channel])
			}
			if len(got) == 0 {
				emptyDays[s.Channel]++
				if len(calls) != 0 {
					t.Errorf("%s day %d: nothing new, yet %d calls (a header?)", s.Channel, day, len(calls))
				}
				if d := e.day(s.Channel, date.Format(time.DateOnly)); d.Status != digest.DayEmpty {
					t.Errorf("%s day %d: status %s, want empty", s.Channel, day, d.Status)
				}
				continue
			}
			if len(got) > s.Top {
				t.Errorf("%s: %d papers, top is %d", s.Channel, len(got), s.Top)
			}
			if everPosted[s.Channel] == nil {
				everPosted[s.Channel] = map[string]string{}
			}
			for _, g := range got {
				id := strings.Fields(g)[0]
				if prev, ok := everPosted[s.Channel][id]; ok {
					t.Errorf("%s: paper %s posted on day %d and again on %s", s.Channel, id, day, prev)
				}
				everPosted[s.Channel][id] = fmt.Sprint(day)
			}
			// The papers ranked Top+1..2×Top yesterday are "still trending" today.
			if day == 1 && s.Channel == "all" {
				for _, g := range got {
					if !strings.HasSuffix(g, "still trending, day 2") {
						t.Errorf("all, day 2: %q, want still trending, day 2", g)
					}
				}
			}
			if day == 0 {
				for _, g := range got {
					if !strings.HasSuffix(g, " new") {
						t.Errorf("%s, day 1: %q, want new", s.Channel, g)
					}
				}
			}
		}
	}
	if n := len(everPosted["all"]); n != 35 {
		t.Errorf("all: %d papers in a week, want 35", n)
	}
	if n := len(everPosted["mixed"]); n != 0 || emptyDays["mixed"] != 7 {
		t.Errorf("diffusion protein: %d papers posted, %d empty days; no paper has both words", n, emptyDays["mixed"])
	}
	if emptyDays["protein"] == 0 {
		t.Errorf("the protein channel never ran dry; the test wants an empty day (posted %d papers)", len(everPosted["protein"]))
	}
	t.Logf("a week: %d papers to #papers, %d to #llm, %d to #bio (%d empty days)",
		len(everPosted["all"]), len(everPosted["lm"]), len(everPosted["protein"]), emptyDays["protein"])
}

// Papers posted by the digest show their threads in /papers show and in
// search results.
func testDiscussionLinksInShowAndSearch(t *testing.T, ix *index.Index) {
	clock := &fakeClock{t: time.Date(2025, 5, 5, 8, 0, 0, 0, time.UTC)}
	e := newEnv(t, ix, clock)
	e.subscribe(digest.Subscription{Channel: "C1", ChannelName: "ml-papers", Time: "09:00", Zone: "UTC", Top: 2, Topic: "protein", Since: clock.Now()})
	clock.Set(clock.Now().Add(time.Hour))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	day := e.day("C1", "2025-05-05")
	b, err := bot.New(bot.Config{Searcher: ix, Discussions: e.db, Digest: e.d, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	p := day.Papers[0].Paper
	thread := day.Papers[0].Thread.Thread.URL
	for _, text := range []string{"show " + p.ID, "protein"} {
		checkThreadLinked(t, b, text, p.ID, "Discussed in #ml-papers", thread)
	}
}

// checkThreadLinked fails t unless the bot's answer to text (in another
// channel of the same platform) links paperID to thread with label.
func checkThreadLinked(t *testing.T, b *bot.Bot, text, paperID, label, thread string) {
	t.Helper()
	var rec bottest.Recorder
	if err := b.Handle(t.Context(), &bot.Request{Platform: "fake", Channel: "C9", Text: text}, &rec); err != nil {
		t.Fatal(err)
	}
	for _, s := range rec.Last().Sections {
		for _, l := range s.Links {
			if s.PaperID == paperID && l.Label == label && l.URL == thread {
				return
			}
		}
	}
	t.Errorf("%q: no link to the thread %s for %s in\n%s", text, thread, paperID, rec.Text())
}
