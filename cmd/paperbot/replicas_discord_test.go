package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store/pgstore"
	"github.com/paperbot/paperbot/bot/store/pgstore/pgtest"
)

// Three `paperbot serve` processes on one database with both platforms: a
// fake Slack (HTTP mode) and a fake Discord (REST and gateway) on
// loopback, Slack and Discord channels subscribed, their digests due at
// once. The replica holding the Discord gateway lease is SIGKILLed while
// the digest posts; another replica connects to the gateway within the
// issue's 30 s (the lease's TTL is 2 s here) and answers an interaction
// dispatched on it; there is never more than one gateway connection open
// at the fake; every channel's papers are posted to its platform exactly
// once, each with its thread (Discord: one thread per paper post, holding
// one message).
func TestReplicasEndToEndDiscord(t *testing.T) {
	if testing.Short() {
		t.Skip("three serve processes and two platforms' digests: not in -short")
	}
	dbURL := pgtest.URL(t)
	dir, bin := buildPaperbot(t)
	ctx := t.Context()

	const channels, top = 30, 2 // per platform
	db, err := pgstore.Open(ctx, dbURL, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	today := time.Now().UTC().Format(paper.DateLayout)
	var seeded []paper.Paper
	for i := range 4 {
		seeded = append(seeded, paper.Paper{ID: fmt.Sprintf("2605.%05d", i+1), Title: fmt.Sprintf("Gateway lease paper number %d", i+1),
			Abstract: "About one gateway connection.", Authors: []string{"Ada"}, Published: today, Upvotes: 400 - i})
	}
	if err := db.UpsertPapers(ctx, seeded); err != nil {
		t.Fatal(err)
	}
	const guild = "800000000000000001"
	discordChannel := func(i int) string { return fmt.Sprintf("9000000000000%05d", i) }
	zone, at := dueNowZone(time.Now())
	for i := range channels {
		for _, s := range []digest.Subscription{
			{Platform: "slack", Team: "T1", Channel: fmt.Sprintf("C%03d", i), ChannelName: fmt.Sprintf("ch-%03d", i)},
			{Platform: "discord", Team: guild, Channel: discordChannel(i), ChannelName: fmt.Sprintf("papers-%03d", i)},
		} {
			s.Time, s.Zone, s.Top, s.Source, s.Since = at, zone, top, digest.SourceChat, time.Now().Add(-48*time.Hour)
			if err := db.PutSubscription(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	slack := newE2ESlack(t)
	dc := discordtest.New(t)
	dc.SetGuild(guild)
	config := fmt.Sprintf(`data_dir: DATA_DIR
state: ${PAPERBOT_STATE_URL}
log:
  format: json
http:
  addr: 127.0.0.1:0
slack:
  mode: http
  bot_token: ${SLACK_BOT_TOKEN}
  signing_secret: ${SLACK_SIGNING_SECRET}
  api_url: %s/api/
discord:
  token: ${DISCORD_BOT_TOKEN}
  api_url: %s
digest:
  grace: 1h
  default_top: %d
replicas:
  lease_ttl: 2s
  follow_poll: 1s
`, slack.srv.URL, dc.URL, top)
	env := []string{"PAPERBOT_STATE_URL=" + dbURL, "SLACK_BOT_TOKEN=" + e2eBotToken, "SLACK_SIGNING_SECRET=" + e2eSecret, "DISCORD_BOT_TOKEN=" + discordTestToken}
	procs := startE2EReplicas(t, bin, dir, config, env, "A", "B", "C")

	// One replica holds the gateway: one connection at the fake, and the
	// lease names that replica.
	var holder *e2eProc
	until(t, 60*time.Second, "a replica connected to the gateway under the lease", func() bool {
		open, _, _ := dc.GatewayConnections()
		holder = procs[leaseHolder(t, conn, "discord-gateway")]
		return open == 1 && holder != nil
	})
	// Kill it while the digest posts to Discord.
	until(t, 60*time.Second, "the first Discord digest posts", func() bool { return len(dc.Messages()) >= 10 })
	holder.cmd.Process.Kill()
	killed := time.Now()
	<-holder.done
	postsAtKill := len(dc.Messages())
	until(t, 30*time.Second, "another replica connected to the gateway after the kill", func() bool {
		open, _, total := dc.GatewayConnections()
		return open == 1 && total == 2
	})
	reconnected := time.Since(killed)
	next := procs[leaseHolder(t, conn, "discord-gateway")]
	if next == nil || next == holder || !next.alive() {
		t.Fatalf("after the kill the gateway lease is held by %v, want a surviving replica", next)
	}
	// The new connection serves: an interaction dispatched on it is answered.
	if err := dc.Dispatch("INTERACTION_CREATE", json.RawMessage(interactionJSON("after-kill", "search", "query", "gateway lease"))); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := dc.WaitFor(wctx, func(r discordtest.Request) bool {
		return r.Method == http.MethodPatch && strings.HasSuffix(r.Path, "/after-kill/messages/@original")
	}); err != nil {
		t.Errorf("the interaction dispatched on the new gateway connection was not answered: %v", err)
	}

	var done, open int
	until(t, 90*time.Second, "every channel's day done", func() bool {
		if err := conn.QueryRow(ctx, "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'open') FROM digest_days").Scan(&done, &open); err != nil {
			t.Fatal(err)
		}
		return done == 2*channels && open == 0
	})
	if _, most, total := dc.GatewayConnections(); most != 1 || total != 2 {
		t.Errorf("gateway connections: at most %d open at once, %d in all; want 1 at a time, 2 in all (before and after the kill)", most, total)
	}

	// Discord: each channel's header and papers once, each paper post with
	// one thread holding one message.
	msgs := dc.Messages()
	threads := dc.Threads()
	inChannel := map[string][]discordtest.Message{}
	for _, m := range msgs {
		inChannel[m.ChannelID] = append(inChannel[m.ChannelID], m)
	}
	if want := channels * (1 + 2*top); len(msgs) != want {
		t.Errorf("%d messages at the fake Discord, want %d (each channel's header, %d papers, %d thread messages)", len(msgs), want, top, top)
	}
	for i := range channels {
		ch := discordChannel(i)
		posts := inChannel[ch]
		papers := map[string]int{}
		for _, m := range posts {
			// A paper's post names one paper; the header names them all.
			var named []string
			for _, p := range seeded {
				if strings.Contains(string(m.Body), p.Title) {
					named = append(named, p.ID)
				}
			}
			if len(named) == 1 {
				papers[named[0]]++
			}
			if _, ok := threads[m.ID]; !ok {
				continue
			}
			if n := len(inChannel[m.ID]); n != 1 {
				t.Errorf("channel %s: the thread of message %s holds %d messages, want 1", ch, m.ID, n)
			}
		}
		withThread := 0
		for _, m := range posts {
			if _, ok := threads[m.ID]; ok {
				withThread++
			}
		}
		if len(papers) != top {
			t.Errorf("channel %s: papers posted %v, want %d papers once each", ch, papers, top)
		}
		for id, n := range papers {
			if n != 1 {
				t.Errorf("channel %s: paper %s posted %d times", ch, id, n)
			}
		}
		if len(posts) != 1+top || withThread != top {
			t.Errorf("channel %s: %d posts, %d with a thread; want %d (header and %d papers), %d threads", ch, len(posts), withThread, 1+top, top, top)
		}
	}

	// Slack: the same, through chat.postMessage and thread_ts.
	keys := map[string]int{}
	top1, replies := map[string]int{}, map[string]int{}
	for _, m := range slack.messages() {
		keys[m.key]++
		if m.thread != "" {
			replies[m.channel]++
		} else {
			top1[m.channel]++
		}
	}
	for k, n := range keys {
		if n != 1 {
			t.Errorf("Slack post key %s made %d times", k, n)
		}
	}
	for i := range channels {
		ch := fmt.Sprintf("C%03d", i)
		if top1[ch] != 1+top || replies[ch] != top {
			t.Errorf("Slack channel %s: %d top-level posts, %d thread replies; want %d and %d", ch, top1[ch], replies[ch], 1+top, top)
		}
	}
	t.Logf("killed %s (gateway) after %d Discord messages; %s connected to the gateway %v after the kill", holder.name, postsAtKill, next.name, reconnected.Round(time.Millisecond))
}
