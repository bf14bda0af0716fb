package slack

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

var t0 = time.Date(2025, 6, 3, 9, 0, 0, 0, time.UTC)

func digestPaperMessage() bot.Message {
	return bot.Message{Kind: bot.KindDigestPaper, Text: samplePaper().Title, Sections: []bot.Section{bot.PaperSection(samplePaper(), nil, false)}}
}

// A 429 with Retry-After is waited out (on the injected clock) and the
// message is posted exactly once.
func TestPostWaitsOutRateLimit(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	api.Script("429:7")

	ref, err := a.Post(context.Background(), bot.Destination{Platform: "slack", Team: "T1", Channel: "C1"}, digestPaperMessage(), bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(api.Attempts()); got != 2 {
		t.Errorf("chat.postMessage called %d times, want 2 (one 429, one post)", got)
	}
	posted := api.Posted()
	if len(posted) != 1 {
		t.Fatalf("posted %d messages, want exactly 1", len(posted))
	}
	if !slices.Contains(clock.Sleeps(), 7*time.Second) {
		t.Errorf("waits %v do not include the 7s Retry-After", clock.Sleeps())
	}
	if ref.ID != posted[0].TS || ref.Channel != "C1" || ref.Team != "T1" || ref.Platform != "slack" {
		t.Errorf("ref = %+v, want the posted message %s in C1", ref, posted[0].TS)
	}
	if want := "https://test.slack.com/archives/C1/p" + posted[0].TS; ref.URL != want {
		t.Errorf("permalink = %q, want %q", ref.URL, want)
	}
	form := api.Attempts()[1]
	if form.Get("unfurl_links") != "false" || form.Get("unfurl_media") != "false" {
		t.Errorf("unfurl_links=%q unfurl_media=%q, want both false", form.Get("unfurl_links"), form.Get("unfurl_media"))
	}
	if form.Get("text") == "" {
		t.Error("no top-level text")
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(form.Get("blocks")), &blocks); err != nil || len(blocks) == 0 {
		t.Errorf("blocks %q: %v", form.Get("blocks"), err)
	}
}

func TestPostGivesUpAfterRepeatedRateLimits(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	steps := make([]string, maxRateLimitRetries+1)
	for i := range steps {
		steps[i] = "429:2"
	}
	api.Script(steps...)
	_, err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, digestPaperMessage(), bot.PostOptions{})
	if !fault.Is(err, fault.Transient) {
		t.Fatalf("err = %v, want a transient error", err)
	}
	if n := len(api.Posted()); n != 0 {
		t.Errorf("posted %d, want 0", n)
	}
}

// Thread replies carry thread_ts; the thread's permalink is returned.
func TestStartThread(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	ctx := context.Background()
	parent, err := a.Post(ctx, bot.Destination{Channel: "C9"}, digestPaperMessage(), bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	th, err := a.StartThread(ctx, parent, "Tranception", bot.Message{Kind: bot.KindThreadIntro, Text: "Discuss Tranception here", Intro: "Discuss Tranception here"}, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	posted := api.Posted()
	if len(posted) != 2 {
		t.Fatalf("posted %d, want 2", len(posted))
	}
	if posted[1].ThreadTS != parent.ID || posted[1].Channel != "C9" {
		t.Errorf("reply thread_ts=%q channel=%q, want %q in C9", posted[1].ThreadTS, posted[1].Channel, parent.ID)
	}
	if parent.Team != "T1" {
		t.Errorf("parent = %+v, want the workspace's team (auth.test) when the destination names none", parent)
	}
	if th.ID != parent.ID || th.Channel != "C9" {
		t.Errorf("thread = %+v, want id %s", th, parent.ID)
	}
	if want := "https://test.slack.com/archives/C9/p" + posted[1].TS; th.URL != want {
		t.Errorf("thread URL = %q, want %q", th.URL, want)
	}

	// A reply through Post with a Thread goes to the thread too.
	if _, err := a.Post(ctx, bot.Destination{Channel: "C9", Thread: parent.ID}, bot.Notice("more"), bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := api.Posted()[2].ThreadTS; got != parent.ID {
		t.Errorf("thread_ts = %q, want %q", got, parent.ID)
	}
}

// Posts are paced at one per second per channel; channels do not wait for
// each other.
func TestPostPacingPerChannel(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	ctx := context.Background()
	for _, ch := range []string{"C1", "C1", "C2", "C1"} {
		if _, err := a.Post(ctx, bot.Destination{Channel: ch}, bot.Notice("hi"), bot.PostOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// C1 #2 waits a second; C2 does not; C1 #3 waits another second.
	want := []time.Duration{time.Second, time.Second}
	if got := clock.Sleeps(); !slices.Equal(got, want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
}

// A post whose request was slow (a busy host) arrived late: the next one
// to the channel waits a full second from its answer, so Slack never sees
// two within a second.
func TestPostPacingCountsFromTheAnswer(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	api.onRequest = func(path string) {
		if strings.HasSuffix(path, "chat.postMessage") {
			clock.Advance(400 * time.Millisecond)
		}
	}
	ctx := context.Background()
	for range 2 {
		if _, err := a.Post(ctx, bot.Destination{Channel: "C1"}, bot.Notice("hi"), bot.PostOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := clock.Sleeps(), []time.Duration{time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits = %v, want %v (a second from the first post's answer)", got, want)
	}
}

func TestPacerForgetsIdleChannels(t *testing.T) {
	clock := newFakeClock(t0)
	p := newPacer(clock, time.Second, 100)
	ctx := context.Background()
	for i := range 1000 {
		if err := p.Wait(ctx, "C"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26))); err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * time.Millisecond)
	}
	if n := p.Len(); n > 200 {
		t.Errorf("pacer keeps %d limiters, want a bounded number", n)
	}
}

// A post whose outcome is unknown (a 5xx after Slack stored it) is found in
// the channel's history instead of being posted twice.
func TestPostUnknownOutcomeFoundInHistory(t *testing.T) {
	for _, thread := range []string{"", "1700000000.000001"} {
		api := newFakeSlack(t)
		clock := newFakeClock(t0)
		a := newTestAdapter(t, api, clock)
		api.Script("500")
		ref, err := a.Post(context.Background(), bot.Destination{Channel: "C1", Thread: thread}, digestPaperMessage(), bot.PostOptions{})
		if err != nil {
			t.Fatalf("thread %q: %v", thread, err)
		}
		posted := api.Posted()
		if len(posted) != 1 || len(api.Attempts()) != 1 {
			t.Fatalf("thread %q: posted %d after %d attempts, want 1 after 1", thread, len(posted), len(api.Attempts()))
		}
		if ref.ID != posted[0].TS {
			t.Errorf("thread %q: ref %s, want the message found in history %s", thread, ref.ID, posted[0].TS)
		}
	}
}

// When the history shows the message was not stored, it is posted again,
// once; a second unknown outcome is reported, not retried.
func TestPostUnknownOutcomeNotInHistory(t *testing.T) {
	api := newFakeSlack(t)
	a := newTestAdapter(t, api, newFakeClock(t0))
	api.Script("500-lost")
	if _, err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, digestPaperMessage(), bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	if p, at := len(api.Posted()), len(api.Attempts()); p != 1 || at != 2 {
		t.Errorf("posted %d after %d attempts, want 1 after 2", p, at)
	}

	api = newFakeSlack(t)
	a = newTestAdapter(t, api, newFakeClock(t0))
	api.Script("500-lost", "500-lost", "")
	_, err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, digestPaperMessage(), bot.PostOptions{})
	if !fault.Is(err, fault.Transient) {
		t.Fatalf("err = %v, want transient", err)
	}
	if p, at := len(api.Posted()), len(api.Attempts()); p != 0 || at != 2 {
		t.Errorf("posted %d after %d attempts, want 0 after 2", p, at)
	}
}

// Slack's refusals are not retried and say what to do.
func TestPostRefused(t *testing.T) {
	tests := []struct {
		code string
		kind fault.Kind
		msg  string
	}{
		{"not_in_channel", fault.Invalid, "/invite @paperbot"},
		{"channel_not_found", fault.NotFound, "not found"},
		{"invalid_blocks", fault.Internal, ""},
	}
	for _, tt := range tests {
		api := newFakeSlack(t)
		a := newTestAdapter(t, api, newFakeClock(t0))
		api.Script("err:" + tt.code)
		_, err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, bot.Notice("x"), bot.PostOptions{})
		if fault.KindOf(err) != tt.kind || !strings.Contains(fault.UserMessage(err), tt.msg) {
			t.Errorf("%s: err = %v (kind %v), want kind %v with %q", tt.code, err, fault.KindOf(err), tt.kind, tt.msg)
		}
		if n := len(api.Attempts()); n != 1 {
			t.Errorf("%s: %d attempts, want 1", tt.code, n)
		}
	}
}

// A message longer than one Slack message is posted in parts; the ref is
// the first part.
func TestPostSplitsLongMessage(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	p := samplePaper()
	p.Abstract = strings.Repeat("A long abstract sentence about proteins. ", 500)
	ref, err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, bot.PaperMessage(p, nil), bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	posted := api.Posted()
	if len(posted) < 2 {
		t.Fatalf("posted %d messages, want the card split", len(posted))
	}
	if ref.ID != posted[0].TS {
		t.Errorf("ref %s, want the first part %s", ref.ID, posted[0].TS)
	}
}
