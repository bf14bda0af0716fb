package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
)

// bigRecap is a weekly recap of 10 engaged papers and 60 posted that
// nobody opened, with long titles: more than one Slack or Discord
// message holds.
func bigRecap() digest.Day {
	to := time.Date(2025, 3, 14, 17, 0, 0, 0, time.UTC)
	r := &digest.Recap{From: to.AddDate(0, 0, -7), To: to}
	title := func(i int) string {
		return fmt.Sprintf("Paper %02d: %s", i, strings.Repeat("a long title about diffusion & <b>models</b> ", 4))
	}
	for i := range 10 {
		r.Engaged = append(r.Engaged, digest.RecapPaper{ID: fmt.Sprintf("2501.%05d", i), Title: title(i), URL: fmt.Sprintf("https://x.slack.com/archives/C1/p%d", i),
			Replies: 10 - i, People: 3, Saves: 1})
	}
	for i := 10; i < 70; i++ {
		r.Unopened = append(r.Unopened, digest.RecapPaper{ID: fmt.Sprintf("2501.%05d", i), Title: title(i), URL: fmt.Sprintf("https://x.slack.com/archives/C1/p%d", i), Posted: to.AddDate(0, 0, -2)})
	}
	return digest.Day{Kind: digest.KindWeekly, Platform: "slack", Channel: digest.WeeklyChannel("C1"), ChannelName: "ml-papers",
		Date: "2025-03-14", Due: to, Zone: "UTC", Recap: r}
}

// A recap too big for one Slack message is split into as few as the
// limits force (50 blocks, the character ceiling), in order, losing no
// paper; each part has its fallback text.
func TestRecapSplitsAtSlackLimits(t *testing.T) {
	m := digest.RecapMessage(bigRecap(), "papers")
	parts := render(m, renderOptions{})
	if len(parts) < 2 {
		t.Fatalf("%d message(s) for 74 sections, want a split", len(parts))
	}
	var all strings.Builder
	blocks := 0
	for i, p := range parts {
		if len(p.Blocks) > maxBlocks || p.Text == "" {
			t.Errorf("part %d: %d blocks (max %d), text %q", i+1, len(p.Blocks), maxBlocks, p.Text)
		}
		b, err := json.Marshal(p.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 13000 {
			t.Errorf("part %d: %d characters of blocks", i+1, len(b))
		}
		blocks += len(p.Blocks)
		all.Write(b)
	}
	// As few parts as the block limit allows (with a little slack for
	// papers kept whole).
	if min := (blocks + maxBlocks - 1) / maxBlocks; len(parts) > min+1 {
		t.Errorf("%d parts for %d blocks, want about %d", len(parts), blocks, min)
	}
	last := -1
	for i := range 70 {
		at := strings.Index(all.String(), fmt.Sprintf("Paper %02d:", i))
		if at < 0 || at < last {
			t.Errorf("paper %d missing or out of order", i)
		}
		last = at
	}
	if strings.Contains(all.String(), "<b>") {
		t.Error("a title's < > reached Slack unescaped")
	}
}
