package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// loadGen sends signed slash commands.
type loadGen struct {
	client   *http.Client
	endpoint string
	secret   string
	fake     *fakeSlack
	queries  []Query
	next     int // request id
	// servePid and otherPid are the processes whose CPU time a phase
	// reports (otherPid: the concurrent ingest, 0 when none).
	servePid, otherPid int
}

// settle waits until the server has answered what it was sent, at most
// a minute, so that one phase's backlog does not spill into the next.
func (g *loadGen) settle(ctx context.Context) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		g.fake.mu.Lock()
		n := len(g.fake.replies)
		g.fake.mu.Unlock()
		if n >= g.next {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// phase sends rate commands per second for d, open loop, then waits up to
// 30 s for the replies.
func (g *loadGen) phase(ctx context.Context, name string, rate int, d time.Duration) chatPhase {
	res := chatPhase{Name: name, Rate: rate, Seconds: d.Seconds()}
	serveCPU0, otherCPU0, genCPU0 := procCPU(g.servePid), procCPU(g.otherPid), procCPU(os.Getpid())
	n := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	sem := make(chan struct{}, maxInflight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acks []time.Duration
	sched := make(map[int]time.Time, n)
	var ids []int
	start := time.Now().Add(50 * time.Millisecond)
	var maxLag time.Duration
	for i := 0; i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		maxLag = max(maxLag, time.Since(at))
		select {
		case sem <- struct{}{}:
		default:
			res.Dropped++
			continue
		}
		id := g.next
		g.next++
		q := g.queries[id%len(g.queries)]
		sched[id] = at
		ids = append(ids, id)
		res.Sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := g.send(ctx, id, q.Text)
			took := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				if res.FirstError == "" {
					res.FirstError = err.Error()
				}
				return
			}
			acks = append(acks, took)
			if took >= slackRequestLimit {
				res.Over3s++
			}
		}()
	}
	wg.Wait()
	sent := time.Since(start)
	res.Acked = len(acks)
	res.AcksPerSec = float64(res.Acked) / sent.Seconds()
	res.Ack = summarize(acks)
	res.MaxSendLagMs = float64(maxLag) / float64(time.Millisecond)
	res.ServeCPU = procCPU(g.servePid) - serveCPU0
	if g.otherPid != 0 {
		res.IngestCPU = procCPU(g.otherPid) - otherCPU0
	}
	res.GenCPU = procCPU(os.Getpid()) - genCPU0
	res.ReplyWait = replyWait.Seconds()
	deadline := time.Now().Add(replyWait)
	for g.fake.replyCount(ids) < res.Acked && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
	}
	var replies []time.Duration
	for _, id := range ids {
		if t, ok := g.fake.replyAt(id); ok {
			replies = append(replies, t.Sub(sched[id]))
		}
	}
	res.Replies = len(replies)
	res.Reply = summarize(replies)
	res.Load1 = loadAvg()
	return res
}

func (g *loadGen) send(ctx context.Context, id int, text string) error {
	form := url.Values{
		"team_id":      {"TBENCH"},
		"team_domain":  {"bench"},
		"channel_id":   {"CBENCH" + strconv.Itoa(id%50)},
		"channel_name": {"bench"},
		"user_id":      {"UBENCH" + strconv.Itoa(id%200)},
		"user_name":    {"bench"},
		"command":      {"/papers"},
		"text":         {slackEscape(text)},
		"api_app_id":   {"ABENCH"},
		"response_url": {g.fake.url + "/respond/" + strconv.Itoa(id)},
		"trigger_id":   {strconv.Itoa(id) + ".1.bench"},
	}
	body := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", signSlack(g.secret, ts, body))
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
