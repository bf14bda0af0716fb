package digest_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
)

// installPlatform is the fake platform with a bot.TeamChecker: while gone,
// its workspace T1 has uninstalled the app.
type installPlatform struct {
	*bottest.Platform
	gone atomic.Bool
}

func (p *installPlatform) CheckTeam(_ context.Context, team string) error {
	if team == "T1" && p.gone.Load() {
		return fault.New(fault.NotFound, "paperbot is not installed in this Slack workspace (T1)")
	}
	return nil
}

// A configuration subscription in a workspace that uninstalled the app
// stays, and its days are skipped without a post tried (there is no token
// to post with), each with the reason; once the workspace installs the
// app again it posts. A day under way when the workspace uninstalls
// stops: before, every post was tried and refused, five times each.
func TestDigestSkipsAnUninstalledWorkspace(t *testing.T) {
	due := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: due.Add(-time.Hour)}
	e := newEnv(t, manyPapers(20), clock)
	tp := &installPlatform{Platform: e.plat}
	e.poster = tp
	e.subscribe(digest.Subscription{Team: "T1", Channel: "C1", Time: "09:00", Zone: "UTC", Top: 2, Since: clock.Now()})
	tp.gone.Store(true)
	clock.Set(due)
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatalf("uninstalled: %v", err)
	}
	if day := e.day("C1", "2025-05-05"); day.Status != digest.DaySkipped || !strings.Contains(day.Note, "not installed in this Slack workspace (T1)") {
		t.Errorf("uninstalled: day %s, %q", day.Status, day.Note)
	}
	if calls := e.plat.Calls(); len(calls) != 0 {
		t.Errorf("uninstalled: %d calls, want none", len(calls))
	}

	// Installed again: the next day posts; the workspace uninstalls after
	// its first paper, and the rest is not posted.
	tp.gone.Store(false)
	e.plat.Before = func(c bottest.Call) error {
		if c.Op == "post" && c.Message.Kind == bot.KindDigestPaper && len(posted(e.plat.Calls())) == 1 {
			tp.gone.Store(true)
			return fault.New(fault.NotFound, "paperbot is not installed in this Slack workspace (T1)")
		}
		return nil
	}
	clock.Set(due.Add(24 * time.Hour))
	if err := e.d.RunDue(t.Context()); !fault.Is(err, fault.NotFound) {
		t.Fatalf("uninstalled mid-day: %v, want the refused post", err)
	}
	clock.Set(clock.Now().Add(time.Minute))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatalf("after the uninstall: %v", err)
	}
	day := e.day("C1", "2025-05-06")
	if day.Status != digest.DayDone || len(posted(e.plat.Calls())) != 1 || !strings.Contains(day.Papers[1].Post.Skipped, "not installed") || day.Papers[1].Post.Attempts != 1 {
		t.Errorf("uninstalled mid-day: day %s, %d posted, second paper %+v", day.Status, len(posted(e.plat.Calls())), day.Papers[1].Post)
	}
}
