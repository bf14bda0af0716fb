package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
)

// Bench runs the benchmarks of what the digest, the adapters and the
// refresh ask of a store most often, each on a new state.
func Bench(b *testing.B, be Backend) {
	b.Run("SaveDay", func(b *testing.B) { benchSaveDay(b, be) })
	b.Run("SeenWithin", func(b *testing.B) { benchSeen(b, be) })
	b.Run("RenewLease", func(b *testing.B) { benchRenew(b, be) })
	b.Run("UpsertPapers100", func(b *testing.B) { benchUpsert(b, be) })
	b.Run("FollowerWake", func(b *testing.B) { benchFollower(b, be) })
}

// One channel's day with five papers posted and threaded, saved by many
// channels at once (the digest's fan-out): the op is one SaveDay.
func benchSaveDay(b *testing.B, be Backend) {
	db := one(b, be)
	t0 := time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC)
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			var ps []digest.DayPaper
			for j := range 5 {
				ps = append(ps, threaded(fmt.Sprintf("25%02d.%05d", j, i), t0))
			}
			d := day("2025-05-05", digest.DayDone, ps...)
			d.Channel = fmt.Sprintf("C%07d", i)
			d.Window = []string{ps[0].Paper.ID, ps[1].Paper.ID}
			if err := db.SaveDay(b.Context(), d); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchSeen(b *testing.B, be Backend) {
	db := one(b, be)
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.SeenWithin(b.Context(), fmt.Sprintf("slack-event:Ev%d", n.Add(1)), 10*time.Minute); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchRenew(b *testing.B, be Backend) {
	db := one(b, be)
	l, _, err := db.AcquireLease(b.Context(), "digest", "bench", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if l, err = db.RenewLease(b.Context(), l, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// A refresh writing 100 new papers per transaction.
func benchUpsert(b *testing.B, be Backend) {
	db := one(b, be)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		ps := make([]paper.Paper, 100)
		for j := range ps {
			i++
			ps[j] = paper.Paper{ID: fmt.Sprintf("2501.%05d", i%100000) + fmt.Sprintf("v%d", i/100000+1), Title: fmt.Sprintf("Paper %d", i), Abstract: "An abstract of some length, as papers have, about models and data.", Upvotes: i}
		}
		if err := db.UpsertPapers(b.Context(), ps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "papers/s")
}

// From the start of a write on one store to a follower (another store on
// the same state when shared) waking up: the op is one paper written and
// seen.
func benchFollower(b *testing.B, be Backend) {
	open := be.New(b)
	writer := open(b)
	follower := writer
	if be.Shared {
		follower = open(b)
	}
	var last int64
	i := 0
	for b.Loop() {
		i++
		woke := make(chan error, 1)
		go func() {
			_, err := follower.WaitPapers(b.Context(), last)
			woke <- err
		}()
		if err := writer.UpsertPapers(b.Context(), []paper.Paper{{ID: fmt.Sprintf("2502.%05d", i), Title: "Follow me"}}); err != nil {
			b.Fatal(err)
		}
		if err := <-woke; err != nil {
			b.Fatal(err)
		}
		last++
	}
}
