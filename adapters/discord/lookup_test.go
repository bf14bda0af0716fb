package discord

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

const postKey = "0123456789abcdef01234567" // 24 characters, like the digest's keys

// nonces returns the nonce of every message POST, in order.
func nonces(t *testing.T, fake *discordtest.Server) []string {
	t.Helper()
	var out []string
	for _, r := range fake.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/messages") {
			var p payload
			if err := r.JSON(&p); err != nil {
				t.Fatal(err)
			}
			if !p.EnforceNonce {
				t.Errorf("POST %s without enforce_nonce", r.Path)
			}
			out = append(out, p.Nonce)
		}
	}
	return out
}

// The call's key (bot.PostOptions.Key) is the nonce of the message's first part;
// later parts and keyless posts keep nonces from their content; a key over
// 25 characters is hashed to 25.
func TestPostKeyIsTheNonce(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	post, _ := digestMessages()
	to := bot.Destination{Team: "1", Channel: "2"}
	if _, err := a.Post(context.Background(), to, post, bot.PostOptions{Key: postKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(context.Background(), to, post, bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("k", 40)
	if _, err := a.Post(context.Background(), to, post, bot.PostOptions{Key: long}); err != nil {
		t.Fatal(err)
	}
	var sections []bot.Section
	for _, p := range append(samplePapers(), samplePapers()...) {
		for range 3 {
			sections = append(sections, bot.PaperSection(p, nil, true))
		}
	}
	if _, err := a.Post(context.Background(), to, bot.Message{Kind: bot.KindResults, Title: "Many", Sections: sections, Text: "many"}, bot.PostOptions{Key: "split-key"}); err != nil {
		t.Fatal(err)
	}
	got := nonces(t, fake)
	if len(got) < 5 {
		t.Fatalf("%d posts, want at least 5", len(got))
	}
	if got[0] != postKey {
		t.Errorf("nonce %q, want the key %q", got[0], postKey)
	}
	if got[1] == postKey || len(got[1]) != 25 {
		t.Errorf("keyless nonce %q, want 25 characters from the content", got[1])
	}
	if len(got[2]) != 25 || got[2] == long[:25] {
		t.Errorf("long key's nonce %q, want 25 characters of its hash", got[2])
	}
	if got[3] != "split-key" || got[4] == "split-key" || len(got[4]) != 25 {
		t.Errorf("split message nonces %v, want the key first, then content nonces", got[3:])
	}
	// The fake created each message once: the second post of the same
	// content under another nonce is a new message, as on Discord.
	if n := len(fake.Messages()); n != len(got) {
		t.Errorf("%d messages for %d posts", n, len(got))
	}
}

// lostPost posts m with postKey while every answer to it is lost after
// Discord created it: Post fails after its retries (the nonce keeps it to
// one message), and FindPost must settle it.
func lostPost(t *testing.T, fake *discordtest.Server, a *Adapter, to bot.Destination, m bot.Message) discordtest.Message {
	t.Helper()
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		if r.Method == "POST" && strings.Contains(string(r.Body), postKey) {
			return &discordtest.Response{AbortAfter: true}
		}
		return nil
	})
	if _, err := a.Post(context.Background(), to, m, bot.PostOptions{Key: postKey}); !fault.Is(err, fault.Transient) {
		t.Fatalf("Post = %v, want a transient error (outcome unknown)", err)
	}
	fake.Intercept(nil)
	msgs := fake.Messages()
	if len(msgs) == 0 {
		t.Fatal("Discord created nothing")
	}
	return msgs[len(msgs)-1]
}

// FindPost recognises the bot's message among the channel's messages since
// the attempt, by its content (Discord returns no nonce on fetched
// messages), across pages; it reports not posted when nothing was posted
// since or nothing matches; it never says "not posted" when it could not
// read the messages.
func TestFindPost(t *testing.T) {
	post, _ := digestMessages()
	to := bot.Destination{Platform: "discord", Team: "111", Channel: "222"}
	start := time.Unix(1700000000, 0)

	setup := func(t *testing.T) (*discordtest.Server, *Adapter, discordtest.Message) {
		fake := discordtest.New(t)
		clock := newFakeClock()
		fake.SetClock(clock.Now)
		a := newTestAdapter(t, fake, Options{Clock: clock})
		// The channel before: the bot's message of an earlier day with the
		// same content, and people talking.
		if _, err := a.Post(context.Background(), to, post, bot.PostOptions{}); err != nil {
			t.Fatal(err)
		}
		fake.AddMessage("222", "555", "morning")
		clock.Sleep(context.Background(), time.Hour)
		created := lostPost(t, fake, a, to, post)
		// Then people talk: more than two pages of messages.
		for range 250 {
			fake.AddMessage("222", "555", "chatter")
		}
		return fake, a, created
	}
	since := start.Add(time.Hour - time.Minute)

	t.Run("found", func(t *testing.T) {
		fake, a, created := setup(t)
		ref, found, err := a.FindPost(context.Background(), to, post, postKey, since)
		if err != nil || !found {
			t.Fatalf("FindPost = %v, %v", found, err)
		}
		if ref.ID != created.ID || ref.Channel != "222" || ref.Team != "111" || ref.URL != "https://discord.com/channels/111/222/"+created.ID {
			t.Errorf("ref %+v, want the message %s", ref, created.ID)
		}
		var reads []string
		for _, r := range fake.Requests() {
			if r.Method == "GET" {
				reads = append(reads, r.Path+"?"+r.Query.Encode())
			}
		}
		if len(reads) < 2 || reads[0] != "/users/@me?" || reads[1] != "/channels/222?" {
			t.Errorf("reads %v, want the bot's id, then the channel", reads)
		}
	})

	t.Run("not posted", func(t *testing.T) {
		_, a, _ := setup(t)
		other := post
		other.Intro = "2 of 3 · new"
		if _, found, err := a.FindPost(context.Background(), to, other, postKey, since); found || err != nil {
			t.Errorf("another message: found=%v err=%v, want not found", found, err)
		}
	})

	t.Run("nothing since", func(t *testing.T) {
		fake, a, _ := setup(t)
		before := len(fake.Requests())
		if _, found, err := a.FindPost(context.Background(), to, post, postKey, start.Add(48*time.Hour)); found || err != nil {
			t.Errorf("found=%v err=%v, want not found", found, err)
		}
		for _, r := range fake.Requests()[before:] {
			if strings.HasSuffix(r.Path, "/messages") {
				t.Errorf("read %s although the channel's last message is older", r.Path)
			}
		}
	})

	t.Run("earlier message with the same content is not it", func(t *testing.T) {
		fake := discordtest.New(t)
		clock := newFakeClock()
		fake.SetClock(clock.Now)
		a := newTestAdapter(t, fake, Options{Clock: clock})
		if _, err := a.Post(context.Background(), to, post, bot.PostOptions{}); err != nil {
			t.Fatal(err)
		}
		clock.Sleep(context.Background(), time.Hour)
		fake.AddMessage("222", "555", "later")
		if _, found, err := a.FindPost(context.Background(), to, post, postKey, since); found || err != nil {
			t.Errorf("found=%v err=%v, want not found", found, err)
		}
	})

	t.Run("without the message", func(t *testing.T) {
		_, a, _ := setup(t)
		if _, found, err := a.FindPost(context.Background(), to, bot.Message{}, postKey, since); found || err == nil {
			t.Errorf("found=%v err=%v, want an error", found, err)
		}
	})

	t.Run("no Read Message History", func(t *testing.T) {
		fake, a, _ := setup(t)
		// Without the permission Discord answers an empty list.
		fake.Intercept(func(r discordtest.Request) *discordtest.Response {
			if strings.HasSuffix(r.Path, "/messages") && r.Method == "GET" {
				return &discordtest.Response{Status: http.StatusOK, Body: []byte("[]")}
			}
			return nil
		})
		_, found, err := a.FindPost(context.Background(), to, post, postKey, since)
		if found || err == nil || !strings.Contains(fault.UserMessage(err)+err.Error(), "Read Message History") {
			t.Errorf("found=%v err=%v, want an error naming the permission", found, err)
		}
	})

	t.Run("read errors are retried, then reported", func(t *testing.T) {
		fake, a, created := setup(t)
		var mu sync.Mutex
		fails := 1
		fake.Intercept(func(r discordtest.Request) *discordtest.Response {
			mu.Lock()
			defer mu.Unlock()
			if strings.HasSuffix(r.Path, "/messages") && r.Method == "GET" && fails > 0 {
				fails--
				return &discordtest.Response{Status: 502, Body: []byte("bad gateway")}
			}
			return nil
		})
		if ref, found, err := a.FindPost(context.Background(), to, post, postKey, since); !found || err != nil || ref.ID != created.ID {
			t.Errorf("after a 502: %v %v %v", ref, found, err)
		}
		fake.Intercept(func(r discordtest.Request) *discordtest.Response {
			if strings.HasSuffix(r.Path, "/messages") && r.Method == "GET" {
				return &discordtest.Response{Status: 500, Body: map[string]any{"message": "oops"}}
			}
			return nil
		})
		if _, found, err := a.FindPost(context.Background(), to, post, postKey, since); found || !fault.Is(err, fault.Transient) {
			t.Errorf("Discord down: found=%v err=%v, want transient", found, err)
		}
	})

	t.Run("too many messages to read", func(t *testing.T) {
		fake, a, _ := setup(t)
		for range maxFindPages * 100 {
			fake.AddMessage("222", "555", "flood")
		}
		other := post
		other.Intro = "not this one"
		if _, found, err := a.FindPost(context.Background(), to, other, postKey, since); found || err == nil {
			t.Errorf("found=%v err=%v, want an error", found, err)
		}
	})
}

// FindThread: a thread started from the message exists or not (Discord's
// thread id is the message id).
func TestFindThread(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	post, intro := digestMessages()
	ctx := context.Background()
	ref, err := a.Post(ctx, bot.Destination{Team: "111", Channel: "222"}, post, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := a.FindThread(ctx, ref, postKey, time.Time{}); found || err != nil {
		t.Errorf("before the start: found=%v err=%v", found, err)
	}
	// A thread without its first message (the process died in between)
	// is not done: starting it again reuses it and posts the message.
	if _, err := a.StartThread(ctx, ref, "Tranception", bot.Message{}, bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, found, err := a.FindThread(ctx, ref, postKey, time.Time{}); found || err != nil {
		t.Errorf("thread without its first message: found=%v err=%v, want not found", found, err)
	}
	started, err := a.StartThread(ctx, ref, "Tranception", intro, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	th, found, err := a.FindThread(ctx, ref, postKey, time.Time{})
	if err != nil || !found || th != started {
		t.Errorf("FindThread = %+v %v %v, want %+v", th, found, err, started)
	}
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		return &discordtest.Response{Status: 403, Body: map[string]any{"code": 50001, "message": "Missing Access"}}
	})
	if _, found, err := a.FindThread(ctx, ref, postKey, time.Time{}); found || !fault.Is(err, fault.Invalid) {
		t.Errorf("no access: found=%v err=%v, want an error, not 'not started'", found, err)
	}
}

// CountReplies: the thread's message_count less paperbot's first message.
func TestCountReplies(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	post, intro := digestMessages()
	ctx := context.Background()
	ref, err := a.Post(ctx, bot.Destination{Team: "111", Channel: "222"}, post, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	th, err := a.StartThread(ctx, ref, "Tranception", intro, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := bot.Discussion{PaperID: "2205.13760", Platform: "discord", Team: "111", Channel: "222", ThreadID: th.ID}
	if c, err := a.CountReplies(ctx, d); c.Replies != 0 || !c.Last.IsZero() || err != nil {
		t.Errorf("fresh thread: %+v, %v; want 0 replies and no last one", c, err)
	}
	var last discordtest.Message
	for range 4 {
		last = fake.AddMessage(th.ID, "555", "a thought")
	}
	fake.AddMessage("222", "555", "elsewhere")
	c, err := a.CountReplies(ctx, d)
	if c.Replies != 4 || err != nil {
		t.Errorf("%+v, %v; want 4", c, err)
	}
	// The last reply's time is its snowflake's.
	id, _ := strconv.ParseUint(last.ID, 10, 64)
	if want := time.UnixMilli(int64(id>>22) + 1420070400000); c.Last.IsZero() || !c.Last.Equal(want) {
		t.Errorf("last reply at %v, want %v (from id %s)", c.Last, want, last.ID)
	}
	gone := d
	gone.ThreadID = ref.ID + "0" // no such message or thread: a plain channel id here
	if _, err := a.CountReplies(ctx, gone); !fault.Is(err, fault.NotFound) {
		t.Errorf("not a thread: %v, want NotFound", err)
	}
	other, err := a.Post(ctx, bot.Destination{Team: "111", Channel: "222"}, bot.Notice("another message"), bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gone.ThreadID = other.ID // a message without a thread: 404 Unknown Channel
	if _, err := a.CountReplies(ctx, gone); !fault.Is(err, fault.NotFound) {
		t.Errorf("no thread: %v, want NotFound", err)
	}
}
