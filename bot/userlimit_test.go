package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/fault"
)

// One person sending commands faster than they are answered (a script, a
// key held down) has at most MaxPerUser of them in progress; the next is
// answered at once. Before, they filled the waiting room (1,000 places by
// default) and a teammate's command waited behind all of them, then was
// refused as "busy".
func TestOneUserCannotFillTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &blockingSearcher{started: make(chan struct{}, 20), release: make(chan struct{})}
		b := newBot(t, bot.Config{Searcher: s, MaxConcurrent: 1, MaxWaiting: 6, MaxPerUser: 3, MaxWait: time.Hour, Timeout: time.Hour})
		var mu sync.Mutex
		errs := map[string]error{}
		recs := map[string]*bottest.Recorder{}
		send := func(user, text string) {
			rec := &bottest.Recorder{}
			mu.Lock()
			recs[text] = rec
			mu.Unlock()
			go func() {
				err := b.Handle(context.Background(), &bot.Request{Platform: "slack", Team: "T1", Channel: "C1", User: user, Text: text}, rec)
				mu.Lock()
				errs[text] = err
				mu.Unlock()
			}()
			synctest.Wait()
		}
		for i := 1; i <= 6; i++ {
			send("UMAL", fmt.Sprintf("m%d", i))
		}
		send("UALI", "a1")
		send("UMAL", "m7") // still three in progress: refused too

		mu.Lock()
		for _, q := range []string{"m4", "m5", "m6", "m7"} {
			err, done := errs[q]
			if !done || !fault.Is(err, fault.Transient) || !strings.Contains(recs[q].Text(), "3 commands in progress") {
				t.Errorf("%s: done %v, err %v, %q; want refused at once (3 in progress)", q, done, err, recs[q].Text())
			}
		}
		if _, done := errs["a1"]; done {
			t.Errorf("a teammate's command was answered before its turn: %v %q", errs["a1"], recs["a1"].Text())
		}
		mu.Unlock()
		close(s.release)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, q := range []string{"m1", "m2", "m3", "a1"} {
			if err, done := errs[q]; !done || err != nil {
				t.Errorf("%s: done %v, err %v; want answered", q, done, err)
			}
		}
		if n := len(s.started); n != 4 {
			t.Errorf("%d searches ran, want 4 (m1-m3, a1)", n)
		}
	})
}
