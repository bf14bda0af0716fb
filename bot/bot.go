// Package bot is paperbot's platform-neutral core: requests, the neutral
// Message card, the command router with its declarative specs, middleware,
// the command handlers, and the interfaces the core consumes (Searcher,
// Poster, Threader, Clock) and adapters implement.
//
// The core imports only the standard library and its own subpackages: never
// an adapter, never Bleve. Adapters acknowledge the platform first and then
// call a Handler, so the core never sees the 3-second rule.
package bot

import (
	"context"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
)

// Request is one inbound command, whatever platform it came from.
type Request struct {
	// Platform is "slack", "discord" or "console".
	Platform string
	// Team is the Slack team id or Discord guild id ("" for DMs and the console).
	Team string
	// Channel is the channel id the command was typed in.
	Channel string
	// ChannelName is the human name ("ml-papers") when the platform gives it.
	ChannelName string
	// Thread is set when the request came from inside a thread (Slack app
	// mentions); replies then go to that thread.
	Thread string
	// User and UserName identify who asked.
	User     string
	UserName string
	// Text is everything after the command name: "show 2205.13760".
	Text string

	// Rerun is set when the text came back from a button (Slack's
	// "Share in channel", Discord's buttons) rather than from the user:
	// whoever sends the button's value can change it, so only commands
	// marked ReadOnly run.
	Rerun bool

	// Command and Args are set by the Router: the subcommand chosen and the
	// text after it.
	Command string
	Args    string
}

// Destination is where a message is posted.
type Destination struct {
	Platform string
	Team     string
	Channel  string
	// Thread, when set, posts the message as a reply in that thread.
	Thread string
}

// MessageRef identifies a posted message.
type MessageRef struct {
	Platform string
	Team     string
	Channel  string
	// ID is the platform's message id (Slack ts, Discord snowflake).
	ID string
	// URL is a permalink to the message ("" when the platform has none).
	URL string
}

// ThreadRef identifies a discussion thread.
type ThreadRef struct {
	// ID is the thread id (Slack: the parent ts; Discord: the thread channel id).
	ID string
	// Channel is where replies to the thread are posted (Discord threads are channels).
	Channel string
	// URL is a link to the thread.
	URL string
}

// Handler answers a request. Errors it returns are turned into a reply by
// the ErrorReplies middleware.
type Handler interface {
	Handle(ctx context.Context, req *Request, rw Responder) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request, rw Responder) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, req *Request, rw Responder) error {
	return f(ctx, req, rw)
}

// Middleware wraps a Handler.
type Middleware func(Handler) Handler

// Responder sends replies to the request it was made for. The adapter has
// already acknowledged the platform; Reply may be called more than once
// (follow-ups).
type Responder interface {
	Reply(ctx context.Context, m Message) error
}

// ResponderFunc adapts a function to Responder.
type ResponderFunc func(ctx context.Context, m Message) error

// Reply calls f.
func (f ResponderFunc) Reply(ctx context.Context, m Message) error { return f(ctx, m) }

// Adapter connects the core to one chat platform.
type Adapter interface {
	Poster
	// Platform is "slack", "discord" or "console".
	Platform() string
	// Run receives commands until ctx is done, calling h for each.
	Run(ctx context.Context, h Handler) error
}

// Searcher is the paper index as the core sees it.
type Searcher interface {
	// Search runs a query in the user query language. Malformed input gives
	// a fault.Invalid error that says what is wrong.
	Search(ctx context.Context, q paper.Query) (paper.Results, error)
	// Lookup returns the paper with a canonical id, or a fault.NotFound error.
	Lookup(ctx context.Context, id string) (paper.Paper, error)
	// Similar returns papers like the given one (not including it).
	Similar(ctx context.Context, id string, limit int) (paper.Results, error)
}

// Fetcher fetches a paper that is not in the index yet (the arXiv API).
type Fetcher interface {
	Fetch(ctx context.Context, id string) (paper.Paper, error)
}

// Indexer adds or updates papers in the index.
type Indexer interface {
	Upsert(ctx context.Context, papers []paper.Paper) error
}

// Discussion is a remembered thread about a paper.
type Discussion struct {
	PaperID     string
	Platform    string
	Team        string
	Channel     string
	ChannelName string
	// ThreadID and URL point at the thread.
	ThreadID string
	URL      string
	Replies  int
	Started  time.Time
	// LastReply is when the thread's latest reply was written, as the
	// platform last told (zero: no reply, or not counted yet).
	LastReply time.Time `json:",omitzero"`
	// Reactions and People are the team's reactions in the thread (on
	// its post and its messages) and the people who reacted or saved the
	// paper there; filled when read (bot/engage), never stored with it.
	Reactions int `json:"-"`
	People    int `json:"-"`
}

// Scope is whose discussions a requester may see: those started on the
// same platform, in the same Slack workspace or Discord guild. A thread
// elsewhere is none of the requester's business (its link does not open
// for them, and its channel's name may be private); the console sees only
// the console's threads.
type Scope struct {
	Platform string
	// Team is the Slack team id or Discord guild id ("" for the console
	// and Discord DMs).
	Team string
}

// Scope is the scope of the person who made the request.
func (r *Request) Scope() Scope { return Scope{Platform: r.Platform, Team: r.Team} }

// Sees reports whether a requester in scope s may see discussion d.
func (s Scope) Sees(d Discussion) bool { return d.Platform == s.Platform && d.Team == s.Team }

// Discussions remembers the threads started for papers.
type Discussions interface {
	// DiscussionsOf returns the known threads about each of the given
	// papers that a requester in scope may see (Scope.Sees).
	DiscussionsOf(ctx context.Context, scope Scope, paperIDs ...string) (map[string][]Discussion, error)
}
