package engage_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/engage"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
)

var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// threads is a Slack poster that knows which thread each reply is in.
type threads struct {
	bot.Poster
	of map[string]string
}

func (p threads) ThreadOfMessage(_ context.Context, _, _, message string) (string, error) {
	return p.of[message], nil
}

// tickClock moves a minute each time it is read.
type tickClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}
func (c *tickClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

type fixture struct {
	db  *store.DB
	svc *engage.Service
	b   *bot.Bot
}

// setup: a real bbolt store holding two digest days, Slack paper A in
// C1 (thread "100.1") and Discord paper B in D1 (post and thread "900").
func setup(t *testing.T, emoji string) fixture {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := t.Context()
	posted := func(id, msg, url string) digest.DayPaper {
		return digest.DayPaper{Paper: paper.Paper{ID: id, Title: "Paper " + id}, Day: 1,
			Post:   digest.Step{Done: t0, Message: bot.MessageRef{ID: msg}},
			Thread: digest.Step{Done: t0, Thread: bot.ThreadRef{ID: msg, URL: url}}}
	}
	for _, d := range []digest.Day{
		{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers", Date: "2025-03-10", Status: digest.DayDone,
			Papers: []digest.DayPaper{posted("2503.00001", "100.1", "https://slack/t/100.1")}},
		{Platform: "discord", Team: "G1", Channel: "D1", ChannelName: "papers", Date: "2025-03-10", Status: digest.DayDone,
			Papers: []digest.DayPaper{posted("2503.00002", "900", "https://discord/900")}},
	} {
		if err := db.SaveDay(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	searcher := bottest.NewSearcher(
		paper.Paper{ID: "2503.00001", Title: "Paper A"}, paper.Paper{ID: "2503.00002", Title: "Paper B"},
		paper.Paper{ID: "2503.00003", Title: "Paper C"})
	slack := threads{of: map[string]string{"100.5": "100.1", "555.0": "555.0"}}
	svc, err := engage.New(engage.Config{Store: db, Searcher: searcher, SaveEmoji: emoji,
		Clock: &tickClock{t: t0.Add(time.Hour)},
		Poster: func(platform string) bot.Poster {
			if platform == "slack" {
				return slack
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(bot.Config{Searcher: searcher, Discussions: svc, More: []bot.DigestService{svc}})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db, svc, b}
}

func (f fixture) react(t *testing.T, r bot.Reaction) {
	t.Helper()
	if err := f.svc.React(t.Context(), r); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) thread(t *testing.T, platform, team, id string) bot.Discussion {
	t.Helper()
	disc, err := f.svc.DiscussionsOf(t.Context(), bot.Scope{Platform: platform, Team: team}, id)
	if err != nil || len(disc[id]) != 1 {
		t.Fatalf("discussions of %s: %v %v", id, disc, err)
	}
	return disc[id][0]
}

func slackReaction(user, msg, emoji string, removed bool) bot.Reaction {
	return bot.Reaction{Platform: "slack", Team: "T1", Channel: "C1", Message: msg, User: user, Emoji: emoji, Removed: removed}
}

// Reactions count distinct people per paper: repeated deliveries add
// nothing, a removal undoes only the remover's own, reactions on
// unrelated messages are ignored, and replies in the thread count for its
// paper on both platforms.
func TestReactionsCountPeople(t *testing.T) {
	f := setup(t, "")
	const a, b = "2503.00001", "2503.00002"
	f.react(t, slackReaction("U1", "100.1", "+1", false))
	f.react(t, slackReaction("U1", "100.1", "+1", false)) // Slack's retry
	f.react(t, slackReaction("U2", "100.1", "+1", false))
	f.react(t, slackReaction("U2", "100.5", "fire", false)) // on a reply in the thread
	f.react(t, slackReaction("U3", "555.0", "+1", false))   // an unrelated message
	f.react(t, slackReaction("U4", "100.1", "+1", false))
	f.react(t, slackReaction("U4", "100.1", "+1", true)) // U4 takes it back
	f.react(t, slackReaction("U1", "100.1", "fire", true))

	d := f.thread(t, "slack", "T1", a)
	if d.Reactions != 3 || d.People != 2 {
		t.Errorf("slack thread: %d reactions from %d people, want 3 from 2 (U1 👍, U2 👍 and 🔥)", d.Reactions, d.People)
	}
	if got := bot.DiscussionLabel(d); got != "Discussed in #ml-papers (3 reactions)" {
		t.Errorf("label %q", got)
	}

	// Discord: on the post in the channel, and on a message inside the
	// thread (a channel of its own).
	f.react(t, bot.Reaction{Platform: "discord", Team: "G1", Channel: "D1", Message: "900", User: "u1", Emoji: "👍"})
	f.react(t, bot.Reaction{Platform: "discord", Team: "G1", Channel: "900", Message: "901", User: "u2", Emoji: "🔥"})
	f.react(t, bot.Reaction{Platform: "discord", Team: "G1", Channel: "D1", Message: "899", User: "u3", Emoji: "👍"})
	if d := f.thread(t, "discord", "G1", b); d.Reactions != 2 || d.People != 2 {
		t.Errorf("discord thread: %d reactions from %d people, want 2 from 2", d.Reactions, d.People)
	}

	people, err := f.svc.PeopleOf(t.Context(), []string{a, b, "2503.00003"})
	if err != nil {
		t.Fatal(err)
	}
	if people[a] != 2 || people[b] != 2 || people["2503.00003"] != 0 {
		t.Errorf("people %v, want 2, 2 and none", people)
	}
}

// The bookmark reaction saves the paper for that person (not a reaction
// in the counts), and taking it back unsaves it; save, saved and unsave
// do the same from chat.
func TestBookmarks(t *testing.T) {
	f := setup(t, ":bookmark:")
	ctx := t.Context()
	f.react(t, slackReaction("U1", "100.1", "bookmark", false))
	f.react(t, bot.Reaction{Platform: "discord", Team: "G1", Channel: "D1", Message: "900", User: "u1", Emoji: "🔖"})
	if d := f.thread(t, "slack", "T1", "2503.00001"); d.Reactions != 0 || d.People != 1 {
		t.Errorf("a bookmark: %d reactions from %d people, want 0 and 1", d.Reactions, d.People)
	}

	run := func(user, text string) (*bottest.Recorder, error) {
		rw := &bottest.Recorder{}
		err := f.b.Handle(ctx, &bot.Request{Platform: "slack", Team: "T1", Channel: "C9", User: user, Text: text}, rw)
		return rw, err
	}
	rw, _ := run("U1", "save https://arxiv.org/abs/2503.00003v2")
	if got := rw.Text(); !strings.Contains(got, "Saved “Paper C” (2503.00003)") || !rw.Last().Ephemeral {
		t.Errorf("save: %q", got)
	}
	// The link among words, as written in a chat, names the paper too.
	rw, _ = run("U1", "save see (https://arxiv.org/abs/2503.00003v2).")
	if got := rw.Text(); !strings.Contains(got, "Saved “Paper C” (2503.00003)") && !strings.Contains(got, "already") {
		t.Errorf("save with words around the link: %q", got)
	}
	rw, _ = run("U1", "saved")
	got := rw.Text()
	if i, j := strings.Index(got, "Paper C"), strings.Index(got, "Paper A"); i < 0 || j < 0 || i > j || !rw.Last().Ephemeral {
		t.Errorf("saved: want Paper C (newest) then Paper A, ephemeral:\n%s", got)
	}
	if !strings.Contains(got, "https://slack/t/100.1") {
		t.Errorf("saved: no link to the team's thread:\n%s", got)
	}
	if strings.Contains(got, "Paper B") {
		t.Errorf("saved shows a Discord save in Slack:\n%s", got)
	}
	rw, _ = run("U2", "saved")
	if !strings.Contains(rw.Text(), "no saved papers") {
		t.Errorf("another person's saved: %q", rw.Text())
	}

	f.react(t, slackReaction("U1", "100.1", "bookmark", true))
	if rw, _ = run("U1", "unsave 2503.00003"); !strings.Contains(rw.Text(), "Removed 2503.00003") {
		t.Errorf("unsave: %q", rw.Text())
	}
	if _, err := run("U1", "unsave 2503.00003"); !fault.Is(err, fault.NotFound) && err != nil {
		t.Errorf("unsave twice: %v", err)
	}
	rw, _ = run("U1", "saved")
	if !strings.Contains(rw.Text(), "no saved papers") {
		t.Errorf("after unsaving both: %q", rw.Text())
	}
	rw, _ = run("U1", "save 2503.99999")
	if !strings.Contains(rw.Text(), "not in the index") {
		t.Errorf("save of an unknown paper: %q", rw.Text())
	}
	for text, want := range map[string]string{
		"save 2503.000033": "2503.000033 is not an arXiv id: it has 6 digits after the dot",
		"save garbage":     "garbage is not an arXiv id or link, nor the id of a paper in the index. Usage: `/papers save <arXiv id or URL>`",
	} {
		if rw, _ = run("U1", text); !strings.Contains(rw.Text(), want) {
			t.Errorf("%s: %q, want %q", text, rw.Text(), want)
		}
	}
	rw, _ = run("U1", "help")
	for _, want := range []string{"/papers save <arXiv id or URL>", "/papers saved", "/papers unsave"} {
		if !strings.Contains(rw.Text(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestSaveEmojiConfig(t *testing.T) {
	for _, bad := range []string{" ", "book mark", ":Bookmark:", strings.Repeat("x", 65)} {
		if _, err := engage.CheckEmoji(bad); err == nil {
			t.Errorf("CheckEmoji(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{":bookmark:": "bookmark", "🔖": "🔖", "star": "star", "+1": "+1"} {
		if got, err := engage.CheckEmoji(in); err != nil || got != want {
			t.Errorf("CheckEmoji(%q) = %q, %v", in, got, err)
		}
	}
	f := setup(t, "star")
	if !f.svc.IsSave("star") || !f.svc.IsSave("⭐") || f.svc.IsSave("bookmark") {
		t.Error("a configured star should save, the bookmark no longer")
	}
}

// A thread in a channel known only by its id (subscribed from a Slack
// mention) is named as an id, never as "#C0123".
func TestDiscussionLabelWithoutAName(t *testing.T) {
	d := bot.Discussion{Channel: "C0123", Replies: 2}
	if got := bot.DiscussionLabel(d); got != "Discussed in channel C0123 (2 replies)" {
		t.Errorf("label %q", got)
	}
}

// A trending page's paper is posted under its title id, bookmarked there,
// and later merged into its arXiv id (the index keeps the title id as an
// alias): saved lists it once, under its arXiv id, with its thread; save
// of the arXiv id says it is already saved; unsave of the arXiv id
// removes the save made under the title id.
func TestBookmarkUnderTitleIDAfterMerge(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tid := paper.TitleID("Paper A")
	if err := db.SaveDay(ctx, digest.Day{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers", Date: "2025-03-10", Status: digest.DayDone,
		Papers: []digest.DayPaper{{Paper: paper.Paper{ID: tid, Title: "Paper A"}, Day: 1,
			Post:   digest.Step{Done: t0, Message: bot.MessageRef{ID: "100.1"}},
			Thread: digest.Step{Done: t0, Thread: bot.ThreadRef{ID: "100.1", URL: "https://slack/t/100.1"}}}}}); err != nil {
		t.Fatal(err)
	}
	searcher := bottest.NewSearcher(paper.Paper{ID: "2503.00001", Title: "Paper A", Aliases: []string{tid}})
	svc, err := engage.New(engage.Config{Store: db, Searcher: searcher, SaveEmoji: "bookmark", Clock: &tickClock{t: t0.Add(time.Hour)},
		Poster: func(string) bot.Poster { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(bot.Config{Searcher: searcher, Discussions: svc, More: []bot.DigestService{svc}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.React(ctx, slackReaction("U1", "100.1", "bookmark", false)); err != nil {
		t.Fatal(err)
	}
	run := func(text string) string {
		rw := &bottest.Recorder{}
		if err := b.Handle(ctx, &bot.Request{Platform: "slack", Team: "T1", Channel: "C9", User: "U1", Text: text}, rw); err != nil && !fault.Is(err, fault.NotFound) {
			t.Fatalf("%s: %v", text, err)
		}
		return rw.Text()
	}
	if got := run("save 2503.00001"); !strings.Contains(got, "already in your saved papers") {
		t.Errorf("save of the arXiv id of a paper saved under its title id: %q", got)
	}
	got := run("saved")
	if strings.Count(got, "Paper A") != 1 || strings.Contains(got, "no longer in the index") || !strings.Contains(got, "https://slack/t/100.1") || !strings.Contains(got, "1 saved paper") {
		t.Errorf("saved: want Paper A once, with its thread:\n%s", got)
	}
	if got := run("unsave 2503.00001"); !strings.Contains(got, "Removed 2503.00001") {
		t.Errorf("unsave of the arXiv id: %q", got)
	}
	if got := run("saved"); !strings.Contains(got, "no saved papers") {
		t.Errorf("after unsave: %q", got)
	}
}
