package bot

import (
	"context"
	"time"
)

// The team's own signal: reactions on the digest's posts and inside their
// threads, and bookmarks (saves). Adapters turn platform events into
// Reactions and hand them to a ReactionSink (bot/engage implements it);
// the store keeps one Mark per person, paper and kind of engagement.

// MarkKind is what a person did with a paper.
type MarkKind string

// Kinds of marks.
const (
	// MarkReaction is a reaction (any emoji but the bookmark one) on a
	// paper's digest post or on a message in its thread.
	MarkReaction MarkKind = "reaction"
	// MarkSave is a bookmark: the bookmark reaction on a paper's post or
	// `/papers save`.
	MarkSave MarkKind = "save"
)

// Mark is one person's engagement with a paper. Marks are keyed by
// (Platform, Team, PaperID, User, Kind, Detail): adding one twice keeps
// one, and removing one removes that person's mark only.
type Mark struct {
	Platform string   `json:"platform"`
	Team     string   `json:"team,omitempty"`
	PaperID  string   `json:"paper"`
	User     string   `json:"user"`
	Kind     MarkKind `json:"kind"`
	// Detail tells marks of one kind apart: the emoji of a reaction ("+1",
	// "fire"); "" for a save.
	Detail string `json:"detail,omitempty"`
	// Channel and Thread say where it was made: the channel and the
	// discussion thread's id for a reaction, the channel the command was
	// typed in for a save ("" thread).
	Channel string `json:"channel,omitempty"`
	Thread  string `json:"thread,omitempty"`
	// Message is the message reacted to (the post or a reply in its thread).
	Message string `json:"message,omitempty"`
	// At is when it was made (the first time, for a repeated delivery).
	At time.Time `json:"at"`
}

// Scope is the scope the mark belongs to.
func (m Mark) Scope() Scope { return Scope{Platform: m.Platform, Team: m.Team} }

// MarkStore keeps the marks (bot/store and bot/store/pgstore implement it).
type MarkStore interface {
	// AddMark records a mark; it reports false when the same mark (same
	// key) was there already, which is then left as it was.
	AddMark(ctx context.Context, m Mark) (added bool, err error)
	// RemoveMark removes the mark with m's key; it reports whether there
	// was one.
	RemoveMark(ctx context.Context, m Mark) (removed bool, err error)
	// MarksOf returns the marks of each paper in scope.
	MarksOf(ctx context.Context, scope Scope, paperIDs ...string) (map[string][]Mark, error)
	// AllMarksOf returns the marks of each paper in every scope (the
	// trending score counts them; never shown to a requester).
	AllMarksOf(ctx context.Context, paperIDs ...string) (map[string][]Mark, error)
	// MarksSince returns the marks in scope made at or after since,
	// oldest first.
	MarksSince(ctx context.Context, scope Scope, since time.Time) ([]Mark, error)
	// SavedBy returns one person's saves in scope, newest first.
	SavedBy(ctx context.Context, scope Scope, user string) ([]Mark, error)
	// DiscussionsByThread returns the remembered discussions on a
	// platform whose thread id is one of ids (any channel).
	DiscussionsByThread(ctx context.Context, platform string, ids ...string) ([]Discussion, error)
}

// Reaction is a reaction added or removed on a platform, as an adapter
// reports it.
type Reaction struct {
	Platform string
	Team     string
	// Channel is where the reacted message is (on Discord, a thread is a
	// channel of its own).
	Channel string
	// Message is the reacted message's id (Slack ts, Discord snowflake).
	Message string
	User    string
	// Emoji is the reaction's name as the platform gives it: Slack's
	// short name without colons ("bookmark", "+1"), Discord's unicode
	// emoji ("🔖") or custom emoji name.
	Emoji   string
	Removed bool
	At      time.Time
}

// ReactionSink takes reactions from adapters. An adapter calls it after
// acknowledging the platform, for reactions by people (never the bot's
// own), with duplicates possible (retries, gateway resumes).
type ReactionSink interface {
	React(ctx context.Context, r Reaction) error
}

// MessageThreader is an optional capability of a Poster: the thread a
// message belongs to (Slack: a reply's thread_ts), so that a reaction on a
// reply counts for the thread's paper. It returns "" for a message in no
// thread.
type MessageThreader interface {
	ThreadOfMessage(ctx context.Context, team, channel, message string) (string, error)
}
