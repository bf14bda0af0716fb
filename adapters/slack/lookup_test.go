package slack

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

const testKey = "0123456789abcdef01234567" // 24 characters, like the digest's keys

// The caller's idempotency key is the message's metadata key, on every
// attempt; later parts of a long message get their own keys derived from
// it; without a key each post gets a fresh random one.
func TestPostCarriesPostKey(t *testing.T) {
	api := newFakeSlack(t)
	a := newTestAdapter(t, api, newFakeClock(t0))
	api.Script("500-lost")
	if _, err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, digestPaperMessage(), bot.PostOptions{Key: testKey}); err != nil {
		t.Fatal(err)
	}
	long := samplePaper()
	long.Abstract = strings.Repeat("A long abstract sentence about proteins. ", 500)
	if _, err := a.Post(context.Background(), bot.Destination{Channel: "C2"}, bot.PaperMessage(long, nil), bot.PostOptions{Key: testKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(context.Background(), bot.Destination{Channel: "C3"}, bot.Notice("a"), bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(context.Background(), bot.Destination{Channel: "C3"}, bot.Notice("b"), bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range api.Posted() {
		keys = append(keys, m.Channel+":"+m.Key)
	}
	if len(keys) < 5 || keys[0] != "C1:"+testKey || keys[1] != "C2:"+testKey || keys[2] != "C2:"+testKey+".2" {
		t.Fatalf("keys %v, want %s on C1, then %[2]s and %[2]s.2 on C2", keys, testKey)
	}
	if a, b := keys[len(keys)-2], keys[len(keys)-1]; a == b || len(a) != len("C3:")+24 {
		t.Errorf("keyless posts got keys %s and %s, want two different random ones", a, b)
	}
	// Both attempts of the first post carried the key.
	for _, f := range api.Attempts()[:2] {
		if !strings.Contains(f.Get("metadata"), testKey) {
			t.Errorf("attempt without the key: %s", f.Get("metadata"))
		}
	}
}

// FindPost and FindThread find a message whose answer was lost, by its key,
// in the channel's history (or the thread's replies); a message that was
// not stored is reported as not posted; a key from before since is not
// found; a failed read is an error, never "not posted".
func TestFindPostAndThread(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	to := bot.Destination{Platform: "slack", Team: "T1", Channel: "C1"}

	// Slack stores the message, then answers 500; the adapter's own check
	// of the history fails too: the outcome stays unknown.
	api.Script("500")
	api.FailHistory(1, http.StatusInternalServerError)
	if _, err := a.Post(context.Background(), to, digestPaperMessage(), bot.PostOptions{Key: testKey}); !fault.Is(err, fault.Transient) {
		t.Fatalf("Post = %v, want a transient error (outcome unknown)", err)
	}
	posted := api.Posted()
	if len(posted) != 1 {
		t.Fatalf("%d messages stored, want 1", len(posted))
	}
	// Other traffic in the channel meanwhile: more than two pages of it.
	for range 450 {
		api.Reply("C1", "", "U1", "chatter")
	}
	clock.Advance(5 * time.Minute)
	since := t0.Add(-time.Minute)

	ref, found, err := a.FindPost(context.Background(), to, bot.Message{}, testKey, since)
	if err != nil || !found {
		t.Fatalf("FindPost = %v, %v; want found", found, err)
	}
	if ref.ID != posted[0].TS || ref.Channel != "C1" || ref.Team != "T1" || ref.Platform != "slack" {
		t.Errorf("ref %+v, want the stored message %s", ref, posted[0].TS)
	}
	if want := "https://test.slack.com/archives/C1/p" + posted[0].TS; ref.URL != want {
		t.Errorf("permalink %q, want %q", ref.URL, want)
	}

	for _, tc := range []struct {
		name  string
		key   string
		since time.Time
	}{
		{"another key", "ffffffffffffffffffffffff", since},
		{"posted before since", testKey, t0.Add(time.Minute)},
	} {
		if _, found, err := a.FindPost(context.Background(), to, bot.Message{}, tc.key, tc.since); found || err != nil {
			t.Errorf("%s: found=%v err=%v, want not found", tc.name, found, err)
		}
	}

	api.FailHistory(1, http.StatusInternalServerError)
	if _, found, err := a.FindPost(context.Background(), to, bot.Message{}, testKey, since); found || !fault.Is(err, fault.Transient) {
		t.Errorf("history down: found=%v err=%v, want a transient error", found, err)
	}
	// A 429 on the read is waited out.
	api.FailHistory(1, http.StatusTooManyRequests)
	if _, found, err := a.FindPost(context.Background(), to, bot.Message{}, testKey, since); !found || err != nil {
		t.Errorf("after a 429: found=%v err=%v", found, err)
	}
	if !slices.Contains(clock.Sleeps(), 3*time.Second) {
		t.Errorf("waits %v, want the 3s Retry-After", clock.Sleeps())
	}
	// More history than the search reads: an error, not "not posted".
	for range maxHistoryPages * 200 {
		api.Reply("C1", "", "U1", "chatter")
	}
	if _, found, err := a.FindPost(context.Background(), to, bot.Message{}, "ffffffffffffffffffffffff", since); found || err == nil {
		t.Errorf("unbounded window: found=%v err=%v, want an error", found, err)
	}

	// The thread: its first reply carries the key of StartThread's call.
	parent, err := a.Post(context.Background(), bot.Destination{Channel: "C2"}, digestPaperMessage(), bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	api.Script("500")
	api.FailHistory(1, http.StatusInternalServerError)
	if _, err := a.StartThread(context.Background(), parent, "Tranception", bot.Message{Kind: bot.KindThreadIntro, Text: "Discuss", Intro: "Discuss"}, bot.PostOptions{Key: "thread-key-0123456789abc"}); err == nil {
		t.Fatal("StartThread succeeded, want the unknown outcome")
	}
	th, found, err := a.FindThread(context.Background(), parent, "thread-key-0123456789abc", since)
	if err != nil || !found {
		t.Fatalf("FindThread = %v, %v", found, err)
	}
	reply := api.Posted()[len(api.Posted())-1]
	if th.ID != parent.ID || th.Channel != "C2" || th.URL != "https://test.slack.com/archives/C2/p"+reply.TS {
		t.Errorf("thread %+v, want id %s and the reply's permalink", th, parent.ID)
	}
	if _, found, err := a.FindThread(context.Background(), parent, testKey, since); found || err != nil {
		t.Errorf("another key in the thread: found=%v err=%v", found, err)
	}
	if _, _, err := a.FindPost(context.Background(), bot.Destination{}, bot.Message{}, testKey, since); !fault.Is(err, fault.Invalid) {
		t.Errorf("no channel: %v", err)
	}
}

// CountReplies counts a thread's replies from its parent's reply_count,
// less paperbot's opening reply; a thread that is gone is NotFound.
func TestCountReplies(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(t0)
	a := newTestAdapter(t, api, clock)
	ctx := context.Background()
	parent, err := a.Post(context.Background(), bot.Destination{Channel: "C1"}, digestPaperMessage(), bot.PostOptions{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	th, err := a.StartThread(context.Background(), parent, "Tranception", bot.Message{Kind: bot.KindThreadIntro, Text: "Discuss", Intro: "Discuss"}, bot.PostOptions{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	d := bot.Discussion{PaperID: "2205.13760", Platform: "slack", Channel: "C1", ThreadID: th.ID}
	var last time.Time
	count := func() int {
		t.Helper()
		c, err := a.CountReplies(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		last = c.Last
		return c.Replies
	}
	if n := count(); n != 0 || !last.IsZero() {
		t.Errorf("a fresh thread has %d replies, the last at %v; want 0 and none (the opening reply is paperbot's)", n, last)
	}
	var third time.Time
	for _, u := range []string{"U1", "U2", "U1"} {
		clock.Advance(time.Hour)
		third = clock.Now()
		api.Reply("C1", th.ID, u, "a thought")
	}
	clock.Advance(2 * time.Hour)
	api.Reply("C1", "", "U3", "elsewhere in the channel")
	if n := count(); n != 3 {
		t.Errorf("%d replies, want 3", n)
	}
	// latest_reply: the third reply's ts, not the message elsewhere.
	if last.Unix() != third.Unix() {
		t.Errorf("last reply at %v, want %v", last, third)
	}
	// A 429 is waited out.
	api.FailHistory(1, http.StatusTooManyRequests)
	if n := count(); n != 3 {
		t.Errorf("after a 429: %d replies, want 3", n)
	}
	if req := api.Reads(); req != 3+1 {
		t.Errorf("%d conversations.replies calls, want one per count (and one 429)", req)
	}

	gone := d
	gone.ThreadID = "1700000000.999999"
	if _, err := a.CountReplies(ctx, gone); !fault.Is(err, fault.NotFound) {
		t.Errorf("a thread that is gone: %v, want NotFound", err)
	}
	api.FailHistory(1, http.StatusInternalServerError)
	if _, err := a.CountReplies(ctx, d); !fault.Is(err, fault.Transient) {
		t.Errorf("Slack down: %v, want transient", err)
	}
}
