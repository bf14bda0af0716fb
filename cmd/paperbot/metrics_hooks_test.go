package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
)

// The digest's finished days and the source jobs' runs are counted.
func TestDigestAndSourceMetrics(t *testing.T) {
	a := &app{}
	finished := digestMetrics(a)
	finished(digest.Day{Platform: "slack", Status: digest.DayDone, Papers: []digest.DayPaper{
		{Paper: paper.Paper{ID: "1"}, Post: digest.Step{Done: time.Now()}},
		{Paper: paper.Paper{ID: "2"}, Post: digest.Step{Unknown: true}},
	}})
	finished(digest.Day{Platform: "slack", Status: digest.DayEmpty})
	days, papers := a.collectors[0].(*prometheus.CounterVec), a.collectors[1].(*prometheus.CounterVec)
	for _, c := range []struct {
		c    prometheus.Collector
		want float64
	}{
		{days.WithLabelValues("slack", "done"), 1},
		{days.WithLabelValues("slack", "empty"), 1},
		{papers.WithLabelValues("slack", "posted"), 1},
		{papers.WithLabelValues("slack", "not_posted"), 1},
	} {
		if got := testutil.ToFloat64(c.c); got != c.want {
			t.Errorf("%v = %v, want %v", c.c.(prometheus.Metric).Desc(), got, c.want)
		}
	}

	jobs := []sources.Job{
		{Name: "good", Run: func(context.Context) (int, error) { return 3, nil }},
		{Name: "bad", Run: func(context.Context) (int, error) { return 0, errors.New("boom") }},
	}
	count, cs := jobCounters()
	count(jobs)
	for _, j := range jobs {
		j.Run(context.Background())
	}
	runs, written, last := cs[0].(*prometheus.CounterVec), cs[1].(*prometheus.CounterVec), cs[2].(*prometheus.GaugeVec)
	if testutil.ToFloat64(runs.WithLabelValues("good", "ok")) != 1 || testutil.ToFloat64(runs.WithLabelValues("bad", "error")) != 1 ||
		testutil.ToFloat64(written.WithLabelValues("good")) != 3 {
		t.Error("job runs or papers not counted")
	}
	if n := testutil.CollectAndCount(last); n != 1 || testutil.ToFloat64(last.WithLabelValues("good")) == 0 {
		t.Errorf("last success: %d series, want only the good job's", n)
	}
}
