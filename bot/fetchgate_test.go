package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// slowFetcher is arXiv behind its pacer: each fetch waits until released
// (or its context ends).
type slowFetcher struct {
	mu      sync.Mutex
	started []string
	release chan struct{}
}

func (f *slowFetcher) Fetch(ctx context.Context, id string) (paper.Paper, error) {
	f.mu.Lock()
	f.started = append(f.started, id)
	f.mu.Unlock()
	select {
	case <-f.release:
		return paper.Paper{ID: id, Title: "Fetched " + id}, nil
	case <-ctx.Done():
		return paper.Paper{}, ctx.Err()
	}
}

type nopIndexer struct{}

func (nopIndexer) Upsert(context.Context, []paper.Paper) error { return nil }

// Papers fetched from arXiv wait for arXiv (one request every 3 s, shared
// with the feeds), not for the CPU: a user sending `show` of papers the
// index lacks could hold every turn of the bot with them, and every other
// command, from any workspace, waited behind arXiv. Fetches take at most
// half the turns, one per user at a time; one beyond is answered at once.
func TestFetchesCannotHoldEveryTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &slowFetcher{release: make(chan struct{})}
		s := &coreSearcher{results: paper.Results{Hits: []paper.Hit{{Paper: paper.Paper{ID: "2205.13760", Title: "Tranception"}}}, Total: 1}}
		b := newBot(t, bot.Config{Searcher: s, Fetcher: f, Indexer: nopIndexer{}, MaxConcurrent: 4, Timeout: time.Hour, MaxWait: time.Hour})

		type answer struct {
			rec  *bottest.Recorder
			err  error
			done bool
		}
		var mu sync.Mutex
		answers := map[string]*answer{}
		send := func(team, user, text string) {
			a := &answer{rec: &bottest.Recorder{}}
			mu.Lock()
			answers[user+" "+text] = a
			mu.Unlock()
			go func() {
				err := b.Handle(context.Background(), &bot.Request{Platform: "slack", Team: team, Channel: "C1", User: user, Text: text}, a.rec)
				mu.Lock()
				a.err, a.done = err, true
				mu.Unlock()
			}()
			synctest.Wait()
		}
		// Mallory asks for papers the index does not hold, as fast as she
		// can type; Alice in the same workspace too.
		send("T1", "UMAL", "show 2401.00001")
		send("T1", "UMAL", "show 2401.00002")
		send("T1", "UALI", "show 2401.00003")
		send("T1", "UBOB", "show 2401.00004")
		// Someone in another workspace searches.
		send("T2", "UEVE", "tranception")

		mu.Lock()
		defer mu.Unlock()
		if a := answers["UEVE tranception"]; !a.done || a.err != nil || !strings.Contains(a.rec.Text(), "Tranception") {
			t.Errorf("a search while papers are fetched: done %v, err %v, %q; want answered at once", a.done, a.err, a.rec.Text())
		}
		if got := len(f.started); got != 2 {
			t.Errorf("%d fetches from arXiv at once (%v), want 2 (half of 4 turns)", got, f.started)
		}
		for key, want := range map[string]string{
			"UMAL show 2401.00002": "still fetching another paper from arXiv for you",
			"UBOB show 2401.00004": "arXiv is being asked for other papers",
		} {
			a := answers[key]
			if !a.done || !fault.Is(a.err, fault.Transient) || !strings.Contains(a.rec.Text(), want) || !strings.Contains(a.rec.Text(), "2401.0000") {
				t.Errorf("%s: done %v, err %v, %q; want refused at once, saying %q", key, a.done, a.err, a.rec.Text(), want)
			}
		}
		mu.Unlock()
		close(f.release)
		synctest.Wait()
		mu.Lock()
		for _, key := range []string{"UMAL show 2401.00001", "UALI show 2401.00003"} {
			if a := answers[key]; !a.done || a.err != nil || !strings.Contains(a.rec.Text(), "Fetched") {
				t.Errorf("%s: done %v, err %v, %q; want the fetched paper", key, a.done, a.err, a.rec.Text())
			}
		}
		// The turns are given back: the next fetch runs.
		mu.Unlock()
		send("T1", "UMAL", "show 2401.00005")
		mu.Lock()
		if a := answers["UMAL show 2401.00005"]; !a.done || a.err != nil {
			t.Errorf("a fetch after the others ended: done %v, err %v, %q", a.done, a.err, a.rec.Text())
		}
	})
}
