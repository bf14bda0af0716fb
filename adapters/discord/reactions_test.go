package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/engage"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
)

// countingSink forwards reactions and tells the test each one arrived.
type countingSink struct {
	next bot.ReactionSink
	seen chan bot.Reaction
}

func (s countingSink) React(ctx context.Context, r bot.Reaction) error {
	err := s.next.React(ctx, r)
	s.seen <- r
	return err
}

const (
	rxGuild   = "300000000000000001"
	rxChannel = "200000000000000001"
	rxPost    = "700000000000000001" // the digest post, and its thread's id
)

func reactionEventJSON(user, channel, message, emoji string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"user_id":%q,"channel_id":%q,"message_id":%q,"guild_id":%q,"emoji":{"id":null,"name":%q},
		"member":{"user":{"id":%q,"bot":false}},"burst":false,"type":0}`, user, channel, message, rxGuild, emoji, user))
}

// Reactions over the (fake) gateway, identified with
// GUILD_MESSAGE_REACTIONS: on the post and inside its thread they count,
// once per person however often delivered (a resume), a removal takes
// back only its author's, the bot's own and those on other messages do not.
func TestGatewayReactions(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Now()
	if err := db.SaveDay(t.Context(), digest.Day{Platform: "discord", Team: rxGuild, Channel: rxChannel, Date: "2025-03-10", Status: digest.DayDone,
		Papers: []digest.DayPaper{{Paper: paper.Paper{ID: "2205.13760", Title: "Tranception"}, Day: 1,
			Post:   digest.Step{Done: at, Message: bot.MessageRef{ID: rxPost}},
			Thread: digest.Step{Done: at, Thread: bot.ThreadRef{ID: rxPost, Channel: rxPost, URL: "https://discord.com/channels/x"}}}}}); err != nil {
		t.Fatal(err)
	}
	svc, err := engage.New(engage.Config{Store: db, Searcher: bottest.NewSearcher()})
	if err != nil {
		t.Fatal(err)
	}
	sink := countingSink{next: svc, seen: make(chan bot.Reaction, 16)}

	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{Mode: Gateway, Reactions: sink})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, &recordingHandler{}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := fake.WaitIdentified(wctx); err != nil {
		t.Fatal(err)
	}
	var ident struct {
		Intents int `json:"intents"`
	}
	if err := json.Unmarshal(fake.Identify(), &ident); err != nil || ident.Intents != 1<<10 {
		t.Errorf("identify intents %d (%v), want GUILD_MESSAGE_REACTIONS (1<<10) alone", ident.Intents, err)
	}

	events := []json.RawMessage{
		reactionEventJSON("u1", rxChannel, rxPost, "👍"),
		reactionEventJSON("u1", rxChannel, rxPost, "👍"),            // again after a resume
		reactionEventJSON("u2", rxPost, "700000000000000009", "🔥"), // a message inside the thread
		reactionEventJSON(discordtest.BotUserID, rxChannel, rxPost, "👍"),
		reactionEventJSON("u3", rxChannel, "700000000000000005", "👍"), // another message
		reactionEventJSON("u4", rxChannel, rxPost, "👍"),
		reactionEventJSON("u4", rxChannel, rxPost, "👍"),
	}
	for i, ev := range events {
		typ := "MESSAGE_REACTION_ADD"
		if i == len(events)-1 {
			typ = "MESSAGE_REACTION_REMOVE"
		}
		if err := fake.Dispatch(typ, ev); err != nil {
			t.Fatal(err)
		}
	}
	var users []string
	for len(users) < len(events)-1 { // all but the bot's own reach the sink
		select {
		case r := <-sink.seen:
			users = append(users, r.User)
			if r.User == discordtest.BotUserID {
				t.Errorf("the bot's own reaction reached the sink")
			}
		case <-wctx.Done():
			t.Fatalf("reactions reaching the sink: %v", users)
		}
	}
	disc, err := svc.DiscussionsOf(t.Context(), bot.Scope{Platform: "discord", Team: rxGuild}, "2205.13760")
	if err != nil || len(disc["2205.13760"]) != 1 {
		t.Fatalf("discussions: %v %v", disc, err)
	}
	if d := disc["2205.13760"][0]; d.Reactions != 2 || d.People != 2 {
		t.Errorf("%d reactions from %d people, want 2 from 2 (u1 on the post, u2 in the thread)", d.Reactions, d.People)
	}
}
