package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	slackadapter "github.com/paperbot/paperbot/adapters/slack"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/configs/secret"
	"github.com/paperbot/paperbot/index"
)

// The fan-out section: the real digest (digest.Service with its bbolt ledger
// in bot/store) posts to N channels at once through the real Slack adapter
// (which paces each channel) against a loopback Slack that enforces one
// message per second per channel (a faster message gets a 429 with
// Retry-After). The digest searches the largest corpus's paperbot index.

type fanoutOptions struct {
	channels, papers int
	// interval is the per-channel rate the fake enforces and the adapter
	// paces to (default one message a second, Slack's; tests shorten it).
	interval time.Duration
	// timeout stops a digest that takes longer (0: none); what was posted
	// by then is reported.
	timeout time.Duration
}

// slackChannelInterval is Slack's per-channel rate: about one message a
// second.
const slackChannelInterval = time.Second

type fanoutReport struct {
	Corpus     string `json:"corpus"`
	Papers     int    `json:"papers_in_index"`
	Channels   int    `json:"channels"`
	PerChannel int    `json:"papers_per_channel"`
	// Seconds is the time the whole digest took (RunDue).
	Seconds float64 `json:"seconds"`
	// Messages is how many messages the fake accepted; Expected is what
	// a complete digest posts (a header, then a message and a thread
	// reply per paper, in every channel).
	Messages int `json:"messages"`
	Expected int `json:"expected"`
	// MessagesPerChannel is the most any channel got.
	MessagesPerChannel int `json:"messages_per_channel"`
	// BoundSeconds is the per-channel rate-limit bound: a channel's
	// messages at one per second.
	BoundSeconds float64 `json:"bound_seconds"`
	// RateLimited counts posts the fake refused with a 429 (sent faster
	// than one per second per channel).
	RateLimited int `json:"rate_limited"`
	// Duplicates counts messages posted twice (the same idempotency key).
	Duplicates int `json:"duplicates"`
	// FirstPost and LastPost summarise, over channels, when the first and
	// the last message arrived (ms after the start).
	FirstPost  latency `json:"first_post"`
	LastPost   latency `json:"last_post"`
	Incomplete int     `json:"incomplete_channels"`
	Error      string  `json:"error,omitempty"`
	CPUSeconds float64 `json:"cpu_seconds"`
}

func (f *fanoutReport) targets() []targetCheck {
	if f.BoundSeconds == 0 {
		return nil
	}
	if f.Messages == 0 {
		return []targetCheck{{
			Target: fmt.Sprintf("fan-out: %s channels × %d papers", count(f.Channels), f.PerChannel),
			Goal:   "< 2× the per-channel rate-limit bound",
			Value:  fmt.Sprintf("nothing posted in %.0f s (bound %.0f s)", f.Seconds, f.BoundSeconds),
			Met:    met(false),
			Note:   shortfall(f.Seconds/f.BoundSeconds, 2, false) + " and nothing was posted",
		}}
	}
	r := f.Seconds / f.BoundSeconds
	return []targetCheck{{
		Target: fmt.Sprintf("fan-out: %s channels × %d papers", count(f.Channels), f.PerChannel),
		Goal:   "< 2× the per-channel rate-limit bound",
		Value:  fmt.Sprintf("%.1f s = %.2f× the bound (%d messages a channel at 1/s = %.0f s); %d of %d messages, %d refused with 429", f.Seconds, r, f.MessagesPerChannel, f.BoundSeconds, f.Messages, f.Expected, f.RateLimited),
		Met:    met(r < 2 && f.Messages == f.Expected && f.Duplicates == 0 && f.Error == ""),
		Note:   shortfall(r, 2, false),
	}}
}

func (f *fanoutReport) writeMarkdown(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("### Fan-out: a digest to %s channels × %d papers (index: %s corpus, %s papers)\n\n", count(f.Channels), f.PerChannel, f.Corpus, count(f.Papers))
	p("| took | bound (1 msg/s/channel) | took / bound | messages | refused (429) | duplicates | first post p50 / p99 / max | last post p50 / p99 / max | incomplete channels | CPU s |\n")
	p("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	p("| %.1f s | %.0f s | %s | %d of %d | %d | %d | %s | %s | %d | %.1f |\n\n", f.Seconds, f.BoundSeconds, ratio(f.Seconds, f.BoundSeconds), f.Messages, f.Expected, f.RateLimited, f.Duplicates,
		latTriple(f.FirstPost), latTriple(f.LastPost), f.Incomplete, f.CPUSeconds)
	if f.Error != "" {
		p("The digest reported: %s\n\n", truncate(f.Error, 500))
	}
}

// latTriple formats p50 / p99 / max, or "none" without samples.
func latTriple(l latency) string {
	if l.N == 0 {
		return "none"
	}
	return msStr(l.P50) + " / " + msStr(l.P99) + " / " + msStr(l.Max)
}

func (b *bench) runFanout(ctx context.Context) (*fanoutReport, error) {
	name, ixDir, papers, err := b.chatCorpus()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.o.work, "fanout")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ix, err := index.Open(ixDir, index.Options{})
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	// The corpus has no trending signal (no upvotes; old dates), and a
	// digest posts only papers that trend: give it today's Hugging Face
	// list, a hundred of its papers with upvotes, as a refresh would.
	if err := seedTrending(ctx, ix, 100); err != nil {
		return nil, err
	}
	st, err := store.Open(filepath.Join(dir, "state.db"), store.Options{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	fake, err := startFakeSlack()
	if err != nil {
		return nil, err
	}
	defer fake.srv.Close()
	interval := b.o.fanout.interval
	if interval <= 0 {
		interval = slackChannelInterval
	}
	fake.enforce = interval
	a, err := slackadapter.New(slackadapter.Options{
		Mode: slackadapter.ModeHTTP, BotToken: secret.New("xoxb-bench-not-a-token"), SigningSecret: secret.New("unused"),
		APIURL: fake.url + "/api/", Logger: slog.New(slog.DiscardHandler),
		PostInterval: interval, // the adapter's default; set for tests that shorten it
	})
	if err != nil {
		return nil, err
	}
	d, err := digest.New(digest.Config{
		Searcher: ix, Store: st,
		Poster: func(platform string) bot.Poster {
			if platform == "slack" {
				return a
			}
			return nil
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	due := now.Add(-time.Minute)
	for i := range b.o.fanout.channels {
		sub := digest.Subscription{
			Platform: "slack", Team: "TBENCH", Channel: fmt.Sprintf("CFAN%05d", i), ChannelName: fmt.Sprintf("papers-%d", i),
			Time: due.Format("15:04"), Zone: "UTC", Top: b.o.fanout.papers, Source: digest.SourceChat, By: "UBENCH",
			Since: now.Add(-2 * time.Hour),
		}
		if err := st.PutSubscription(ctx, sub); err != nil {
			return nil, err
		}
	}
	rep := &fanoutReport{Corpus: name, Papers: papers, Channels: b.o.fanout.channels, PerChannel: b.o.fanout.papers,
		Expected: b.o.fanout.channels * (1 + 2*b.o.fanout.papers)}
	b.logf("fan-out: a digest to %d channels × %d papers", rep.Channels, rep.PerChannel)
	stopProf := func() {}
	if b.o.profileDir != "" {
		if stopProf, err = startCPUProfile(filepath.Join(b.o.profileDir, "fanout.cpu.pprof")); err != nil {
			return nil, err
		}
	}
	cpu0 := procCPU(os.Getpid())
	start := time.Now()
	fake.resetPosts(start)
	rctx := ctx
	if b.o.fanout.timeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, b.o.fanout.timeout)
		defer cancel()
	}
	if err := d.RunDue(rctx); err != nil {
		rep.Error = truncate(err.Error(), 300)
	}
	if rctx.Err() != nil && ctx.Err() == nil {
		rep.Error = fmt.Sprintf("stopped after %s (--fanout-timeout); %s", b.o.fanout.timeout, rep.Error)
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.CPUSeconds = procCPU(os.Getpid()) - cpu0
	stopProf()
	posts, limited := fake.postStats()
	rep.RateLimited = limited
	rep.Duplicates = fake.duplicates()
	var first, last []time.Duration
	for _, ts := range posts {
		rep.Messages += len(ts)
		rep.MessagesPerChannel = max(rep.MessagesPerChannel, len(ts))
		first = append(first, slices.Min(ts))
		last = append(last, slices.Max(ts))
		if len(ts) < 1+2*b.o.fanout.papers {
			rep.Incomplete++
		}
	}
	rep.Incomplete += rep.Channels - len(posts)
	rep.FirstPost, rep.LastPost = summarize(first), summarize(last)
	// The bound is what a complete digest posts in a channel, at the rate.
	rep.BoundSeconds = float64(1+2*b.o.fanout.papers) * interval.Seconds()
	b.logf("  %.1f s for %d messages (bound %.0f s), %d refused", rep.Seconds, rep.Messages, rep.BoundSeconds, rep.RateLimited)
	return rep, nil
}

// seedTrending adds n of today's papers with upvotes, as the Hugging Face
// refresh does every day (copies of existing papers under new ids).
func seedTrending(ctx context.Context, ix *index.Index, n int) error {
	res, err := ix.Search(ctx, paper.Query{Sort: paper.ByRecent, Limit: n})
	if err != nil {
		return err
	}
	today := time.Now().UTC().Format(paper.DateLayout)
	var day []paper.Paper
	for i, h := range res.Hits {
		p := h.Paper
		p.ID = fmt.Sprintf("today-%04d", i)
		p.URL, p.PDFURL = "", ""
		p.Upvotes = 10 * (n - i)
		p.Published = today
		day = append(day, p)
	}
	return ix.Upsert(ctx, day)
}
