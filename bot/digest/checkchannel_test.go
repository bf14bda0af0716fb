package digest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/fault"
)

// checkPlatform is the fake platform with a bot.ChannelChecker that
// answers err for every channel.
type checkPlatform struct {
	*bottest.Platform
	err error
}

func (p *checkPlatform) CheckChannel(context.Context, string, string) error { return p.err }

// A channel the bot cannot post in is refused at subscribe, with what to
// do, and nothing is stored; when the platform cannot tell, the
// subscription goes ahead.
func TestSubscribeRefusesAChannelTheBotCannotPostIn(t *testing.T) {
	c := newChat(t, manyPapers(10))
	cp := &checkPlatform{Platform: c.e.plat, err: fault.New(fault.Invalid, "paperbot cannot post here: invite it first")}
	c.e.poster = cp
	for _, text := range []string{"subscribe diffusion", "subscribe weekly"} {
		r, err := c.say("T1", "C1", text)
		if err == nil || !strings.Contains(r, "paperbot cannot post here: invite it first") {
			t.Errorf("%s: %v\n%s", text, err, r)
		}
	}
	if subs, _ := c.e.db.Subscriptions(t.Context()); len(subs) != 0 {
		t.Errorf("stored %+v", subs)
	}
	cp.err = fault.Wrap(fault.Transient, errors.New("timeout"), "Slack did not answer")
	if r, err := c.say("T1", "C1", "subscribe diffusion"); err != nil || !strings.Contains(r, "Daily digest set") {
		t.Errorf("platform could not tell: %v\n%s", err, r)
	}
}
