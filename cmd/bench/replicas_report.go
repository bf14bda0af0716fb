package main

import (
	"fmt"
	"io"
	"strings"
)

// targets are issue 15's: the fan-out with three replicas within twice the
// rate-limit bound, every message once; and the chat section's ack
// targets, with the load spread over the replicas.
func (r *replicasReport) targets() []targetCheck {
	if r.Skipped != "" || r.Fanout.BoundSeconds == 0 {
		return nil
	}
	f := &r.Fanout
	ratio := f.Seconds / f.BoundSeconds
	once := f.Messages == f.Expected && f.Duplicates == 0 && f.Incomplete == 0
	out := []targetCheck{{
		Target: fmt.Sprintf("fan-out with %d replicas on one PostgreSQL: %s channels × %d papers", r.Replicas, count(f.Channels), f.PerChannel),
		Goal:   "< 2× the per-channel rate-limit bound; every message exactly once",
		Value: fmt.Sprintf("%.1f s = %.2f× the bound (%d messages a channel at 1/s = %.0f s); %d of %d messages, %d duplicates, %d refused with 429",
			f.Seconds, ratio, 1+2*f.PerChannel, f.BoundSeconds, f.Messages, f.Expected, f.Duplicates, f.RateLimited),
		Met:  met(ratio < 2 && once && f.Error == ""),
		Note: shortfall(ratio, 2, false),
	}}
	p := r.Ack
	if p.Rate == 0 {
		return out
	}
	rateOK := p.AcksPerSec >= 0.98*float64(p.Rate) && p.Failed == 0 && p.Dropped == 0
	return append(out,
		targetCheck{
			Target: fmt.Sprintf("slash-command acks, %d req/s round robin over %d replicas", p.Rate, r.Replicas),
			Goal:   "p99 < 100 ms at 200 req/s",
			Value:  fmt.Sprintf("p99 %s, %.0f acks/s (%d sent, %d failed, %d dropped)", msStr(p.Ack.P99), p.AcksPerSec, p.Sent, p.Failed, p.Dropped),
			Met:    met(p.Ack.P99 < 100 && rateOK && p.Rate >= 200),
			Note:   shortfall(p.Ack.P99, 100, false),
		},
		targetCheck{
			Target: fmt.Sprintf("no acknowledgement at or over 3 s (%d replicas)", r.Replicas),
			Goal:   "0",
			Value:  fmt.Sprintf("%d (slowest %s)", p.Over3s, msStr(p.Ack.Max)),
			Met:    met(p.Over3s == 0 && p.Failed == 0),
		})
}

func (r *replicasReport) writeMarkdown(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	if r.Skipped != "" {
		p("### Replicas\n\nSkipped: %s\n\n", r.Skipped)
		return
	}
	f := &r.Fanout
	p("### Replicas: %d `paperbot serve` on one PostgreSQL %s (%s papers in the shared table)\n\n", r.Replicas, r.Postgres, count(r.Papers))
	ready := make([]string, len(r.ReadySeconds))
	for i, s := range r.ReadySeconds {
		ready[i] = fmt.Sprintf("%.1f s", s)
	}
	pool := "paperbot's default connection pool"
	if r.Pool > 0 {
		pool = fmt.Sprintf("pool_max_conns=%d", r.Pool)
	}
	p("Ready (index built from the table) after %s; %s. The digest was posted by replica %s; its time runs from the first replica's readiness.\n\n", strings.Join(ready, ", "), pool, r.DigestHolder)
	pgCPU := func(v float64) string {
		if v == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f", v)
	}
	p("| fan-out | took | bound (1 msg/s/channel) | took / bound | messages | refused (429) | duplicates | first post p50 / p99 / max | last post p50 / p99 / max | incomplete channels | CPU s: 3 replicas / PostgreSQL |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	p("| %s channels × %d papers | %.1f s | %.0f s | %s | %d of %d | %d | %d | %s | %s | %d | %.1f / %s |\n\n", count(f.Channels), f.PerChannel, f.Seconds, f.BoundSeconds,
		ratio(f.Seconds, f.BoundSeconds), f.Messages, f.Expected, f.RateLimited, f.Duplicates, latTriple(f.FirstPost), latTriple(f.LastPost), f.Incomplete, f.CPUSeconds, pgCPU(r.FanoutPGCPU))
	if len(r.FanoutCPU) > 0 {
		each := make([]string, len(r.FanoutCPU))
		for i, c := range r.FanoutCPU {
			each[i] = fmt.Sprintf("%.1f", c)
		}
		p("Fan-out CPU s per replica: %s (the digest holder: %s); host load (1 min) %.1f at its start, %.1f at its end.\n\n",
			strings.Join(each, " / "), r.DigestHolder, r.FanoutLoad[0], r.FanoutLoad[1])
	}
	if f.Error != "" {
		p("The fan-out: %s\n\n", truncate(f.Error, 500))
	}
	a := r.Ack
	if a.Rate == 0 {
		return
	}
	p("| slash commands | rate | sent | acked | acks/s | ack p50 | ack p95 | ack p99 | ack max | ≥ 3 s | replies (in the wait) | reply p50 | reply p99 | failed / dropped | CPU s: replicas / generator | host load |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	r50, r99 := "–", "–"
	if a.Reply.N > 0 {
		r50, r99 = msStr(a.Reply.P50), msStr(a.Reply.P99)
	}
	p("| round robin over %d | %d/s | %d | %d | %.0f | %s | %s | %s | %s | %d | %d (%.0f s) | %s | %s | %d / %d | %.1f / %.1f | %.1f |\n\n", r.Replicas, a.Rate, a.Sent, a.Acked, a.AcksPerSec,
		msStr(a.Ack.P50), msStr(a.Ack.P95), msStr(a.Ack.P99), msStr(a.Ack.Max), a.Over3s, a.Replies, a.ReplyWait, r50, r99, a.Failed, a.Dropped, a.ServeCPU, a.GenCPU, a.Load1)
	if a.FirstError != "" {
		p("First error: %s\n\n", truncate(a.FirstError, 300))
	}
	var per []string
	for _, x := range r.PerReplica {
		per = append(per, fmt.Sprintf("%s: %d commands, %.1f CPU s, peak RSS %s", x.Name, x.Requests, x.CPUSeconds, bytesStr(x.PeakRSS)))
	}
	p("Per replica: %s. PostgreSQL CPU s during the load (with its warm-up and the replies): %s.\n\n", strings.Join(per, "; "), pgCPU(r.AckPGCPU))
}
