package main

import (
	"context"
	"slices"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/internal/clock"
)

// refreshLeases are the leases a replica's refresh jobs run under: the
// sources that fetch papers on a schedule (Hugging Face, arXiv feeds)
// under "refresh", the re-scoring of recent papers (which reads the shared
// state and the index every replica has) under "rescore". The files of
// sources.files are a replica's own: every replica that lists files reads
// them once at start, outside any lease (name ""), into the papers table,
// where a paper written twice is merged. Under "refresh" a replica with
// files alone kept the lease after its one read, and another replica's
// Hugging Face or arXiv sources never ran.
var refreshLeases = []struct {
	name string
	runs func(j sources.Job) bool
}{
	{"", func(j sources.Job) bool { return j.Name == filesJob }},
	{"refresh", func(j sources.Job) bool { return j.Name != "rescore" && j.Name != filesJob }},
	{"rescore", func(j sources.Job) bool { return j.Name == "rescore" }},
}

// filesJob is the name of the job that reads sources.files.
const filesJob = "files"

// refresh returns the jobs that run this replica's configured refresh
// jobs (configured), each lease's share under it, writing papers to the
// papers table and cursors through the lease's fenced view. A replica asks
// only for the leases it has jobs for: one without sources never holds
// "refresh", which a replica that has sources then runs (a replica without
// sources holding it would run none, and keep every other replica's
// sources from running). A replica that starts, or takes the refresh
// lease, with other sources than the last replica with sources recorded
// logs a warning naming both (compareSources).
func (r *replicaSet) refresh(ix *index.Index, deps sourceDeps, configured []sources.Job, count func([]sources.Job)) []func(ctx context.Context) error {
	var jobs []func(ctx context.Context) error
	mine := fetchingSources(deps.cfg)
	for _, lease := range refreshLeases {
		if !slices.ContainsFunc(configured, lease.runs) {
			continue
		}
		fetches := lease.name == "refresh"
		if fetches {
			// Replicas with different sources say so.
			jobs = append(jobs, func(ctx context.Context) error {
				r.compareSources(ctx, mine, "starting")
				return nil
			})
		}
		if lease.name == "" {
			jobs = append(jobs, func(ctx context.Context) error {
				d := deps
				d.index, d.cursors = tableIndex{table: r.db, Index: ix}, r.db
				s, err := newSources(d)
				if err != nil {
					return err
				}
				run := slices.DeleteFunc(s.jobs, func(j sources.Job) bool { return !lease.runs(j) })
				count(run)
				rf := &sources.Refresher{Jobs: run, Clock: clock.System{}, Log: r.log, Cursors: r.db}
				return rf.Run(ctx)
			})
			continue
		}
		jobs = append(jobs, func(ctx context.Context) error {
			return r.leased(ctx, lease.name, func(ctx context.Context, l bot.Lease) error {
				if fetches {
					r.compareSources(ctx, mine, "taking the refresh lease")
				}
				fenced := r.db.Fenced(l)
				d := deps
				d.index, d.cursors = tableIndex{table: fenced, Index: ix}, fenced
				s, err := newSources(d)
				if err != nil {
					return err
				}
				run := slices.DeleteFunc(s.jobs, func(j sources.Job) bool { return !lease.runs(j) })
				count(run)
				rf := &sources.Refresher{Jobs: run, Clock: clock.System{}, Log: r.log, Cursors: fenced}
				if fetches {
					// The runs under way are recorded in the database: the
					// digest's lease holder takes one whose lease is no
					// longer held as cut short, and waits for the
					// refresh to complete it (its scheduler looks again
					// while it waits). Only the fetching jobs' runs: the
					// re-score writes no papers, and the record has one
					// writer.
					rf.Progress, rf.Owner, rf.Token = fenced, l.Holder, l.Token
				}
				return rf.Run(ctx)
			})
		})
	}
	return jobs
}
