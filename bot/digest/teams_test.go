package digest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
)

// teamPlatform is the fake platform with a bot.TeamFinder: teams maps a
// channel to its team; err, when set, is every look-up's answer.
type teamPlatform struct {
	*bottest.Platform
	mu    sync.Mutex
	teams map[string]string
	err   error
	one   bool
	asked []string
}

func (p *teamPlatform) ChannelTeam(_ context.Context, channel string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, channel)
	if p.err != nil {
		return "", p.err
	}
	return p.teams[channel], nil
}

func (p *teamPlatform) OneTeam() bool { return p.one }

func (p *teamPlatform) set(err error, teams map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err, p.teams, p.asked = err, teams, nil
}

func (p *teamPlatform) lookups() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...)
}

// newTeamChat is a chat whose platform finds channels' teams, with the
// digest's log in logs.
func newTeamChat(t *testing.T, logs *bytes.Buffer) (*chat, *teamPlatform) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 5, 5, 7, 0, 0, 0, time.UTC)}
	e := newEnv(t, manyPapers(10), clock)
	tp := &teamPlatform{Platform: e.plat}
	e.poster = tp
	e.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.restart()
	b, err := bot.New(bot.Config{Searcher: e.search, Discussions: e.db, Digest: e.d, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return &chat{t: t, e: e, b: b}, tp
}

// configured are the configuration file's subscriptions without a team:
// a daily digest in C1, a weekly recap in C1 and C2.
func configured() []digest.Subscription {
	return []digest.Subscription{
		{Platform: "fake", Channel: "C1", ChannelName: "papers"},
		digest.Weekly(digest.Subscription{Platform: "fake", Channel: "C2", ChannelName: "recap"}, time.Friday),
	}
}

// A subscription of the configuration file without team: is placed in
// its channel's workspace at start-up and listed there (not elsewhere); a
// restart neither duplicates it nor asks again.
func TestConfigSubscriptionWithoutTeamIsListedInItsWorkspace(t *testing.T) {
	var logs bytes.Buffer
	c, tp := newTeamChat(t, &logs)
	ctx := t.Context()
	tp.set(nil, map[string]string{"C1": "T1", "C2": "T1"})
	if err := c.e.d.SyncConfig(ctx, configured()); err != nil {
		t.Fatal(err)
	}
	if err := c.e.d.ResolveTeams(ctx); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"C1", digest.WeeklyChannel("C2")} {
		s, ok, err := c.e.db.Subscription(ctx, "fake", ch)
		if err != nil || !ok || s.Team != "T1" {
			t.Errorf("%s stored as %+v (ok=%v, err=%v), want team T1", ch, s, ok, err)
		}
	}
	r, err := c.say("T1", "C5", "subscriptions")
	if err != nil || !strings.Contains(r, "#papers") || !strings.Contains(r, "#recap") {
		t.Errorf("subscriptions in T1: %v\n%s", err, r)
	}
	if r, _ := c.say("T2", "C7", "subscriptions"); strings.Contains(r, "#papers") {
		t.Errorf("T1's digest listed in T2:\n%s", r)
	}

	// The restart: the same file, the team kept, nothing asked again.
	tp.set(errors.New("unreachable"), nil)
	c.e.restart()
	if err := c.e.d.SyncConfig(ctx, configured()); err != nil {
		t.Fatal(err)
	}
	if err := c.e.d.ResolveTeams(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := c.e.db.Subscriptions(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("after the restart %d subscriptions (%v), want 2: %+v", len(all), err, all)
	}
	for _, s := range all {
		if s.Team != "T1" {
			t.Errorf("after the restart %s has team %q, want T1", s.Channel, s.Team)
		}
	}
	if got := tp.lookups(); len(got) != 0 {
		t.Errorf("the restart asked for the teams of %v again", got)
	}
	if logs.Len() > 0 {
		t.Errorf("warnings:\n%s", logs.String())
	}
}

// When the team cannot be found at start-up, the log says so with the
// channel, and the listing asks again; an adapter in one workspace lists
// the subscription wherever it is asked, one in many does not guess.
func TestConfigSubscriptionWhoseTeamIsNotFound(t *testing.T) {
	var logs bytes.Buffer
	c, tp := newTeamChat(t, &logs)
	ctx := t.Context()
	tp.set(errors.New("slack auth.test: connection refused"), nil)
	if err := c.e.d.SyncConfig(ctx, configured()[:1]); err != nil {
		t.Fatal(err)
	}
	if err := c.e.d.ResolveTeams(ctx); err != nil {
		t.Fatal(err)
	}
	if l := logs.String(); !strings.Contains(l, "could not be found") || !strings.Contains(l, "channel=C1") || !strings.Contains(l, "connection refused") {
		t.Errorf("log:\n%s", l)
	}

	// Many workspaces, still not found: not listed (and logged).
	logs.Reset()
	if r, _ := c.say("T1", "C5", "subscriptions"); strings.Contains(r, "#papers") {
		t.Errorf("listed in a guessed workspace:\n%s", r)
	}
	if l := logs.String(); !strings.Contains(l, "not listed") || !strings.Contains(l, "channel=C1") {
		t.Errorf("log:\n%s", l)
	}

	// One workspace: whichever asks is it.
	tp.one = true
	if r, _ := c.say("T1", "C5", "subscriptions"); !strings.Contains(r, "#papers") {
		t.Errorf("single workspace, not listed:\n%s", r)
	}
	if s, _, _ := c.e.db.Subscription(ctx, "fake", "C1"); s.Team != "" {
		t.Errorf("stored the asking workspace %q as the channel's team", s.Team)
	}

	// Found now: listed in its workspace and stored.
	tp.one = false
	tp.set(nil, map[string]string{"C1": "T9"})
	if r, _ := c.say("T9", "C5", "subscriptions"); !strings.Contains(r, "#papers") {
		t.Errorf("found at listing, not listed:\n%s", r)
	}
	if s, _, _ := c.e.db.Subscription(ctx, "fake", "C1"); s.Team != "T9" {
		t.Errorf("team stored %q, want T9", s.Team)
	}
}

// In a channel whose weekly recap is in the configuration file without a
// team, stopping the daily digest says that the recap stays, and the
// recap itself is refused: it is the file's.
func TestUnsubscribeBesideAConfiguredRecapWithoutTeam(t *testing.T) {
	var logs bytes.Buffer
	c, tp := newTeamChat(t, &logs)
	ctx := t.Context()
	tp.set(nil, map[string]string{"C2": "T1"})
	if err := c.e.d.SyncConfig(ctx, configured()[1:]); err != nil {
		t.Fatal(err)
	}
	if err := c.e.d.ResolveTeams(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := c.say("T1", "C2", "subscribe diffusion"); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	r, err := c.say("T1", "C2", "unsubscribe")
	if err != nil || !strings.Contains(r, "Its weekly recap stays") {
		t.Errorf("unsubscribe: %v\n%s", err, r)
	}
	r, err = c.say("T1", "C2", "unsubscribe weekly")
	if err == nil || !strings.Contains(r, "set in the configuration file") {
		t.Errorf("unsubscribe weekly of the file's recap: %v\n%s", err, r)
	}
}
