package main

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// metrics are the Prometheus metrics of `paperbot serve`, on their own
// registry (no global state).
type metrics struct {
	reg      *prometheus.Registry
	commands *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// dataCheck is the outcome of serve's check of its data at start.
	dataCheck *prometheus.GaugeVec
}

func newMetrics(a *app) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperbot_commands_total",
			Help: "Commands handled, by platform, command and outcome (ok, invalid, not_found, transient, internal).",
		}, []string{"platform", "command", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paperbot_command_duration_seconds",
			Help:    "Time from a command reaching the core to its reply being sent.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"platform", "command"}),
		dataCheck: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "paperbot_data_check_ok",
			Help: "1 when the check serve runs at start found the part (state, index) sound, 0 when it found it damaged (see the log); absent until the check has run.",
		}, []string{"part"}),
	}
	reg.MustRegister(m.commands, m.duration, m.dataCheck,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "paperbot_index_papers",
			Help: "Papers in the index.",
		}, func() float64 {
			n, _ := a.ix.Count()
			return float64(n)
		}),
	)
	return m
}

// Register adds more collectors (adapters, digest, sources).
func (m *metrics) Register(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// middleware counts and times commands.
func (m *metrics) middleware(next bot.Handler) bot.Handler {
	return bot.HandlerFunc(func(ctx context.Context, req *bot.Request, rw bot.Responder) error {
		start := time.Now()
		err := next.Handle(ctx, req, rw)
		outcome := "ok"
		if err != nil {
			outcome = fault.KindOf(err).String()
		}
		cmd := req.Command
		if cmd == "" {
			cmd = "none"
		}
		m.commands.WithLabelValues(req.Platform, cmd, outcome).Inc()
		m.duration.WithLabelValues(req.Platform, cmd).Observe(time.Since(start).Seconds())
		return err
	})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
