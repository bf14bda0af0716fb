package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// Config wires the core to its dependencies. Only Searcher is required.
type Config struct {
	Searcher Searcher
	// Discussions, when set, adds "discussed in" links to results.
	Discussions Discussions
	// Fetcher and Indexer, when both set, let `show` fetch and index a paper
	// that is not in the index yet.
	Fetcher Fetcher
	Indexer Indexer
	// Digest, when set, enables subscribe, unsubscribe, subscriptions and
	// digest preview.
	Digest DigestService
	Logger *slog.Logger
	Clock  Clock
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
	// PageSize is how many results a search shows (default 5, at most 10).
	PageSize int
	// CommandName is the slash command's name, for help text (default "papers").
	CommandName string
}

// Bot is the core: a router of commands wrapped in middleware.
type Bot struct {
	cfg    Config
	router *Router
	h      Handler
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
		cfg.Clock = SystemClock{}
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
	if cfg.PageSize <= 0 {
		cfg.PageSize = 5
	}
	cfg.PageSize = min(cfg.PageSize, 10)
	if cfg.CommandName == "" {
		cfg.CommandName = "papers"
	}
	b := &Bot{cfg: cfg}
	r, err := NewRouter(b.specs())
	if err != nil {
		return nil, err
	}
	b.router = r
	b.h = Chain(r, Logging(cfg.Logger), ErrorReplies(), Recover(cfg.Logger),
		Limit(cfg.MaxConcurrent, cfg.MaxWaiting, cfg.MaxWait), Timeout(cfg.Timeout))
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
			Name: "search", Default: true, Aliases: []string{"find", "s"},
			Usage:    "<query>",
			Summary:  "Search papers: words, \"phrases\", -exclude, author:, cat:, year:, since:, sort:",
			Examples: []string{"diffusion language models", `"direct preference optimization" -survey`, "author:Notin protein", "cat:cs.LG since:2024 sort:recent"},
			Options:  []Option{{Name: "query", Description: "Words, phrases, author:, cat:, year:, an arXiv id or URL", Required: true, Rest: true}},
			Handler:  HandlerFunc(b.search),
		},
		{
			Name: "show", Aliases: []string{"paper", "get"},
			Usage:    "<arXiv id or URL>",
			Summary:  "Show one paper with its abstract, links and discussions",
			Examples: []string{"show 2205.13760", "show https://arxiv.org/abs/2205.13760v2"},
			Options:  []Option{{Name: "paper", Description: "arXiv id or an arXiv, Hugging Face or alphaXiv URL", Required: true, Rest: true}},
			Handler:  HandlerFunc(b.show),
		},
		{
			Name: "similar", Aliases: []string{"like", "related"},
			Usage:    "<arXiv id or URL>",
			Summary:  "Papers similar to the given one",
			Examples: []string{"similar 2205.13760"},
			Options:  []Option{{Name: "paper", Description: "arXiv id or URL of the paper", Required: true, Rest: true}},
			Handler:  HandlerFunc(b.similar),
		},
		{
			Name: "trending", Aliases: []string{"hot", "top"},
			Usage:    "[topic]",
			Summary:  "The papers trending now, optionally on a topic",
			Examples: []string{"trending", "trending diffusion"},
			Options:  []Option{{Name: "topic", Description: "Optional query to narrow the list", Rest: true}},
			Handler:  HandlerFunc(b.trending),
		},
	}
	specs = append(specs, b.digestSpecs()...)
	specs = append(specs, CommandSpec{
		Name: "help", Aliases: []string{"?", "commands"},
		Summary: "How to use this command",
		Handler: HandlerFunc(b.help),
	})
	return specs
}

func (b *Bot) search(ctx context.Context, req *Request, rw Responder) error {
	if req.Args == "" {
		return fault.New(fault.Invalid, "what should I search for? Try `/%s diffusion models` or `/%s help`", b.cfg.CommandName, b.cfg.CommandName)
	}
	res, err := b.cfg.Searcher.Search(ctx, paper.Query{Text: req.Args, Limit: b.cfg.PageSize})
	if err != nil {
		return err
	}
	if res.Exact && len(res.Hits) == 1 {
		return b.replyPaper(ctx, req, rw, res.Hits[0].Paper)
	}
	if res.Exact && len(res.Hits) == 0 {
		// An id or URL that is not indexed: try to fetch it.
		if id, ok := paper.ParseArxivID(req.Args); ok {
			return b.showID(ctx, req, rw, id)
		}
	}
	disc := b.discussions(ctx, req, res.Hits)
	return rw.Reply(ctx, ResultsMessage(fmt.Sprintf("Papers matching “%s”", truncateRunes(req.Args, 80)), res, disc, b.cfg.CommandName))
}

func (b *Bot) show(ctx context.Context, req *Request, rw Responder) error {
	if req.Args == "" {
		return fault.New(fault.Invalid, "which paper? Usage: `/%s show <arXiv id or URL>`", b.cfg.CommandName)
	}
	id, ok := paper.ParseArxivID(req.Args)
	if !ok {
		id = paper.CanonicalID(req.Args)
		if strings.ContainsAny(id, " \t") {
			return fault.New(fault.Invalid, "%q is not an arXiv id or URL (like 2205.13760 or https://arxiv.org/abs/2205.13760)", truncateRunes(req.Args, 60))
		}
	}
	return b.showID(ctx, req, rw, id)
}

func (b *Bot) showID(ctx context.Context, req *Request, rw Responder, id string) error {
	p, err := b.cfg.Searcher.Lookup(ctx, id)
	if fault.Is(err, fault.NotFound) && b.cfg.Fetcher != nil && b.cfg.Indexer != nil && paper.IsArxivID(id) {
		p, err = b.cfg.Fetcher.Fetch(ctx, id)
		if err == nil {
			if ierr := b.cfg.Indexer.Upsert(ctx, []paper.Paper{p}); ierr != nil {
				b.cfg.Logger.WarnContext(ctx, "indexing a fetched paper", "id", id, "err", ierr)
			}
		}
	}
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return fault.Wrap(fault.NotFound, err, "paper %s is not in the index", id)
		}
		return err
	}
	return b.replyPaper(ctx, req, rw, p)
}

func (b *Bot) replyPaper(ctx context.Context, req *Request, rw Responder, p paper.Paper) error {
	disc := b.discussions(ctx, req, []paper.Hit{{Paper: p}})
	return rw.Reply(ctx, PaperMessage(p, disc[p.ID]))
}

func (b *Bot) similar(ctx context.Context, req *Request, rw Responder) error {
	if req.Args == "" {
		return fault.New(fault.Invalid, "similar to which paper? Usage: `/%s similar <arXiv id or URL>`", b.cfg.CommandName)
	}
	id := paper.CanonicalID(req.Args)
	p, err := b.cfg.Searcher.Lookup(ctx, id)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return fault.Wrap(fault.NotFound, err, "paper %s is not in the index", truncateRunes(id, 60))
		}
		return err
	}
	res, err := b.cfg.Searcher.Similar(ctx, p.ID, b.cfg.PageSize)
	if err != nil {
		return err
	}
	disc := b.discussions(ctx, req, res.Hits)
	return rw.Reply(ctx, ResultsMessage("Papers similar to “"+truncateRunes(p.Title, 120)+"”", res, disc, b.cfg.CommandName))
}

func (b *Bot) trending(ctx context.Context, req *Request, rw Responder) error {
	res, err := b.cfg.Searcher.Search(ctx, paper.Query{Text: req.Args, Limit: b.cfg.PageSize, Sort: paper.ByTrending})
	if err != nil {
		return err
	}
	title := "Trending papers"
	if req.Args != "" {
		title += " on “" + truncateRunes(req.Args, 80) + "”"
	}
	disc := b.discussions(ctx, req, res.Hits)
	return rw.Reply(ctx, ResultsMessage(title, res, disc, b.cfg.CommandName))
}

func (b *Bot) help(ctx context.Context, req *Request, rw Responder) error {
	return rw.Reply(ctx, HelpMessage(b.cfg.CommandName, b.router.Specs()))
}

// discussions looks up the remembered threads the requester may see (their
// platform and workspace or guild); a failure only loses the links.
func (b *Bot) discussions(ctx context.Context, req *Request, hits []paper.Hit) map[string][]Discussion {
	if b.cfg.Discussions == nil || len(hits) == 0 {
		return nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.Paper.ID
	}
	d, err := b.cfg.Discussions.DiscussionsOf(ctx, req.Scope(), ids...)
	if err != nil {
		b.cfg.Logger.WarnContext(ctx, "looking up discussions", "err", err)
		return nil
	}
	return d
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
	m.Footer = "Queries: free words, \"exact phrases\", -exclude, author:name, cat:cs.LG, year:2024, since:2023-06, sort:recent|trending, or paste an arXiv / Hugging Face / alphaXiv link."
	m.Text = fallback.String()
	return m
}
