package digest_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
)

// messageFinder is the fake platform whose FindPost records the message
// it is asked to look for.
type messageFinder struct {
	*bottest.Platform
	mu    sync.Mutex
	found []bot.Message
}

func (f *messageFinder) FindPost(ctx context.Context, to bot.Destination, m bot.Message, key string, since time.Time) (bot.MessageRef, bool, error) {
	if m.Text == "" && m.Title == "" {
		return bot.MessageRef{}, false, errors.New("no message to look for")
	}
	f.mu.Lock()
	f.found = append(f.found, m)
	f.mu.Unlock()
	return f.Platform.FindPost(ctx, to, m, key, since)
}

// The digest hands FindPost the message the uncertain attempt posted,
// rendered again from the ledger after a restart, for platforms that must
// recognise a message by its content (Discord keeps no key with it).
func TestFindPostGetsTheMessage(t *testing.T) {
	due := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: due.Add(-time.Hour)}
	e := newEnv(t, manyPapers(10), clock)
	f := &messageFinder{Platform: e.plat}
	e.poster = f
	e.subscribe(digest.Subscription{Channel: "C1", Time: "09:00", Zone: "UTC", Top: 2, Since: clock.Now()})
	// Paper 2's post happens, then the process dies before recording it.
	posts := 0
	e.plat.After = func(c bottest.Call) error {
		if c.Op == "post" {
			if posts++; posts == 3 {
				e.st.crash()
				return errors.New("connection reset")
			}
		}
		return nil
	}
	clock.Set(due)
	if err := e.d.RunDue(t.Context()); err == nil {
		t.Fatal("the first run did not fail")
	}
	e.restart()
	clock.Set(due.Add(time.Minute))
	if err := e.d.RunDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	day := e.day("C1", "2025-05-05")
	checkExactlyOnce(t, e.plat.Calls(), []string{day.Papers[0].Paper.ID, day.Papers[1].Paper.ID})
	var sent bot.Message
	for _, c := range e.plat.Calls() {
		if c.Op == "post" && c.Message.Kind == bot.KindDigestPaper && c.Message.Sections[0].PaperID == day.Papers[1].Paper.ID {
			sent = c.Message
		}
	}
	if len(f.found) != 1 || !reflect.DeepEqual(f.found[0], sent) {
		t.Errorf("FindPost got %+v, want the message that was posted %+v", f.found, sent)
	}
}
