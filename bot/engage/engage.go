// Package engage is the team's own signal: reactions on the digest's posts
// and inside their threads, and bookmarks. Adapters hand it reactions
// (bot.ReactionSink); it finds the paper whose thread the reacted message
// belongs to and records one mark per person (bot.MarkStore). It answers
// `save`, `saved` and `unsave`, adds reaction counts to the discussion
// links the core shows (DiscussionsOf), and counts the people engaged with
// each paper for the trending score (PeopleOf).
package engage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/internal/clock"
)

// Store is the state the service reads and writes.
type Store interface {
	bot.MarkStore
	bot.Discussions
}

// Config wires the service.
type Config struct {
	// Store and Searcher are required.
	Store    Store
	Searcher bot.Searcher
	// Poster returns the running poster of a platform, or nil; a poster
	// that is a bot.MessageThreader lets a reaction on a thread's reply
	// (Slack) count for the thread's paper.
	Poster func(platform string) bot.Poster
	// SaveEmoji is the reaction that bookmarks a paper: a Slack short name
	// ("bookmark", the default) or an emoji ("🔖"). Known short names
	// match their emoji too, so one setting serves Slack and Discord.
	SaveEmoji   string
	Clock       clock.Clock
	Logger      *slog.Logger
	CommandName string
}

// Service records and reports the team's engagement.
type Service struct {
	cfg  Config
	log  *slog.Logger
	save map[string]bool
}

var (
	_ bot.ReactionSink = (*Service)(nil)
	_ bot.Discussions  = (*Service)(nil)
)

// shortNames maps the Slack short names of a few emoji to the emoji
// Discord sends.
var shortNames = map[string]string{
	"bookmark": "🔖", "pushpin": "📌", "star": "⭐", "+1": "👍", "thumbsup": "👍",
	"fire": "🔥", "heart": "❤️", "eyes": "👀", "books": "📚", "floppy_disk": "💾",
}

// CheckEmoji checks a configured save emoji: a Slack short name (letters,
// digits, _ + -; colons around it are allowed) or one emoji.
func CheckEmoji(s string) (string, error) {
	name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), ":"), ":")
	switch {
	case name == "":
		return "", errors.New("empty: name an emoji, like bookmark or 🔖")
	case len(name) > 64:
		return "", fmt.Errorf("%q is too long for an emoji name (at most 64 bytes)", bot.Truncate(name, 20))
	}
	ascii := true
	for _, c := range name {
		if c >= utf8.RuneSelf {
			ascii = false
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-') {
			return "", fmt.Errorf("%q is not an emoji: a Slack short name has only lowercase letters, digits, _ + and - (like bookmark)", name)
		}
	}
	if !ascii && utf8.RuneCountInString(name) > 8 {
		return "", fmt.Errorf("%q is not one emoji", name)
	}
	return name, nil
}

// New checks the configuration and fills in defaults.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Searcher == nil {
		return nil, errors.New("engage: Config needs a Store and a Searcher")
	}
	if cfg.Poster == nil {
		cfg.Poster = func(string) bot.Poster { return nil }
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CommandName == "" {
		cfg.CommandName = "papers"
	}
	if cfg.SaveEmoji == "" {
		cfg.SaveEmoji = "bookmark"
	}
	name, err := CheckEmoji(cfg.SaveEmoji)
	if err != nil {
		return nil, fmt.Errorf("engage: save emoji: %w", err)
	}
	save := map[string]bool{name: true}
	for short, e := range shortNames {
		if short == name || e == name {
			save[short], save[e] = true, true
		}
	}
	cfg.SaveEmoji = name
	return &Service{cfg: cfg, log: cfg.Logger, save: save}, nil
}

// IsSave reports whether a reaction's emoji is the bookmark.
func (s *Service) IsSave(emoji string) bool {
	return s.save[strings.Trim(emoji, ":")] || s.save[strings.TrimSuffix(emoji, "\ufe0f")]
}

// React records or takes back one person's reaction. A reaction on a
// message that belongs to no digest thread is ignored.
func (s *Service) React(ctx context.Context, r bot.Reaction) error {
	if r.User == "" || r.Message == "" || r.Emoji == "" {
		return nil
	}
	ds, err := s.threadsOf(ctx, r)
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		s.log.DebugContext(ctx, "reaction on a message of no digest thread", "platform", r.Platform, "channel", r.Channel, "message", r.Message)
		return nil
	}
	at := r.At
	if at.IsZero() {
		at = s.cfg.Clock.Now()
	}
	for _, d := range ds {
		m := bot.Mark{Platform: d.Platform, Team: d.Team, PaperID: d.PaperID, User: r.User,
			Kind: bot.MarkReaction, Detail: strings.Trim(r.Emoji, ":"),
			Channel: d.Channel, Thread: d.ThreadID, Message: r.Message, At: at}
		if m.Team == "" {
			m.Team = r.Team
		}
		if s.IsSave(r.Emoji) {
			m.Kind, m.Detail = bot.MarkSave, ""
		}
		var changed bool
		if r.Removed {
			changed, err = s.cfg.Store.RemoveMark(ctx, m)
		} else {
			changed, err = s.cfg.Store.AddMark(ctx, m)
		}
		if err != nil {
			return err
		}
		s.log.DebugContext(ctx, "team reaction", "platform", m.Platform, "paper", m.PaperID, "kind", m.Kind,
			"emoji", m.Detail, "removed", r.Removed, "changed", changed)
	}
	return nil
}

// threadsOf finds the digest threads a reacted message belongs to: the
// paper's post itself (its id is the thread's), a message inside a
// Discord thread (whose channel is the thread), or a Slack reply (its
// thread looked up on the platform).
func (s *Service) threadsOf(ctx context.Context, r bot.Reaction) ([]bot.Discussion, error) {
	ds, err := s.cfg.Store.DiscussionsByThread(ctx, r.Platform, r.Message, r.Channel)
	if err != nil {
		return nil, err
	}
	out := keep(ds, func(d bot.Discussion) bool {
		return (d.ThreadID == r.Message && d.Channel == r.Channel) || d.ThreadID == r.Channel
	})
	if len(out) > 0 {
		return out, nil
	}
	mt, _ := s.cfg.Poster(r.Platform).(bot.MessageThreader)
	if mt == nil {
		return nil, nil
	}
	thread, err := mt.ThreadOfMessage(ctx, r.Team, r.Channel, r.Message)
	if err != nil || thread == "" || thread == r.Message {
		if err != nil {
			s.log.WarnContext(ctx, "finding the thread of a reacted message", "platform", r.Platform, "channel", r.Channel, "err", err)
		}
		return nil, nil
	}
	ds, err = s.cfg.Store.DiscussionsByThread(ctx, r.Platform, thread)
	if err != nil {
		return nil, err
	}
	return keep(ds, func(d bot.Discussion) bool { return d.Channel == r.Channel }), nil
}

func keep[T any](in []T, ok func(T) bool) []T {
	var out []T
	for _, v := range in {
		if ok(v) {
			out = append(out, v)
		}
	}
	return out
}

// DiscussionsOf returns the store's discussions with each thread's
// reaction count and the people who reacted or saved the paper there.
func (s *Service) DiscussionsOf(ctx context.Context, scope bot.Scope, paperIDs ...string) (map[string][]bot.Discussion, error) {
	disc, err := s.cfg.Store.DiscussionsOf(ctx, scope, paperIDs...)
	if err != nil || len(disc) == 0 {
		return disc, err
	}
	ids := make([]string, 0, len(disc))
	for id := range disc {
		ids = append(ids, id)
	}
	marks, err := s.cfg.Store.MarksOf(ctx, scope, ids...)
	if err != nil {
		s.log.WarnContext(ctx, "reading the team's reactions", "err", err)
		return disc, nil
	}
	for id, ds := range disc {
		for i := range ds {
			people := map[string]bool{}
			for _, m := range marks[id] {
				if m.Thread != ds[i].ThreadID || m.Channel != ds[i].Channel {
					continue
				}
				people[m.User] = true
				if m.Kind == bot.MarkReaction {
					ds[i].Reactions++
				}
			}
			ds[i].People = len(people)
		}
	}
	return disc, nil
}

// PeopleOf counts, for each paper, the people who reacted to or saved it
// in any team (each person of each team once), for the trending score.
func (s *Service) PeopleOf(ctx context.Context, paperIDs []string) (map[string]int, error) {
	marks, err := s.cfg.Store.AllMarksOf(ctx, paperIDs...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(marks))
	for id, ms := range marks {
		seen := map[[3]string]bool{}
		for _, m := range ms {
			seen[[3]string{m.Platform, m.Team, m.User}] = true
		}
		out[id] = len(seen)
	}
	return out, nil
}
