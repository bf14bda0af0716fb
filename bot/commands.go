package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/internal/clock"
)

// Config wires the core to its dependencies. Only Searcher is required.
type Config struct {
	Searcher Searcher
	// Discussions, when set, adds "discussed in" links to results.
	Discussions Discussions
	// Fetcher and Indexer, when both set, let `show` fetch and index a paper
	// that is not in the index yet: at most half of MaxConcurrent fetches
	// at once, one per user (fetchgate.go).
	Fetcher Fetcher
	Indexer Indexer
	// Digest, when set, adds the daily digest's commands: subscribe,
	// unsubscribe, subscriptions and digest (bot/digest).
	Digest DigestService
	// More adds further command sets after the digest's (bot/engage's
	// save, saved and unsave).
	More   []DigestService
	Logger *slog.Logger
	Clock  clock.Clock
	// Timeout bounds one command (default 20s; adapters have acknowledged
	// already, so this is about not hanging, not about the 3-second rule).
	Timeout time.Duration
	// MaxConcurrent bounds how many commands are worked on at once (default
	// twice the CPUs); the others wait, already acknowledged, so a burst of
	// commands cannot starve the acknowledgements of CPU.
	MaxConcurrent int
	// MaxWaiting bounds how many commands may wait for a turn (default
	// 1000); beyond it, and after MaxWait (default 60s) of waiting, a
	// command is answered "busy, try again".
	MaxWaiting int
	MaxWait    time.Duration
	// MaxPerUser bounds the commands of one person in progress (running or
	// waiting) at once (default 5); beyond it, a command is answered at
	// once: "you have 5 commands in progress already".
	MaxPerUser int
	// PageSize is how many results a search shows (default 5, at most 10).
	PageSize int
	// CommandName is the slash command's name, for help text (default "papers").
	CommandName string
}

// DigestService is the daily digest as the core sees it (bot/digest
// implements it): the subcommands it adds to the command. The core routes
// them, lists them in help and registers them with the platforms like its
// own, between its own commands and help. The digest's handlers reply
// through the core's middleware like any other.
type DigestService interface {
	Commands() []CommandSpec
}

// Bot is the core: a router of commands wrapped in middleware.
type Bot struct {
	cfg    Config
	router *Router
	h      Handler
	// fetches bounds the commands waiting for arXiv (fetchgate.go).
	fetches *fetchGate
}

// New builds the core.
func New(cfg Config) (*Bot, error) {
	if cfg.Searcher == nil {
		return nil, errors.New("bot: Config.Searcher is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 2 * runtime.GOMAXPROCS(0)
	}
	if cfg.MaxWaiting <= 0 {
		cfg.MaxWaiting = 1000
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = time.Minute
	}
	if cfg.MaxPerUser <= 0 {
		cfg.MaxPerUser = 5
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 5
	}
	cfg.PageSize = min(cfg.PageSize, 10)
	if cfg.CommandName == "" {
		cfg.CommandName = "papers"
	}
	b := &Bot{cfg: cfg, fetches: newFetchGate(cfg.MaxConcurrent)}
	r, err := NewRouter(b.specs())
	if err != nil {
		return nil, err
	}
	b.router = r
	b.h = Chain(r, Logging(cfg.Logger), ErrorReplies(), Recover(cfg.Logger), UserLimit(cfg.MaxPerUser, UserKey),
		FairLimit(cfg.MaxConcurrent, cfg.MaxWaiting, cfg.MaxWait, TeamKey), Timeout(cfg.Timeout))
	return b, nil
}

// Handle answers one request: it is the Handler adapters call.
func (b *Bot) Handle(ctx context.Context, req *Request, rw Responder) error {
	return b.h.Handle(ctx, req, rw)
}

// Commands returns the command specs (for help and platform registration).
func (b *Bot) Commands() []CommandSpec { return b.router.Specs() }

// CommandName is the slash command's name without the slash.
func (b *Bot) CommandName() string { return b.cfg.CommandName }

func (b *Bot) specs() []CommandSpec {
	specs := []CommandSpec{
		{
			Name: "search", Default: true, ReadOnly: true,
			Usage:    "<query>",
			Summary:  "Search papers: words, \"phrases\", -exclude, author:, cat:, year:, since:, sort:",
			Examples: []string{"diffusion language models", `"direct preference optimization" -survey`, "author:Notin protein", "diffusion since:2024 sort:recent"},
			Options:  []Option{{Name: "query", Description: "Words, phrases, author:, cat:, year:, an arXiv id or URL", Required: true, Rest: true}},
			Handler:  HandlerFunc(b.search),
		},
		{
			Name: "show", ReadOnly: true,
			Usage:    "<arXiv id, URL or title>",
			Summary:  "Show one paper with its abstract, links and discussions",
			Examples: []string{"show 2205.13760", "show https://arxiv.org/abs/2205.13760v2", "show tranception"},
			Options:  []Option{{Name: "paper", Description: "arXiv id, an arXiv, Hugging Face or alphaXiv URL, or words of its title", Required: true, Rest: true}},
			Handler:  HandlerFunc(b.show),
		},
		{
			Name: "similar", ReadOnly: true,
			Usage:    "<arXiv id, URL or title>",
			Summary:  "Papers similar to the given one",
			Examples: []string{"similar 2205.13760", "similar tranception"},
			Options:  []Option{{Name: "paper", Description: "arXiv id, URL or words of the title of the paper", Required: true, Rest: true}},
			Handler:  HandlerFunc(b.similar),
		},
		{
			Name: "trending", ReadOnly: true,
			Usage:    "[topic]",
			Summary:  "The papers trending now, optionally on a topic",
			Examples: []string{"trending", "trending diffusion"},
			Options:  []Option{{Name: "topic", Description: "Optional query to narrow the list", Rest: true}},
			Handler:  HandlerFunc(b.trending),
		},
	}
	if b.cfg.Digest != nil {
		specs = append(specs, b.cfg.Digest.Commands()...)
	}
	for _, more := range b.cfg.More {
		specs = append(specs, more.Commands()...)
	}
	specs = append(specs, CommandSpec{
		Name: "help", Aliases: []string{"?"},
		Summary: "How to use this command",
		Handler: HandlerFunc(b.help),
	})
	return specs
}

func (b *Bot) search(ctx context.Context, req *Request, rw Responder) error {
	if req.Args == "" {
		return fault.New(fault.Invalid, "what should I search for? Try `/%s diffusion models` or `/%s help`", b.cfg.CommandName, b.cfg.CommandName)
	}
	if only, open := quotesOnly(req.Args); only {
		what := "an empty phrase (two quotes with nothing between them)"
		if open {
			what = "a quote that is never closed"
		}
		return fault.New(fault.Invalid, "there is nothing to search for: the query is only %s. Put words after `/%s`, or a phrase between two quotes: `/%[2]s \"direct preference optimization\"` (`/%[2]s help` shows more)", what, b.cfg.CommandName)
	}
	if named, ok := likeRequest(req.Args); ok {
		// "papers like tranception" asks for similar: searched, its
		// words "papers" and "like" found papers that merely say
		// "LLMs like LLaMA" or "likely".
		r := *req
		r.Args = named
		return b.similar(ctx, &r, rw)
	}
	if err := b.mistypedCommand(ctx, req); err != nil {
		return err
	}
	return b.searchFor(ctx, req, rw, req.Args)
}

// likePrefixes open a request for papers like one, in the words a
// researcher types it (lower case, each ending in a space).
var likePrefixes = []string{"papers like ", "papers similar to ", "more like "}

// likeRequest returns the paper that a search phrased as a request for
// similar papers ("papers like tranception", "more like 2205.13760")
// names, and whether it is one.
func likeRequest(args string) (named string, ok bool) {
	lower := strings.ToLower(args)
	for _, p := range likePrefixes {
		if strings.HasPrefix(lower, p) {
			if named = strings.TrimSpace(args[len(p):]); named != "" {
				return named, true
			}
		}
	}
	return "", false
}

// searchFor answers with the papers matching text.
func (b *Bot) searchFor(ctx context.Context, req *Request, rw Responder, text string) error {
	if id, whole := paper.ParseArxivID(text); whole {
		// An id or a link, however written (Slack's <url|label> too):
		// that paper, fetched when it is not indexed yet.
		return b.showID(ctx, req, rw, id, "")
	}
	// Ids or links among words ("see https://arxiv.org/abs/…") name their
	// papers: those the index holds, not a search of the words around
	// them. When it holds none ("mass 0912.3456 GeV"), the words are
	// searched as typed.
	var notes []string
	if ids, rest := NamedPapers(text); len(ids) > 0 {
		done, n, err := b.namedAnswer(ctx, req, rw, ids, rest)
		if done {
			return err
		}
		notes = n
	}
	res, err := b.cfg.Searcher.Search(ctx, paper.Query{Text: text, Limit: b.cfg.PageSize})
	if err != nil {
		return err
	}
	res.Notes = append(notes, res.Notes...)
	if res.Exact && len(res.Hits) == 1 {
		return b.replyPaper(ctx, req, rw, res.Hits[0].Paper)
	}
	if res.Exact && len(res.Hits) == 0 {
		// An id or URL that is not indexed: try to fetch it.
		if id, ok := paper.ParseArxivID(text); ok {
			return b.showID(ctx, req, rw, id, "")
		}
	}
	disc := b.discussions(ctx, req, res.Hits)
	return rw.Reply(ctx, ResultsMessage("Papers matching "+Typed(text, 80), res, disc, b.cfg.CommandName))
}

// errQuery is lookupArg's answer for an argument that is words, not a
// paper: a title or some words of it ("show tranception").
var errQuery = errors.New("not a paper id")

// lookupArg finds the paper that the argument of show or similar names,
// when it is not an arXiv id or URL: the id of an indexed paper (one word).
// Words that name no paper, and do not look like an id or a link, are a
// query (errQuery): "/papers show me diffusion papers" is a search.
func (b *Bot) lookupArg(ctx context.Context, arg string) (paper.Paper, error) {
	arg = strings.TrimSpace(arg)
	if strings.ContainsFunc(arg, unicode.IsSpace) {
		return paper.Paper{}, errQuery
	}
	p, err := b.cfg.Searcher.Lookup(ctx, paper.CanonicalID(arg))
	if fault.Is(err, fault.NotFound) {
		// Written like an arXiv id but not one (2205.137600): say what is
		// wrong with it rather than that the index lacks it.
		var bad *paper.IDError
		if _, cerr := paper.CheckArxivID(arg); errors.As(cerr, &bad) {
			return paper.Paper{}, fault.Wrap(fault.Invalid, err, "%s is not an arXiv id: %s", Literal(Truncate(bad.ID, 60)), bad.Reason)
		}
		if !looksLikeID(arg) {
			return paper.Paper{}, errQuery
		}
		return paper.Paper{}, fault.Wrap(fault.NotFound, err, "paper %s is not in the index", Literal(Truncate(arg, 60)))
	}
	return p, err
}

// looksLikeID reports whether one word is meant as a paper's id or link
// (a link, an arXiv-style number, an arxiv: or doi: id, a title id), so
// that not finding it is worth saying rather than searching for it.
func looksLikeID(s string) bool {
	l := strings.ToLower(s)
	if strings.Contains(l, "://") || strings.HasPrefix(l, "www.") || strings.HasPrefix(l, "arxiv:") || strings.HasPrefix(l, "doi:") {
		return true
	}
	digits, dot := 0, false
	for i, c := range l {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && i == 4 && digits == 4:
			dot = true
		default:
			if !dot {
				return strings.HasPrefix(l, "t-") && len(l) == 12 // paper.TitleID
			}
			return false
		}
	}
	return dot
}

func (b *Bot) show(ctx context.Context, req *Request, rw Responder) error {
	if req.Args == "" {
		return fault.New(fault.Invalid, "which paper? Usage: `/%s show <arXiv id, URL or title>`", b.cfg.CommandName)
	}
	if id, ok := paper.ParseArxivID(req.Args); ok {
		return b.showID(ctx, req, rw, id, "")
	}
	if ids, rest := NamedPapers(req.Args); len(ids) > 0 {
		// The first the index holds, else the first (fetched, or said
		// to be missing).
		first := ids[0]
		if found, _, err := b.lookupNamed(ctx, ids); err == nil && len(found) > 0 {
			first = found[0].ID
		}
		i := slices.Index(ids, first)
		others := append(append([]string{first}, ids[:i]...), ids[i+1:]...)
		return b.showID(ctx, req, rw, first, b.namedNote("show", others, rest))
	}
	p, err := b.lookupArg(ctx, req.Args)
	if fault.Is(err, fault.NotFound) {
		if lerr := b.checkLink(req.Args, "show", err); lerr != nil {
			return lerr
		}
	}
	if errors.Is(err, errQuery) {
		var found bool
		p, found, err = b.findByName(ctx, req, rw, "show")
		if err != nil || !found {
			return err
		}
	}
	if err != nil {
		return err
	}
	return b.replyPaper(ctx, req, rw, p)
}

// clearLead is how far the best match's score must lead the next one's
// for words to name it (show, similar): on the sample corpus "denoising
// diffusion" (2.41 against 1.07) names its paper, "diffusion" (1.31
// against 1.30) or "direct preference optimization" (2.25 against 2.20)
// do not.
const clearLead = 2.0

// findByName finds the paper that the words of a show or similar command
// name (no id or link: a title, or some of its words): the best match of
// a search for them, when it is the only one or clearly ahead of the
// next. Otherwise it replies with the matches, asking which one (found is
// false), or fails with NotFound when nothing matches.
func (b *Bot) findByName(ctx context.Context, req *Request, rw Responder, verb string) (p paper.Paper, found bool, err error) {
	words := strings.TrimSpace(req.Args)
	if isListNumber(words) {
		// "show 2" after a listing: results are named by their ids, not
		// their places (a listing is not remembered between commands).
		return paper.Paper{}, false, fault.New(fault.Invalid, "%s is a number, not a paper: `/%s %s` takes the id shown under a result (like 2205.13760), a link, or title words",
			Typed(words, 20), b.cfg.CommandName, verb)
	}
	res, err := b.cfg.Searcher.Search(ctx, paper.Query{Text: words, Limit: b.cfg.PageSize})
	if err != nil {
		return paper.Paper{}, false, err
	}
	hits := res.Hits
	switch {
	case len(hits) == 0:
		msg := "no paper matches " + Typed(words, 80)
		if res.DidYouMean != "" {
			msg += fmt.Sprintf(" (did you mean “%s”?)", Literal(res.DidYouMean))
		}
		return paper.Paper{}, false, fault.New(fault.NotFound, "%s. `/%s %s <arXiv id or URL>` takes an id or a link too", msg, b.cfg.CommandName, verb)
	case len(hits) == 1 && res.Total <= 1,
		res.Sort == paper.ByRelevance && len(hits) > 1 && hits[1].Score > 0 && hits[0].Score >= clearLead*hits[1].Score:
		return hits[0].Paper, true, nil
	}
	if p, ok := titled(hits, words, res.DidYouMean); ok {
		return p, true, nil
	}
	disc := b.discussions(ctx, req, hits)
	m := ResultsMessage("Which paper did you mean by "+Typed(words, 80)+"?", res, disc, b.cfg.CommandName)
	// The search's notes last: one ends in a colon that leads to the list
	// ("No exact match for …; closest papers:").
	m.Intro = strings.TrimSpace(fmt.Sprintf("Several match: `/%s %s <id>` with one of the ids below. ", b.cfg.CommandName, verb) + m.Intro)
	return paper.Paper{}, false, rw.Reply(ctx, m)
}

// isListNumber reports whether s is a result's place in a listing ("2",
// "#2", "3."): one to three digits.
func isListNumber(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "#"), ".")
	return len(s) > 0 && len(s) <= 3 && strings.Trim(s, "0123456789") == ""
}

// titled is the one paper among hits whose title is the words typed (or
// their corrected spelling), whatever the case, punctuation and quotes: a
// pasted title names its paper even when others start the same way
// ("Dilogarithm identities" beside "Dilogarithm identities, partitions and
// spectra in conformal field theory, I"), which scores do not tell apart.
func titled(hits []paper.Hit, words ...string) (paper.Paper, bool) {
	var found []paper.Paper
	for _, h := range hits {
		t := titleKey(h.Paper.Title)
		if t != "" && slices.ContainsFunc(words, func(w string) bool { return titleKey(w) == t }) &&
			!slices.ContainsFunc(found, func(p paper.Paper) bool { return p.ID == h.Paper.ID }) {
			found = append(found, h.Paper)
		}
	}
	if len(found) != 1 {
		return paper.Paper{}, false
	}
	return found[0], true
}

// titleKey is a title as titled compares it: its letters and digits, lower
// case, words separated by one space.
func titleKey(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// showID shows the paper id; note, when set, is a line above it.
func (b *Bot) showID(ctx context.Context, req *Request, rw Responder, id, note string) error {
	p, err := b.cfg.Searcher.Lookup(ctx, id)
	if fault.Is(err, fault.NotFound) && b.cfg.Fetcher != nil && b.cfg.Indexer != nil && paper.IsArxivID(id) {
		release, gerr := b.fetches.take(req, id)
		if gerr != nil {
			return gerr
		}
		p, err = b.cfg.Fetcher.Fetch(ctx, id)
		release()
		if err == nil {
			if ierr := b.cfg.Indexer.Upsert(ctx, []paper.Paper{p}); ierr != nil {
				b.cfg.Logger.WarnContext(ctx, "indexing a fetched paper", "id", id, "err", ierr)
			}
		}
	}
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			if b.cfg.Fetcher == nil && paper.IsArxivID(id) {
				return fault.Wrap(fault.NotFound, err, "paper %s is not in the index, and this paperbot does not fetch papers from arXiv (its configuration has no sources.arxiv section)", id)
			}
			return fault.Wrap(fault.NotFound, err, "paper %s is not in the index", id)
		}
		return err
	}
	return b.replyPaperNote(ctx, req, rw, p, note)
}

func (b *Bot) replyPaper(ctx context.Context, req *Request, rw Responder, p paper.Paper) error {
	return b.replyPaperNote(ctx, req, rw, p, "")
}

// replyPaperNote shows p, with note (when set) as a line above it.
func (b *Bot) replyPaperNote(ctx context.Context, req *Request, rw Responder, p paper.Paper, note string) error {
	disc := b.discussions(ctx, req, []paper.Hit{{Paper: p}})
	m := PaperMessage(p, disc[p.ID])
	if note != "" {
		m.Intro = note
	}
	return rw.Reply(ctx, m)
}

func (b *Bot) similar(ctx context.Context, req *Request, rw Responder) error {
	// Search operators do not apply to one paper's neighbours: say they
	// were ignored rather than drop them silently (or search for them as
	// words of the title).
	args, ops := withoutSearchOperators(req.Args)
	var note string
	if len(ops) > 0 {
		note = fmt.Sprintf("(`%s` ignored: `similar` takes one paper and ranks by likeness, without search operators. To search with them: `/%s <words> %[1]s`.)",
			Literal(Truncate(strings.Join(ops, " "), 80)), b.cfg.CommandName)
	}
	if args == "" {
		return fault.New(fault.Invalid, "%s", strings.TrimSpace(fmt.Sprintf("similar to which paper? Usage: `/%s similar <arXiv id, URL or title>` %s", b.cfg.CommandName, note)))
	}
	if ids, rest := NamedPapers(args); len(ids) > 0 {
		args = ids[0]
		note = strings.TrimSpace(note + " " + b.namedNote("similar", ids, rest))
	}
	if note == "" {
		return b.similarTo(ctx, req, rw)
	}
	r := *req
	r.Args = args
	err := b.similarTo(ctx, &r, &noteResponder{Responder: rw, note: note})
	if msg := fault.UserMessage(err); msg != "" {
		return fault.Wrap(fault.KindOf(err), err, "%s %s", msg, note)
	}
	return err
}

// similarTo answers similar for the paper req.Args names.
func (b *Bot) similarTo(ctx context.Context, req *Request, rw Responder) error {
	var p paper.Paper
	var err error
	if id, ok := paper.ParseArxivID(req.Args); ok {
		p, err = b.cfg.Searcher.Lookup(ctx, id)
		if fault.Is(err, fault.NotFound) {
			err = fault.Wrap(fault.NotFound, err, "paper %s is not in the index", id)
		}
	} else {
		p, err = b.lookupArg(ctx, req.Args)
		if fault.Is(err, fault.NotFound) {
			if lerr := b.checkLink(req.Args, "similar", err); lerr != nil {
				return lerr
			}
		}
		if errors.Is(err, errQuery) {
			var found bool
			p, found, err = b.findByName(ctx, req, rw, "similar")
			if err == nil && !found {
				return nil
			}
		}
	}
	if err != nil {
		return err
	}
	res, err := b.cfg.Searcher.Similar(ctx, p.ID, b.cfg.PageSize)
	if err != nil {
		return err
	}
	disc := b.discussions(ctx, req, res.Hits)
	return rw.Reply(ctx, ResultsMessage("Papers similar to “"+Literal(Truncate(p.Title, 120))+"”", res, disc, b.cfg.CommandName))
}

func (b *Bot) trending(ctx context.Context, req *Request, rw Responder) error {
	res, err := b.cfg.Searcher.Search(ctx, paper.Query{Text: req.Args, Limit: b.cfg.PageSize, Sort: paper.ByTrending})
	if err != nil {
		return err
	}
	title := "Trending papers"
	if req.Args != "" {
		title += " on " + Typed(req.Args, 80)
	}
	if len(res.Hits) == 0 {
		return rw.Reply(ctx, b.noTrending(title, req.Args, res))
	}
	disc := b.discussions(ctx, req, res.Hits)
	return rw.Reply(ctx, ResultsMessage(title, res, disc, b.cfg.CommandName))
}

// noTrending answers a trending listing that found nothing: what makes a
// paper trending and, for a topic, how to search all papers on it. ("Try
// fewer words or filters" would not help: in an index without signals,
// such as a bulk arXiv import, nothing is trending on any topic.)
func (b *Bot) noTrending(title, topic string, res paper.Results) Message {
	m := ResultsMessage(title, res, nil, b.cfg.CommandName)
	const signals = "a trending paper has upvotes, stars, the team's replies or reactions, or a place on a trending listing"
	s := "Nothing is trending now: no paper has a trending signal (" + signals + ")."
	if topic = strings.TrimSpace(topic); topic != "" {
		search := b.cfg.CommandName
		if b.isCommandWord(topic) {
			search += " search"
		}
		s = fmt.Sprintf("No paper on %s is trending now (%s); `/%s %s` searches all papers.", Typed(topic, 80), signals, search, Literal(Truncate(topic, 80)))
	}
	m.Intro = strings.TrimSpace(strings.Join(append(resultNotes(res), s), " "))
	m.Text = title + ": nothing trending."
	return m
}

func (b *Bot) help(ctx context.Context, req *Request, rw Responder) error {
	m := HelpMessage(b.cfg.CommandName, b.router.Specs())
	if args := strings.TrimSpace(req.Args); args != "" {
		// "/papers help me find protein papers": say the words were not
		// searched, and how to search them.
		// Words that start with a command's name run that command, not a
		// search ("help show 2205.13760"): then the search is spelt out.
		search := b.cfg.CommandName
		if b.isCommandWord(args) {
			search += " search"
		}
		m.Intro = strings.TrimSpace(fmt.Sprintf("(The words after help, %[1]s, were not searched: `/%[2]s %[3]s` searches them.) %[4]s",
			Typed(args, 80), search, Literal(Truncate(args, 80)), m.Intro))
	}
	return rw.Reply(ctx, m)
}

// isCommandWord reports whether text starts with the name of a command
// other than the default (search): `/papers text` would run that command.
func (b *Bot) isCommandWord(text string) bool {
	word := strings.ToLower(strings.TrimSpace(text))
	if i := strings.IndexFunc(word, unicode.IsSpace); i >= 0 {
		word = word[:i]
	}
	for _, s := range b.router.Specs() {
		if !s.Default && (s.Name == word || slices.Contains(s.Aliases, word)) {
			return true
		}
	}
	return false
}

// discussions looks up the remembered threads the requester may see (their
// platform and workspace or guild), by paper id; a failure only loses the
// links. A paper's threads are those remembered under any of its ids
// (paper.IDs): one started when a digest posted a trending page's paper
// under its title id is the paper's after the index merged it into its
// arXiv id.
func (b *Bot) discussions(ctx context.Context, req *Request, hits []paper.Hit) map[string][]Discussion {
	if b.cfg.Discussions == nil || len(hits) == 0 {
		return nil
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Paper.IDs()...)
	}
	d, err := b.cfg.Discussions.DiscussionsOf(ctx, req.Scope(), ids...)
	if err != nil {
		b.cfg.Logger.WarnContext(ctx, "looking up discussions", "err", err)
		return nil
	}
	for _, h := range hits {
		FoldAliases(d, h.Paper)
	}
	return d
}

// FoldAliases files the threads d (DiscussionsOf, asked for all of p's
// ids) holds under p's aliases under p's id, oldest first.
func FoldAliases(d map[string][]Discussion, p paper.Paper) {
	for _, a := range p.Aliases {
		ds, ok := d[a]
		if !ok || a == p.ID {
			continue
		}
		all := append(d[p.ID], ds...)
		slices.SortStableFunc(all, func(x, y Discussion) int { return x.Started.Compare(y.Started) })
		d[p.ID] = all
		delete(d, a)
	}
}

// HelpMessage is the help text generated from the command specs.
func HelpMessage(command string, specs []CommandSpec) Message {
	m := Message{Kind: KindHelp, Title: "/" + command + " — research papers in chat", Ephemeral: true}
	var fallback strings.Builder
	for _, s := range specs {
		usage := "/" + command + " " + s.Name
		if s.Default {
			usage = "/" + command
		}
		if s.Usage != "" {
			usage += " " + s.Usage
		}
		sec := Section{Title: usage, Summary: Plain(s.Summary)}
		if len(s.Examples) > 0 {
			ex := make([]string, len(s.Examples))
			for i, e := range s.Examples {
				ex[i] = "/" + command + " " + e
			}
			sec.Fields = append(sec.Fields, Field{Name: "Examples", Value: strings.Join(ex, "\n")})
		}
		m.Sections = append(m.Sections, sec)
		fallback.WriteString(usage + " — " + s.Summary + "\n")
	}
	m.Footer = "Queries: free words, \"exact phrases\", -exclude, author:name, cat:cs.LG (papers from sources that give categories), year:2024, since:2023-06, sort:recent|trending, or paste an arXiv / Hugging Face / alphaXiv link."
	m.Text = fallback.String()
	return m
}
