package discord

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
)

// bigRecap is a weekly recap of 10 engaged papers and 60 posted that
// nobody opened, with long titles: more than one Discord message holds.
func bigRecap() digest.Day {
	to := time.Date(2025, 3, 14, 17, 0, 0, 0, time.UTC)
	r := &digest.Recap{From: to.AddDate(0, 0, -7), To: to}
	title := func(i int) string {
		return fmt.Sprintf("Paper %02d: %s", i, strings.Repeat("a long title about diffusion @everyone models ", 4))
	}
	for i := range 10 {
		r.Engaged = append(r.Engaged, digest.RecapPaper{ID: fmt.Sprintf("2501.%05d", i), Title: title(i),
			URL: fmt.Sprintf("https://discord.com/channels/1/2/%d", i), Replies: 10 - i, People: 3, Saves: 1})
	}
	for i := 10; i < 70; i++ {
		r.Unopened = append(r.Unopened, digest.RecapPaper{ID: fmt.Sprintf("2501.%05d", i), Title: title(i),
			URL: fmt.Sprintf("https://discord.com/channels/1/2/%d", i), Posted: to.AddDate(0, 0, -2)})
	}
	return digest.Day{Kind: digest.KindWeekly, Platform: "discord", Channel: digest.WeeklyChannel("2"), ChannelName: "papers",
		Date: "2025-03-14", Due: to, Zone: "UTC", Recap: r}
}

// A recap too big for one Discord message is split by the limits (10
// embeds, 6000 characters of embeds, 2000 of content), in order, losing
// no paper, and pings no one.
func TestRecapSplitsAtDiscordLimits(t *testing.T) {
	parts := render(digest.RecapMessage(bigRecap(), "papers"))
	if len(parts) < 2 {
		t.Fatalf("%d message(s) for 74 sections, want a split", len(parts))
	}
	var all strings.Builder
	for i, p := range parts {
		size := 0
		for _, e := range p.Embeds {
			size += embedSize(e)
		}
		if len(p.Embeds) > maxEmbeds || size > maxEmbedsTotal || runes(p.Content) > 2000 {
			t.Errorf("part %d: %d embeds, %d characters of embeds, %d of content", i+1, len(p.Embeds), size, runes(p.Content))
		}
		if p.AllowedMentions.Parse == nil || len(p.AllowedMentions.Parse) != 0 {
			t.Errorf("part %d: allowed_mentions %+v, want parse: []", i+1, p.AllowedMentions)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	last := -1
	for i := range 70 {
		at := strings.Index(all.String(), fmt.Sprintf("Paper %02d:", i))
		if at < 0 || at < last {
			t.Errorf("paper %d missing or out of order", i)
		}
		last = at
	}
}
