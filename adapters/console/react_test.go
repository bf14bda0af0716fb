package console

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/paperbot/paperbot/bot"
)

type sink struct {
	mu  sync.Mutex
	got []bot.Reaction
}

func (s *sink) React(_ context.Context, r bot.Reaction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, r)
	return nil
}

// A reaction names a message this chat posted; one to a number that was
// never posted is refused with the numbers there are, not recorded.
func TestReactNeedsAPostedMessage(t *testing.T) {
	var out syncBuffer
	rs := &sink{}
	a := New(strings.NewReader("/react 1 :fire:\n"), &out, Options{Reactions: rs})
	if err := a.Run(context.Background(), &echo{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "There is no message \"1\" to react to: no message has been posted here yet") {
		t.Errorf("before any post: %q", out.String())
	}
	for range 2 {
		if _, err := a.Post(context.Background(), bot.Destination{Channel: Channel}, bot.Notice("a paper"), bot.PostOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	out = syncBuffer{}
	a.in = strings.NewReader("/react 999 :fire:\n/react abc fire\n/react 0 fire\n/react 2 :fire:\n/unreact #2 🔥 as bob\n/react 1 ::\n")
	if err := a.Run(context.Background(), &echo{}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"There is no message \"999\" to react to: the messages posted here are 1 to 2",
		"There is no message \"abc\" to react to",
		"There is no message \"0\" to react to",
		"you reacted :fire: to message 2.",
		"bob took back 🔥 on message 2.",
		"Usage: /react",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output %q does not say %q", got, want)
		}
	}
	if len(rs.got) != 2 || rs.got[0].Message != a.opts.RunID+".2" || rs.got[1].Emoji != "🔥" || !rs.got[1].Removed || rs.got[1].User != "bob" {
		t.Errorf("reactions recorded: %+v", rs.got)
	}
}

// "quit" or "exit" alone leaves, as /quit does; in a longer line the words
// are searched.
func TestBareQuit(t *testing.T) {
	for _, word := range []string{"quit", "EXIT", "  exit  "} {
		var out syncBuffer
		h := &echo{}
		in := "quit smoking\n" + word + "\nnever read\n"
		if err := New(strings.NewReader(in), &out, Options{}).Run(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		if got := h.texts(); !equal(got, []string{"quit smoking"}) {
			t.Errorf("%q: requests %q, want only the search before it", word, got)
		}
	}
}

// Message numbers restart at 1 in every run, but the ids stored do not:
// the state remembers the ids of earlier runs' posts, so /react 1 in a new
// run reaches this run's message 1 only, never an old run's "1".
func TestReactInASecondRunHitsOnlyItsMessage(t *testing.T) {
	ctx := context.Background()
	var refs []bot.MessageRef
	rs := &sink{}
	for run := range 2 {
		var out syncBuffer
		a := New(strings.NewReader("/react 1 :fire:\n"), &out, Options{Reactions: rs})
		ref, err := a.Post(ctx, bot.Destination{Channel: Channel}, bot.Notice("digest post"), bot.PostOptions{})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
		if err := a.Run(ctx, &echo{}); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); !strings.Contains(got, "(message 1)") || !strings.Contains(got, "you reacted :fire: to message 1.") {
			t.Errorf("run %d: %q", run+1, got)
		}
	}
	if refs[0].ID == refs[1].ID {
		t.Fatalf("both runs' first messages have the id %q", refs[0].ID)
	}
	if len(rs.got) != 2 || rs.got[0].Message != refs[0].ID || rs.got[1].Message != refs[1].ID {
		t.Errorf("reactions %+v, want one on %q, then one on %q", rs.got, refs[0].ID, refs[1].ID)
	}
}
