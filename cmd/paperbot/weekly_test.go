package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
)

// The console chat's weekly recap sees the team's marks and the week's
// posts in the state (the chat's digest reads the state through a view of
// its platforms, which must still give the recap the marks): the weekly
// subscription made in chat previews the paper a teammate reacted to and
// the one nobody opened.
func TestChatWeeklyRecapSeesTheTeam(t *testing.T) {
	cfg, dataDir := writeDigestConfig(t, "")
	db, err := store.Open(filepath.Join(dataDir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	posted := time.Now().Add(-24 * time.Hour).UTC()
	day := digest.Day{Platform: "console", Channel: "console", ChannelName: "console", Date: posted.Format(time.DateOnly), Due: posted,
		Status: digest.DayDone, PlannedAt: posted}
	for i, id := range []string{"2205.13760", "2304.12944"} {
		ref := bot.MessageRef{Platform: "console", Channel: "console", ID: string(rune('2' + i))}
		day.Papers = append(day.Papers, digest.DayPaper{Paper: paper.Paper{ID: id, Title: "Paper " + id}, Day: 1,
			Post:   digest.Step{Key: "k" + id, Done: posted, Message: ref},
			Thread: digest.Step{Key: "t" + id, Done: posted, Thread: bot.ThreadRef{ID: ref.ID, Channel: "console"}}})
	}
	if err := db.SaveDay(ctx, day); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddMark(ctx, bot.Mark{Platform: "console", PaperID: "2205.13760", User: "ada", Kind: bot.MarkReaction, Detail: "fire",
		Channel: "console", Thread: "2", At: posted.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCmd(t, "/papers subscribe weekly day mon\n/papers digest preview weekly\n", "chat", "--config", cfg)
	if code != 0 {
		t.Fatalf("chat exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Weekly recap set for #console: Mondays at 09:00 UTC",
		"1. Paper 2205.13760\n   id: 2205.13760\n   1 person reacted",
		"Posted, nobody opened (1)",
		"Paper 2304.12944",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

// A weekly recap from the configuration file is stored beside the daily
// digest of the same channel, belongs to the file, and keeps its own
// schedule.
func TestConfigWeeklyRecap(t *testing.T) {
	cfg, _ := writeDigestConfig(t, `digest:
  subscriptions:
    - {platform: console, channel: console, channel_name: papers, time: "08:00"}
    - {platform: console, channel: console, channel_name: papers, kind: weekly, time: "4pm", timezone: europe/berlin}
`)
	out, errOut, code := runCmd(t, "/papers subscriptions\n/papers subscribe weekly day mon\n/papers unsubscribe weekly\n", "chat", "--config", cfg)
	if code != 0 {
		t.Fatalf("chat exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"#papers: every day at 08:00 UTC, top 5 on all papers (from the configuration file)",
		"#papers: weekly recap, Fridays at 16:00 Europe/Berlin (from the configuration file)",
		"Weekly recap not changed: the weekly recap of #papers is set in the configuration file (digest.subscriptions); change it there.",
		"the weekly recap of #papers is set in the configuration file (digest.subscriptions); remove it there",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}
