package main

import (
	"context"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/engage"
	"github.com/paperbot/paperbot/internal/clock"
)

// setupEngage builds the team's-signal service on the state store (opened
// by setupDigest, which runs first): reactions from the adapters, save,
// saved and unsave, reaction counts on discussion links, and the people
// term of the trending score.
func setupEngage(_ context.Context, a *app, bc *bot.Config) error {
	ms, ok := a.state.(bot.MarkStore)
	if !ok || a.state == nil {
		return nil
	}
	svc, err := engage.New(engage.Config{
		Store: struct {
			bot.MarkStore
			bot.Discussions
		}{ms, a.state},
		Searcher:    bc.Searcher,
		Poster:      a.posterFor,
		SaveEmoji:   a.cfg.Dig.BookmarkEmoji,
		Clock:       clock.System{},
		Logger:      a.log.With("part", "engage"),
		CommandName: a.cfg.Bot.Command,
	})
	if err != nil {
		return err
	}
	a.engage = svc
	bc.Discussions = svc
	bc.More = append(bc.More, svc)
	return nil
}

// reactionTaker is an adapter that can hand reactions on (Slack, Discord).
type reactionTaker interface {
	SetReactions(bot.ReactionSink)
}

// wireReactions gives an adapter the engage service, when there is one.
func (a *app) wireReactions(adapter any) {
	if rt, ok := adapter.(reactionTaker); ok && a.engage != nil {
		rt.SetReactions(a.engage)
	}
}
