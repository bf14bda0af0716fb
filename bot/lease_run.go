package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/paperbot/paperbot/internal/clock"
)

// LeaseConfig configures RunLeased.
type LeaseConfig struct {
	// Leases grants the lease (required).
	Leases Leases
	// Name is the lease's name and Holder this process's identity, unique
	// per process (both required).
	Name, Holder string
	// TTL is how long one grant or renewal lasts (default 15s): a replica
	// that dies is replaced after at most TTL.
	TTL time.Duration
	// Every is the time between renewals, and between attempts to take a
	// lease another holder has (default TTL/3: two renewals may fail
	// before the deadline).
	Every time.Duration
	// Logger (default: none).
	Logger *slog.Logger
}

// ErrLeaseDeadline is the cause of a leased work's context ending because
// the lease's local deadline passed without a renewal.
var ErrLeaseDeadline = errors.New("the lease's deadline passed without a renewal")

// RunLeased runs work while this process holds the named lease, until ctx
// ends. It takes the lease (trying again every cfg.Every while another
// holder has it), runs work with the lease it holds (work makes its
// writes through the store's view fenced by it, which refuses them once
// the lease is no longer held), and
// renews the lease every cfg.Every. The work's context is cancelled, with
// the reason as its cause, at the lease's local deadline when renewals
// failed until then (the database unreachable: the deadline passes before
// another replica can take the lease), or as soon as a renewal finds the
// lease lost. The lease is then taken again when it can be. When work
// returns by itself, its error is logged and the lease released for
// another replica to try. When ctx ends, work's context is cancelled, and
// RunLeased waits for work and releases the lease before it returns nil.
func RunLeased(ctx context.Context, cfg LeaseConfig, work func(ctx context.Context, l Lease) error) error {
	if cfg.Leases == nil || cfg.Name == "" || cfg.Holder == "" {
		return errors.New("RunLeased: Leases, Name and Holder are required")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 15 * time.Second
	}
	if cfg.Every <= 0 || cfg.Every >= cfg.TTL {
		cfg.Every = cfg.TTL / 3
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("lease", cfg.Name, "holder", cfg.Holder)
	for {
		l, ok, err := cfg.Leases.AcquireLease(ctx, cfg.Name, cfg.Holder, cfg.TTL)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.WarnContext(ctx, "could not take the lease; trying again", "err", err, "in", cfg.Every)
		case ok:
			log.InfoContext(ctx, "lease taken", "token", l.Token)
			hold(ctx, cfg, log, l, work)
			if ctx.Err() != nil {
				return nil
			}
		}
		if clock.Sleep(ctx, cfg.Every) != nil {
			return nil
		}
	}
}

// hold runs work under the held lease l until the lease is lost, its
// deadline passes, work returns or ctx ends; then it waits for work.
func hold(ctx context.Context, cfg LeaseConfig, log *slog.Logger, l Lease, work func(ctx context.Context, l Lease) error) {
	wctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	done := make(chan error, 1)
	// The work gets the lease as taken (hold renews l below; the token,
	// which fences the work's writes, stays the same).
	go func(l Lease) { done <- work(wctx, l) }(l)
	deadline := time.NewTimer(time.Until(l.Deadline))
	defer deadline.Stop()
	renew := time.NewTimer(cfg.Every)
	defer renew.Stop()
	release := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Every)
		defer cancel()
		if err := cfg.Leases.ReleaseLease(rctx, l); err != nil {
			log.WarnContext(ctx, "could not release the lease; it expires by itself", "err", err)
		}
	}
	for {
		select {
		case err := <-done:
			if ctx.Err() == nil {
				log.ErrorContext(ctx, "leased work ended; releasing the lease", "err", err)
			}
			release()
			return
		case <-ctx.Done():
			stop(context.Cause(ctx))
			<-done
			release()
			return
		case <-deadline.C:
			stop(ErrLeaseDeadline)
			log.ErrorContext(ctx, "lease deadline passed without a renewal; stopped acting", "token", l.Token)
			<-done
			return
		case <-renew.C:
			// A renewal that would answer after the deadline is no use.
			rctx, cancel := context.WithDeadline(ctx, l.Deadline)
			nl, err := cfg.Leases.RenewLease(rctx, l, cfg.TTL)
			cancel()
			switch {
			case errors.Is(err, ErrLeaseLost):
				stop(fmt.Errorf("renewing: %w", err))
				log.ErrorContext(ctx, "lease lost; stopped acting", "token", l.Token)
				<-done
				return
			case err != nil:
				log.WarnContext(ctx, "could not renew the lease; acting until its deadline", "err", err, "deadline", l.Deadline)
			default:
				l = nl
				deadline.Reset(time.Until(l.Deadline))
			}
			renew.Reset(cfg.Every)
		}
	}
}
