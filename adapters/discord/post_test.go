package discord

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/configs/secret"
)

// fakeClock is the adapter's clock in tests: Sleep records the wait and
// moves the clock on at once.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1700000000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// newTestAdapter builds an adapter that talks to fake, with a fake clock
// (in opts.Clock unless set) and the core's specs.
func newTestAdapter(t *testing.T, fake *discordtest.Server, opts Options) *Adapter {
	t.Helper()
	if !opts.Token.IsSet() {
		opts.Token = secret.New("test-token")
	}
	opts.APIURL = fake.URL
	if opts.Clock == nil {
		opts.Clock = newFakeClock()
	}
	if opts.Specs == nil {
		opts.Specs = coreSpecs(t)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func digestMessages() (post, intro bot.Message) {
	p := samplePapers()[0]
	post = bot.Message{Kind: bot.KindDigestPaper, Text: p.Title, Sections: []bot.Section{bot.PaperSection(p, nil, false)}, Footer: "New today"}
	intro = bot.Message{Kind: bot.KindThreadIntro, Text: "Discuss " + p.Title, Intro: "Discuss “" + p.Title + "” here. @everyone welcome."}
	return post, intro
}

// TestPostThreadFlow: message, then a thread from it, then a message in the
// thread; jump URLs come back.
func TestPostThreadFlow(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{ThreadArchive: 10080})
	ctx := context.Background()
	post, intro := digestMessages()

	ref, err := a.Post(ctx, bot.Destination{Platform: "discord", Team: "111", Channel: "222"}, post, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID == "" || ref.Channel != "222" || ref.Team != "111" {
		t.Fatalf("ref = %+v", ref)
	}
	if want := "https://discord.com/channels/111/222/" + ref.ID; ref.URL != want {
		t.Errorf("jump URL = %q, want %q", ref.URL, want)
	}
	title := strings.Repeat("A very long paper title ", 10) // 240 characters
	th, err := a.StartThread(ctx, ref, title, intro, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if th.ID != ref.ID || th.Channel != ref.ID {
		t.Errorf("thread = %+v, want id and channel %s (Discord's thread id is the message id)", th, ref.ID)
	}
	if want := "https://discord.com/channels/111/" + ref.ID; th.URL != want {
		t.Errorf("thread URL = %q, want %q", th.URL, want)
	}

	reqs := fake.Requests()
	want := []string{
		"POST /channels/222/messages",
		"POST /channels/222/messages/" + ref.ID + "/threads",
		"POST /channels/" + ref.ID + "/messages",
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d: %v", len(reqs), len(want), reqs)
	}
	for i, w := range want {
		if got := reqs[i].Method + " " + reqs[i].Path; got != w {
			t.Errorf("request %d = %s, want %s", i, got, w)
		}
	}
	var start struct {
		Name    string `json:"name"`
		Archive int    `json:"auto_archive_duration"`
	}
	if err := reqs[1].JSON(&start); err != nil {
		t.Fatal(err)
	}
	if runes(start.Name) > 100 || !strings.HasPrefix(start.Name, "A very long paper title") || start.Archive != 10080 {
		t.Errorf("thread start = %d characters %q, archive %d", runes(start.Name), start.Name, start.Archive)
	}
	var first payload
	if err := reqs[2].JSON(&first); err != nil {
		t.Fatal(err)
	}
	if first.AllowedMentions.Parse == nil || len(first.AllowedMentions.Parse) != 0 || strings.Contains(string(reqs[2].Body), "@everyone") {
		t.Errorf("thread message may ping: %s", reqs[2].Body)
	}
	if first.Flags&flagEphemeral != 0 {
		t.Errorf("a channel post is ephemeral: %s", reqs[2].Body)
	}
}

// TestStartThreadExists: a second start on the same message (a retry after
// a crash) gets error 160004 from Discord and is treated as done.
func TestStartThreadExists(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	ctx := context.Background()
	post, intro := digestMessages()
	ref, err := a.Post(ctx, bot.Destination{Team: "1", Channel: "2"}, post, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	th1, err := a.StartThread(ctx, ref, "Tranception", bot.Message{}, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	th2, err := a.StartThread(ctx, ref, "Tranception", intro, bot.PostOptions{})
	if err != nil {
		t.Fatalf("second StartThread: %v", err)
	}
	if th1 != th2 {
		t.Errorf("threads differ: %+v vs %+v", th1, th2)
	}
	// The empty first message was not posted; the second call's was.
	if n := len(fake.Messages()); n != 2 {
		t.Errorf("%d messages created, want 2 (the post and one thread message)", n)
	}
}

// TestPost429: a 429 is waited out for retry_after and the message is
// posted exactly once.
func TestPost429(t *testing.T) {
	fake := discordtest.New(t)
	clock := newFakeClock()
	var waits []time.Duration
	a := newTestAdapter(t, fake, Options{Clock: clock, Hooks: Hooks{RateLimited: func(d time.Duration) { waits = append(waits, d) }}})
	var mu sync.Mutex
	limited := 0
	fake.Intercept(func(r discordtest.Request) *discordtest.Response {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "POST" && limited == 0 {
			limited++
			return &discordtest.Response{Status: http.StatusTooManyRequests,
				Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset-After": {"1.5"}, "Retry-After": {"2"}},
				Body:   map[string]any{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}}
		}
		return nil
	})
	post, _ := digestMessages()
	ref, err := a.Post(context.Background(), bot.Destination{Team: "1", Channel: "2"}, post, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fake.Messages(); len(got) != 1 || got[0].ID != ref.ID {
		t.Fatalf("messages created = %+v, want exactly one (%s)", got, ref.ID)
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 (the 429 and the retry)", n)
	}
	if s := clock.Sleeps(); len(s) != 1 || s[0] != 1500*time.Millisecond {
		t.Errorf("sleeps = %v, want [1.5s] (retry_after)", s)
	}
	if len(waits) != 1 || waits[0] != 1500*time.Millisecond {
		t.Errorf("rate-limit hook saw %v", waits)
	}
}

// TestPostRateLimits covers the other waits and refusals.
func TestPostRateLimits(t *testing.T) {
	post, _ := digestMessages()
	to := bot.Destination{Team: "1", Channel: "2"}

	t.Run("a wait over the cap is refused, not slept", func(t *testing.T) {
		fake := discordtest.New(t)
		clock := newFakeClock()
		a := newTestAdapter(t, fake, Options{Clock: clock, MaxRateLimitWait: time.Minute})
		fake.Intercept(func(r discordtest.Request) *discordtest.Response {
			return &discordtest.Response{Status: 429, Body: map[string]any{"retry_after": 3600.0, "global": false}}
		})
		_, err := a.Post(context.Background(), to, post, bot.PostOptions{})
		if !fault.Is(err, fault.Transient) {
			t.Fatalf("err = %v, want a transient error", err)
		}
		if len(clock.Sleeps()) != 0 || len(fake.Requests()) != 1 {
			t.Errorf("sleeps %v, requests %d; want none and 1", clock.Sleeps(), len(fake.Requests()))
		}
	})

	t.Run("an exhausted bucket paces the next request on the route", func(t *testing.T) {
		fake := discordtest.New(t)
		clock := newFakeClock()
		a := newTestAdapter(t, fake, Options{Clock: clock})
		fake.Intercept(func(r discordtest.Request) *discordtest.Response {
			return nil
		})
		var mu sync.Mutex
		n := 0
		fake.Intercept(func(r discordtest.Request) *discordtest.Response {
			mu.Lock()
			defer mu.Unlock()
			n++
			if n == 1 {
				// Let the real handler answer, but say the bucket is empty:
				// emulate with a canned 200.
				return &discordtest.Response{Status: 200, Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset-After": {"2.25"}},
					Body: map[string]any{"id": "5", "channel_id": "2"}}
			}
			return nil
		})
		for range 2 {
			if _, err := a.Post(context.Background(), to, post, bot.PostOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if s := clock.Sleeps(); len(s) != 1 || s[0] != 2250*time.Millisecond {
			t.Errorf("sleeps = %v, want [2.25s]", s)
		}
	})

	t.Run("a global 429 holds every route", func(t *testing.T) {
		fake := discordtest.New(t)
		clock := newFakeClock()
		a := newTestAdapter(t, fake, Options{Clock: clock})
		var mu sync.Mutex
		n := 0
		fake.Intercept(func(r discordtest.Request) *discordtest.Response {
			mu.Lock()
			defer mu.Unlock()
			n++
			if n == 1 {
				return &discordtest.Response{Status: 429, Body: map[string]any{"retry_after": 0.5, "global": true}}
			}
			return nil
		})
		if _, err := a.Post(context.Background(), to, post, bot.PostOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Post(context.Background(), bot.Destination{Team: "1", Channel: "3"}, post, bot.PostOptions{}); err != nil {
			t.Fatal(err)
		}
		if s := clock.Sleeps(); len(s) != 1 || s[0] != 500*time.Millisecond {
			t.Errorf("sleeps = %v, want one 0.5s wait", s)
		}
	})
}

// TestPostUnknownOutcome: a message POST whose outcome is unknown (a 5xx, a
// dropped connection, even one dropped after Discord created the message)
// is sent again only with the same enforced nonce, so Discord returns the
// message it made instead of posting twice. A thread start has no nonce and
// is never sent again.
func TestPostUnknownOutcome(t *testing.T) {
	post, _ := digestMessages()
	to := bot.Destination{Team: "1", Channel: "2"}
	for _, tt := range []struct {
		name         string
		first        discordtest.Response
		always       bool
		wantMessages int
		wantRequests int
	}{
		{"dropped after Discord created it", discordtest.Response{AbortAfter: true}, false, 1, 2},
		{"dropped before", discordtest.Response{Abort: true}, false, 1, 2},
		{"502 once", discordtest.Response{Status: 502, Body: []byte("bad gateway")}, false, 1, 2},
		{"500 every time", discordtest.Response{Status: 500, Body: map[string]any{"message": "oops"}}, true, 0, maxAttempts},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := discordtest.New(t)
			clock := newFakeClock()
			a := newTestAdapter(t, fake, Options{Clock: clock})
			var mu sync.Mutex
			n := 0
			fake.Intercept(func(discordtest.Request) *discordtest.Response {
				mu.Lock()
				defer mu.Unlock()
				n++
				if n == 1 || tt.always {
					r := tt.first
					return &r
				}
				return nil
			})
			ref, err := a.Post(context.Background(), to, post, bot.PostOptions{})
			msgs := fake.Messages()
			if len(msgs) != tt.wantMessages {
				t.Fatalf("%d messages created, want %d", len(msgs), tt.wantMessages)
			}
			if tt.wantMessages == 1 && (err != nil || ref.ID != msgs[0].ID) {
				t.Errorf("Post = %+v, %v; want the one message %s", ref, err, msgs[0].ID)
			}
			if tt.wantMessages == 0 && !fault.Is(err, fault.Transient) {
				t.Errorf("err = %v, want transient", err)
			}
			reqs := fake.Requests()
			if len(reqs) != tt.wantRequests {
				t.Fatalf("%d requests, want %d", len(reqs), tt.wantRequests)
			}
			var nonces []string
			for _, r := range reqs {
				var p payload
				if err := r.JSON(&p); err != nil {
					t.Fatal(err)
				}
				if !p.EnforceNonce || p.Nonce == "" || len(p.Nonce) > 25 {
					t.Errorf("POST without an enforced nonce of at most 25 characters: %q %v", p.Nonce, p.EnforceNonce)
				}
				nonces = append(nonces, p.Nonce)
			}
			for _, nc := range nonces[1:] {
				if nc != nonces[0] {
					t.Errorf("retry with another nonce: %v", nonces)
				}
			}
		})
	}

	// A thread start is never sent again; when its outcome is unknown the
	// thread is looked up: made, it gets its first message; not made, the
	// error says so (the digest tries again later).
	for _, tc := range []struct {
		name    string
		resp    discordtest.Response
		made    bool
		wantErr bool
	}{
		{"thread start dropped after Discord made it", discordtest.Response{AbortAfter: true}, true, false},
		{"thread start dropped before", discordtest.Response{Abort: true}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := discordtest.New(t)
			a := newTestAdapter(t, fake, Options{})
			ref, err := a.Post(context.Background(), to, post, bot.PostOptions{})
			if err != nil {
				t.Fatal(err)
			}
			fake.Intercept(func(r discordtest.Request) *discordtest.Response {
				if strings.HasSuffix(r.Path, "/threads") {
					resp := tc.resp
					return &resp
				}
				return nil
			})
			_, intro := digestMessages()
			th, err := a.StartThread(context.Background(), ref, "t", intro, bot.PostOptions{})
			if tc.wantErr != (err != nil) || (err != nil && !fault.Is(err, fault.Transient)) {
				t.Errorf("err = %v, want an error: %v (transient)", err, tc.wantErr)
			}
			var starts, inThread int
			for _, r := range fake.Requests() {
				if strings.HasSuffix(r.Path, "/threads") {
					starts++
				}
			}
			for _, m := range fake.Messages() {
				if m.ChannelID == ref.ID {
					inThread++
				}
			}
			if starts != 1 {
				t.Errorf("%d thread starts, want 1", starts)
			}
			if tc.made && (th.ID != ref.ID || inThread != 1) {
				t.Errorf("thread %+v with %d messages, want %s with its first message", th, inThread, ref.ID)
			}
			if !tc.made && inThread != 0 {
				t.Errorf("%d messages in a thread that was not made", inThread)
			}
		})
	}

	t.Run("different messages get different nonces", func(t *testing.T) {
		p1, p2 := payload{Content: "a"}, payload{Content: "b"}
		if nonceFor("1", p1) == nonceFor("1", p2) || nonceFor("1", p1) == nonceFor("2", p1) {
			t.Error("nonce collision")
		}
	})
}

// TestPostErrors: Discord's refusals become errors a user can act on.
func TestPostErrors(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	fake.Intercept(func(discordtest.Request) *discordtest.Response {
		return &discordtest.Response{Status: 403, Body: map[string]any{"code": 50013, "message": "Missing Permissions"}}
	})
	post, _ := digestMessages()
	_, err := a.Post(context.Background(), bot.Destination{Team: "1", Channel: "2"}, post, bot.PostOptions{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 50013 || !fault.Is(err, fault.Invalid) || !strings.Contains(fault.UserMessage(err), "permission") {
		t.Errorf("err = %v (user message %q)", err, fault.UserMessage(err))
	}
	if _, err := a.Post(context.Background(), bot.Destination{}, post, bot.PostOptions{}); !fault.Is(err, fault.Invalid) {
		t.Errorf("post without channel: %v", err)
	}
}

// TestPostSplits: a message over Discord's limits goes out as several,
// in order, and the first one's reference is returned.
func TestPostSplits(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	var sections []bot.Section
	for _, p := range append(samplePapers(), samplePapers()...) {
		for range 3 {
			sections = append(sections, bot.PaperSection(p, nil, true))
		}
	}
	m := bot.Message{Kind: bot.KindResults, Title: "Many", Sections: sections, Text: "many"}
	ref, err := a.Post(context.Background(), bot.Destination{Team: "1", Channel: "2"}, m, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	if len(msgs) < 2 || msgs[0].ID != ref.ID {
		t.Fatalf("%d messages, first %v; want several, the first returned", len(msgs), ref)
	}
}

// TestPostFindsTheGuild: a post to a channel named without its server (a
// digest subscription configured with no guild) asks Discord once for the
// channel's server, so the jump URLs and the thread's link open.
func TestPostFindsTheGuild(t *testing.T) {
	fake := discordtest.New(t)
	fake.SetGuild("111")
	a := newTestAdapter(t, fake, Options{})
	ctx := context.Background()
	post, intro := digestMessages()
	var refs []bot.MessageRef
	for range 2 {
		ref, err := a.Post(ctx, bot.Destination{Platform: "discord", Channel: "222"}, post, bot.PostOptions{})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	ref := refs[0]
	if ref.Team != "111" || ref.URL != "https://discord.com/channels/111/222/"+ref.ID {
		t.Fatalf("ref = %+v, want guild 111 in it and its URL", ref)
	}
	th, err := a.StartThread(ctx, ref, "A paper", intro, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if th.URL != "https://discord.com/channels/111/"+ref.ID {
		t.Errorf("thread URL = %q", th.URL)
	}
	var got []string
	for _, r := range fake.Requests() {
		got = append(got, r.Method+" "+r.Path)
	}
	want := []string{
		"GET /channels/222", "POST /channels/222/messages", "POST /channels/222/messages",
		"POST /channels/222/messages/" + ref.ID + "/threads", "POST /channels/" + ref.ID + "/messages",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
