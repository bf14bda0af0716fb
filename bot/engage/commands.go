package engage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// Commands are the bookmark commands: save, saved, unsave.
func (s *Service) Commands() []bot.CommandSpec {
	return []bot.CommandSpec{
		{
			Name: "save", Aliases: []string{"bookmark"},
			Usage:    "<arXiv id or URL>",
			Summary:  "Bookmark a paper for yourself (or react with :" + s.cfg.SaveEmoji + ": on a digest post)",
			Examples: []string{"save 2205.13760", "save https://arxiv.org/abs/2205.13760"},
			Options:  []bot.Option{{Name: "paper", Description: "arXiv id or an arXiv, Hugging Face or alphaXiv URL", Required: true, Rest: true}},
			Handler:  bot.HandlerFunc(s.saveCmd),
		},
		{
			Name:    "saved",
			Summary: "Your bookmarked papers, newest first, with the team's threads (only you see it)",
			Handler: bot.HandlerFunc(s.savedCmd),
		},
		{
			Name:     "unsave",
			Usage:    "<arXiv id or URL>",
			Summary:  "Remove a paper from your bookmarks",
			Examples: []string{"unsave 2205.13760"},
			Options:  []bot.Option{{Name: "paper", Description: "arXiv id or URL of a saved paper", Required: true, Rest: true}},
			Handler:  bot.HandlerFunc(s.unsaveCmd),
		},
	}
}

// paperArg reads the one paper a command names.
func (s *Service) paperArg(ctx context.Context, req *bot.Request, verb string) (paper.Paper, error) {
	arg := strings.TrimSpace(req.Args)
	if ids, _ := bot.NamedPapers(arg); len(ids) == 1 {
		arg = ids[0] // "save see https://arxiv.org/abs/2205.13760"
	}
	if arg == "" || strings.ContainsFunc(arg, unicode.IsSpace) {
		return paper.Paper{}, fault.New(fault.Invalid, "%s which paper? Usage: `/%s %s <arXiv id or URL>` (`/%s show <title words>` finds its id)",
			verb, s.cfg.CommandName, verb, s.cfg.CommandName)
	}
	id := paper.CanonicalID(arg)
	p, err := s.cfg.Searcher.Lookup(ctx, id)
	if fault.Is(err, fault.NotFound) {
		// NotFound either way: unsave still removes a saved id the index
		// no longer has.
		msg := fmt.Sprintf("paper %s is not in the index", bot.Literal(bot.Truncate(arg, 60)))
		_, cerr := paper.CheckArxivID(arg)
		var bad *paper.IDError
		switch {
		case errors.As(cerr, &bad):
			msg = fmt.Sprintf("%s is not an arXiv id: %s", bot.Literal(bot.Truncate(bad.ID, 60)), bad.Reason)
		case cerr != nil && !paper.IsTitleID(id):
			msg = fmt.Sprintf("%s is not an arXiv id or link, nor the id of a paper in the index. Usage: `/%s %s <arXiv id or URL>` (`/%s show <title words>` finds its id)",
				bot.Literal(bot.Truncate(arg, 60)), s.cfg.CommandName, verb, s.cfg.CommandName)
		}
		return paper.Paper{ID: id}, fault.Wrap(fault.NotFound, err, "%s", msg)
	}
	return p, err
}

func (s *Service) saveCmd(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	p, err := s.paperArg(ctx, req, "save")
	if err != nil {
		return err
	}
	saved, err := s.savedUnder(ctx, req, p)
	if err != nil {
		return err
	}
	added := false
	if saved == "" {
		m := bot.Mark{Platform: req.Platform, Team: req.Team, PaperID: p.ID, User: req.User, Kind: bot.MarkSave,
			Channel: req.Channel, At: s.cfg.Clock.Now()}
		if added, err = s.cfg.Store.AddMark(ctx, m); err != nil {
			return err
		}
	}
	text := fmt.Sprintf("Saved “%s” (%s). `/%s saved` lists your saved papers.", bot.Literal(bot.Truncate(p.Title, 120)), p.ID, s.cfg.CommandName)
	if !added {
		text = fmt.Sprintf("“%s” (%s) is already in your saved papers.", bot.Literal(bot.Truncate(p.Title, 120)), p.ID)
	}
	return rw.Reply(ctx, bot.Message{Kind: bot.KindNotice, Text: text, Ephemeral: true})
}

// savedUnder is the id under which the requester saved p (any of its
// ids), or "".
func (s *Service) savedUnder(ctx context.Context, req *bot.Request, p paper.Paper) (string, error) {
	marks, err := s.cfg.Store.SavedBy(ctx, req.Scope(), req.User)
	if err != nil {
		return "", err
	}
	for _, m := range marks {
		if slices.Contains(p.IDs(), m.PaperID) {
			return m.PaperID, nil
		}
	}
	return "", nil
}

func (s *Service) unsaveCmd(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	arg := strings.TrimSpace(req.Args)
	p, err := s.paperArg(ctx, req, "unsave")
	if err != nil && !fault.Is(err, fault.NotFound) {
		return err
	}
	// A paper gone from the index can still be unsaved by its id; a paper
	// saved under an id it had before (a trending page's title id, merged
	// into its arXiv id since) is unsaved under that one too.
	removed := false
	for _, id := range p.IDs() {
		gone, rerr := s.cfg.Store.RemoveMark(ctx, bot.Mark{Platform: req.Platform, Team: req.Team, PaperID: id, User: req.User, Kind: bot.MarkSave})
		if rerr != nil {
			return rerr
		}
		removed = removed || gone
	}
	if !removed {
		return fault.New(fault.NotFound, "%s is not in your saved papers (`/%s saved` lists them)", bot.Literal(bot.Truncate(arg, 60)), s.cfg.CommandName)
	}
	return rw.Reply(ctx, bot.Message{Kind: bot.KindNotice, Text: fmt.Sprintf("Removed %s from your saved papers.", p.ID), Ephemeral: true})
}

func (s *Service) savedCmd(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	marks, err := s.cfg.Store.SavedBy(ctx, req.Scope(), req.User)
	if err != nil {
		return err
	}
	if len(marks) == 0 {
		return rw.Reply(ctx, bot.Message{Kind: bot.KindNotice, Ephemeral: true,
			Text: fmt.Sprintf("You have no saved papers. React with :%s: on a digest post, or `/%s save <arXiv id>`.", s.cfg.SaveEmoji, s.cfg.CommandName)})
	}
	const most = 10
	// A paper saved under two of its ids (its title id from a trending
	// page, then its arXiv id) is listed once, at its newest save.
	type entry struct {
		p  paper.Paper
		at time.Time
	}
	var shown []entry
	var ids []string
	total := len(marks)
	for _, m := range marks {
		if len(shown) == most {
			break
		}
		p, err := s.cfg.Searcher.Lookup(ctx, m.PaperID)
		if err != nil {
			if !fault.Is(err, fault.NotFound) {
				return err
			}
			p = paper.Paper{ID: m.PaperID, Title: m.PaperID + " (no longer in the index)"}
		}
		if slices.ContainsFunc(shown, func(e entry) bool { return e.p.ID == p.ID }) {
			total--
			continue
		}
		shown = append(shown, entry{p, m.At})
		ids = append(ids, p.IDs()...)
	}
	disc, err := s.DiscussionsOf(ctx, req.Scope(), ids...)
	if err != nil {
		s.log.WarnContext(ctx, "looking up discussions", "err", err)
	}
	msg := bot.Message{Kind: bot.KindResults, Title: "Your saved papers", Ephemeral: true}
	var titles []string
	for _, e := range shown {
		bot.FoldAliases(disc, e.p)
		sec := bot.PaperSection(e.p, disc[e.p.ID], false)
		sec.Fields = append(sec.Fields, bot.Field{Name: "Saved", Value: e.at.UTC().Format("2006-01-02"), Inline: true})
		msg.Sections = append(msg.Sections, sec)
		titles = append(titles, e.p.Title)
	}
	msg.Footer = bot.Plural(total, "saved paper") + " · newest first"
	if total > len(shown) {
		msg.Footer = fmt.Sprintf("%d of %d saved papers · newest first", len(shown), total)
	}
	msg.Text = "Your saved papers: " + strings.Join(titles, "; ")
	return rw.Reply(ctx, msg)
}
