package discord

import (
	"context"
	"errors"
	"net/http"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// codeUnknownGuild: no such server.
const codeUnknownGuild = 10004

var _ bot.TeamChecker = (*Adapter)(nil)

// CheckTeam reports whether the bot is still in a server (bot.TeamChecker):
// a fault.NotFound error when Discord will not show it the server (GET
// /guilds/{id}: 403 Missing Access for a server that removed the bot, 404
// Unknown Guild for one deleted). The digest then skips the days of the
// server's subscriptions without trying to post (each post was refused,
// and tried again, five times a day), and posts again once the bot is
// added back. When Discord cannot be asked (down, rate-limited), nil: the
// posts are tried, as before.
func (a *Adapter) CheckTeam(ctx context.Context, guild string) error {
	if guild == "" {
		return nil
	}
	var g struct {
		ID string `json:"id"`
	}
	err := a.rest.do(ctx, "GET", "/guilds/"+guild, "GET /guilds/"+guild, nil, &g)
	if e, ok := errors.AsType[*APIError](err); ok &&
		(e.Code == codeMissingAccess || e.Code == codeUnknownGuild || e.Status == http.StatusForbidden || e.Status == http.StatusNotFound) {
		return fault.Wrap(fault.NotFound, err, "paperbot is no longer in the Discord server %s (it was removed from it, or the server was deleted)", guild)
	}
	if err != nil {
		a.log.WarnContext(ctx, "discord: could not tell whether the bot is still in a server; posting as usual", "guild", guild, "err", err)
	}
	return nil
}
