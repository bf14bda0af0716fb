package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
)

type nopResponder struct{}

func (nopResponder) Reply(context.Context, Message) error { return nil }

// One workspace's flood does not starve another's command: with one turn
// and room for four waiting, workspace A sends six commands and then B
// sends one. B's command takes the place of A's newest (refused "busy")
// instead of being refused itself, and runs as soon as the turn comes
// round to B, before A's later commands. (Limit, the plain bound, refuses
// B's command: the waiting room is full of A's.)
func TestFairLimitOneTeamCannotStarveAnother(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var started []string
		release := map[string]chan struct{}{}
		h := FairLimit(1, 4, time.Minute, TeamKey)(HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			mu.Lock()
			started = append(started, req.Text)
			ch := release[req.Text]
			mu.Unlock()
			<-ch
			return nil
		}))
		results := map[string]error{}
		var wg sync.WaitGroup
		send := func(team, id string) {
			mu.Lock()
			release[id] = make(chan struct{})
			mu.Unlock()
			wg.Go(func() {
				err := h.Handle(t.Context(), &Request{Platform: "slack", Team: team, Text: id}, nopResponder{})
				mu.Lock()
				results[id] = err
				mu.Unlock()
			})
			synctest.Wait() // it runs or waits before the next is sent
		}
		for i := 1; i <= 6; i++ {
			send("TA", fmt.Sprintf("A%d", i))
		}
		send("TB", "B1")
		// The room was full: A6 was refused at once; B1 took A5's place.
		for _, id := range []string{"A5", "A6"} {
			if err, done := results[id]; !done || fault.KindOf(err) != fault.Transient {
				t.Errorf("%s: done %v, err %v; want refused as busy", id, done, err)
			}
		}
		for _, id := range []string{"A1", "A2", "B1", "A3", "A4"} {
			close(release[id])
			synctest.Wait()
		}
		wg.Wait()
		want := []string{"A1", "A2", "B1", "A3", "A4"}
		if fmt.Sprint(started) != fmt.Sprint(want) {
			t.Errorf("ran %v, want %v", started, want)
		}
		for _, id := range want {
			if results[id] != nil {
				t.Errorf("%s: %v", id, results[id])
			}
		}
	})
}

// A command that waits longer than maxWait is refused, and the turns are
// all given back (the next command runs at once).
func TestFairLimitWaitExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		block := make(chan struct{})
		h := FairLimit(1, 10, time.Second, TeamKey)(HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			if req.Text == "block" {
				<-block
			}
			return nil
		}))
		go h.Handle(t.Context(), &Request{Team: "T1", Text: "block"}, nopResponder{})
		synctest.Wait()
		start := time.Now()
		err := h.Handle(t.Context(), &Request{Team: "T2", Text: "late"}, nopResponder{})
		if fault.KindOf(err) != fault.Transient || time.Since(start) != time.Second {
			t.Errorf("err %v after %v; want busy after 1s", err, time.Since(start))
		}
		close(block)
		synctest.Wait()
		if err := h.Handle(t.Context(), &Request{Team: "T2", Text: "next"}, nopResponder{}); err != nil {
			t.Errorf("after the wait expired: %v", err)
		}
	})
}

// blockingResponder is a platform that takes its time with a reply (Slack
// pacing a thread to one message a second, a 429's Retry-After): Reply
// waits until released.
type blockingResponder struct {
	started chan struct{}
	release chan struct{}
}

func (r blockingResponder) Reply(context.Context, Message) error {
	r.started <- struct{}{}
	<-r.release
	return nil
}

// A command waiting for the platform to take its reply does not hold a
// turn: the turn goes to the next command meanwhile. Before, app mentions
// in one channel (each reply paced a second after the previous) held
// every turn while Slack's pacing went on, and every other workspace's
// commands waited.
func TestFairLimitTurnIsFreeWhileReplying(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var ran []string
		h := FairLimit(1, 4, time.Minute, TeamKey)(HandlerFunc(func(ctx context.Context, req *Request, rw Responder) error {
			mu.Lock()
			ran = append(ran, req.Text+" start")
			mu.Unlock()
			err := rw.Reply(ctx, Notice(req.Text))
			mu.Lock()
			ran = append(ran, req.Text+" end")
			mu.Unlock()
			return err
		}))
		slow := blockingResponder{started: make(chan struct{}, 1), release: make(chan struct{})}
		errs := make(chan error, 2)
		go func() { errs <- h.Handle(t.Context(), &Request{Platform: "slack", Team: "TA", Text: "A"}, slow) }()
		<-slow.started
		go func() {
			errs <- h.Handle(t.Context(), &Request{Platform: "slack", Team: "TB", Text: "B"}, nopResponder{})
		}()
		synctest.Wait()
		mu.Lock()
		if fmt.Sprint(ran) != "[A start B start B end]" {
			t.Errorf("while A's reply waits: %v, want B to run", ran)
		}
		mu.Unlock()
		close(slow.release)
		for range 2 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		if fmt.Sprint(ran) != "[A start B start B end A end]" {
			t.Errorf("ran %v", ran)
		}
		// Every turn was given back: a command runs at once.
		done := make(chan error, 1)
		go func() {
			done <- h.Handle(t.Context(), &Request{Platform: "slack", Team: "TC", Text: "C"}, nopResponder{})
		}()
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		default:
			t.Error("a command after the others waits for a turn that was never given back")
		}
	})
}
