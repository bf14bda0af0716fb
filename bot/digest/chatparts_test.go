package digest_test

import (
	"strings"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
)

// sayNameless runs a command as a Slack app mention does: no channel name.
func (c *chat) sayNameless(team, channel, text string) (string, error) {
	c.t.Helper()
	var rec bottest.Recorder
	err := c.b.Handle(c.t.Context(), &bot.Request{Platform: "fake", Team: team, Channel: channel, User: "U1", Text: text}, &rec)
	return rec.Text(), err
}

// A subscribe from a request without the channel's name (a Slack app
// mention in a thread) says "this channel", not the raw id as though it
// were a name, stores no name, and keeps the name an earlier subscribe
// stored; lists show the id as an id.
func TestSubscribeWithoutAChannelName(t *testing.T) {
	c := newChat(t, manyPapers(10))
	r, err := c.sayNameless("T1", "C1", "subscribe diffusion")
	if err != nil || !strings.Contains(r, "Daily digest set for this channel: ") || strings.Contains(r, "C1") {
		t.Fatalf("%v %q", err, r)
	}
	s, _, _ := c.e.db.Subscription(t.Context(), "fake", "C1")
	if s.ChannelName != "" {
		t.Errorf("stored the name %q", s.ChannelName)
	}
	if r, _ := c.say("T1", "C2", "subscriptions"); !strings.Contains(r, "channel C1: every day") {
		t.Errorf("subscriptions: %q", r)
	}
	if r, _ := c.sayNameless("T1", "C1", "digest"); !strings.Contains(r, "Daily digest of this channel") {
		t.Errorf("digest: %q", r)
	}
	// Named once, the name stays through a nameless change.
	if _, err := c.say("T1", "C1", "subscribe diffusion"); err != nil {
		t.Fatal(err)
	}
	r, err = c.sayNameless("T1", "C1", "subscribe robots")
	if err != nil || !strings.Contains(r, "Daily digest changed for #chan-C1: ") {
		t.Errorf("%v %q", err, r)
	}
	if s, _, _ := c.e.db.Subscription(t.Context(), "fake", "C1"); s.ChannelName != "chan-C1" || s.Topic != "robots" {
		t.Errorf("stored %+v", s)
	}
	if r, _ := c.sayNameless("T1", "C1", "unsubscribe"); !strings.Contains(r, "The daily digest of #chan-C1 is stopped") {
		t.Errorf("unsubscribe: %q", r)
	}
}

// A channel named in subscribe (as Slack hands it over, Slack's and
// Discord's mention markup) says a digest is set from inside its channel,
// not that the topic has nothing to search for; nothing is stored.
func TestSubscribeRefusesAChannelMention(t *testing.T) {
	for _, text := range []string{
		"subscribe <#C2|other> at 10:00",
		"subscribe <#C2> at 10:00",
		"subscribe #other at 10:00",
		"subscribe diffusion #ml-papers",
		"subscribe at 10:00 <#123456789012345678>",
		"subscribe weekly #other",
	} {
		c := newChat(t, manyPapers(10))
		r, err := c.say("T1", "C1", text)
		if err == nil || !strings.Contains(r, "names a channel: a digest is set from inside the channel it is for") || strings.Contains(r, "topic “") {
			t.Errorf("%s: %v %q", text, err, r)
		}
		if !strings.Contains(text, "weekly") && !strings.Contains(r, "run /papers subscribe in that channel") {
			t.Errorf("%s: %q", text, r)
		}
		if _, ok, _ := c.e.db.Subscription(t.Context(), "fake", "C1"); ok {
			t.Errorf("%s: stored", text)
		}
	}
	// Not channels: C#, a number sign before a number, a quoted phrase.
	for text, topic := range map[string]string{
		"subscribe C# compilers":    "C# compilers",
		"subscribe #1 ranking":      "#1 ranking",
		`subscribe "#other" papers`: `"#other" papers`,
	} {
		c := newChat(t, manyPapers(10))
		if r, err := c.say("T1", "C1", text); err != nil {
			t.Errorf("%s: %v %q", text, err, r)
		}
		if s, _, _ := c.e.db.Subscription(t.Context(), "fake", "C1"); s.Topic != topic {
			t.Errorf("%s: topic %q", text, s.Topic)
		}
	}
}

// Discord sends its typed options first, as keyword parts, then the topic
// option: the topic reads as the text after subscribe does. Keyword parts
// in it count (and every wrong top is worded alike), and a number opening
// the topic after a keyword part is a topic word, as docs/digest.md says.
func TestSubscribeTopicAfterKeywordParts(t *testing.T) {
	for _, tc := range []struct{ text, topic, top, time, zone string }{
		{"subscribe at 9 2 bit quantization", "2 bit quantization", "5", "09:00", "UTC"},
		{"subscribe tz Asia/Tokyo 3 body problem", "3 body problem", "5", "09:00", "Asia/Tokyo"},
		{"subscribe 3 diffusion", "diffusion", "3", "09:00", "UTC"},
		{"subscribe UTC 3 daily", "", "3", "09:00", "UTC"},
		{"subscribe diffusion top 3 at 03:00 tz Asia/Tokyo", "diffusion", "3", "03:00", "Asia/Tokyo"},
	} {
		c := newChat(t, manyPapers(10))
		if r, err := c.say("T1", "C1", tc.text); err != nil {
			t.Fatalf("%s: %v %q", tc.text, err, r)
		}
		s, _, _ := c.e.db.Subscription(t.Context(), "fake", "C1")
		if got := []string{s.Topic, itoa(s.Top), s.Time, s.Zone}; strings.Join(got, "|") != strings.Join([]string{tc.topic, tc.top, tc.time, tc.zone}, "|") {
			t.Errorf("%s: stored %q", tc.text, got)
		}
	}
	for _, text := range []string{"subscribe diffusion top 50 at 03:00 tz Asia/Tokyo", "subscribe top -5 diffusion", "subscribe top 0", "subscribe 11 diffusion"} {
		c := newChat(t, manyPapers(10))
		v := strings.Fields(strings.TrimPrefix(text, "subscribe top "))[0]
		if strings.HasPrefix(text, "subscribe 11") {
			v = "11"
		} else if strings.HasPrefix(text, "subscribe diffusion") {
			v = "50"
		}
		r, err := c.say("T1", "C1", text)
		if err == nil || !strings.Contains(r, "Subscription not changed: top "+v+" is not a number of papers from 1 to 10 (like top 5).") {
			t.Errorf("%s: %v %q", text, err, r)
		}
	}
}

// A topic with quote marks of its own at either end is not quoted again;
// one with a quoted phrase inside is quoted as a whole.
func TestTopicQuotedOnce(t *testing.T) {
	c := newChat(t, manyPapers(10))
	for topic, want := range map[string]string{
		"«diffusion»":                "on «diffusion» not posted",
		`"diffusion models"`:         `on "diffusion models" not posted`,
		`cat:cs.CL "language model"`: `on cat:cs.CL "language model" not posted`,
		"diffusion":                  "on “diffusion” not posted",
		`„Sprachmodell“`:             "on „Sprachmodell“ not posted",
	} {
		r, err := c.say("T1", "C1", "subscribe "+topic)
		if err != nil || !strings.Contains(r, want) {
			t.Errorf("%s: %v %q", topic, err, r)
		}
	}
}
