package bot

import (
	"context"
	"errors"
	"time"
)

// This file declares the leases the core consumes: work that must happen
// on one replica at a time (the digest scheduler, the source refresh, a
// Discord gateway connection) runs while its replica holds a named lease
// in the shared store.
//
// How a holder knows, on its own, that it must stop. A lease is granted
// until an expiry the store computes with its own clock at the moment it
// handles the request (PostgreSQL: clock_timestamp() + ttl). The holder
// reads its local (monotonic) clock before it sends the request: the store
// handles the request after that, so the store's expiry lies at least ttl
// after the holder's reading, measured on either clock. The holder's local
// deadline (Lease.Deadline) is that reading plus ttl less a tenth of ttl
// (LeaseDeadline): it passes before the store can hand the lease to anyone
// else, whatever the two clocks read, as long as they run at about the same
// rate (the tenth covers rates up to 10% apart, and the store's clock
// jumping forward by up to a tenth of ttl). A holder acts only before its
// deadline; a renewal that fails or does not answer in time leaves the old
// deadline in force, so the holder stops by itself even when it cannot
// reach the store at all (a network partition), and another replica takes
// the lease only after the store's expiry, which is later.
//
// Fencing covers what timing cannot (a process paused between its deadline
// check and its write): every acquisition by a new holder gives a larger
// token, and a write made through the store's fenced view of the lease
// (store.DB.Fenced, pgstore.Store.Fenced: RunLeased hands the lease to its
// work, which makes its writes through that view) is checked by the
// store, in the write's own transaction, against the lease
// as it is then: a write whose lease was taken over, released or has
// expired fails with ErrFenced and changes nothing. The digest's
// claimed/done ledger stays the last line against duplicates.

// Lease is a held lease.
type Lease struct {
	// Name is what the lease is for ("digest", "refresh", "discord-gateway").
	Name string
	// Holder identifies the holder, unique per process (host, pid and a
	// random part): two processes with one holder name would both act.
	Holder string
	// Token is the fencing token: it grows with every acquisition that
	// was not the same holder's unbroken tenure, and a renewal keeps it.
	Token int64
	// Deadline is the local time (with a monotonic reading) by which the
	// holder must stop acting unless it renews: see LeaseDeadline.
	Deadline time.Time
}

// Leases grants leases with expiry and fencing. bot/store (bbolt, one
// process) grants every lease at once: the process that holds the state
// file's lock is the only one there is. bot/store/pgstore shares them
// between the replicas on one database.
type Leases interface {
	// AcquireLease takes the named lease for holder for ttl, when it is
	// free, expired, or already the holder's (then the token is kept: a
	// retried acquisition is harmless). ok is false, without an error,
	// when another holder has it.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (l Lease, ok bool, err error)
	// RenewLease extends a held lease by ttl from now, keeping its token.
	// It fails with ErrLeaseLost when the lease expired or was taken
	// over; the holder must then stop acting (it should have already, by
	// l.Deadline).
	RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error)
	// ReleaseLease gives the lease up at once (another holder may take
	// it without waiting for the expiry). Releasing a lease no longer
	// held is not an error.
	ReleaseLease(ctx context.Context, l Lease) error
}

// ErrLeaseLost is returned by RenewLease for a lease that expired or was
// taken over.
var ErrLeaseLost = errors.New("the lease has expired or another holder took it over")

// ErrFenced is returned by a write made under a lease (through a store's
// fenced view) that is no longer held: nothing was written.
var ErrFenced = errors.New("fenced off: the lease this write was made under is no longer held")

// LeaseDeadline is the local deadline of a lease granted or renewed for
// ttl by a request sent at sent (read from the local clock before the
// request was sent): sent + 9/10 of ttl.
func LeaseDeadline(sent time.Time, ttl time.Duration) time.Time {
	return sent.Add(ttl - ttl/10)
}
