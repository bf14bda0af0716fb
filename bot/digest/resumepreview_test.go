package digest_test

import (
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
)

// The preview of a day cut short by a crash, whose rest the next run
// posts, is titled as the digest being posted (it read "Service of
// #ml-papers being posted", the Go type's name).
func TestPreviewOfADayBeingPosted(t *testing.T) {
	pv := digest.Preview{
		Sub:      digest.Subscription{Platform: "fake", Channel: "C1", ChannelName: "ml-papers", Time: "09:00", Zone: "UTC", Top: 3},
		Due:      time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC),
		Resuming: true,
		Day:      digest.Day{Papers: []digest.DayPaper{{Paper: paper.Paper{ID: "2501.00001", Title: "Paper 1 on diffusion"}, Day: 1}}},
	}
	got := digest.PreviewMessage(pv).Title
	if want := "Digest of #ml-papers being posted · Mon 5 May 09:00 UTC"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
}
