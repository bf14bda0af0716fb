package slack

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/engage"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
)

// reactionWorld is a digest thread in C1 of T1 (paper 2205.13760, posted
// by the bot as parentTS, with a person's reply replyTS) in a real bbolt
// store, and the engage service that records reactions into it.
type reactionWorld struct {
	svc               *engage.Service
	parentTS, replyTS string
}

func newReactionWorld(t *testing.T, api *fakeSlack, poster bot.Poster) reactionWorld {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := reactionWorld{}
	if api != nil {
		api.Reply("C1", "", "UBOT", "Tranception")
		w.parentTS = api.Posted()[len(api.Posted())-1].TS
		api.Reply("C1", w.parentTS, "U2", "nice")
		w.replyTS = api.Posted()[len(api.Posted())-1].TS
	} else {
		w.parentTS, w.replyTS = "1700000100.000001", "1700000100.000002"
	}
	at := time.Now()
	day := digest.Day{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers", Date: "2025-03-10", Status: digest.DayDone,
		Papers: []digest.DayPaper{{Paper: paper.Paper{ID: "2205.13760", Title: "Tranception"}, Day: 1,
			Post:   digest.Step{Done: at, Message: bot.MessageRef{ID: w.parentTS}},
			Thread: digest.Step{Done: at, Thread: bot.ThreadRef{ID: w.parentTS, URL: "https://slack/t"}}}}}
	if err := db.SaveDay(t.Context(), day); err != nil {
		t.Fatal(err)
	}
	w.svc, err = engage.New(engage.Config{Store: db, Searcher: fakeSearcher(),
		Poster: func(string) bot.Poster { return poster }})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w reactionWorld) counts(t *testing.T) (reactions, people int) {
	t.Helper()
	disc, err := w.svc.DiscussionsOf(t.Context(), bot.Scope{Platform: "slack", Team: "T1"}, "2205.13760")
	if err != nil || len(disc["2205.13760"]) != 1 {
		t.Fatalf("discussions: %v %v", disc, err)
	}
	d := disc["2205.13760"][0]
	return d.Reactions, d.People
}

func reactionJSON(id, typ, user, emoji, ts string) string {
	return fmt.Sprintf(`{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":%q,"event_time":1,
		"authorizations":[{"team_id":"T1","user_id":"UBOT","is_bot":true}],
		"event":{"type":%q,"user":%q,"reaction":%q,"item_user":"UBOT","item":{"type":"message","channel":"C1","ts":%q},"event_ts":"1700000300.000100"}}`,
		id, typ, user, emoji, ts)
}

// Signed reaction events over HTTP: a retry (same event_id) and a second
// delivery (another id) count once; a removal takes back only the
// remover's; a reaction on a reply in the thread counts (its thread looked
// up with conversations.replies); the bot's own and those on unrelated
// messages do not.
func TestHTTPReactions(t *testing.T) {
	api := newFakeSlack(t)
	clock := newFakeClock(time.Now())
	a := newTestAdapter(t, api, clock)
	w := newReactionWorld(t, api, a)
	a.opts.Reactions = w.svc
	srv := startHTTP(t, a, newCore(t))

	for _, ev := range []string{
		reactionJSON("Ev1", "reaction_added", "U1", "+1", w.parentTS),
		reactionJSON("Ev1", "reaction_added", "U1", "+1", w.parentTS), // Slack's retry
		reactionJSON("Ev2", "reaction_added", "U1", "+1", w.parentTS), // delivered again under another id
		reactionJSON("Ev3", "reaction_added", "U2", "fire", w.replyTS),
		reactionJSON("Ev4", "reaction_added", "U3", "+1", "1600000000.000001"), // an unrelated message
		reactionJSON("Ev5", "reaction_added", "UBOT", "+1", w.parentTS),        // the bot's own
		reactionJSON("Ev6", "reaction_added", "U4", "+1", w.parentTS),
		reactionJSON("Ev7", "reaction_removed", "U4", "+1", w.parentTS),
		reactionJSON("Ev8", "reaction_removed", "U5", "+1", w.parentTS), // never added
	} {
		resp := signedPost(t, srv.URL+PathEvents, testSecret, clock.Now(), "application/json", ev)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("event: status %d", resp.StatusCode)
		}
		a.work.Wait() // in order: an add before its removal
	}
	if r, p := w.counts(t); r != 2 || p != 2 {
		t.Errorf("%d reactions from %d people, want 2 from 2 (U1 👍 on the post, U2 🔥 on a reply)", r, p)
	}
}

// The same through Socket Mode: envelopes acknowledged, a retry dropped,
// the bot's own reaction ignored.
func TestSocketModeReactions(t *testing.T) {
	s := newSocketServer(t)
	a := newSocketAdapter(t, s)
	w := newReactionWorld(t, nil, nil)
	a.opts.Reactions = w.svc
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx, newCore(t)) }()

	envelope := func(env, id, user string, retry int) map[string]any {
		return map[string]any{
			"envelope_id": env, "type": "events_api", "retry_attempt": retry, "accepts_response_payload": false,
			"payload": map[string]any{
				"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": id, "event_time": 1,
				"authorizations": []any{map[string]any{"team_id": "T1", "user_id": "UBOT", "is_bot": true}},
				"event": map[string]any{"type": "reaction_added", "user": user, "reaction": "tada",
					"item": map[string]any{"type": "message", "channel": "C1", "ts": w.parentTS}, "event_ts": "1700000300.000100"},
			},
		}
	}
	s.send <- envelope("env-a", "Ev1", "U1", 0)
	s.send <- envelope("env-b", "Ev1", "U1", 1)
	s.send <- envelope("env-c", "Ev2", "UBOT", 0)
	s.send <- envelope("env-d", "Ev3", "U2", 0)
	for range 4 {
		s.nextAck(t)
	}
	cancel()
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v", err)
	}
	a.work.Wait()
	if r, p := w.counts(t); r != 2 || p != 2 {
		t.Errorf("%d reactions from %d people, want 2 from 2 (U1 and U2; not the bot)", r, p)
	}
}
