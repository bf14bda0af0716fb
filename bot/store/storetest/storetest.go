// Package storetest is the conformance suite of paperbot's state stores:
// one set of tests that every backend (bot/store on bbolt, bot/store/pgstore
// on PostgreSQL) passes, so that the core sees one behaviour whichever
// holds its state. A backend's own tests call Run with a Backend; what only
// one backend has (bbolt's file lock, PostgreSQL's migrations) is tested
// beside it.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/paper"
)

// Store is everything the suite exercises: what the core consumes today
// (digest.Store, digest.ReplyStore) and what replicas share (bot.Leases,
// seen keys as adapters/slack.SeenStore, source cursors as
// index/sources.Cursors, the papers table as index.PaperFeed plus its
// writer).
type Store interface {
	digest.Store
	digest.ReplyStore
	bot.Leases
	// AllDiscussionsOf returns the threads of each paper on every
	// platform (the sources' re-score reads them).
	AllDiscussionsOf(ctx context.Context, paperIDs ...string) (map[string][]bot.Discussion, error)
	// Days returns a channel's days, oldest first.
	Days(ctx context.Context, platform, channel string) ([]digest.Day, error)
	SeenWithin(ctx context.Context, key string, ttl time.Duration) (bool, error)
	ForgetSeen(ctx context.Context, key string) error
	Cursor(ctx context.Context, name string) ([]byte, bool, error)
	PutCursor(ctx context.Context, name string, value []byte) error
	UpsertPapers(ctx context.Context, papers []paper.Paper) error
	PaperChanges(ctx context.Context, after int64, limit int) ([]paper.Change, error)
	WaitPapers(ctx context.Context, after int64) (int64, error)
	InstallStore
	bot.MarkStore
	// SetReplies records a reply count alone (SetReplyCount with the
	// time of the last reply is what the refresh uses).
	SetReplies(ctx context.Context, d bot.Discussion, replies int) (bool, error)
	Close() error
}

// Backend is a store under test.
type Backend struct {
	// New makes a new, empty state for one test and returns the function
	// that opens it. Open may be called again once the store it returned
	// was closed (a restart); with Shared, also while it is open (another
	// replica). Each store it opens is closed when the test ends.
	New func(t testing.TB) (open func(t testing.TB) Store)
	// Shared is set for a backend whose state several processes share
	// (PostgreSQL): leases then exclude each other and expire, and the
	// suite runs the tests of two stores on one state.
	Shared bool
	// Fence returns the store's view whose writes are fenced by the lease
	// (its Fenced method).
	Fence func(s Store, l bot.Lease) Store
}

// Run runs the suite, each test in parallel on its own state.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"Subscriptions", testSubscriptions},
		{"Ledger", testLedger},
		{"LedgerSteps", testLedgerSteps},
		{"FencedOffWritesNothing", testFencedOffWritesNothing},
		{"LastDayPrefixes", testLastDayPrefixes},
		{"ConcurrentDays", testConcurrentDays},
		{"DiscussionsStayInTheirScope", testDiscussionsScope},
		{"ReplyCounts", testReplyCounts},
		{"Leases", testLeases},
		{"Fencing", testFencing},
		{"Seen", testSeen},
		{"SeenConcurrently", testSeenConcurrently},
		{"Cursors", testCursors},
		{"Papers", testPapers},
		{"PaperFeed", testPaperFeed},
		{"WaitPapers", testWaitPapers},
		{"PaperFeedConcurrentWriters", testPaperFeedConcurrentWriters},
		{"Installations", testInstallations},
		{"InstallationsSurviveRestart", testInstallationsRestart},
		{"Marks", testMarks},
		{"MarksFindTheirThread", testMarksThreads},
	}
	if b.Shared {
		tests = append(tests, []struct {
			name string
			fn   func(t *testing.T, b Backend)
		}{
			{"SharedLeasesExclude", testLeasesExclude},
			{"SharedLeaseTakeover", testLeaseTakeover},
			{"SharedSeen", testSharedSeen},
			{"SharedPaperFollower", testPaperFollower},
		}...)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, b)
		})
	}
}

// one opens a new state once.
func one(t testing.TB, b Backend) Store {
	t.Helper()
	return b.New(t)(t)
}

func day(date string, status digest.DayStatus, papers ...digest.DayPaper) digest.Day {
	return digest.Day{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers", Date: date, Status: status, Papers: papers}
}

func paperStep(id string, post, thread digest.Step) digest.DayPaper {
	return digest.DayPaper{Paper: paper.Paper{ID: id, Title: "Paper " + id}, Day: 1, Post: post, Thread: thread}
}

// threaded is a paper posted and threaded at t.
func threaded(id string, t time.Time) digest.DayPaper {
	return paperStep(id,
		digest.Step{Done: t, Message: bot.MessageRef{ID: "m-" + id}},
		digest.Step{Done: t, Thread: bot.ThreadRef{ID: "m-" + id, URL: "https://x/t-" + id}})
}

// within polls cond until it holds or d passes (a real server's clock is
// involved: a lease or a seen key expiring). It never sleeps a fixed time
// between tries longer than a few milliseconds.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		timer := time.NewTimer(5 * time.Millisecond)
		<-timer.C
	}
}
